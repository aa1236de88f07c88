"""Assertions the suite makes in many places, written once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError, CancelledError

from stigmer_sdk import AgentExecution, StigmerClient


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
