"""Workflows of the side-by-side benchmark, shared by every pipeline (imported by the workers).

* :class:`BenchCallerWorkflow` is the caller: it runs one handshake activity (the SDK's, the
  hand-written RAW one, or the in-process floor) and returns the delivered execution.
* :class:`DocsCallerWorkflow` runs it as docs/python-sdk.md's quick start does, through
  ``stigmer_sdk.in_workflow.execute_to_terminal`` (whose cancellation path pushes the cancel to the
  service, where the service implements ``cancel``).
* :class:`RawServiceWorkflow` is the RAW service's workflow: an agent activity, then an activity
  that completes the caller's activity with its token. Nothing else: no store, no timer.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.workflow import ActivityCancellationType

with workflow.unsafe.imports_passed_through():
    from stigmer_sdk import in_workflow as stigmer_workflow
    from stigmer_sdk.api.agentic.agentexecution.v1.api_pb2 import AgentExecution
    from stigmer_sdk.caller import handshake_activity_options

#: Activity names.
HANDSHAKE_ACTIVITY = "handshake"
FLOOR_ACTIVITY = "floor"
RAW_AGENT_ACTIVITY = "raw_agent"
RAW_COMPLETE_ACTIVITY = "raw_complete"


@workflow.defn
class BenchCallerWorkflow:
    """One handshake (or one floor completion) as a caller's workflow would run it."""

    @workflow.run
    async def run(
        self, request: AgentExecution, activity: str, wait_for_cancellation: bool = False
    ) -> AgentExecution:
        # Waiting for the cancellation keeps the workflow open until the service reports the
        # activity cancelled: the heartbeat relay can only tell a caller that is still open.
        result: AgentExecution = await workflow.execute_activity(
            activity,
            request,
            start_to_close_timeout=timedelta(hours=2),
            retry_policy=RetryPolicy(maximum_attempts=1),
            result_type=AgentExecution,
            cancellation_type=(
                ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
                if wait_for_cancellation
                else ActivityCancellationType.TRY_CANCEL
            ),
        )
        return result


@workflow.defn
class DocsCallerWorkflow:
    """One handshake through the SDK's terminal-result helper, as the quick start runs it."""

    @workflow.run
    async def run(self, request: AgentExecution, activity: str) -> AgentExecution:
        return await stigmer_workflow.execute_to_terminal(
            activity, request, **handshake_activity_options(expected_duration=timedelta(hours=1))
        )


@workflow.defn
class RawServiceWorkflow:
    """The RAW service: run the agent, then complete the caller (the token stays in memory)."""

    @workflow.run
    async def run(self, execution: AgentExecution) -> None:
        result: AgentExecution = await workflow.execute_activity(
            RAW_AGENT_ACTIVITY,
            execution,
            start_to_close_timeout=timedelta(hours=2),
            result_type=AgentExecution,
        )
        await workflow.execute_activity(
            RAW_COMPLETE_ACTIVITY,
            result,
            start_to_close_timeout=timedelta(seconds=60),
        )
