"""PostgreSQL backend: several service replicas sharing one database.

Connections come from a `psycopg_pool` pool, in autocommit mode at READ COMMITTED; every
write runs in an explicit transaction.
"""

from __future__ import annotations

import contextlib
import time
import weakref
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import psycopg
import psycopg_pool

from stigmer_sdk.service.store.base import DEFAULT_POOL_SIZE, StoreError
from stigmer_sdk.service.store.crypto import TokenCipher
from stigmer_sdk.service.store.migrations import (
    POSTGRES_MIGRATIONS,
    Migration,
    log_migrations,
    warn_if_newer,
)
from stigmer_sdk.service.store.sql import Plan, Query, SQLStore

_T = TypeVar("_T")

PgConnection = psycopg.AsyncConnection[tuple[Any, ...]]

#: A connection idle this long is checked (one empty query) before reuse: it may have been
#: closed by a server restart or pg_terminate_backend, and would fail the operation it is lent to.
CHECK_IDLE_AFTER_SECONDS = 1.0

#: How long an operation waits for a free pooled connection before failing, in seconds.
POOL_TIMEOUT_SECONDS = 30.0

#: Whether libpq supports pipeline mode (14 and later; psycopg's binary wheel bundles one).
_PIPELINE = psycopg.AsyncPipeline.is_supported()

# Key of the transaction-level advisory lock that serialises migrations across replicas.
MIGRATION_LOCK_ID = 0x5354_474D_4552_0001


async def drive(
    connection: PgConnection, plan: Plan[_T], pipeline: psycopg.AsyncPipeline | None = None
) -> _T:
    """Run ``plan``'s queries on ``connection`` and return its result (``pipeline``: the
    connection's pipeline, when in pipeline mode)."""
    try:
        query = next(plan)
        while True:
            query = plan.send(await _execute(connection, query, pipeline))
    except StopIteration as stop:
        result: _T = stop.value
        return result


async def _execute(
    connection: PgConnection, query: Query, pipeline: psycopg.AsyncPipeline | None = None
) -> Any:
    sql = query.sql.replace("?", "%s") + (" FOR UPDATE" if query.lock else "")
    cursor = await connection.execute(sql, query.params)
    if query.fetch == "none":
        if pipeline is not None:
            await pipeline.sync()  # the row count is known once the statement's result is in
        return cursor.rowcount
    if query.fetch == "all":
        return await cursor.fetchall()
    return await cursor.fetchone()


def postgres_error(error: psycopg.Error) -> StoreError:
    """A `StoreError` for ``error`` that never quotes row data.

    Only the primary message of a server error: its DETAIL may quote a row, token included.
    Hence also ``from None`` where it is raised, which keeps the original out of tracebacks.
    """
    if error.sqlstate:
        return StoreError(f"PostgreSQL error {error.sqlstate}: {error.diag.message_primary}")
    # Client-side and connection errors carry no row data.
    return StoreError(f"PostgreSQL error: {error}")


#: How long `PostgresStore.exists` waits for the server (a command's check, not the service's).
EXISTS_CONNECT_TIMEOUT_SECONDS = 10


async def connect(url: str) -> PgConnection:
    """One autocommit connection at READ COMMITTED (also what the pool hands out).

    Raises:
        StoreError: the server cannot be reached; libpq's message names host, port and user,
            never the password.
    """
    try:
        connection = await psycopg.AsyncConnection.connect(url, autocommit=True)
        await _configure(connection)
    except psycopg.Error as error:
        raise StoreError(f"cannot connect to PostgreSQL: {error}") from None
    return connection


async def _configure(connection: PgConnection) -> None:
    # create relies on READ COMMITTED (each statement sees rows committed before it), whatever
    # the server's default_transaction_isolation says.
    await connection.set_isolation_level(psycopg.IsolationLevel.READ_COMMITTED)


class Pool:
    """A `psycopg_pool.AsyncConnectionPool` that maps errors to `StoreError`."""

    def __init__(self, url: str, max_size: int) -> None:
        if max_size < 1:
            raise ValueError(f"the PostgreSQL pool size must be at least 1, got {max_size}")
        #: When each connection at rest was returned (monotonic), for the check before reuse.
        self._returned: weakref.WeakKeyDictionary[PgConnection, float] = weakref.WeakKeyDictionary()
        self._pool: psycopg_pool.AsyncConnectionPool[PgConnection] = (
            psycopg_pool.AsyncConnectionPool(
                url,
                kwargs={"autocommit": True},
                min_size=1,
                max_size=max_size,
                open=False,
                configure=_configure,
                check=self._check,
                reset=self._reset,
                timeout=POOL_TIMEOUT_SECONDS,
                name="stigmer-store",
            )
        )
        self._closed = False

    async def open(self) -> None:
        """Open the pool (its first connection is made in the background)."""
        await self._pool.open(wait=False)

    async def _reset(self, connection: PgConnection) -> None:
        self._returned[connection] = time.monotonic()

    async def _check(self, connection: PgConnection) -> None:
        returned = self._returned.get(connection)
        if returned is not None and time.monotonic() - returned < CHECK_IDLE_AFTER_SECONDS:
            return
        await connection.execute("")

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[PgConnection]:
        """Borrow a connection for one operation."""
        if self._closed:
            raise StoreError("the execution store is closed")
        try:
            async with self._pool.connection() as connection:
                yield connection
        except psycopg_pool.PoolTimeout:
            raise StoreError(
                f"no PostgreSQL connection available within {POOL_TIMEOUT_SECONDS:g} s"
            ) from None
        except psycopg_pool.PoolClosed:
            raise StoreError("the execution store is closed") from None
        except psycopg.Error as error:
            raise postgres_error(error) from None

    async def close(self) -> None:
        """Close the pool; borrowed connections close when they come back. Idempotent."""
        self._closed = True
        await self._pool.close()


class PostgresStore(SQLStore):
    """PostgreSQL backend; several service replicas may share one database."""

    def __init__(
        self,
        url: str,
        cipher: TokenCipher,
        now: Callable[[], datetime],
        pool_size: int = DEFAULT_POOL_SIZE,
    ) -> None:
        super().__init__(cipher, now)
        self._url = url
        self._pool = Pool(url, pool_size)

    def _to_datetime(self, value: Any) -> datetime:
        if not isinstance(value, datetime):
            raise StoreError(f"expected a timestamp from PostgreSQL, got {type(value).__name__}")
        return value.astimezone(UTC)

    async def _run(self, plan: Plan[_T], *, write: bool) -> _T:
        try:
            async with self._pool.connection() as connection:
                if not write:
                    return await drive(connection, plan)
                if not _PIPELINE:
                    async with connection.transaction():
                        return await drive(connection, plan)
                # Pipelined: BEGIN goes out with the first statement, not in a round trip of
                # its own (a lone create: two round trips, not three).
                async with connection.pipeline() as pipeline, connection.transaction():
                    return await drive(connection, plan, pipeline)
        finally:
            plan.close()

    async def exists(self) -> bool:
        """Whether the database holds the executions table (creates nothing)."""
        try:
            async with await psycopg.AsyncConnection.connect(
                self._url, connect_timeout=EXISTS_CONNECT_TIMEOUT_SECONDS
            ) as connection:
                cursor = await connection.execute("SELECT to_regclass('executions') IS NOT NULL")
                row = await cursor.fetchone()
        except psycopg.Error as error:
            raise StoreError(f"cannot connect to PostgreSQL: {error}") from None
        return bool(row and row[0])

    async def open(self) -> None:
        """Apply missing migrations, one replica at a time, then open the pool."""
        async with await connect(self._url) as connection:
            try:
                missing = await self._migrate(connection)
            except psycopg.Error as error:
                raise postgres_error(error) from None
        log_migrations("postgresql", missing)
        self.migrations_applied = tuple(m.version for m in missing)
        await self._pool.open()

    async def _migrate(self, connection: PgConnection) -> list[Migration]:
        async with connection.transaction():
            # Held to the end of the transaction: replicas starting at once migrate one after
            # another, and each later one finds the versions recorded.
            await connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_ID,))
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER NOT NULL PRIMARY KEY, description TEXT NOT NULL, "
                "applied_at TIMESTAMPTZ NOT NULL)"
            )
            cursor = await connection.execute("SELECT version FROM schema_migrations")
            recorded = {int(row[0]) for row in await cursor.fetchall()}
            missing = [m for m in POSTGRES_MIGRATIONS if m.version not in recorded]
            for migration in missing:
                for statement in migration.statements:
                    await connection.execute(statement)
                await connection.execute(
                    "INSERT INTO schema_migrations (version, description, applied_at) "
                    "VALUES (%s, %s, %s)",
                    (migration.version, migration.description, self._now()),
                )
        warn_if_newer("postgresql", recorded)
        return missing

    async def close(self) -> None:
        """See `ExecutionStore.close`."""
        await self._pool.close()
