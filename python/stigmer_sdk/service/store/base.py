"""The store's interface and types: :class:`ExecutionStore`, :class:`StoredExecution`, errors."""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self

from stigmer_sdk.errors import StigmerError
from stigmer_sdk.tokens import token_preview


class StoreError(StigmerError):
    """The execution store failed: unreachable database, closed store, inconsistent data."""


class TokenDecryptionError(StoreError):
    """A stored callback token cannot be decrypted.

    The store was opened without the key the token was encrypted with, or with another key, or the
    ciphertext was altered or copied from another execution's row.
    """


class ExecutionExistsError(StoreError):
    """An execution with this id is already stored (under another or no idempotency key)."""


class ExecutionKind(enum.Enum):
    """Which proto message a stored execution holds."""

    AGENT = "agent"
    WORKFLOW = "workflow"


class CompletionState(enum.Enum):
    """Whether the caller's activity is still owed its completion."""

    #: No callback token: fire-and-forget, nothing is owed.
    NOT_REQUESTED = "not_requested"
    #: A token is stored and the caller's completion is still owed.
    PENDING = "pending"
    #: Completion attempted; :attr:`StoredExecution.completion_outcome` says how it went.
    DELIVERED = "delivered"


@dataclass(frozen=True, repr=False)
class StoredExecution:
    """One stored execution, with its decrypted callback token.

    ``repr`` and ``str`` show the token's preview and length, never the token.
    """

    #: Execution id assigned by the service.
    id: str
    #: Agent or workflow execution.
    kind: ExecutionKind
    #: Key of the caller's activity (``v1:...``), or ``None`` when the caller sent none.
    idempotency_key: str | None
    #: Serialized ``AgentExecution`` / ``WorkflowExecution``, without the callback token.
    execution: bytes
    #: Raw callback token, decrypted; ``b""`` when none. A bearer secret: never log it.
    callback_token: bytes
    #: Whether the caller's completion is still owed.
    completion_state: CompletionState
    #: Completion outcome (``COMPLETED``, ``ALREADY_COMPLETED``, ...); ``""`` until delivered.
    completion_outcome: str
    #: When the execution was first stored (UTC).
    created_at: datetime
    #: When the row last changed (UTC).
    updated_at: datetime
    #: Why the stored token could not be decrypted (``callback_token`` is then ``b""``). Only
    #: :meth:`ExecutionStore.list_pending` returns such rows; the other methods raise.
    callback_token_error: str = ""

    @property
    def callback_token_preview(self) -> str:
        """The loggable preview of the callback token (see :func:`token_preview`)."""
        if self.callback_token_error:
            return "<undecryptable>"
        return token_preview(self.callback_token)

    def __repr__(self) -> str:
        return (
            f"StoredExecution(id={self.id!r}, kind={self.kind.value}, "
            f"idempotency_key={self.idempotency_key!r}, execution=<{len(self.execution)} bytes>, "
            f"callback_token=<preview={self.callback_token_preview!r}, "
            f"length={len(self.callback_token)}>, "
            f"completion_state={self.completion_state.value}, "
            f"completion_outcome={self.completion_outcome!r}, "
            f"created_at={self.created_at.isoformat()}, updated_at={self.updated_at.isoformat()})"
        )

    __str__ = __repr__


class ExecutionStore(abc.ABC):
    """Durable executions and callback tokens. Open one with :func:`open_store`.

    Every method is safe to call concurrently from one event loop, and the PostgreSQL backend from
    several processes sharing a database.
    """

    #: Schema versions this instance applied when it was opened (empty when already up to date).
    migrations_applied: tuple[int, ...] = ()

    @abc.abstractmethod
    async def create(
        self,
        *,
        id: str,
        kind: ExecutionKind,
        execution: bytes,
        callback_token: bytes,
        idempotency_key: str | None,
    ) -> tuple[StoredExecution, bool]:
        """Store a new execution, or return the one already stored for ``idempotency_key``.

        With an ``idempotency_key`` already stored for ``kind``, nothing is inserted and the
        existing execution is returned with ``False``. A non-empty ``callback_token`` (a retried
        caller activity has a new one) then replaces the stored token, and makes the completion
        owed again unless it was already delivered. Otherwise the execution is inserted, owing a
        completion when ``callback_token`` is non-empty, and returned with ``True``. Atomic, also
        against concurrent creates with the same key.

        Raises:
            ValueError: ``execution`` is not the ``kind``'s message, or still carries a token.
            ExecutionExistsError: ``id`` is already taken by another execution.
        """

    @abc.abstractmethod
    async def get(self, id: str) -> StoredExecution | None:
        """The stored execution ``id``, or ``None`` if there is none.

        Raises:
            TokenDecryptionError: its token is encrypted and this store cannot decrypt it.
        """

    @abc.abstractmethod
    async def update_execution(self, id: str, execution: bytes) -> StoredExecution:
        """Replace the serialized execution of ``id``; the token and completion are untouched.

        Raises:
            KeyError: no execution ``id``.
            ValueError: ``execution`` is not the stored kind's message, or carries a token.
        """

    @abc.abstractmethod
    async def mark_completion(
        self, id: str, outcome: str, *, token_digest: str | None = None
    ) -> StoredExecution:
        """Record that the caller's completion was attempted, with its ``outcome``.

        With ``token_digest`` (:func:`stigmer_sdk.tokens.token_digest` of the token the
        completion went to), the mark is conditional and atomic: when the stored token is empty
        or another one (a retried caller replaced it meanwhile), nothing changes and the row is
        returned as it is, still owing the newer token its completion.

        Raises:
            KeyError: no execution ``id``.
        """

    @abc.abstractmethod
    async def list_pending(
        self, *, older_than: timedelta | None = None, kind: ExecutionKind | None = None
    ) -> list[StoredExecution]:
        """Executions whose caller is still owed a completion, oldest first.

        ``older_than`` keeps those created at least that long ago; ``kind`` keeps one kind.
        Fire-and-forget executions (no token) are never listed. A row whose token cannot be
        decrypted (wrong or missing key) is listed, not raised: its ``callback_token`` is empty
        and ``callback_token_error`` says why, so one bad row hides none of the others.
        """

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the database connections. Idempotent; the store is unusable afterwards."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
