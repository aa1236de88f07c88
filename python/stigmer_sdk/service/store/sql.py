"""The logic and SQL both backends share.

Every operation is written once, as a *plan*: a generator that yields `Query` objects
(SQL with ``?`` placeholders and Python values) and receives their results. A backend only drives
plans: SQLite synchronously on its writer thread, inside the batch's transaction; PostgreSQL
asynchronously on a pooled connection, inside ``connection.transaction()``. What differs between
the two is the driver: placeholders, ``FOR UPDATE`` (PostgreSQL's row locks; SQLite's writer
holds the database lock), and how timestamps are stored.
"""

from __future__ import annotations

import abc
import hashlib
import json
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

from google.protobuf.message import DecodeError, Message

from stigmer_sdk._execution import TERMINAL_PHASES, Execution, ExecutionPhase
from stigmer_sdk.service.store.base import (
    CALLER_HEARTBEATS_ANNOTATION,
    CALLER_HEARTBEATS_NONE,
    CompletionState,
    ExecutionExistsError,
    ExecutionKind,
    ExecutionStore,
    HeartbeatTarget,
    IdempotencyConflictError,
    RotationReport,
    StoredExecution,
    StoreError,
    TokenDecryptionError,
)
from stigmer_sdk.service.store.crypto import CURRENT_ENVELOPE, TokenCipher
from stigmer_sdk.tokens import TaskToken, token_digest

_T = TypeVar("_T")

_COLUMN_NAMES = (
    "id",
    "kind",
    "idempotency_key",
    "execution",
    "callback_token",
    "token_encrypted",
    "completion_state",
    "completion_outcome",
    "created_at",
    "updated_at",
    "owner",
    "request_digest",
    "token_identity",
    "token_digest",
    "token_key_id",
    "execution_revision",
    "phase",
    "caller_heartbeats",
    "progress_note",
)
#: The columns of a row, in the order every ``SELECT`` and ``RETURNING`` lists them.
COLUMNS = ", ".join(_COLUMN_NAMES)
(
    _ID,
    _KIND,
    _KEY,
    _EXECUTION,
    _TOKEN,
    _ENCRYPTED,
    _STATE,
    _OUTCOME,
    _CREATED,
    _UPDATED,
    _OWNER,
    _REQUEST,
    _IDENTITY,
    _DIGEST,
    _KEY_ID,
    _REVISION,
    _PHASE,
    _HEARTBEATS,
    _PROGRESS,
) = range(len(_COLUMN_NAMES))
#: The columns of a row with ``NULL`` for the execution blob: the relay's reads never fetch it.
_COLUMNS_WITHOUT_BLOB = ", ".join(
    "NULL AS execution" if name == "execution" else name for name in _COLUMN_NAMES
)

_INSERT = (
    f"INSERT INTO executions ({COLUMNS}) VALUES ({', '.join('?' * len(_COLUMN_NAMES))}) "
    # Without a target it also absorbs an id collision, told apart by the caller. On PostgreSQL a
    # concurrent insert of the same key makes this wait for that transaction to end.
    f"ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
)
_SELECT_BY_ID = f"SELECT {COLUMNS} FROM executions WHERE id = ?"
# Keys are unique per owner (migration 4): another principal's use of a key is another execution.
_SELECT_BY_KEY = (
    f"SELECT {COLUMNS} FROM executions WHERE kind = ? AND owner = ? AND idempotency_key = ?"
)
#: Phases that count as open for quotas (both kinds number them alike).
OPEN_PHASES = (ExecutionPhase.EXECUTION_PENDING, ExecutionPhase.EXECUTION_IN_PROGRESS)
#: Longest progress note kept for the relay's heartbeat details (characters).
PROGRESS_NOTE_CHARS = 4096
_REPLACE_TOKEN = (
    "UPDATE executions SET callback_token = ?, token_encrypted = ?, token_key_id = ?, "
    "token_digest = ?, token_identity = ?, completion_state = CASE completion_state "
    "WHEN 'delivered' THEN 'delivered' ELSE 'pending' END, updated_at = ? "
    f"WHERE id = ? RETURNING {COLUMNS}"
)
_UPDATE_EXECUTION = (
    "UPDATE executions SET execution = ?, execution_revision = execution_revision + 1, "
    f"updated_at = ? WHERE id = ? RETURNING {COLUMNS}"
)
# The token is erased; its digest stays for later conditional marks and for the record.
_MARK = (
    "UPDATE executions SET completion_state = 'delivered', completion_outcome = ?, "
    "callback_token = ?, token_encrypted = ?, token_key_id = NULL, token_digest = ?, "
    f"updated_at = ? WHERE id = ? RETURNING {COLUMNS}"
)
#: The relay's keyset page (params: after id, limit), from the index ``executions_heartbeat``.
HEARTBEAT_TARGETS_SQL = (
    f"SELECT {_COLUMNS_WITHOUT_BLOB} FROM executions WHERE completion_state = 'pending' "
    "AND caller_heartbeats = 1 AND id > ? AND phase NOT IN "
    f"({', '.join(str(phase) for phase in sorted(TERMINAL_PHASES))}) ORDER BY id LIMIT ?"
)
#: The reconciler's keyset page (params: created at most, after created_at (twice), after id,
#: limit), from the index ``executions_unstarted``.
UNSTARTED_IDS_SQL = (
    "SELECT created_at, id, kind FROM executions WHERE execution_revision = 0 "
    "AND created_at <= ? AND (created_at > ? OR (created_at = ? AND id > ?)) "
    "ORDER BY created_at, id LIMIT ?"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def pending_age_sql(bounds: int) -> str:
    """The gauge's aggregate over the index of owed completions, for ``bounds`` age bounds
    (params: one cutoff time per bound): the total, then how many were created after each
    cutoff."""
    younger = "".join(
        ", coalesce(sum(CASE WHEN created_at > ? THEN 1 ELSE 0 END), 0)" for _ in range(bounds)
    )
    return f"SELECT count(*){younger} FROM executions WHERE completion_state = 'pending'"


# A stored token not sealed by the newest key in the current envelope: plain, under an older key,
# or in an older envelope. Parameters: the newest key id, then CURRENT_ENVELOPE.
_NOT_UNDER_KEY = (
    "length(callback_token) > 0 AND (token_key_id IS NULL OR token_key_id <> ? "
    "OR substr(callback_token, 1, 1) <> ?)"
)


@dataclass(frozen=True)
class Query:
    """One statement of a plan, with ``?`` placeholders (so no literal ``?`` or ``%``: the
    PostgreSQL driver turns each ``?`` into ``%s``)."""

    sql: str
    params: tuple[Any, ...] = ()
    #: ``"one"``: the first row or ``None``; ``"all"``: every row; ``"none"``: the row count.
    fetch: Literal["one", "all", "none"] = "none"
    #: Lock the selected rows to the end of the transaction (PostgreSQL ``FOR UPDATE``).
    lock: bool = False


#: An operation: yields queries, receives each one's result, returns the operation's result.
Plan = Generator[Query, Any, _T]


def utc_clock(clock: Callable[[], datetime] | None) -> Callable[[], datetime]:
    """The store's clock: ``clock`` checked to be timezone-aware, in UTC; else the system's."""
    if clock is None:
        return lambda: datetime.now(UTC)
    source = clock

    def now() -> datetime:
        value = source()
        if value.tzinfo is None:
            raise ValueError("the store clock must return timezone-aware datetimes")
        return value.astimezone(UTC)

    return now


@dataclass(frozen=True)
class ExecutionFacts:
    """What the store keeps in columns of an execution it also stores whole."""

    #: ``status.phase``.
    phase: int
    #: Whether the caller wants the relay's heartbeats (`CALLER_HEARTBEATS_ANNOTATION`).
    caller_heartbeats: bool
    #: The latest progress note (an agent execution's last status message), ``""`` if none.
    progress_note: str


def check_execution(kind: ExecutionKind, execution: bytes) -> int:
    """Refuse bytes that are not ``kind``'s message or that still carry a callback token (in
    its spec or its status); return the execution's phase.

    The token would otherwise sit unencrypted in the execution column.
    """
    return execution_facts(kind, execution).phase


def execution_facts(kind: ExecutionKind, execution: bytes) -> ExecutionFacts:
    """`check_execution`, returning what the store keeps in columns."""
    message: Execution = kind.message_type()
    try:
        message.ParseFromString(execution)
    except DecodeError:
        raise ValueError(f"execution is not a serialized {type(message).__name__}") from None
    if message.spec.callback_token:
        raise ValueError(
            "execution still carries spec.callback_token; clear it and pass the token as "
            "callback_token"
        )
    status: Any = message.status
    if "callback_token" in status.DESCRIPTOR.fields_by_name and status.callback_token:
        raise ValueError("execution carries status.callback_token; tokens are never stored there")
    messages = status.messages if "messages" in status.DESCRIPTOR.fields_by_name else ()
    return ExecutionFacts(
        phase=int(status.phase),
        caller_heartbeats=(
            message.metadata.annotations.get(CALLER_HEARTBEATS_ANNOTATION, "").strip().lower()
            != CALLER_HEARTBEATS_NONE
        ),
        # Only while it runs (no heartbeat after the end: the final reply is not copied).
        progress_note=(
            str(messages[-1].content)[:PROGRESS_NOTE_CHARS]
            if messages and int(status.phase) not in TERMINAL_PHASES
            else ""
        ),
    )


def token_identity(token: bytes) -> str:
    """Digest of the activity a task token belongs to: namespace, workflow id, run id and
    activity id. ``""`` for a token that does not decode or names none of the four.

    >>> token_identity(b"\\x0a\\x07default\\x12\\x04wf-1") == token_identity(
    ...     b"\\x0a\\x07default\\x12\\x04wf-1\\x28\\x02"  # another attempt of the same activity
    ... )
    True
    >>> token_identity(b"not a token")
    ''
    """
    info = TaskToken(token).inspect()
    if info is None:
        return ""
    parts = (info.namespace_id, info.workflow_id, info.run_id, info.activity_id)
    if not any(parts):
        return ""
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()


def request_digest(spec: Message) -> str:
    """Hex SHA-256 of a create request's spec without its callback token: what
    `ExecutionStore.create` compares as ``request_digest`` (the same key with another spec
    is another request). Deterministic serialization, so map order does not matter.

    >>> from stigmer_sdk.api.agentic.agentexecution.v1.spec_pb2 import AgentExecutionSpec
    >>> one = AgentExecutionSpec(agent_id="a", message="hi", callback_token=b"first")
    >>> two = AgentExecutionSpec(agent_id="a", message="hi", callback_token=b"retry")
    >>> request_digest(one) == request_digest(two) != request_digest(AgentExecutionSpec())
    True
    """
    copy = type(spec)()
    copy.CopyFrom(spec)
    if "callback_token" in copy.DESCRIPTOR.fields_by_name:
        copy.ClearField("callback_token")
    return hashlib.sha256(copy.SerializeToString(deterministic=True)).hexdigest()


def initial_state(callback_token: bytes) -> CompletionState:
    """The completion state of a new execution."""
    return CompletionState.PENDING if callback_token else CompletionState.NOT_REQUESTED


class SQLStore(ExecutionStore):
    """`ExecutionStore` on an SQL database; a backend supplies `_run`."""

    def __init__(self, cipher: TokenCipher, now: Callable[[], datetime]) -> None:
        self._cipher = cipher
        self._now = now

    @abc.abstractmethod
    async def _run(self, plan: Plan[_T], *, write: bool) -> _T:
        """Drive ``plan`` to its end; a ``write`` plan in one transaction."""

    @abc.abstractmethod
    def _to_datetime(self, value: Any) -> datetime:
        """A timestamp column's value as an aware UTC datetime."""

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect and apply missing migrations (creating the database if need be)."""

    @abc.abstractmethod
    async def exists(self) -> bool:
        """Whether the database exists and holds the executions table; creates nothing.

        Raises:
            StoreError: the database cannot be reached.
        """

    # --- Rows --------------------------------------------------------------------------------

    def _open_token(self, row: Sequence[Any]) -> bytes:
        return self._cipher.open(
            str(row[_ID]), bytes(row[_TOKEN]), bool(row[_ENCRYPTED]), row[_KEY_ID]
        )

    def _row(self, row: Sequence[Any], *, tolerate_undecryptable: bool = False) -> StoredExecution:
        token_error = ""
        try:
            callback_token = self._open_token(row)
        except TokenDecryptionError as error:
            if not tolerate_undecryptable:
                raise
            callback_token, token_error = b"", str(error)
        return StoredExecution(
            id=str(row[_ID]),
            kind=ExecutionKind(row[_KIND]),
            idempotency_key=row[_KEY],
            execution=bytes(row[_EXECUTION]),
            callback_token=callback_token,
            completion_state=CompletionState(row[_STATE]),
            completion_outcome=str(row[_OUTCOME]),
            created_at=self._to_datetime(row[_CREATED]),
            updated_at=self._to_datetime(row[_UPDATED]),
            callback_token_error=token_error,
            owner=str(row[_OWNER]),
            request_digest=str(row[_REQUEST]),
            callback_token_digest=token_digest(callback_token)
            if callback_token
            else str(row[_DIGEST]),
            execution_revision=int(row[_REVISION]),
        )

    def _current_digest(self, row: Sequence[Any]) -> str:
        """The digest of the row's token, from the token itself while it is stored.

        The column alone is not trusted while a token is stored: a replica of a release before
        digests were recorded (rolling upgrade) replaces tokens without updating it. Once the
        token is erased, the column holds the digest of the last one.
        """
        if row[_TOKEN]:
            try:
                return token_digest(self._open_token(row))
            except TokenDecryptionError:
                pass
        return str(row[_DIGEST])

    def _stored_identity(self, row: Sequence[Any]) -> str | None:
        """The activity recorded for the row's key; ``None`` while no token was stored."""
        if row[_IDENTITY] is not None:
            return str(row[_IDENTITY])
        if not row[_TOKEN]:
            return None
        try:  # a row stored before identities were recorded
            return token_identity(self._open_token(row))
        except TokenDecryptionError:
            return None

    # --- Plans -------------------------------------------------------------------------------

    def _create_plan(
        self,
        id: str,
        kind: ExecutionKind,
        execution: bytes,
        token: bytes,
        key: str | None,
        owner: str,
        request_digest: str,
    ) -> Plan[tuple[StoredExecution, bool]]:
        now = self._now()
        facts = execution_facts(kind, execution)
        stored, encrypted, kid = self._cipher.seal(id, token)
        values = (
            id,
            kind.value,
            key,
            execution,
            stored,
            encrypted,
            initial_state(token).value,
            "",
            now,
            now,
            owner,
            request_digest,
            token_identity(token) if token else None,
            token_digest(token) if token else "",
            kid,
            0,
            facts.phase,
            int(facts.caller_heartbeats),
            facts.progress_note,
        )
        inserted = yield Query(_INSERT, values, "one")
        if inserted is not None:
            return self._row(inserted), True
        existing = None
        if key is not None:
            # Row lock: concurrent retries replace the token one after another.
            existing = yield Query(_SELECT_BY_KEY, (kind.value, owner, key), "one", lock=True)
        if existing is None:
            raise ExecutionExistsError(f"execution {id!r} already exists")
        assert key is not None
        existing_id = str(existing[_ID])
        if request_digest and existing[_REQUEST] and existing[_REQUEST] != request_digest:
            raise IdempotencyConflictError("request", idempotency_key=key, execution_id=existing_id)
        if not token:
            return self._row(existing), False
        identity = token_identity(token)
        recorded = self._stored_identity(existing)
        if recorded is not None and recorded != identity:
            raise IdempotencyConflictError(
                "activity", idempotency_key=key, execution_id=existing_id
            )
        stored, encrypted, kid = self._cipher.seal(existing_id, token)
        updated = yield Query(
            _REPLACE_TOKEN,
            (stored, encrypted, kid, token_digest(token), identity, now, existing_id),
            "one",
        )
        if updated is None:
            raise StoreError(f"execution {existing_id!r} vanished during create")
        return self._row(updated), False

    def _get_plan(self, id: str) -> Plan[StoredExecution | None]:
        row = yield Query(_SELECT_BY_ID, (id,), "one")
        return None if row is None else self._row(row)

    def _rewrite(self, id: str, execution: bytes) -> Plan[Sequence[Any]]:
        """Write the execution; the raw row returned stays locked to the end of the transaction."""
        row: Sequence[Any] | None = yield Query(
            _UPDATE_EXECUTION, (execution, self._now(), id), "one"
        )
        if row is None:
            raise KeyError(id)
        # Checked against the stored kind after the write, which raising undoes: one statement
        # instead of a SELECT of the kind before it.
        facts = execution_facts(ExecutionKind(row[_KIND]), execution)
        # Only when they change: begin and finish (phase), a progress note (the relay's details).
        if facts.phase != row[_PHASE] or facts.progress_note != row[_PROGRESS]:
            yield Query(
                "UPDATE executions SET phase = ?, progress_note = ? WHERE id = ?",
                (facts.phase, facts.progress_note, id),
            )
        return row

    def _update_plan(self, id: str, execution: bytes) -> Plan[StoredExecution]:
        return self._row((yield from self._rewrite(id, execution)))

    def _mark_plan(self, id: str, outcome: str, digest: str | None) -> Plan[StoredExecution]:
        # Row lock: a concurrent create replacing the token waits, or is waited for.
        row = yield Query(_SELECT_BY_ID, (id,), "one", lock=True)
        if row is None:
            raise KeyError(id)
        return (yield from self._mark_row(row, outcome, digest))

    def _mark_row(
        self, row: Sequence[Any], outcome: str, digest: str | None
    ) -> Plan[StoredExecution]:
        """Mark the locked ``row`` if the completion went to the token it owes (any, without
        ``digest``)."""
        current = self._current_digest(row)
        if digest is not None and not (row[_TOKEN] and current == digest):
            # No token owed (none, or erased by an earlier mark), or another one is owed now.
            return self._row(row)
        marked = yield Query(_MARK, (outcome, b"", False, current, self._now(), row[_ID]), "one")
        if marked is None:
            raise KeyError(row[_ID])
        return self._row(marked)

    def _finish_plan(
        self, id: str, execution: bytes, outcome: str, digest: str | None
    ) -> Plan[StoredExecution]:
        row = yield from self._rewrite(id, execution)
        return (yield from self._mark_row(row, outcome, digest))

    def _list_plan(
        self, where: str, params: Sequence[Any], limit: int | None
    ) -> Plan[list[StoredExecution]]:
        sql = f"SELECT {COLUMNS} FROM executions WHERE {where} ORDER BY created_at, id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = yield Query(sql, tuple(params), "all")
        return [self._row(row, tolerate_undecryptable=True) for row in rows]

    def _rotate_plan(self, after: str, batch_size: int) -> Plan[tuple[int, list[str], str | None]]:
        """Re-encrypt one batch of tokens with ids above ``after``: the rotated count, the
        undecryptable ids, and the last id seen (``None`` when there were no more)."""
        kid = self._cipher.write_kid
        rows = yield Query(
            "SELECT id, callback_token, token_encrypted, token_key_id FROM executions "
            f"WHERE id > ? AND {_NOT_UNDER_KEY} ORDER BY id LIMIT ?",
            (after, kid, CURRENT_ENVELOPE, batch_size),
            "all",
            lock=True,
        )
        rotated, undecryptable = 0, []
        for execution_id, stored, encrypted, stored_kid in rows:
            try:
                token = self._cipher.open(
                    execution_id, bytes(stored), bool(encrypted), stored_kid, allow_plain=True
                )
            except TokenDecryptionError:
                undecryptable.append(str(execution_id))
                continue
            sealed, now_encrypted, new_kid = self._cipher.seal(execution_id, token)
            # Only if unchanged meanwhile (a create may have replaced it, with any key).
            rotated += yield Query(
                "UPDATE executions SET callback_token = ?, token_encrypted = ?, token_key_id = ? "
                "WHERE id = ? AND callback_token = ?",
                (sealed, now_encrypted, new_kid, execution_id, bytes(stored)),
            )
        return rotated, undecryptable, (str(rows[-1][0]) if rows else None)

    def _count_plan(self, where: str, params: tuple[Any, ...]) -> Plan[int]:
        row = yield Query(f"SELECT count(*) FROM executions WHERE {where}", params, "one")
        return int(row[0])

    # --- ExecutionStore ----------------------------------------------------------------------

    async def has_key(self, kind: ExecutionKind, owner: str, idempotency_key: str) -> bool:
        """See `ExecutionStore.has_key`."""
        where = "kind = ? AND owner = ? AND idempotency_key = ?"
        params = (kind.value, owner, idempotency_key)
        return await self._run(self._count_plan(where, params), write=False) > 0

    async def count_open(self, owner: str) -> int:
        """See `ExecutionStore.count_open`."""
        where = f"owner = ? AND phase IN ({', '.join(str(p) for p in OPEN_PHASES)})"
        return await self._run(self._count_plan(where, (owner,)), write=False)

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
        """See `ExecutionStore.create`."""
        plan = self._create_plan(
            id, kind, execution, callback_token, idempotency_key, owner, request_digest
        )
        return await self._run(plan, write=True)

    async def get(self, id: str) -> StoredExecution | None:
        """See `ExecutionStore.get`."""
        return await self._run(self._get_plan(id), write=False)

    async def update_execution(self, id: str, execution: bytes) -> StoredExecution:
        """See `ExecutionStore.update_execution`."""
        return await self._run(self._update_plan(id, execution), write=True)

    async def mark_completion(
        self, id: str, outcome: str, *, token_digest: str | None = None
    ) -> StoredExecution:
        """See `ExecutionStore.mark_completion`."""
        return await self._run(self._mark_plan(id, outcome, token_digest), write=True)

    async def finish(
        self, id: str, execution: bytes, outcome: str, *, token_digest: str | None = None
    ) -> StoredExecution:
        """See `ExecutionStore.finish`."""
        return await self._run(self._finish_plan(id, execution, outcome, token_digest), write=True)

    async def list_pending(
        self, *, older_than: timedelta | None = None, kind: ExecutionKind | None = None
    ) -> list[StoredExecution]:
        """See `ExecutionStore.list_pending`."""
        where, params = "completion_state = 'pending'", list[Any]()
        if older_than is not None:
            where += " AND created_at <= ?"
            params.append(self._now() - older_than)
        if kind is not None:
            where += " AND kind = ?"
            params.append(kind.value)
        return await self._run(self._list_plan(where, params, None), write=False)

    async def pending_created_at(self, *, kind: ExecutionKind | None = None) -> list[datetime]:
        """See `ExecutionStore.pending_created_at`."""
        sql = "SELECT created_at FROM executions WHERE completion_state = 'pending'"
        params: tuple[Any, ...] = ()
        if kind is not None:
            sql, params = sql + " AND kind = ?", (kind.value,)

        def plan() -> Plan[list[datetime]]:
            rows = yield Query(sql + " ORDER BY created_at", params, "all")
            return [self._to_datetime(row[0]) for row in rows]

        return await self._run(plan(), write=False)

    async def pending_age_counts(self, bounds: Sequence[timedelta]) -> list[int]:
        """See `ExecutionStore.pending_age_counts`: one aggregate, served from the index
        of owed completions (``created_at`` is its first column), no row sent back."""
        now = self._now()
        cutoffs = [now - bound for bound in bounds]
        sql = pending_age_sql(len(bounds))

        def plan() -> Plan[list[int]]:
            row = yield Query(sql, tuple(cutoffs), "one")
            total, *below = (int(value) for value in row)
            counts, previous = [], 0
            for count in below:
                counts.append(count - previous)
                previous = count
            return [*counts, total - previous]

        return await self._run(plan(), write=False)

    async def heartbeat_targets(
        self, *, after: str = "", limit: int = 500
    ) -> list[HeartbeatTarget]:
        """See `ExecutionStore.heartbeat_targets`: a keyset page of the relay's index,
        the execution column not fetched."""

        def plan() -> Plan[list[HeartbeatTarget]]:
            rows = yield Query(HEARTBEAT_TARGETS_SQL, (after, int(limit)), "all")
            return [self._heartbeat_target(row) for row in rows]

        return await self._run(plan(), write=False)

    def _heartbeat_target(self, row: Sequence[Any]) -> HeartbeatTarget:
        token, error = b"", ""
        try:
            token = self._open_token(row)
        except TokenDecryptionError as failure:
            error = str(failure)
        return HeartbeatTarget(
            id=str(row[_ID]),
            kind=ExecutionKind(row[_KIND]),
            callback_token=token,
            callback_token_digest=token_digest(token) if token else str(row[_DIGEST]),
            progress_note=str(row[_PROGRESS]),
            callback_token_error=error,
        )

    async def unstarted_ids(
        self, older_than: timedelta, *, after: tuple[datetime, str] | None = None, limit: int = 500
    ) -> list[tuple[datetime, str, ExecutionKind]]:
        """See `ExecutionStore.unstarted_ids`: a keyset page of the index of unstarted
        executions, three small columns read."""
        since, last_id = after or (_EPOCH, "")
        params = (self._now() - older_than, since, since, last_id, int(limit))

        def plan() -> Plan[list[tuple[datetime, str, ExecutionKind]]]:
            rows = yield Query(UNSTARTED_IDS_SQL, params, "all")
            return [(self._to_datetime(c), str(i), ExecutionKind(k)) for c, i, k in rows]

        return await self._run(plan(), write=False)

    async def list_unstarted(
        self,
        older_than: timedelta,
        *,
        kind: ExecutionKind | None = None,
        limit: int | None = None,
    ) -> list[StoredExecution]:
        """See `ExecutionStore.list_unstarted`."""
        where = "execution_revision = 0 AND created_at <= ?"
        params: list[Any] = [self._now() - older_than]
        if kind is not None:
            where += " AND kind = ?"
            params.append(kind.value)
        return await self._run(self._list_plan(where, params, limit), write=False)

    async def rotate_key(self, *, batch_size: int = 200) -> RotationReport:
        """See `ExecutionStore.rotate_key`."""
        kid = self._cipher.write_kid
        if kid is None:
            raise ValueError("rotate_key needs an encryption key; the store was opened without")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        rotated, undecryptable, after = 0, [], ""
        while True:
            count, failed, last = await self._run(self._rotate_plan(after, batch_size), write=True)
            rotated += count
            undecryptable.extend(failed)
            if last is None:
                break
            after = last
        current = await self._run(
            self._count_plan("length(callback_token) > 0 AND token_key_id = ?", (kid,)),
            write=False,
        )
        remaining = await self._run(
            self._count_plan(_NOT_UNDER_KEY, (kid, CURRENT_ENVELOPE)), write=False
        )
        return RotationReport(
            key_id=kid,
            rotated=rotated,
            already_current=max(0, current - rotated),
            undecryptable=tuple(undecryptable),
            remaining=remaining,
        )
