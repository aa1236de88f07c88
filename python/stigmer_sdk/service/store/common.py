"""Logic and SQL shared by both backends."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import DecodeError

from stigmer_sdk.api.agentic.agentexecution.v1.api_pb2 import AgentExecution
from stigmer_sdk.api.agentic.workflowexecution.v1.api_pb2 import WorkflowExecution
from stigmer_sdk.service.store.base import (
    CompletionState,
    ExecutionKind,
    StoredExecution,
    TokenDecryptionError,
)
from stigmer_sdk.service.store.crypto import TokenCipher
from stigmer_sdk.tokens import token_digest

COLUMNS = (
    "id, kind, idempotency_key, execution, callback_token, token_encrypted, "
    "completion_state, completion_outcome, created_at, updated_at"
)


def utc_clock(clock: Callable[[], datetime] | None) -> Callable[[], datetime]:
    if clock is None:
        return lambda: datetime.now(UTC)
    source = clock

    def now() -> datetime:
        value = source()
        if value.tzinfo is None:
            raise ValueError("the store clock must return timezone-aware datetimes")
        return value.astimezone(UTC)

    return now


def check_execution(kind: ExecutionKind, execution: bytes) -> None:
    """Refuse bytes that are not ``kind``'s message or that still carry a callback token.

    The token would otherwise sit unencrypted in the execution column.
    """
    message: AgentExecution | WorkflowExecution
    message = AgentExecution() if kind is ExecutionKind.AGENT else WorkflowExecution()
    try:
        message.ParseFromString(execution)
    except DecodeError:
        raise ValueError(f"execution is not a serialized {type(message).__name__}") from None
    if message.spec.callback_token:
        raise ValueError(
            "execution still carries spec.callback_token; clear it and pass the token as "
            "callback_token"
        )


def completion_went_to(row: StoredExecution, digest: str | None) -> bool:
    """Whether a completion sent to the token of ``digest`` is the one ``row`` owes."""
    if digest is None:
        return True
    return bool(row.callback_token) and token_digest(row.callback_token) == digest


def initial_state(callback_token: bytes) -> CompletionState:
    return CompletionState.PENDING if callback_token else CompletionState.NOT_REQUESTED


def from_row(
    row: Sequence[Any],
    cipher: TokenCipher,
    to_datetime: Callable[[Any], datetime],
    *,
    tolerate_undecryptable: bool = False,
) -> StoredExecution:
    execution_id = str(row[0])
    token_error = ""
    try:
        callback_token = cipher.open(execution_id, bytes(row[4]), bool(row[5]))
    except TokenDecryptionError as error:
        if not tolerate_undecryptable:
            raise
        callback_token, token_error = b"", str(error)
    return StoredExecution(
        id=execution_id,
        kind=ExecutionKind(row[1]),
        idempotency_key=row[2],
        execution=bytes(row[3]),
        callback_token=callback_token,
        completion_state=CompletionState(row[6]),
        completion_outcome=str(row[7]),
        created_at=to_datetime(row[8]),
        updated_at=to_datetime(row[9]),
        callback_token_error=token_error,
    )
