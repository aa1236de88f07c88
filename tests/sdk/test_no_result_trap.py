"""The bare-``except`` trap: a handshake activity that swallows the complete-async signal
completes with ``None``; ``execute_to_terminal`` fails the workflow, non-retryable, naming the
trap, instead of failing its workflow task forever."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import temporalio.client
from temporalio import activity
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from stigmer_sdk import AgentExecution, AgentExecutionSpec, StigmerClient, execute_and_wait_pending
from stigmer_sdk.in_workflow import NO_RESULT_TYPE
from stigmer_sdk.sandbox import sandboxed_workflow_runner

from helpers.workflows import TerminalCallerWorkflow

pytestmark = pytest.mark.integration


class _Trapped:
    def __init__(self, stigmer: StigmerClient) -> None:
        self._stigmer = stigmer

    @activity.defn(name="run_agent")
    async def run_agent(self, request: AgentExecution) -> AgentExecution:
        try:  # noqa: SIM105 -- the trap under test, as a user writes it
            await execute_and_wait_pending(self._stigmer, request)
        except:  # noqa: E722
            pass
        return None  # type: ignore[return-value]


async def test_a_swallowed_pending_signal_fails_the_workflow_naming_the_trap(
    temporal_client: temporalio.client.Client, stigmer_client: StigmerClient, task_queue: str
) -> None:
    async with Worker(
        temporal_client,
        task_queue=task_queue,
        workflows=[TerminalCallerWorkflow],
        activities=[_Trapped(stigmer_client).run_agent],
        workflow_runner=sandboxed_workflow_runner(),
    ):
        handle = await temporal_client.start_workflow(
            TerminalCallerWorkflow.run,
            AgentExecution(spec=AgentExecutionSpec(agent_id="a", message="m")),
            id=f"trapped-{uuid.uuid4()}",
            task_queue=task_queue,
            # Without the check the workflow task fails forever; this ends the test instead.
            execution_timeout=timedelta(seconds=60),
        )
        with pytest.raises(WorkflowFailureError) as failure:
            await handle.result()
    cause = failure.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == NO_RESULT_TYPE
    assert cause.non_retryable
    assert "bare `except:`" in cause.message
