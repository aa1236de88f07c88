"""The service's bookkeeping activities: the store reads and writes of the invoke workflows.

They keep the workflow deterministic and the callback token out of its history: ``finish`` reads
the token from the store, completes the caller through the Temporal client and records the
outcome, so no token is ever an activity's input or result.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import temporalio.api.common.v1
import temporalio.client
import temporalio.common
from temporalio import activity
from temporalio.exceptions import ApplicationError

from stigmer_sdk.api.agentic.agentexecution.v1 import api_pb2 as agent_api
from stigmer_sdk.api.agentic.agentexecution.v1 import enum_pb2 as agent_enum
from stigmer_sdk.api.agentic.workflowexecution.v1 import api_pb2 as workflow_api
from stigmer_sdk.api.sdk.v1 import completion_pb2
from stigmer_sdk.caller import BINARY_RESULT_ENCODING, RESULT_ENCODING_ANNOTATION
from stigmer_sdk.completion import (
    CompletionOutcome,
    CompletionResult,
    complete_external_activity,
    report_external_cancellation,
)
from stigmer_sdk.converter import to_go_json
from stigmer_sdk.errors import CompletionError
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
    PHASE_CANCELLED,
    PHASE_COMPLETED,
    PHASE_FAILED,
    ExecutionRef,
    FinishInput,
)
from stigmer_sdk.system import COMPLETION_TRANSIENT_TYPE, record_completion_metrics
from stigmer_sdk.tokens import short_token_digest, token_digest, token_preview

logger = logging.getLogger("stigmer_sdk.service")

Execution = agent_api.AgentExecution | workflow_api.WorkflowExecution

#: Annotations that keep a failed execution's failure type and retryability, for redelivery.
FAILURE_TYPE_ANNOTATION = "stigmer.ai/failure-type"
FAILURE_NON_RETRYABLE_ANNOTATION = "stigmer.ai/failure-non-retryable"

#: Failure type of a service activity whose execution has no row in the store.
EXECUTION_NOT_IN_STORE = "ExecutionNotInStore"
#: Logged by the begin step, at the start of the service's workflow, when a caller is owed a
#: completion (the runbook greps for it, as for the deployed Go service's line).
COMPLETION_OWED_LOG = "Callback token present, will complete external activity on finish"

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


def clear_status_token(execution: Execution) -> Execution:
    """Drop ``status.callback_token`` (agent executions have one): the service owns status, and
    a token there would be stored, returned and put into history in clear. Returns ``execution``.
    """
    status: Any = execution.status
    if "callback_token" in status.DESCRIPTOR.fields_by_name:
        status.ClearField("callback_token")
    return execution


def decode(row: StoredExecution) -> Execution:
    """The stored execution as its proto message (never with a token, in spec or status)."""
    return clear_status_token(message_type(row.kind).FromString(row.execution))


class ExecutionUpdates:
    """Serialises read-modify-write updates per execution, and wakes subscribers after each."""

    def __init__(self, store: ExecutionStore) -> None:
        self._store = store
        #: Update lock of each execution being changed, with how many hold or wait for it; a
        #: lock is dropped when its last user leaves, so the map holds only executions in use.
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._changed = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def changing(self, execution_id: str) -> AsyncIterator[None]:
        """Hold the execution's update lock; wake subscribers afterwards."""
        lock, users = self._locks.get(execution_id) or (asyncio.Lock(), 0)
        self._locks[execution_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[execution_id]
            if users > 1:
                self._locks[execution_id] = (lock, users - 1)
            else:
                del self._locks[execution_id]
            async with self._changed:
                self._changed.notify_all()

    @property
    def locks_held(self) -> int:
        """How many executions have an update lock in use (held or waited for)."""
        return len(self._locks)

    async def update(self, execution_id: str, change: Callable[[Execution], None]) -> Execution:
        """Apply ``change`` to the stored execution and save it."""
        execution, _ = await self.update_row(execution_id, change)
        return execution

    async def update_row(
        self, execution_id: str, change: Callable[[Execution], None]
    ) -> tuple[Execution, StoredExecution]:
        """`update`, returning the row as read too (its token, completion state...)."""
        async with self.changing(execution_id):
            row = await self._store.get(execution_id)
            if row is None:
                raise KeyError(execution_id)
            execution = decode(row)
            change(execution)
            await self._store.update_execution(
                execution_id, execution.SerializeToString(deterministic=True)
            )
        return execution, row

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
            temporal_client,
            row.callback_token,
            result=result_for_caller(execution),
            execution_id=row.id,
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


def result_for_caller(execution: Execution) -> Execution | temporalio.common.RawValue:
    """The terminal execution in the encoding its caller declared on create.

    ``binary/protobuf`` when ``metadata.annotations["stigmer.ai/result-encoding"]`` says so (the
    SDKs' callers do); otherwise ``json/plain`` in the deployed Go service's shape
    (`stigmer_sdk.converter.to_go_json`), which Stigmer's own Go callers decode into
    ``any`` and every SDK's converter decodes into the proto type.
    """
    declared = execution.metadata.annotations.get(RESULT_ENCODING_ANNOTATION)
    if declared == BINARY_RESULT_ENCODING:
        return execution
    document = json.dumps(to_go_json(execution), ensure_ascii=False, separators=(",", ":"))
    return temporalio.common.RawValue(
        temporalio.api.common.v1.Payload(
            metadata={"encoding": b"json/plain"}, data=document.encode()
        )
    )


def _not_in_store(execution_id: str) -> ApplicationError:
    # Retryable on purpose: when two services with different stores poll one task queue
    # (a misconfiguration), a retry can land on the worker that owns the row.
    return ApplicationError(
        f"execution {execution_id} is not in this service's store; is another Stigmer "
        f"service with a different store polling task queue {activity.info().task_queue!r}?",
        type=EXECUTION_NOT_IN_STORE,
    )


async def deliver_outcome(
    temporal_client: temporalio.client.Client, row: StoredExecution
) -> CompletionResult:
    """`deliver_final_outcome`, with an unexpected refusal as the outcome ``FAILED``.

    So that a token Temporal refuses for another reason (PERMISSION_DENIED, say) ends recorded,
    not owed forever.
    Counted in the runbook's completion metrics when run in an activity.
    """
    started = time.monotonic()
    try:
        result = await deliver_final_outcome(temporal_client, row)
    except CompletionError as error:
        preview = row.callback_token_preview
        result = CompletionResult(CompletionOutcome.INVALID_TOKEN, str(error), preview)
    if activity.in_activity():
        record_completion_metrics(result, time.monotonic() - started)
    return result


def _start(execution: Execution) -> None:
    if execution.status.phase not in TERMINAL_PHASES:
        set_phase(execution, PHASE_IN_PROGRESS)
    if not execution.status.started_at:
        execution.status.started_at = now_rfc3339()


def _close(execution: Execution, finish: FinishInput, result: bytes) -> None:
    """Give ``execution`` its final status; keep the runner's status (messages, output)."""
    if result:
        runner_result = type(execution).FromString(result)
        started_at = execution.status.started_at
        execution.status.CopyFrom(runner_result.status)  # type: ignore[arg-type]
        clear_status_token(execution)
        execution.status.started_at = execution.status.started_at or started_at
    set_phase(execution, finish.phase)
    if finish.error:
        execution.status.error = finish.error
    if finish.failure_type:
        annotations = execution.metadata.annotations
        annotations[FAILURE_TYPE_ANNOTATION] = finish.failure_type
        annotations[FAILURE_NON_RETRYABLE_ANNOTATION] = str(finish.non_retryable).lower()
    execution.status.completed_at = execution.status.completed_at or now_rfc3339()


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

    @activity.defn(name=BEGIN_ACTIVITY)
    async def begin(self, ref: ExecutionRef) -> bytes:
        """Mark the execution IN_PROGRESS; return it, serialized, for the runner (no token).

        Logs, when a caller is owed a completion, the runbook's line at the workflow's start
        (`COMPLETION_OWED_LOG`): the token's preview, digest and length, never the token.
        """
        try:
            execution, row = await self._updates.update_row(ref.execution_id, _start)
        except KeyError:
            raise _not_in_store(ref.execution_id) from None
        if row.completion_state is CompletionState.PENDING and row.callback_token:
            logger.info(
                "%s execution_id=%s token_preview=%s token_digest=%s token_length=%d",
                COMPLETION_OWED_LOG,
                ref.execution_id,
                token_preview(row.callback_token),
                short_token_digest(row.callback_token),
                len(row.callback_token),
            )
        return execution.SerializeToString(deterministic=True)

    @activity.defn(name=FINISH_ACTIVITY)
    async def finish(self, finish: FinishInput, result: bytes) -> str:
        """Write the final status, complete the caller, record the outcome; return its name.

        The token is read from the store here, so it never enters the workflow's history. A
        transient completion error is raised (the step is retried, nothing recorded); every other
        outcome is recorded, in the same transaction as the final status. A retried caller may
        have replaced the token while the old one was being completed: the newer token then gets
        the outcome too, so the retried attempt does not wait for its timeout.
        """
        async with self._updates.changing(finish.execution_id):
            row = await self._row(finish.execution_id)
            execution = decode(row)
            _close(execution, finish, result)
            final = execution.SerializeToString(deterministic=True)
            row = dataclasses.replace(row, execution=final)
            if not row.callback_token:
                await self._store.update_execution(row.id, final)
                outcome = CompletionOutcome.EMPTY_TOKEN.name
            else:
                outcome = await self._deliver_and_record(row, final)
        logger.info(
            "Execution finished execution_id=%s phase=%s completion=%s",
            finish.execution_id,
            agent_enum.ExecutionPhase.Name(agent_enum.ExecutionPhase.ValueType(finish.phase)),
            outcome,
        )
        return outcome

    async def _deliver_and_record(self, row: StoredExecution, final: bytes) -> str:
        delivered = await deliver_outcome(self._client, row)
        if delivered.outcome is CompletionOutcome.TRANSIENT:
            raise ApplicationError(delivered.message, type=COMPLETION_TRANSIENT_TYPE)
        first = delivered.outcome.name
        outcome, digest = first, token_digest(row.callback_token)
        stored = await self._record(row.id, final, outcome, digest)
        while stored.completion_state is CompletionState.PENDING and stored.callback_token:
            # Still owed after the mark: the stored token is not the one completed.
            logger.info(
                "A retried caller's token arrived during completion, completing it too "
                "execution_id=%s token_preview=%s token_digest=%s",
                stored.id,
                stored.callback_token_preview,
                stored.callback_token_short_digest,
            )
            delivered = await deliver_outcome(self._client, stored)
            if delivered.outcome is CompletionOutcome.TRANSIENT:
                # Retried from the start: the newer token is still owed.
                raise ApplicationError(delivered.message, type=COMPLETION_TRANSIENT_TYPE)
            outcome, digest = delivered.outcome.name, token_digest(stored.callback_token)
            stored = await self._record(stored.id, None, outcome, digest)
        return first

    async def _record(
        self, execution_id: str, final: bytes | None, outcome: str, digest: str
    ) -> StoredExecution:
        """Write the final execution (when given) and the outcome for the token ``digest``, in
        one transaction; the token is erased with it."""
        try:
            if final is not None:
                return await self._store.finish(execution_id, final, outcome, token_digest=digest)
            return await self._store.mark_completion(execution_id, outcome, token_digest=digest)
        except KeyError:
            raise _not_in_store(execution_id) from None

    async def record_progress(self, execution_id: str, note: str) -> None:
        """Append a progress note to an agent execution's messages (runner callback)."""

        def append(execution: Execution) -> None:
            # Not after the end (a run the workflow no longer waits for can still report).
            if execution.status.phase in TERMINAL_PHASES:
                return
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
        return [self.begin, self.finish]
