"""A caller application's workflow for tests: one handshake activity, its execution returned.

`CallerWorkflow` runs the activity named by `CallerOptions.activity` (default `CALLER_ACTIVITY`)
with the request and returns what the service delivers; `caller_activity` is that activity for a
`StigmerClient` (`stigmer_sdk.caller.execute_and_wait_pending`). Register both on a worker of
the caller's task queue:

Example:
    ```python
    async with Worker(
        temporal_client,
        task_queue="callers",
        workflows=[CallerWorkflow],
        activities=[caller_activity(stigmer_client)],
        workflow_runner=sandboxed_workflow_runner(),
    ):
        result = await temporal_client.execute_workflow(
            CallerWorkflow.run,
            args=[request, CallerOptions()],
            id="caller-1",
            task_queue="callers",
        )
    ```
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from stigmer_sdk.api.agentic.agentexecution.v1.api_pb2 import AgentExecution
    from stigmer_sdk.caller import execute_and_wait_pending
    from stigmer_sdk.client import StigmerClient

#: The name of `CallerWorkflow`'s handshake activity unless `CallerOptions.activity` names another.
CALLER_ACTIVITY = "run_agent"


@dataclass
class CallerOptions:
    """How `CallerWorkflow` runs its handshake activity."""

    #: The activity to run: `CALLER_ACTIVITY`, or an activity of the test's own.
    activity: str = CALLER_ACTIVITY
    start_to_close_seconds: float = 120.0
    #: 1: a failed attempt fails the caller at once; 0: retried without bound.
    maximum_attempts: int = 1
    retry_interval_seconds: float = 1.0
    #: On the caller's cancel, wait for the service to report the activity cancelled
    #: (``WAIT_CANCELLATION_COMPLETED``) instead of moving on at once (``TRY_CANCEL``).
    wait_for_cancellation: bool = False


@workflow.defn(name="stigmer-testing/caller")
class CallerWorkflow:
    """Calls an agent through one handshake activity and returns the delivered execution."""

    @workflow.run
    async def run(
        self, request: AgentExecution, options: CallerOptions | None = None
    ) -> AgentExecution:
        options = options or CallerOptions()
        result: AgentExecution = await workflow.execute_activity(
            options.activity,
            request,
            start_to_close_timeout=timedelta(seconds=options.start_to_close_seconds),
            retry_policy=RetryPolicy(
                maximum_attempts=options.maximum_attempts,
                initial_interval=timedelta(seconds=options.retry_interval_seconds),
            ),
            cancellation_type=(
                workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
                if options.wait_for_cancellation
                else workflow.ActivityCancellationType.TRY_CANCEL
            ),
            result_type=AgentExecution,
        )
        return result


def caller_activity(
    stigmer: StigmerClient,
) -> Callable[[AgentExecution], Awaitable[AgentExecution]]:
    """`CallerWorkflow`'s handshake activity (`CALLER_ACTIVITY`) against ``stigmer``."""

    @activity.defn(name=CALLER_ACTIVITY)
    async def run_agent(request: AgentExecution) -> AgentExecution:
        await execute_and_wait_pending(stigmer, request)

    return run_agent
