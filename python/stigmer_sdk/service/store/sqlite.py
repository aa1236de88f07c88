"""SQLite backend: one process, or a few on one host."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from stigmer_sdk.service.store.base import (
    ExecutionExistsError,
    ExecutionKind,
    ExecutionStore,
    StoredExecution,
    StoreError,
)
from stigmer_sdk.service.store.common import (
    COLUMNS,
    check_execution,
    completion_went_to,
    from_row,
    initial_state,
)
from stigmer_sdk.service.store.crypto import TokenCipher
from stigmer_sdk.service.store.migrations import SQLITE_MIGRATIONS, log_migrations, warn_if_newer

_T = TypeVar("_T")


def sqlite_path(url: str) -> str:
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


class SQLiteStore(ExecutionStore):
    """SQLite backend: one connection, used only from one dedicated worker thread.

    The single thread serialises every operation, so no asyncio lock is needed; each write runs in
    ``BEGIN IMMEDIATE``, which also serialises writers in other processes on the same file.
    """

    def __init__(self, path: str, cipher: TokenCipher, now: Callable[[], datetime]) -> None:
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
        row = connection.execute(f"SELECT {COLUMNS} FROM executions WHERE id = ?", (id,))
        found = row.fetchone()
        return None if found is None else from_row(found, self._cipher, _sqlite_datetime)

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
            missing = [m for m in SQLITE_MIGRATIONS if m.version not in recorded]
            for migration in missing:
                for statement in migration.statements:
                    connection.execute(statement)
                connection.execute(
                    "INSERT INTO schema_migrations (version, description, applied_at) "
                    "VALUES (?, ?, ?)",
                    (migration.version, migration.description, _sqlite_time(self._now())),
                )
        warn_if_newer("sqlite", recorded)
        log_migrations("sqlite", missing)
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
        check_execution(kind, execution)

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
                        f"INSERT INTO executions ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            id,
                            kind.value,
                            idempotency_key,
                            execution,
                            stored,
                            int(encrypted),
                            initial_state(callback_token).value,
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
                check_execution(ExecutionKind(found[0]), execution)
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
                if not completion_went_to(current, token_digest):
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
        query = f"SELECT {COLUMNS} FROM executions WHERE completion_state = 'pending'"
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
                from_row(row, self._cipher, _sqlite_datetime, tolerate_undecryptable=True)
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
