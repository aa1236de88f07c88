"""The service's bookkeeping activities: store reads and writes, and the caller heartbeat.

They keep the workflow deterministic and keep the callback token out of its input: the token is
read from the store only when the caller is heartbeated or completed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import temporalio.client
from temporalio import activity
from temporalio.exceptions import ApplicationError

from stigmer_sdk.api.agentic.agentexecution.v1 import api_pb2 as agent_api
from stigmer_sdk.api.agentic.agentexecution.v1 import enum_pb2 as agent_enum
from stigmer_sdk.api.agentic.workflowexecution.v1 import api_pb2 as workflow_api
from stigmer_sdk.api.sdk.v1 import completion_pb2
from stigmer_sdk.completion import (
    CompletionOutcome,
    CompletionResult,
    complete_external_activity,
    heartbeat_external_activity,
    report_external_cancellation,
)
from stigmer_sdk.service.runner import now_rfc3339
from stigmer_sdk.service.store import (
    CompletionState,
    ExecutionKind,
    ExecutionStore,
    StoredExecution,
)
from stigmer_sdk.service.workflows import (
    BEGIN_ACTIVITY,
    FINISH_ACTIVITY,
    HEARTBEAT_CALLER_ACTIVITY,
    LOAD_TOKEN_ACTIVITY,
    PHASE_CANCELLED,
    PHASE_COMPLETED,
    PHASE_FAILED,
    RECORD_COMPLETION_ACTIVITY,
    BeginResult,
    ExecutionRef,
    FinishInput,
    RecordCompletionInput,
)
from stigmer_sdk.system import COMPLETION_TRANSIENT_TYPE
from stigmer_sdk.tokens import token_digest

logger = logging.getLogger("stigmer_sdk.service")

Execution = agent_api.AgentExecution | workflow_api.WorkflowExecution

#: Annotations that keep a failed execution's failure type and retryability, for redelivery.
FAILURE_TYPE_ANNOTATION = "stigmer.ai/failure-type"
FAILURE_NON_RETRYABLE_ANNOTATION = "stigmer.ai/failure-non-retryable"

#: Failure type of a service activity whose execution has no row in the store.
EXECUTION_NOT_IN_STORE = "ExecutionNotInStore"

#: Phase written when the run starts.
PHASE_IN_PROGRESS = 2
TERMINAL_PHASES = frozenset({PHASE_COMPLETED, PHASE_FAILED, PHASE_CANCELLED})


def message_type(kind: ExecutionKind) -> type[Execution]:
    """The proto message stored for ``kind``."""
    return (
        agent_api.AgentExecution if kind is ExecutionKind.AGENT else workflow_api.WorkflowExecution
    )


def set_phase(execution: Execution, phase: int) -> None:
    """Set the phase; both execution packages number their phases alike."""
    status: Any = execution.status
    status.phase = phase


def decode(row: StoredExecution) -> Execution:
    """The stored execution as its proto message (never with the token)."""
    return message_type(row.kind).FromString(row.execution)


class ExecutionUpdates:
    """Serialises read-modify-write updates per execution, and wakes subscribers after each."""

    def __init__(self, store: ExecutionStore) -> None:
        self._store = store
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._changed = asyncio.Condition()

    async def update(self, execution_id: str, change: Callable[[Execution], None]) -> Execution:
        """Apply ``change`` to the stored execution and save it."""
        async with self._locks[execution_id]:
            row = await self._store.get(execution_id)
            if row is None:
                raise KeyError(execution_id)
            execution = decode(row)
            change(execution)
            await self._store.update_execution(
                execution_id, execution.SerializeToString(deterministic=True)
            )
        async with self._changed:
            self._changed.notify_all()
        return execution

    async def wait_for_change(self, timeout: float) -> None:
        """Return after the next update in this process, or after ``timeout`` seconds."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)


async def deliver_final_outcome(
    temporal_client: temporalio.client.Client, row: StoredExecution
) -> CompletionResult:
    """Complete ``row``'s caller, by its stored token, with the finished execution's outcome.

    For a token that arrived after the execution ended (or while its completion was under way):
    the result, the failure (its type and retryability kept in annotations) or the cancellation.
    """
    execution = decode(row)
    if execution.status.phase == PHASE_COMPLETED:
        return await complete_external_activity(
            temporal_client, row.callback_token, result=execution, execution_id=row.id
        )
    if execution.status.phase == PHASE_CANCELLED:
        return await report_external_cancellation(
            temporal_client, row.callback_token, execution_id=row.id
        )
    annotations = execution.metadata.annotations
    failure = completion_pb2.ActivityFailure(
        message=execution.status.error,
        type=annotations.get(FAILURE_TYPE_ANNOTATION, "AGENT_EXECUTION_FAILED"),
        non_retryable=annotations.get(FAILURE_NON_RETRYABLE_ANNOTATION) == "true",
    )
    return await complete_external_activity(
        temporal_client, row.callback_token, failure=failure, execution_id=row.id
    )


def _not_in_store(execution_id: str) -> ApplicationError:
    # Retryable on purpose: when two services with different stores poll one task queue
    # (a misconfiguration), a retry can land on the worker that owns the row.
    return ApplicationError(
        f"execution {execution_id} is not in this service's store; is another Stigmer "
        f"service with a different store polling task queue {activity.info().task_queue!r}?",
        type=EXECUTION_NOT_IN_STORE,
    )


class ServiceActivities:
    """Activities of the invoke workflows, bound to the store and the Temporal client."""

    def __init__(
        self,
        store: ExecutionStore,
        updates: ExecutionUpdates,
        temporal_client: temporalio.client.Client,
    ) -> None:
        self._store = store
        self._updates = updates
        self._client = temporal_client

    async def _row(self, execution_id: str) -> StoredExecution:
        row = await self._store.get(execution_id)
        if row is None:
            raise _not_in_store(execution_id)
        return row

    async def _update(self, execution_id: str, change: Callable[[Execution], None]) -> Execution:
        try:
            return await self._updates.update(execution_id, change)
        except KeyError:
            raise _not_in_store(execution_id) from None

    @activity.defn(name=BEGIN_ACTIVITY)
    async def begin(self, ref: ExecutionRef) -> BeginResult:
        """Mark the execution IN_PROGRESS and hand it to the runner (without its token)."""

        def start(execution: Execution) -> None:
            if execution.status.phase not in TERMINAL_PHASES:
                set_phase(execution, PHASE_IN_PROGRESS)
            if not execution.status.started_at:
                execution.status.started_at = now_rfc3339()

        execution = await self._update(ref.execution_id, start)
        row = await self._row(ref.execution_id)
        return BeginResult(
            execution.SerializeToString(deterministic=True), bool(row.callback_token)
        )

    @activity.defn(name=FINISH_ACTIVITY)
    async def finish(self, finish: FinishInput) -> bytes:
        """Write the final status; keep the runner's status (messages, output) when given."""
        kind = ExecutionKind(finish.kind)

        def close(execution: Execution) -> None:
            if finish.result:
                runner_result = message_type(kind).FromString(finish.result)
                started_at = execution.status.started_at
                execution.status.CopyFrom(runner_result.status)  # type: ignore[arg-type]
                execution.status.started_at = execution.status.started_at or started_at
            set_phase(execution, finish.phase)
            if finish.error:
                execution.status.error = finish.error
            if finish.failure_type:
                annotations = execution.metadata.annotations
                annotations[FAILURE_TYPE_ANNOTATION] = finish.failure_type
                annotations[FAILURE_NON_RETRYABLE_ANNOTATION] = str(finish.non_retryable).lower()
            execution.status.completed_at = now_rfc3339()

        execution = await self._update(finish.execution_id, close)
        logger.info(
            "Execution finished execution_id=%s phase=%s",
            finish.execution_id,
            agent_enum.ExecutionPhase.Name(agent_enum.ExecutionPhase.ValueType(finish.phase)),
        )
        return execution.SerializeToString(deterministic=True)

    @activity.defn(name=LOAD_TOKEN_ACTIVITY)
    async def load_callback_token(self, ref: ExecutionRef) -> bytes:
        """The newest callback token of the execution (``b""`` for fire-and-forget)."""
        return (await self._row(ref.execution_id)).callback_token

    @activity.defn(name=RECORD_COMPLETION_ACTIVITY)
    async def record_completion(self, record: RecordCompletionInput) -> None:
        """Remember what became of the caller's completion, for ``stigmer-sdk pending``.

        A retried caller may have replaced the token while the old one was being completed; the
        newer token then gets the outcome too, so the retried attempt does not wait for its
        timeout.
        """
        if not record.token_digest:
            # Input of a workflow started before token digests were recorded.
            if (await self._row(record.execution_id)).callback_token:
                await self._store.mark_completion(record.execution_id, record.outcome)
            return
        outcome, digest = record.outcome, record.token_digest
        while True:
            try:
                row = await self._store.mark_completion(
                    record.execution_id, outcome, token_digest=digest
                )
            except KeyError:
                raise _not_in_store(record.execution_id) from None
            # Still owed after the mark: the stored token is not the one completed.
            if row.completion_state is not CompletionState.PENDING or not row.callback_token:
                return
            logger.info(
                "A retried caller's token arrived during completion, completing it too "
                "execution_id=%s token_preview=%s",
                row.id,
                row.callback_token_preview,
            )
            result = await deliver_final_outcome(self._client, row)
            if result.outcome is CompletionOutcome.TRANSIENT:
                # Retried from the start: the mark above again finds the newer token owed.
                raise ApplicationError(result.message, type=COMPLETION_TRANSIENT_TYPE)
            outcome, digest = result.outcome.name, token_digest(row.callback_token)

    @activity.defn(name=HEARTBEAT_CALLER_ACTIVITY)
    async def heartbeat_caller(self, ref: ExecutionRef) -> str:
        """Heartbeat the caller's activity with the latest progress; report a cancel request."""
        row = await self._row(ref.execution_id)
        execution = decode(row)
        details: list[Any] = []
        if isinstance(execution, agent_api.AgentExecution) and execution.status.messages:
            details.append(execution.status.messages[-1].content)
        result = await heartbeat_external_activity(self._client, row.callback_token, *details)
        return result.outcome.name

    async def record_progress(self, execution_id: str, note: str) -> None:
        """Append a progress note to an agent execution's messages (runner callback)."""

        def append(execution: Execution) -> None:
            if isinstance(execution, agent_api.AgentExecution):
                execution.status.messages.add(
                    type=agent_enum.MESSAGE_SYSTEM, content=note, timestamp=now_rfc3339()
                )

        try:
            await self._updates.update(execution_id, append)
        except KeyError:
            logger.warning("Progress for an unknown execution execution_id=%s", execution_id)

    def activities(self) -> Sequence[Callable[..., Any]]:
        """The activities to register on the service worker."""
        return [
            self.begin,
            self.finish,
            self.load_callback_token,
            self.record_completion,
            self.heartbeat_caller,
        ]
