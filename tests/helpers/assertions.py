"""Assertions the suite makes in many places, written once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import pytest
import temporalio.service
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ApplicationError, CancelledError

from stigmer_sdk import AgentExecution, StigmerClient
from stigmer_sdk._execution import ExecutionKind
from stigmer_sdk.service.start_invoke import workflow_id_for


async def activity_failure(outcome: Awaitable[object]) -> ApplicationError:
    """The typed error a caller's activity failed with; ``outcome`` is its workflow's result,
    which must fail."""
    with pytest.raises(WorkflowFailureError) as raised:
        await outcome
    # The workflow's failure is the activity's error; its cause is the activity's own error.
    cause = getattr(raised.value.cause, "cause", None)
    assert isinstance(cause, ApplicationError), raised.value
    return cause


async def assert_activity_failed(
    outcome: Awaitable[object], type: str, message: str, *, non_retryable: bool = True
) -> None:
    """The caller's workflow (its result ``outcome``) failed with the typed error ``type``."""
    cause = await activity_failure(outcome)
    assert (cause.type, cause.message, cause.non_retryable) == (type, message, non_retryable)


async def assert_cancelled(outcome: Awaitable[object]) -> None:
    """The caller's workflow (its result ``outcome``) ended cancelled."""
    with pytest.raises(WorkflowFailureError) as raised:
        await outcome
    assert isinstance(raised.value.cause, CancelledError), raised.value


async def wait_for_phase(
    client: StigmerClient, execution_id: str, phase: int, timeout: float = 60
) -> AgentExecution:
    """The agent execution once the service reports it in ``phase``."""

    async def wait() -> AgentExecution:
        while True:
            execution = await client.get_agent_execution(execution_id)
            if execution.status.phase == phase:
                return execution
            await asyncio.sleep(0.1)

    return await asyncio.wait_for(wait(), timeout)


async def started_invoke_workflow(
    temporal: Client,
    execution_id: str,
    *,
    kind: ExecutionKind = ExecutionKind.AGENT,
    result_type: type | None = None,
    timeout: float = 60,
) -> WorkflowHandle[Any, Any]:
    """The handle of an execution's invoke workflow once it exists: the service starts it
    after the ACK, so right after ``create`` it may not have begun yet."""
    handle = temporal.get_workflow_handle(
        workflow_id_for(kind, execution_id), result_type=result_type
    )

    async def wait() -> None:
        while True:
            try:
                await handle.describe()
                return
            except temporalio.service.RPCError as error:
                if error.status is not temporalio.service.RPCStatusCode.NOT_FOUND:
                    raise
            await asyncio.sleep(0.05)

    await asyncio.wait_for(wait(), timeout)
    return handle
