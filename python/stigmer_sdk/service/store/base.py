"""The store's interface and types: `ExecutionStore`, `StoredExecution`, errors."""

from __future__ import annotations

import abc
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Self

from stigmer_sdk import _contract
from stigmer_sdk._execution import ExecutionKind as ExecutionKind  # the store spells kinds so
from stigmer_sdk.errors import StigmerError
from stigmer_sdk.tokens import SHORT_DIGEST_CHARS, token_preview

#: Default largest number of connections one PostgreSQL store opens (``open_store(pool_size=)``).
DEFAULT_POOL_SIZE = 10


class StoreError(StigmerError):
    """The execution store failed: unreachable database, closed store, inconsistent data."""


class StoreNotFoundError(StoreError):
    """No store at that URL (``open_store(url, create=False)``): no database file, or a
    database without the executions table."""


class TokenDecryptionError(StoreError):
    """A stored callback token cannot be decrypted.

    The store was opened without the key the token was encrypted with, or with another key, or the
    ciphertext was altered or copied from another execution's row.
    """


class ExecutionExistsError(StoreError):
    """An execution with this id is already stored (under another or no idempotency key)."""


#: Why `IdempotencyConflictError` refused a repeated idempotency key.
ConflictReason = Literal["owner", "request", "activity"]

_CONFLICT_DETAIL: dict[str, str] = {
    "owner": "by another principal",
    "request": "for a different request (the spec differs)",
    "activity": (
        "by another activity: the callback token belongs to another namespace, workflow, run "
        "or activity than the first one sent with this key"
    ),
}


class IdempotencyConflictError(StoreError):
    """An idempotency key is already stored by the same owner, for another request or activity.

    Nothing was changed. `reason` is ``"request"`` (both request digests are known and
    differ) or ``"activity"`` (the new token decodes to another activity than the one recorded at
    the first create). ``"owner"`` is no longer raised (keys are unique per owner since schema
    version 4); it stays in the type for compatibility. The message names
    neither the stored execution nor any token.
    """

    def __init__(self, reason: ConflictReason, *, idempotency_key: str, execution_id: str) -> None:
        super().__init__(
            f"idempotency key {idempotency_key!r} is already used {_CONFLICT_DETAIL[reason]}"
        )
        #: ``"owner"``, ``"request"`` or ``"activity"``.
        self.reason: ConflictReason = reason
        #: The repeated key.
        self.idempotency_key = idempotency_key
        #: The stored execution the key belongs to; for logs, not for the refused client.
        self.execution_id = execution_id


class CompletionState(enum.Enum):
    """Whether the caller's activity is still owed its completion."""

    #: No callback token: fire-and-forget, nothing is owed.
    NOT_REQUESTED = "not_requested"
    #: A token is stored and the caller's completion is still owed.
    PENDING = "pending"
    #: Completion attempted; `StoredExecution.completion_outcome` says how it went.
    DELIVERED = "delivered"


class LoggableToken:
    """What a record holding a callback token logs of it: a preview and a short digest."""

    callback_token: bytes
    callback_token_digest: str
    callback_token_error: str

    @property
    def callback_token_preview(self) -> str:
        """The loggable preview of the callback token (see `token_preview`)."""
        if self.callback_token_error:
            return "<undecryptable>"
        return token_preview(self.callback_token)

    @property
    def callback_token_short_digest(self) -> str:
        """The ``token_digest`` log field of the stored token
        (`stigmer_sdk.tokens.short_token_digest`), from its recorded digest, so it is known
        even once the token is erased."""
        return self.callback_token_digest[:SHORT_DIGEST_CHARS]


@dataclass(frozen=True, repr=False)
class StoredExecution(LoggableToken):
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
    #: `ExecutionStore.list_pending` returns such rows; the other methods raise.
    callback_token_error: str = ""
    #: Principal that created the execution (``""`` when the service has no authentication).
    owner: str = ""
    #: Digest of the create request without its token (``""`` when the service sent none).
    request_digest: str = ""
    #: `stigmer_sdk.tokens.token_digest` of the stored token, kept after the token itself
    #: is erased (delivered); ``""`` when no token was ever stored.
    callback_token_digest: str = ""
    #: How many times the execution was rewritten since create (0: its workflow never ran).
    execution_revision: int = 0

    def __repr__(self) -> str:
        return (
            f"StoredExecution(id={self.id!r}, kind={self.kind.value}, "
            f"idempotency_key={self.idempotency_key!r}, execution=<{len(self.execution)} bytes>, "
            f"callback_token=<preview={self.callback_token_preview!r}, "
            f"length={len(self.callback_token)}>, "
            f"completion_state={self.completion_state.value}, "
            f"completion_outcome={self.completion_outcome!r}, owner={self.owner!r}, "
            f"execution_revision={self.execution_revision}, "
            f"created_at={self.created_at.isoformat()}, updated_at={self.updated_at.isoformat()})"
        )

    __str__ = __repr__


#: Annotation of a create's ``metadata.annotations`` by which a caller says whether it wants the
#: service's caller heartbeats: `CALLER_HEARTBEATS_NONE` opts out (docs/service-workflow.md).
CALLER_HEARTBEATS_ANNOTATION = _contract.ANNOTATION_CALLER_HEARTBEATS
#: Value of `CALLER_HEARTBEATS_ANNOTATION`: the caller learns of its own cancellation (no
#: heartbeat timeout on its activity); the relay never heartbeats it.
CALLER_HEARTBEATS_NONE = _contract.CALLER_HEARTBEATS_NONE


@dataclass(frozen=True, repr=False)
class HeartbeatTarget(LoggableToken):
    """What the caller-heartbeat relay needs of one owed completion: no execution blob.

    ``repr`` shows the token's preview and length, never the token.
    """

    #: Execution id.
    id: str
    #: Agent or workflow execution (names its invoke workflow).
    kind: ExecutionKind
    #: Raw callback token, decrypted; ``b""`` when it cannot be (`callback_token_error`).
    callback_token: bytes
    #: `stigmer_sdk.tokens.token_digest` of the token, as recorded.
    callback_token_digest: str
    #: Latest progress note of a running agent execution (``""``: none; at most 4096
    #: characters), the heartbeat's details.
    progress_note: str = ""
    #: Why the token could not be decrypted (``""`` when it could).
    callback_token_error: str = ""

    def __repr__(self) -> str:
        return (
            f"HeartbeatTarget(id={self.id!r}, kind={self.kind.value}, "
            f"callback_token=<preview={self.callback_token_preview!r}, "
            f"length={len(self.callback_token)}>)"
        )

    __str__ = __repr__


@dataclass(frozen=True)
class RotationReport:
    """What `ExecutionStore.rotate_key` did."""

    #: Key id every rotated token is now encrypted with (the newest configured key).
    key_id: str
    #: Tokens re-encrypted (or encrypted for the first time, if they were plain).
    rotated: int
    #: Tokens that were already under `key_id`.
    already_current: int
    #: Executions whose token cannot be decrypted with the configured keys; left as they are.
    undecryptable: tuple[str, ...]
    #: Tokens left under another key or in plain text after the run (changed concurrently by a
    #: replica with older keys, or undecryptable). The old keys can be retired when this is 0.
    remaining: int


class ExecutionStore(abc.ABC):
    """Durable executions and callback tokens. Open one with `open_store`.

    Every method is safe to call concurrently from one event loop, and the PostgreSQL backend from
    several processes sharing a database. Every write is one transaction.
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
        owner: str = "",
        request_digest: str = "",
    ) -> tuple[StoredExecution, bool]:
        """Store a new execution, or return the one already stored for ``idempotency_key``.

        The execution and its token are durable (committed) when this returns.

        Keys are scoped by ``owner``: another owner's use of the same key is another execution,
        so nobody can squat, or learn of, another principal's key. With an ``idempotency_key``
        already stored for ``kind`` and ``owner``, nothing is inserted. The repeat is refused
        with `IdempotencyConflictError` when

        - both ``request_digest`` and the stored one are non-empty and differ (``"request"``);
        - ``callback_token`` is non-empty and belongs to another activity than the first token
          stored under the key (``"activity"``). A token's activity is its namespace, workflow id,
          run id and activity id (`stigmer_sdk.tokens.TaskToken.inspect`); a token that
          does not decode, or decodes to none of the four, has the activity ``""``, which matches
          only another such token. The first token's activity is kept (as a digest) after the
          token itself is erased.

        Otherwise the existing execution is returned with ``False``; a non-empty
        ``callback_token`` (a retried caller activity has a new one) then replaces the stored
        token, and makes the completion owed again unless it was already delivered (the service
        then redelivers the recorded outcome to the new token). A new execution is inserted
        owing a completion when ``callback_token`` is non-empty, and returned with ``True``.
        Atomic, also against concurrent creates with the same key.

        Raises:
            ValueError: ``execution`` is not the ``kind``'s message, or still carries a token.
            ExecutionExistsError: ``id`` is already taken by another execution.
            IdempotencyConflictError: see above.
        """

    @abc.abstractmethod
    async def count_open(self, owner: str) -> int:
        """How many executions of ``owner`` are open (phase PENDING or IN_PROGRESS), from an
        index: for the per-principal quota. Rows written before schema version 4 count as open
        while they owe their caller a completion."""

    @abc.abstractmethod
    async def has_key(self, kind: ExecutionKind, owner: str, idempotency_key: str) -> bool:
        """Whether ``owner`` already stored an execution of ``kind`` under ``idempotency_key``
        (a repeated create then creates nothing, so no quota applies to it)."""

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
        """Record that the caller's completion was attempted, with its ``outcome``, and erase the
        token.

        The outcome is final (delivered, or the token can no longer be delivered: invalid,
        already completed, not found), so the token is erased from the store; its digest stays in
        `StoredExecution.callback_token_digest`.

        With ``token_digest`` (`stigmer_sdk.tokens.token_digest` of the token the
        completion went to), the mark is conditional and atomic: it applies only while that token
        is the stored one. When the stored token is empty (none, or already erased by an earlier
        mark) or another one (a retried caller replaced it meanwhile), nothing changes and the
        row is returned as it is, still owing the newer token its completion.

        Raises:
            KeyError: no execution ``id``.
        """

    @abc.abstractmethod
    async def finish(
        self, id: str, execution: bytes, outcome: str, *, token_digest: str | None = None
    ) -> StoredExecution:
        """`update_execution` and `mark_completion` in ONE transaction.

        The final execution is always written; the completion is marked (and the token erased)
        under the same condition as `mark_completion`. When the returned row is still
        ``PENDING`` with a token, a retried caller's newer token is owed the outcome.

        Raises:
            KeyError: no execution ``id``.
            ValueError: ``execution`` is not the stored kind's message, or carries a token.
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
    async def pending_created_at(self, *, kind: ExecutionKind | None = None) -> list[datetime]:
        """When each execution still owed a completion was created, oldest first.

        What `list_pending` lists, without reading rows or decrypting tokens (served from
        the index of owed completions): for the pending gauge.
        """

    async def pending_age_counts(self, bounds: Sequence[timedelta]) -> list[int]:
        """How many completions are owed, by age: ``len(bounds) + 1`` counts, the ``i``-th of
        executions created between ``bounds[i - 1]`` (included) and ``bounds[i]`` ago, the last
        of those at least ``bounds[-1]`` old. ``bounds`` increase.

        The SQL backends count in the database (one aggregate over the index of owed
        completions); this default counts `pending_created_at`.
        """
        now = datetime.now(UTC)
        counts = [0] * (len(bounds) + 1)
        for created in await self.pending_created_at():
            age = now - created
            counts[next((i for i, b in enumerate(bounds) if age < b), len(bounds))] += 1
        return counts

    async def heartbeat_targets(
        self, *, after: str = "", limit: int = 500
    ) -> list[HeartbeatTarget]:
        """Owed completions the heartbeat relay beats: at most ``limit`` with ids above
        ``after``, by id (keyset pages), never those whose caller opted out
        (`CALLER_HEARTBEATS_ANNOTATION`) nor those already terminal (being finished).

        The SQL backends read the id, kind, token and progress note from an index, never the
        execution blob; this default reads `list_pending`.
        """
        rows = sorted(
            (row for row in await self.list_pending() if row.id > after), key=lambda r: r.id
        )
        return [
            HeartbeatTarget(
                row.id,
                row.kind,
                row.callback_token,
                row.callback_token_digest,
                callback_token_error=row.callback_token_error,
            )
            for row in rows[:limit]
        ]

    async def unstarted_ids(
        self, older_than: timedelta, *, after: tuple[datetime, str] | None = None, limit: int = 500
    ) -> list[tuple[datetime, str, ExecutionKind]]:
        """``(created_at, id, kind)`` of what `list_unstarted` lists, oldest first, after the
        keyset position ``after`` (a previous page's last ``(created_at, id)``), at most
        ``limit``: for the reconciler, without reading blobs or decrypting tokens."""
        rows = await self.list_unstarted(older_than)
        keyed = [(row.created_at, row.id, row.kind) for row in rows]
        return [k for k in keyed if after is None or (k[0], k[1]) > after][:limit]

    @abc.abstractmethod
    async def list_unstarted(
        self,
        older_than: timedelta,
        *,
        kind: ExecutionKind | None = None,
        limit: int | None = None,
    ) -> list[StoredExecution]:
        """Executions created at least ``older_than`` ago whose execution was never rewritten
        since create (``execution_revision == 0``): their workflow's first step never ran.

        For the orphan reconciler. Oldest first, at most ``limit``; a token that cannot be
        decrypted is tolerated as in `list_pending`.
        """

    @abc.abstractmethod
    async def rotate_key(self, *, batch_size: int = 200) -> RotationReport:
        """Re-encrypt every stored token with the newest configured key, in place.

        Tokens under an older key, under no recorded key (written before key ids), in an older
        envelope (associated data of an earlier release) or in plain text are rewritten,
        ``batch_size`` rows per transaction, each only if it did not change
        meanwhile. Safe while the service runs. When the report's ``remaining`` is 0, the older
        keys can be removed from the configuration.

        Raises:
            ValueError: the store was opened without an encryption key.
        """

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the database connections. Idempotent; the store is unusable afterwards."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
