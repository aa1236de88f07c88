"""Durable store of executions and their callback tokens, on SQLite or PostgreSQL.

The service writes an execution here, with the caller's callback token, before it acknowledges
``create``; the token therefore survives restarts, and the completion owed to the caller can always
be found again (:meth:`ExecutionStore.list_pending`). :func:`open_store` picks the backend from a
URL and brings the schema up to date:

- ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``, or ``sqlite://`` (also
  ``sqlite://:memory:``) for a private in-memory database. One process, or a few on one host.
- ``postgresql://user:password@host:port/database`` (or ``postgres://``), with any libpq URL
  parameters, for several service replicas sharing one database.

Tokens at rest: with an ``encryption_key`` (32 bytes, see :func:`load_encryption_key` and
:data:`ENCRYPTION_KEY_ENV`) each token is stored AES-256-GCM encrypted, bound to its execution id.
Without a key, tokens are stored as their plain bytes; anyone who can read the database can then
complete the callers' activities. Rows written in plain form stay readable after a key is
configured, so encryption can be switched on without a data migration.

Example:
    >>> import asyncio
    >>> async def demo() -> tuple[bool, CompletionState, str]:
    ...     store = await open_store("sqlite://")
    ...     row, created = await store.create(
    ...         id="ae-1", kind=ExecutionKind.AGENT, execution=b"",
    ...         callback_token=b"token bytes", idempotency_key="v1:abc",
    ...     )
    ...     row, created_again = await store.create(
    ...         id="ae-2", kind=ExecutionKind.AGENT, execution=b"",
    ...         callback_token=b"retried token", idempotency_key="v1:abc",
    ...     )
    ...     await store.close()
    ...     return created_again, row.completion_state, row.id
    >>> asyncio.run(demo())
    (False, <CompletionState.PENDING: 'pending'>, 'ae-1')
"""

from __future__ import annotations

import abc
import asyncio
import base64
import binascii
import contextlib
import enum
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import DecodeError

from stigmer_sdk.api.agentic.agentexecution.v1.api_pb2 import AgentExecution
from stigmer_sdk.api.agentic.workflowexecution.v1.api_pb2 import WorkflowExecution
from stigmer_sdk.errors import StigmerError
from stigmer_sdk.tokens import token_digest, token_preview

logger = logging.getLogger(__name__)

#: Environment variable holding the Base64 token encryption key; see :func:`load_encryption_key`.
ENCRYPTION_KEY_ENV = "STIGMER_TOKEN_ENCRYPTION_KEY"

#: Length of the AES-256-GCM key, in bytes.
ENCRYPTION_KEY_BYTES = 32

_T = TypeVar("_T")


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


def load_encryption_key(text: str) -> bytes:
    """Decode the token encryption key from its Base64 text (standard or URL-safe alphabet).

    Generate one with ``python -c "import base64, os; print(base64.b64encode(os.urandom(32)))"``.

    Example:
        >>> len(load_encryption_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="))
        32

    Raises:
        ValueError: the text is not Base64 of exactly 32 bytes. The message never repeats it.
    """
    cleaned = "".join(text.split()).translate(str.maketrans("-_", "+/"))
    try:
        key = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(
            f"{ENCRYPTION_KEY_ENV} must be Base64 of {ENCRYPTION_KEY_BYTES} random bytes; "
            "it is not valid Base64"
        ) from None
    if len(key) != ENCRYPTION_KEY_BYTES:
        raise ValueError(
            f"{ENCRYPTION_KEY_ENV} must be Base64 of {ENCRYPTION_KEY_BYTES} random bytes; "
            f"it decodes to {len(key)} bytes"
        )
    return key


async def open_store(
    url: str,
    *,
    encryption_key: bytes | None = None,
    clock: Callable[[], datetime] | None = None,
) -> ExecutionStore:
    """Open the store at ``url`` (see the module documentation) and apply missing migrations.

    ``encryption_key`` (32 bytes) encrypts tokens at rest. ``clock`` returns the current time for
    ``created_at`` / ``updated_at`` and ``older_than``; it must be timezone-aware (tests pass a
    fake one). Defaults to the system clock.

    Raises:
        ValueError: unknown URL scheme, or a key that is not 32 bytes.
        StoreError: the database cannot be opened or migrated.
    """
    if encryption_key is not None and len(encryption_key) != ENCRYPTION_KEY_BYTES:
        raise ValueError(
            f"encryption_key must be {ENCRYPTION_KEY_BYTES} bytes, got {len(encryption_key)}"
        )
    cipher = _TokenCipher(encryption_key)
    now = _utc_clock(clock)
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    store: _SQLiteStore | _PostgresStore
    if scheme == "sqlite":
        store = _SQLiteStore(_sqlite_path(url), cipher, now)
    elif scheme in ("postgresql", "postgres"):
        store = _PostgresStore(url, cipher, now)
    else:
        # Only the scheme is echoed: the rest of a URL may hold a password.
        raise ValueError(
            f"unsupported store URL scheme {scheme!r}: use sqlite:///path/to/file.db, sqlite:// "
            "(in memory) or postgresql://user:password@host:port/database"
        )
    try:
        await store.open()
    except BaseException:
        await store.close()
        raise
    return store


# --- Shared pieces --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Migration:
    version: int
    description: str
    statements: tuple[str, ...]


_SQLITE_MIGRATIONS: tuple[_Migration, ...] = (
    _Migration(
        1,
        "executions table",
        (
            """
            CREATE TABLE executions (
                id TEXT NOT NULL PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('agent', 'workflow')),
                idempotency_key TEXT,
                execution BLOB NOT NULL,
                callback_token BLOB NOT NULL,
                token_encrypted INTEGER NOT NULL CHECK (token_encrypted IN (0, 1)),
                completion_state TEXT NOT NULL
                    CHECK (completion_state IN ('not_requested', 'pending', 'delivered')),
                completion_outcome TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )
            """,
            # NULL keys are distinct, so executions without a key never conflict.
            "CREATE UNIQUE INDEX executions_idempotency_key ON executions (kind, idempotency_key)",
        ),
    ),
    _Migration(
        2,
        "index of owed completions",
        (
            "CREATE INDEX executions_pending ON executions (created_at, id) "
            "WHERE completion_state = 'pending'",
        ),
    ),
)

_POSTGRES_MIGRATIONS: tuple[_Migration, ...] = (
    _Migration(
        1,
        "executions table",
        (
            """
            CREATE TABLE executions (
                id TEXT NOT NULL PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('agent', 'workflow')),
                idempotency_key TEXT,
                execution BYTEA NOT NULL,
                callback_token BYTEA NOT NULL,
                token_encrypted BOOLEAN NOT NULL,
                completion_state TEXT NOT NULL
                    CHECK (completion_state IN ('not_requested', 'pending', 'delivered')),
                completion_outcome TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX executions_idempotency_key ON executions (kind, idempotency_key)",
        ),
    ),
    _Migration(
        2,
        "index of owed completions",
        (
            "CREATE INDEX executions_pending ON executions (created_at, id) "
            "WHERE completion_state = 'pending'",
        ),
    ),
)

#: Latest schema version; both backends are always at the same version.
SCHEMA_VERSION = _SQLITE_MIGRATIONS[-1].version
assert [m.version for m in _SQLITE_MIGRATIONS] == [m.version for m in _POSTGRES_MIGRATIONS]
assert [m.version for m in _SQLITE_MIGRATIONS] == list(range(1, SCHEMA_VERSION + 1))

_COLUMNS = (
    "id, kind, idempotency_key, execution, callback_token, token_encrypted, "
    "completion_state, completion_outcome, created_at, updated_at"
)

# Envelope of an encrypted token: version byte, 12-byte nonce, ciphertext with its 16-byte tag.
_ENVELOPE_V1 = b"\x01"
_NONCE_BYTES = 12
_TAG_BYTES = 16


class _TokenCipher:
    """Seals tokens for storage and opens them again; plain pass-through without a key."""

    def __init__(self, key: bytes | None) -> None:
        self._aead = AESGCM(key) if key is not None else None

    def seal(self, execution_id: str, token: bytes) -> tuple[bytes, bool]:
        """The stored form of ``token`` and whether it is encrypted."""
        if not token or self._aead is None:
            return token, False
        nonce = os.urandom(_NONCE_BYTES)
        # The id as associated data: a ciphertext copied to another row does not decrypt.
        sealed = self._aead.encrypt(nonce, token, execution_id.encode("utf-8"))
        return _ENVELOPE_V1 + nonce + sealed, True

    def open(self, execution_id: str, stored: bytes, encrypted: bool) -> bytes:
        """The raw token from its stored form."""
        if not encrypted:
            return stored
        if self._aead is None:
            raise TokenDecryptionError(
                f"callback token of execution {execution_id!r} is encrypted, but the store was "
                f"opened without an encryption key (set {ENCRYPTION_KEY_ENV})"
            )
        if len(stored) < 1 + _NONCE_BYTES + _TAG_BYTES or stored[:1] != _ENVELOPE_V1:
            raise TokenDecryptionError(
                f"callback token of execution {execution_id!r} has an unknown encrypted format"
            )
        nonce = stored[1 : 1 + _NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, stored[1 + _NONCE_BYTES :], execution_id.encode())
        except InvalidTag:
            raise TokenDecryptionError(
                f"callback token of execution {execution_id!r} cannot be decrypted: wrong "
                "encryption key, or the ciphertext was altered or copied from another execution"
            ) from None


def _utc_clock(clock: Callable[[], datetime] | None) -> Callable[[], datetime]:
    if clock is None:
        return lambda: datetime.now(UTC)
    source = clock

    def now() -> datetime:
        value = source()
        if value.tzinfo is None:
            raise ValueError("the store clock must return timezone-aware datetimes")
        return value.astimezone(UTC)

    return now


def _check_execution(kind: ExecutionKind, execution: bytes) -> None:
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


def _completion_went_to(row: StoredExecution, digest: str | None) -> bool:
    """Whether a completion sent to the token of ``digest`` is the one ``row`` owes."""
    if digest is None:
        return True
    return bool(row.callback_token) and token_digest(row.callback_token) == digest


def _initial_state(callback_token: bytes) -> CompletionState:
    return CompletionState.PENDING if callback_token else CompletionState.NOT_REQUESTED


def _from_row(
    row: Sequence[Any],
    cipher: _TokenCipher,
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


def _log_migrations(backend: str, applied: Sequence[_Migration]) -> None:
    for migration in applied:
        logger.info(
            "Applied store migration backend=%s version=%d description=%s",
            backend,
            migration.version,
            migration.description,
        )


def _warn_if_newer(backend: str, recorded: set[int]) -> None:
    newer = sorted(v for v in recorded if v > SCHEMA_VERSION)
    if newer:
        # A newer release migrated the schema (rolling upgrade); migrations only add, so go on.
        logger.warning(
            "Store schema is newer than this release backend=%s versions=%s known=%d",
            backend,
            newer,
            SCHEMA_VERSION,
        )


# --- SQLite -----------------------------------------------------------------------------------


def _sqlite_path(url: str) -> str:
    rest = url[len("sqlite://") :]
    if rest in ("", ":memory:", "/:memory:"):
        return ":memory:"
    # sqlite:///relative.db -> "relative.db"; sqlite:////abs.db -> "/abs.db" (as SQLAlchemy).
    path = rest[1:] if rest.startswith("/") else rest
    if not path:
        raise ValueError("sqlite URL has no file path: use sqlite:///path/to/file.db")
    return path


def _sqlite_time(value: datetime) -> str:
    # Fixed width, so that text order is time order in SQL comparisons.
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _sqlite_datetime(value: Any) -> datetime:
    return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


#: How long an SQLite operation waits for another connection's write lock, in seconds.
_SQLITE_BUSY_SECONDS = 30.0


def _enable_wal(connection: sqlite3.Connection) -> None:
    """Switch to WAL, so that readers never block the writer.

    synchronous stays FULL, the default, so that an acknowledged create survives a power cut.
    """
    deadline = time.monotonic() + _SQLITE_BUSY_SECONDS
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            # The switch needs an exclusive lock, and SQLite reports "locked" at once instead of
            # waiting (no busy handler) when another connection opens the same new file.
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class _SQLiteStore(ExecutionStore):
    """SQLite backend: one connection, used only from one dedicated worker thread.

    The single thread serialises every operation, so no asyncio lock is needed; each write runs in
    ``BEGIN IMMEDIATE``, which also serialises writers in other processes on the same file.
    """

    def __init__(self, path: str, cipher: _TokenCipher, now: Callable[[], datetime]) -> None:
        self._path = path
        self._cipher = cipher
        self._now = now
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stigmer-store")
        self._connection: sqlite3.Connection | None = None
        self._closed = False

    async def _run(self, operation: Callable[[sqlite3.Connection], _T]) -> _T:
        if self._closed:
            raise StoreError("the execution store is closed")
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, self._call, operation
        )

    def _call(self, operation: Callable[[sqlite3.Connection], _T]) -> _T:
        if self._connection is None:
            raise StoreError("the execution store is closed")
        try:
            return operation(self._connection)
        except sqlite3.Error as error:
            # SQLite messages name constraints and columns, never values.
            raise StoreError(f"SQLite error: {error}") from error

    @staticmethod
    @contextlib.contextmanager
    def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
            connection.execute("COMMIT")
        except BaseException:
            # Also after a failed COMMIT, which leaves the transaction open.
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    def _fetch(self, connection: sqlite3.Connection, id: str) -> StoredExecution | None:
        row = connection.execute(f"SELECT {_COLUMNS} FROM executions WHERE id = ?", (id,))
        found = row.fetchone()
        return None if found is None else _from_row(found, self._cipher, _sqlite_datetime)

    def _fetch_existing(self, connection: sqlite3.Connection, id: str) -> StoredExecution:
        stored = self._fetch(connection, id)
        if stored is None:
            raise KeyError(id)
        return stored

    async def open(self) -> None:
        """Connect, switch to WAL and apply missing migrations."""
        self.migrations_applied = await asyncio.get_running_loop().run_in_executor(
            self._executor, self._open_wrapped
        )

    def _open_wrapped(self) -> tuple[int, ...]:
        try:
            return self._open()
        except (sqlite3.Error, OSError) as error:
            raise StoreError(f"cannot open SQLite database {self._path!r}: {error}") from error

    def _open(self) -> tuple[int, ...]:
        if self._path != ":memory:":
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: transactions are explicit; timeout waits out other writers.
        connection = sqlite3.connect(
            self._path,
            timeout=_SQLITE_BUSY_SECONDS,
            isolation_level=None,
            check_same_thread=False,
        )
        self._connection = connection
        _enable_wal(connection)
        with self._transaction(connection):
            connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER NOT NULL PRIMARY KEY, description TEXT NOT NULL, "
                "applied_at TEXT NOT NULL)"
            )
            recorded = {
                row[0] for row in connection.execute("SELECT version FROM schema_migrations")
            }
            missing = [m for m in _SQLITE_MIGRATIONS if m.version not in recorded]
            for migration in missing:
                for statement in migration.statements:
                    connection.execute(statement)
                connection.execute(
                    "INSERT INTO schema_migrations (version, description, applied_at) "
                    "VALUES (?, ?, ?)",
                    (migration.version, migration.description, _sqlite_time(self._now())),
                )
        _warn_if_newer("sqlite", recorded)
        _log_migrations("sqlite", missing)
        return tuple(m.version for m in missing)

    async def create(
        self,
        *,
        id: str,
        kind: ExecutionKind,
        execution: bytes,
        callback_token: bytes,
        idempotency_key: str | None,
    ) -> tuple[StoredExecution, bool]:
        """See :meth:`ExecutionStore.create`."""
        _check_execution(kind, execution)

        def create(connection: sqlite3.Connection) -> tuple[StoredExecution, bool]:
            now = _sqlite_time(self._now())
            with self._transaction(connection):
                existing = None
                if idempotency_key is not None:
                    existing = connection.execute(
                        "SELECT id FROM executions WHERE kind = ? AND idempotency_key = ?",
                        (kind.value, idempotency_key),
                    ).fetchone()
                if existing is not None:
                    existing_id = str(existing[0])
                    if callback_token:
                        stored, encrypted = self._cipher.seal(existing_id, callback_token)
                        connection.execute(
                            "UPDATE executions SET callback_token = ?, token_encrypted = ?, "
                            "completion_state = CASE completion_state WHEN 'delivered' "
                            "THEN 'delivered' ELSE 'pending' END, updated_at = ? WHERE id = ?",
                            (stored, int(encrypted), now, existing_id),
                        )
                    return self._fetch_existing(connection, existing_id), False
                stored, encrypted = self._cipher.seal(id, callback_token)
                try:
                    connection.execute(
                        f"INSERT INTO executions ({_COLUMNS}) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            id,
                            kind.value,
                            idempotency_key,
                            execution,
                            stored,
                            int(encrypted),
                            _initial_state(callback_token).value,
                            "",
                            now,
                            now,
                        ),
                    )
                except sqlite3.IntegrityError:
                    raise ExecutionExistsError(f"execution {id!r} already exists") from None
                return self._fetch_existing(connection, id), True

        return await self._run(create)

    async def get(self, id: str) -> StoredExecution | None:
        """See :meth:`ExecutionStore.get`."""
        return await self._run(lambda connection: self._fetch(connection, id))

    async def update_execution(self, id: str, execution: bytes) -> StoredExecution:
        """See :meth:`ExecutionStore.update_execution`."""

        def update(connection: sqlite3.Connection) -> StoredExecution:
            with self._transaction(connection):
                row = connection.execute("SELECT kind FROM executions WHERE id = ?", (id,))
                found = row.fetchone()
                if found is None:
                    raise KeyError(id)
                _check_execution(ExecutionKind(found[0]), execution)
                connection.execute(
                    "UPDATE executions SET execution = ?, updated_at = ? WHERE id = ?",
                    (execution, _sqlite_time(self._now()), id),
                )
                return self._fetch_existing(connection, id)

        return await self._run(update)

    async def mark_completion(
        self, id: str, outcome: str, *, token_digest: str | None = None
    ) -> StoredExecution:
        """See :meth:`ExecutionStore.mark_completion`."""

        def mark(connection: sqlite3.Connection) -> StoredExecution:
            with self._transaction(connection):
                current = self._fetch_existing(connection, id)
                if not _completion_went_to(current, token_digest):
                    return current
                connection.execute(
                    "UPDATE executions SET completion_state = 'delivered', "
                    "completion_outcome = ?, updated_at = ? WHERE id = ?",
                    (outcome, _sqlite_time(self._now()), id),
                )
                return self._fetch_existing(connection, id)

        return await self._run(mark)

    async def list_pending(
        self, *, older_than: timedelta | None = None, kind: ExecutionKind | None = None
    ) -> list[StoredExecution]:
        """See :meth:`ExecutionStore.list_pending`."""
        query = f"SELECT {_COLUMNS} FROM executions WHERE completion_state = 'pending'"
        params: list[str] = []
        if older_than is not None:
            query += " AND created_at <= ?"
            params.append(_sqlite_time(self._now() - older_than))
        if kind is not None:
            query += " AND kind = ?"
            params.append(kind.value)
        query += " ORDER BY created_at, id"

        def select(connection: sqlite3.Connection) -> list[StoredExecution]:
            rows = connection.execute(query, params).fetchall()
            return [
                _from_row(row, self._cipher, _sqlite_datetime, tolerate_undecryptable=True)
                for row in rows
            ]

        return await self._run(select)

    async def close(self) -> None:
        """See :meth:`ExecutionStore.close`."""
        if self._closed:
            return
        self._closed = True

        def close() -> None:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

        # Queued behind any running operation, so an in-flight transaction finishes first.
        await asyncio.get_running_loop().run_in_executor(self._executor, close)
        self._executor.shutdown(wait=False)


# --- PostgreSQL -------------------------------------------------------------------------------

_PgConnection = psycopg.AsyncConnection[tuple[Any, ...]]

#: Largest number of connections one store opens to PostgreSQL.
_POSTGRES_MAX_CONNECTIONS = 10

#: A connection idle this long is checked (one empty query) before reuse: it may have been
#: closed by a server restart or pg_terminate_backend, and would fail the operation it is lent to.
_POSTGRES_CHECK_IDLE_AFTER_SECONDS = 1.0

# Key of the transaction-level advisory lock that serialises migrations across replicas.
_MIGRATION_LOCK_ID = 0x5354_474D_4552_0001


def _postgres_datetime(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise StoreError(f"expected a timestamp from PostgreSQL, got {type(value).__name__}")
    return value.astimezone(UTC)


def _postgres_error(error: psycopg.Error) -> StoreError:
    # Only the primary message of a server error: its DETAIL may quote a row, token included.
    # Hence also "from None" at the raise, which keeps the original out of logged tracebacks.
    if error.sqlstate:
        return StoreError(f"PostgreSQL error {error.sqlstate}: {error.diag.message_primary}")
    # Client-side and connection errors carry no row data.
    return StoreError(f"PostgreSQL error: {error}")


class _PostgresPool:
    """A few autocommit connections, each used by one operation at a time.

    psycopg_pool is not a dependency; this is the part of it the store needs.
    """

    def __init__(self, url: str, max_size: int) -> None:
        self._url = url
        #: Connections at rest, each with the monotonic time it was returned.
        self._idle: list[tuple[_PgConnection, float]] = []
        self._slots = asyncio.Semaphore(max_size)
        self._closed = False

    async def _connect(self) -> _PgConnection:
        try:
            connection = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
        except psycopg.Error as error:
            # libpq messages name host, port and user, never the password.
            raise StoreError(f"cannot connect to PostgreSQL: {error}") from error
        # create relies on READ COMMITTED (each statement sees rows committed before it), whatever
        # the server's default_transaction_isolation says.
        await connection.set_isolation_level(psycopg.IsolationLevel.READ_COMMITTED)
        return connection

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[_PgConnection]:
        """Borrow a connection for one operation."""
        async with self._slots:
            if self._closed:
                raise StoreError("the execution store is closed")
            connection = None
            while self._idle and connection is None:
                candidate, idle_since = self._idle.pop()
                if await self._usable(candidate, idle_since):
                    connection = candidate
                else:
                    await candidate.close()
            if connection is None:
                connection = await self._connect()
            try:
                yield connection
            except psycopg.Error as error:
                raise _postgres_error(error) from None
            finally:
                # Only a connection back at rest is reused; one left mid-query (cancelled
                # operation) or broken is dropped.
                idle = connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
                if idle and not self._closed and not connection.broken:
                    self._idle.append((connection, time.monotonic()))
                else:
                    await connection.close()

    @staticmethod
    async def _usable(connection: _PgConnection, idle_since: float) -> bool:
        if connection.broken or connection.closed:
            return False
        if time.monotonic() - idle_since < _POSTGRES_CHECK_IDLE_AFTER_SECONDS:
            return True
        try:
            await connection.execute("")
        except psycopg.Error:
            return False
        return True

    async def close(self) -> None:
        """Close the idle connections; borrowed ones close when they come back."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection, _ in idle:
            await connection.close()


class _PostgresStore(ExecutionStore):
    """PostgreSQL backend; several service replicas may share one database."""

    def __init__(self, url: str, cipher: _TokenCipher, now: Callable[[], datetime]) -> None:
        self._pool = _PostgresPool(url, _POSTGRES_MAX_CONNECTIONS)
        self._cipher = cipher
        self._now = now

    def _row(self, row: Sequence[Any]) -> StoredExecution:
        return _from_row(row, self._cipher, _postgres_datetime)

    async def open(self) -> None:
        """Apply missing migrations, one replica at a time."""
        async with self._pool.connection() as connection, connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK_ID,))
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER NOT NULL PRIMARY KEY, description TEXT NOT NULL, "
                "applied_at TIMESTAMPTZ NOT NULL)"
            )
            cursor = await connection.execute("SELECT version FROM schema_migrations")
            recorded = {int(row[0]) for row in await cursor.fetchall()}
            missing = [m for m in _POSTGRES_MIGRATIONS if m.version not in recorded]
            for migration in missing:
                for statement in migration.statements:
                    await connection.execute(statement)
                await connection.execute(
                    "INSERT INTO schema_migrations (version, description, applied_at) "
                    "VALUES (%s, %s, %s)",
                    (migration.version, migration.description, self._now()),
                )
        _warn_if_newer("postgresql", recorded)
        _log_migrations("postgresql", missing)
        self.migrations_applied = tuple(m.version for m in missing)

    async def create(
        self,
        *,
        id: str,
        kind: ExecutionKind,
        execution: bytes,
        callback_token: bytes,
        idempotency_key: str | None,
    ) -> tuple[StoredExecution, bool]:
        """See :meth:`ExecutionStore.create`."""
        _check_execution(kind, execution)
        now = self._now()
        stored, encrypted = self._cipher.seal(id, callback_token)
        values = (
            id,
            kind.value,
            idempotency_key,
            execution,
            stored,
            encrypted,
            _initial_state(callback_token).value,
            "",
            now,
            now,
        )
        async with self._pool.connection() as connection, connection.transaction():
            # DO NOTHING without a target also absorbs an id collision, told apart below. A
            # concurrent insert of the same key makes this wait for that transaction to end.
            cursor = await connection.execute(
                f"INSERT INTO executions ({_COLUMNS}) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                f"ON CONFLICT DO NOTHING RETURNING {_COLUMNS}",
                values,
            )
            inserted = await cursor.fetchone()
            if inserted is not None:
                return self._row(inserted), True
            existing = None
            if idempotency_key is not None:
                # Row lock: concurrent retries replace the token one after another.
                cursor = await connection.execute(
                    f"SELECT {_COLUMNS} FROM executions "
                    "WHERE kind = %s AND idempotency_key = %s FOR UPDATE",
                    (kind.value, idempotency_key),
                )
                existing = await cursor.fetchone()
            if existing is None:
                raise ExecutionExistsError(f"execution {id!r} already exists")
            existing_id = str(existing[0])
            if not callback_token:
                return self._row(existing), False
            stored, encrypted = self._cipher.seal(existing_id, callback_token)
            cursor = await connection.execute(
                "UPDATE executions SET callback_token = %s, token_encrypted = %s, "
                "completion_state = CASE completion_state WHEN 'delivered' THEN 'delivered' "
                "ELSE 'pending' END, updated_at = %s "
                f"WHERE id = %s RETURNING {_COLUMNS}",
                (stored, encrypted, now, existing_id),
            )
            updated = await cursor.fetchone()
            if updated is None:
                raise StoreError(f"execution {existing_id!r} vanished during create")
            return self._row(updated), False

    async def get(self, id: str) -> StoredExecution | None:
        """See :meth:`ExecutionStore.get`."""
        async with self._pool.connection() as connection:
            cursor = await connection.execute(
                f"SELECT {_COLUMNS} FROM executions WHERE id = %s", (id,)
            )
            row = await cursor.fetchone()
        return None if row is None else self._row(row)

    async def update_execution(self, id: str, execution: bytes) -> StoredExecution:
        """See :meth:`ExecutionStore.update_execution`."""
        async with self._pool.connection() as connection, connection.transaction():
            cursor = await connection.execute(
                "SELECT kind FROM executions WHERE id = %s FOR UPDATE", (id,)
            )
            found = await cursor.fetchone()
            if found is None:
                raise KeyError(id)
            _check_execution(ExecutionKind(found[0]), execution)
            cursor = await connection.execute(
                "UPDATE executions SET execution = %s, updated_at = %s "
                f"WHERE id = %s RETURNING {_COLUMNS}",
                (execution, self._now(), id),
            )
            row = await cursor.fetchone()
        if row is None:
            raise KeyError(id)
        return self._row(row)

    async def mark_completion(
        self, id: str, outcome: str, *, token_digest: str | None = None
    ) -> StoredExecution:
        """See :meth:`ExecutionStore.mark_completion`."""
        async with self._pool.connection() as connection, connection.transaction():
            # Row lock: a concurrent create replacing the token waits, or is waited for.
            cursor = await connection.execute(
                f"SELECT {_COLUMNS} FROM executions WHERE id = %s FOR UPDATE", (id,)
            )
            found = await cursor.fetchone()
            if found is None:
                raise KeyError(id)
            current = self._row(found)
            if not _completion_went_to(current, token_digest):
                return current
            cursor = await connection.execute(
                "UPDATE executions SET completion_state = 'delivered', completion_outcome = %s, "
                f"updated_at = %s WHERE id = %s RETURNING {_COLUMNS}",
                (outcome, self._now(), id),
            )
            row = await cursor.fetchone()
        if row is None:
            raise KeyError(id)
        return self._row(row)

    async def list_pending(
        self, *, older_than: timedelta | None = None, kind: ExecutionKind | None = None
    ) -> list[StoredExecution]:
        """See :meth:`ExecutionStore.list_pending`."""
        query = f"SELECT {_COLUMNS} FROM executions WHERE completion_state = 'pending'"
        params: list[Any] = []
        if older_than is not None:
            query += " AND created_at <= %s"
            params.append(self._now() - older_than)
        if kind is not None:
            query += " AND kind = %s"
            params.append(kind.value)
        query += " ORDER BY created_at, id"
        async with self._pool.connection() as connection:
            cursor = await connection.execute(query, params)
            rows = await cursor.fetchall()
        return [
            _from_row(row, self._cipher, _postgres_datetime, tolerate_undecryptable=True)
            for row in rows
        ]

    async def close(self) -> None:
        """See :meth:`ExecutionStore.close`."""
        await self._pool.close()
