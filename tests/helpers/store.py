"""Rows of the service's store, written and finished as the service does, for tests that set a
store up by hand."""

from __future__ import annotations

from google.protobuf.message import Message
from temporalio.testing import ActivityEnvironment

from stigmer_sdk.api.agentic.agentexecution.v1.enum_pb2 import ExecutionPhase
from stigmer_sdk.service.activities import ServiceActivities
from stigmer_sdk.service.invoke_workflow import FinishInput
from stigmer_sdk.service.store import ExecutionKind, ExecutionStore, StoredExecution


async def store_agent_execution(
    store: ExecutionStore,
    execution_id: str,
    execution: Message | bytes,
    callback_token: bytes,
    idempotency_key: str | None = None,
) -> tuple[StoredExecution, bool]:
    """``store.create`` of an agent execution (``execution`` serialized as the service does)."""
    return await store.create(
        id=execution_id,
        kind=ExecutionKind.AGENT,
        execution=(
            execution
            if isinstance(execution, bytes)
            else execution.SerializeToString(deterministic=True)
        ),
        callback_token=callback_token,
        idempotency_key=idempotency_key,
    )


async def finish_completed(activities: ServiceActivities, execution_id: str) -> None:
    """Run the service workflow's finish step of a COMPLETED agent execution, as an activity."""
    await ActivityEnvironment().run(
        activities.finish,
        FinishInput(ExecutionKind.AGENT.value, execution_id, ExecutionPhase.EXECUTION_COMPLETED),
        b"",
    )
