"""PostgreSQL backend: several service replicas sharing one database.

Connections come from a :mod:`psycopg_pool` pool, in autocommit mode at READ COMMITTED; every
write runs in an explicit transaction.
"""

from __future__ import annotations

import contextlib
import time
import weakref
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import psycopg_pool

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
from stigmer_sdk.service.store.migrations import (
    POSTGRES_MIGRATIONS,
    Migration,
    log_migrations,
    warn_if_newer,
)

PgConnection = psycopg.AsyncConnection[tuple[Any, ...]]

#: Default largest number of connections one store opens to PostgreSQL.
DEFAULT_POOL_SIZE = 10

#: A connection idle this long is checked (one empty query) before reuse: it may have been
#: closed by a server restart or pg_terminate_backend, and would fail the operation it is lent to.
CHECK_IDLE_AFTER_SECONDS = 1.0

#: How long an operation waits for a free pooled connection before failing, in seconds.
POOL_TIMEOUT_SECONDS = 30.0

# Key of the transaction-level advisory lock that serialises migrations across replicas.
MIGRATION_LOCK_ID = 0x5354_474D_4552_0001


def _postgres_datetime(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise StoreError(f"expected a timestamp from PostgreSQL, got {type(value).__name__}")
    return value.astimezone(UTC)


def postgres_error(error: psycopg.Error) -> StoreError:
    """A :class:`StoreError` for ``error`` that never quotes row data.

    Only the primary message of a server error: its DETAIL may quote a row, token included.
    Hence also ``from None`` where it is raised, which keeps the original out of tracebacks.
    """
    if error.sqlstate:
        return StoreError(f"PostgreSQL error {error.sqlstate}: {error.diag.message_primary}")
    # Client-side and connection errors carry no row data.
    return StoreError(f"PostgreSQL error: {error}")


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
    """A :class:`psycopg_pool.AsyncConnectionPool` that maps errors to :class:`StoreError`."""

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


class PostgresStore(ExecutionStore):
    """PostgreSQL backend; several service replicas may share one database."""

    def __init__(
        self,
        url: str,
        cipher: TokenCipher,
        now: Callable[[], datetime],
        pool_size: int = DEFAULT_POOL_SIZE,
    ) -> None:
        self._url = url
        self._pool = Pool(url, pool_size)
        self._cipher = cipher
        self._now = now

    def _row(self, row: Sequence[Any]) -> StoredExecution:
        return from_row(row, self._cipher, _postgres_datetime)

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
        now = self._now()
        stored, encrypted = self._cipher.seal(id, callback_token)
        values = (
            id,
            kind.value,
            idempotency_key,
            execution,
            stored,
            encrypted,
            initial_state(callback_token).value,
            "",
            now,
            now,
        )
        async with self._pool.connection() as connection, connection.transaction():
            # DO NOTHING without a target also absorbs an id collision, told apart below. A
            # concurrent insert of the same key makes this wait for that transaction to end.
            cursor = await connection.execute(
                f"INSERT INTO executions ({COLUMNS}) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                f"ON CONFLICT DO NOTHING RETURNING {COLUMNS}",
                values,
            )
            inserted = await cursor.fetchone()
            if inserted is not None:
                return self._row(inserted), True
            existing = None
            if idempotency_key is not None:
                # Row lock: concurrent retries replace the token one after another.
                cursor = await connection.execute(
                    f"SELECT {COLUMNS} FROM executions "
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
                f"WHERE id = %s RETURNING {COLUMNS}",
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
                f"SELECT {COLUMNS} FROM executions WHERE id = %s", (id,)
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
            check_execution(ExecutionKind(found[0]), execution)
            cursor = await connection.execute(
                "UPDATE executions SET execution = %s, updated_at = %s "
                f"WHERE id = %s RETURNING {COLUMNS}",
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
                f"SELECT {COLUMNS} FROM executions WHERE id = %s FOR UPDATE", (id,)
            )
            found = await cursor.fetchone()
            if found is None:
                raise KeyError(id)
            current = self._row(found)
            if not completion_went_to(current, token_digest):
                return current
            cursor = await connection.execute(
                "UPDATE executions SET completion_state = 'delivered', completion_outcome = %s, "
                f"updated_at = %s WHERE id = %s RETURNING {COLUMNS}",
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
        query = f"SELECT {COLUMNS} FROM executions WHERE completion_state = 'pending'"
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
            from_row(row, self._cipher, _postgres_datetime, tolerate_undecryptable=True)
            for row in rows
        ]

    async def close(self) -> None:
        """See :meth:`ExecutionStore.close`."""
        await self._pool.close()
