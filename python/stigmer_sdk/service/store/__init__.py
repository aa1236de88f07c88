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

from collections.abc import Callable
from datetime import datetime

from stigmer_sdk.service.store.base import (
    CompletionState,
    ExecutionExistsError,
    ExecutionKind,
    ExecutionStore,
    StoredExecution,
    StoreError,
    TokenDecryptionError,
)
from stigmer_sdk.service.store.common import utc_clock
from stigmer_sdk.service.store.crypto import (
    ENCRYPTION_KEY_BYTES,
    ENCRYPTION_KEY_ENV,
    TokenCipher,
    load_encryption_key,
)
from stigmer_sdk.service.store.migrations import SCHEMA_VERSION
from stigmer_sdk.service.store.postgres import PostgresStore
from stigmer_sdk.service.store.sqlite import SQLiteStore, sqlite_path

__all__ = [
    "ENCRYPTION_KEY_BYTES",
    "ENCRYPTION_KEY_ENV",
    "SCHEMA_VERSION",
    "CompletionState",
    "ExecutionExistsError",
    "ExecutionKind",
    "ExecutionStore",
    "StoreError",
    "StoredExecution",
    "TokenDecryptionError",
    "load_encryption_key",
    "open_store",
]


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
    cipher = TokenCipher(encryption_key)
    now = utc_clock(clock)
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    store: SQLiteStore | PostgresStore
    if scheme == "sqlite":
        store = SQLiteStore(sqlite_path(url), cipher, now)
    elif scheme in ("postgresql", "postgres"):
        store = PostgresStore(url, cipher, now)
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
