"""SQLite backend: one process, or a few on one host.

Writes are group-committed. One writer thread owns the write connection; every write operation is
queued to it, and the thread runs all the operations waiting in the queue (up to ``max_batch``)
in ONE transaction, each inside its own savepoint, so that one operation's failure undoes only
that operation. An operation's caller is answered only after the transaction's ``COMMIT``
returned, with ``synchronous=FULL`` in WAL mode: what ``create`` returned survives a crash or a
power cut, exactly as with a transaction per operation, while concurrent callers share one
commit (one fsync) instead of queueing for one each.

Reads of a file database run on a second thread with its own connection; WAL lets them proceed
while the writer commits. An in-memory database has one connection, so its reads queue with the
writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from stigmer_sdk.service.store.base import StoreError
from stigmer_sdk.service.store.crypto import TokenCipher
from stigmer_sdk.service.store.migrations import (
    SQLITE_MIGRATIONS,
    Migration,
    log_migrations,
    warn_if_newer,
)
from stigmer_sdk.service.store.sql import Plan, Query, SQLStore

_T = TypeVar("_T")

logger = logging.getLogger("stigmer_sdk.service.store")

#: How long an SQLite operation waits for another connection's write lock, in seconds.
BUSY_SECONDS = 30.0

#: Most operations one transaction of the writer thread runs.
DEFAULT_MAX_BATCH = 256


def sqlite_path(url: str) -> str:
    """The file path of an ``sqlite://`` URL, or ``:memory:``."""
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


def _param(value: Any) -> Any:
    return _sqlite_time(value) if isinstance(value, datetime) else value


def drive(connection: sqlite3.Connection, plan: Plan[_T]) -> _T:
    """Run ``plan``'s queries on ``connection`` and return its result."""
    try:
        query = next(plan)
        while True:
            query = plan.send(_execute(connection, query))
    except StopIteration as stop:
        result: _T = stop.value
        return result


def _execute(connection: sqlite3.Connection, query: Query) -> Any:
    cursor = connection.execute(query.sql, tuple(_param(p) for p in query.params))
    if query.fetch == "none":
        return cursor.rowcount
    # fetchall also for one row: a RETURNING statement is only complete once fully read.
    rows = cursor.fetchall()
    if query.fetch == "all":
        return rows
    return rows[0] if rows else None


def _store_error(error: sqlite3.Error) -> StoreError:
    # SQLite messages name constraints and columns, never values.
    failure = StoreError(f"SQLite error: {error}")
    failure.__cause__ = error
    return failure


def _enable_wal(connection: sqlite3.Connection) -> None:
    """Switch to WAL, so that readers never block the writer.

    synchronous stays FULL, the default, so that an acknowledged create survives a power cut.
    """
    deadline = time.monotonic() + BUSY_SECONDS
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


def _connect(path: str) -> sqlite3.Connection:
    # isolation_level=None: transactions are explicit; timeout waits out other writers.
    return sqlite3.connect(
        path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False
    )


@dataclass
class _Job:
    """One queued operation and where its outcome goes."""

    plan: Plan[Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any] = field(repr=False)


def _settle(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.done():  # the caller was cancelled; the operation still ran (or not) atomically
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


class SQLiteStore(SQLStore):
    """SQLite backend with a group-committing writer thread (see the module documentation).

    ``max_batch=1`` commits every operation on its own (for comparison in benchmarks).
    """

    def __init__(
        self,
        path: str,
        cipher: TokenCipher,
        now: Callable[[], datetime],
        *,
        max_batch: int = DEFAULT_MAX_BATCH,
    ) -> None:
        super().__init__(cipher, now)
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        self._path = path
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._connection: sqlite3.Connection | None = None
        self._reader: ThreadPoolExecutor | None = None
        self._reader_connection: sqlite3.Connection | None = None
        self._closed = False
        self._failure: StoreError | None = None
        #: Transactions committed and operations run by the writer (for tests and benchmarks).
        self.commits = 0
        self.operations = 0

    def _to_datetime(self, value: Any) -> datetime:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)

    # --- Opening and closing -----------------------------------------------------------------

    async def open(self) -> None:
        """Connect, switch to WAL, apply missing migrations, start the writer thread."""
        try:
            self.migrations_applied = await asyncio.to_thread(self._open)
        except (sqlite3.Error, OSError) as error:
            raise StoreError(f"cannot open SQLite database {self._path!r}: {error}") from error
        self._writer = threading.Thread(
            target=self._write_loop, name="stigmer-store-writer", daemon=True
        )
        self._writer.start()
        if self._path != ":memory:":
            self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stigmer-store")

    async def exists(self) -> bool:
        """Whether the file exists and holds the executions table (read-only: never creates
        it, unlike `open`)."""
        if self._path == ":memory:" or not Path(self._path).is_file():
            return False

        def check() -> bool:
            uri = f"file:{self._path}?mode=ro"
            with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
                found = connection.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'executions'"
                ).fetchone()
            return found is not None

        try:
            return await asyncio.to_thread(check)
        except sqlite3.Error as error:
            raise StoreError(f"cannot read SQLite database {self._path!r}: {error}") from error

    def _open(self) -> tuple[int, ...]:
        if self._path != ":memory:":
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        connection = _connect(self._path)
        self._connection = connection
        _enable_wal(connection)
        # FULL also in WAL mode (a build may default WAL to NORMAL): a commit reaches the disk
        # before the writes it carries are answered.
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("BEGIN IMMEDIATE")
        try:
            missing = self._migrate(connection)
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        log_migrations("sqlite", missing)
        return tuple(m.version for m in missing)

    def _migrate(self, connection: sqlite3.Connection) -> list[Migration]:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER NOT NULL PRIMARY KEY, description TEXT NOT NULL, "
            "applied_at TEXT NOT NULL)"
        )
        recorded = {row[0] for row in connection.execute("SELECT version FROM schema_migrations")}
        missing = [m for m in SQLITE_MIGRATIONS if m.version not in recorded]
        for migration in missing:
            for statement in migration.statements:
                connection.execute(statement)
            connection.execute(
                "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.description, _sqlite_time(self._now())),
            )
        warn_if_newer("sqlite", recorded)
        return missing

    async def close(self) -> None:
        """See `ExecutionStore.close`. Operations queued before it still run."""
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            self._queue.put(None)
            await asyncio.to_thread(self._writer.join)
        elif self._connection is not None:  # open failed before the writer started
            self._connection.close()
        self._connection = None
        if self._reader is not None:
            await asyncio.get_running_loop().run_in_executor(self._reader, self._close_reader)
            self._reader.shutdown(wait=False)

    def _close_reader(self) -> None:
        if self._reader_connection is not None:
            self._reader_connection.close()
            self._reader_connection = None

    # --- Running plans -----------------------------------------------------------------------

    async def _run(self, plan: Plan[_T], *, write: bool) -> _T:
        if self._closed or self._writer is None:
            plan.close()
            raise StoreError("the execution store is closed")
        if self._failure is not None:
            plan.close()
            raise self._failure
        loop = asyncio.get_running_loop()
        if not write and self._reader is not None:
            result: _T = await loop.run_in_executor(self._reader, self._read, plan)
            return result
        future: asyncio.Future[_T] = loop.create_future()
        self._queue.put(_Job(plan, loop, future))
        if self._failure is not None and not future.done():  # the writer stopped meanwhile
            future.set_exception(self._failure)
        return await future

    def _read(self, plan: Plan[_T]) -> _T:
        if self._reader_connection is None:
            self._reader_connection = _connect(self._path)
            self._reader_connection.execute("PRAGMA query_only = ON")
        try:
            return drive(self._reader_connection, plan)
        except sqlite3.Error as error:
            raise _store_error(error) from error

    def _write_loop(self) -> None:
        connection = self._connection
        assert connection is not None
        try:
            self._serve(connection)
        except BaseException as error:  # noqa: BLE001 - logged; callers get StoreError
            # Unexpected (the batch's jobs have their answers already): refuse what is queued
            # and what comes, rather than leave callers waiting.
            self._failure = StoreError(f"the SQLite writer stopped: {error!r}")
            while True:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    with contextlib.suppress(RuntimeError):
                        job.loop.call_soon_threadsafe(_settle, job.future, False, self._failure)
            logger.error("The SQLite store's writer stopped error=%r", error)
        finally:
            connection.close()

    def _serve(self, connection: sqlite3.Connection) -> None:
        stopping = False
        while not stopping:
            job = self._queue.get()
            if job is None:
                break
            batch = [job]
            while len(batch) < self._max_batch:
                try:
                    following = self._queue.get_nowait()
                except queue.Empty:
                    break
                if following is None:
                    stopping = True
                    break
                batch.append(following)
            try:
                self._commit(connection, batch)
            except BaseException as error:
                failure = StoreError(f"the SQLite writer failed: {error!r}")
                for pending in batch:
                    with contextlib.suppress(RuntimeError):
                        pending.loop.call_soon_threadsafe(_settle, pending.future, False, failure)
                raise

    def _commit(self, connection: sqlite3.Connection, batch: list[_Job]) -> None:
        """Run ``batch`` in one transaction, then answer every job."""
        outcomes: list[tuple[bool, Any]] = []
        try:
            connection.execute("BEGIN IMMEDIATE")
            for job in batch:
                outcomes.append(self._run_job(connection, job))
            connection.execute("COMMIT")
            self.commits += 1
            self.operations += len(batch)
        except sqlite3.Error as error:
            # BEGIN or COMMIT failed (busy past the timeout, disk full, I/O error): nothing of
            # the batch is stored, and every job hears so.
            with contextlib.suppress(sqlite3.Error):
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
            outcomes = [(False, _store_error(error)) for _ in batch]
        for job, (ok, value) in zip(batch, outcomes, strict=True):
            with contextlib.suppress(RuntimeError):  # the caller's loop is closed
                job.loop.call_soon_threadsafe(_settle, job.future, ok, value)

    @staticmethod
    def _run_job(connection: sqlite3.Connection, job: _Job) -> tuple[bool, Any]:
        connection.execute("SAVEPOINT job")
        try:
            value = drive(connection, job.plan)
        except Exception as error:  # noqa: BLE001 - it goes to the job's caller
            # Undo only this job; a failure here is the batch's (raised to _commit).
            connection.execute("ROLLBACK TO job")
            connection.execute("RELEASE job")
            if isinstance(error, sqlite3.Error):
                return False, _store_error(error)
            return False, error
        connection.execute("RELEASE job")
        return True, value
