"""Durable store of executions and their callback tokens, on SQLite or PostgreSQL.

The service writes an execution here, with the caller's callback token, before it acknowledges
``create``; the token therefore survives restarts, and the completion owed to the caller can always
be found again (`ExecutionStore.list_pending`). `open_store` picks the backend from a
URL and brings the schema up to date:

- ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``, or ``sqlite://`` (also
  ``sqlite://:memory:``) for a private in-memory database. One process, or a few on one host.
  Concurrent writes are group-committed (`.sqlite`).
- ``postgresql://user:password@host:port/database`` (or ``postgres://``), with any libpq URL
  parameters, for several service replicas sharing one database (`.postgres`).

The package, by concept: `.base` (the interface and types), `.sql` (the operations,
written once for both backends), `.sqlite` and `.postgres` (the backends),
`.crypto` (encryption and key configuration) and `.migrations`. The ``stigmer-sdk store ...``
commands are in `stigmer_sdk.service.cli.store`.

Idempotency: keys are unique per owner; a repeated key is bound to its first create's request
digest and activity (`IdempotencyConflictError`; see `ExecutionStore.create`).

Token lifecycle: a token is stored (encrypted, when keys are configured) until its completion's
outcome is recorded (`ExecutionStore.mark_completion`, `ExecutionStore.finish`); the
token is then erased and only its digest is kept. A retried caller's new token is stored again
and erased once the outcome is redelivered to it.

Tokens at rest: with encryption keys (`EncryptionKey`, `load_encryption_keys`,
`ENCRYPTION_KEYS_ENV`) each token is stored AES-256-GCM encrypted with the newest key, bound
by its associated data to its purpose, key id and execution id, and the row records the key id;
`ExecutionStore.rotate_key` re-encrypts every row with the newest key. Without a key, tokens
are stored as their plain bytes; anyone who can read the database can then complete the callers'
activities (`plaintext_token_warning`). Once a key is configured, a row marked plain is
refused (`TokenDecryptionError`: whoever can write the database could otherwise plant a
token of their choice); ``rotate_key`` (``stigmer-sdk store encrypt``) encrypts such rows, so run
it right after switching encryption on.

Examples:
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

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from stigmer_sdk.service.store.base import (
    CALLER_HEARTBEATS_ANNOTATION,
    CALLER_HEARTBEATS_NONE,
    DEFAULT_POOL_SIZE,
    CompletionState,
    ConflictReason,
    ExecutionExistsError,
    ExecutionKind,
    ExecutionStore,
    HeartbeatTarget,
    IdempotencyConflictError,
    RotationReport,
    StoredExecution,
    StoreError,
    StoreNotFoundError,
    TokenDecryptionError,
)
from stigmer_sdk.service.store.crypto import (
    DEFAULT_KEY_ID,
    ENCRYPTION_KEY_BYTES,
    ENCRYPTION_KEY_ENV,
    ENCRYPTION_KEYS_ENV,
    EncryptionKey,
    TokenCipher,
    encryption_keys_from,
    load_encryption_key,
    load_encryption_keys,
    parse_encryption_key,
    plaintext_token_warning,
    redact_url,
)
from stigmer_sdk.service.store.migrations import SCHEMA_VERSION
from stigmer_sdk.service.store.sql import SQLStore, request_digest, token_identity, utc_clock

__all__ = [
    "CALLER_HEARTBEATS_ANNOTATION",
    "CALLER_HEARTBEATS_NONE",
    "DEFAULT_KEY_ID",
    "DEFAULT_POOL_SIZE",
    "DEFAULT_STORE_URL",
    "ENCRYPTION_KEYS_ENV",
    "ENCRYPTION_KEY_BYTES",
    "ENCRYPTION_KEY_ENV",
    "SCHEMA_VERSION",
    "CompletionState",
    "ConflictReason",
    "EncryptionKey",
    "ExecutionExistsError",
    "ExecutionKind",
    "ExecutionStore",
    "HeartbeatTarget",
    "IdempotencyConflictError",
    "RotationReport",
    "StoreError",
    "StoreNotFoundError",
    "StoredExecution",
    "TokenDecryptionError",
    "check_store_url",
    "encryption_keys_from",
    "load_encryption_key",
    "load_encryption_keys",
    "open_store",
    "parse_encryption_key",
    "plaintext_token_warning",
    "redact_url",
    "request_digest",
    "rotate_store_key",
    "store_url_in",
    "token_identity",
]


_SCHEMES = ("sqlite", "postgresql", "postgres")
#: The store of a service started without one: SQLite in ``.stigmer`` (see `store_url_in`).
DEFAULT_STORE_URL = "sqlite:///.stigmer/stigmer.db"


def store_url_in(directory: Path) -> str:
    """The URL of the SQLite store kept in ``directory`` (``serve --data-dir``)."""
    return f"sqlite:///{directory / 'stigmer.db'}"


def check_store_url(url: str) -> str:
    """Check that ``url`` names a store backend (without opening it); return its scheme.

    Raises:
        ValueError: an unknown URL scheme.
    """
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in _SCHEMES:
        # Only the scheme is echoed: the rest of a URL may hold a password.
        raise ValueError(
            f"unsupported store URL scheme {scheme!r}: use sqlite:///path/to/file.db, sqlite:// "
            "(in memory) or postgresql://user:password@host:port/database"
        )
    return scheme


async def open_store(
    url: str,
    *,
    encryption_key: bytes | None = None,
    encryption_keys: Sequence[EncryptionKey] = (),
    clock: Callable[[], datetime] | None = None,
    pool_size: int = DEFAULT_POOL_SIZE,
    create: bool = True,
) -> ExecutionStore:
    """Open the store at ``url`` (see the module documentation) and apply missing migrations.

    ``encryption_keys`` (oldest first; the last one encrypts new writes) and ``encryption_key``
    (32 bytes, the single-key form: key id ``default``, taken as older than ``encryption_keys``)
    encrypt tokens at rest. ``clock`` returns the current time for ``created_at`` /
    ``updated_at`` and ``older_than``; it must be timezone-aware (tests pass a fake one).
    Defaults to the system clock. ``pool_size`` is the most connections a PostgreSQL store
    opens: size it to the worker's concurrent activities and gRPC calls. ``create=False`` opens
    an existing store only (an operator's command must not create an empty one elsewhere).

    Raises:
        ValueError: unknown URL scheme, a key that is not 32 bytes, two keys with one id.
        StoreNotFoundError: ``create=False`` and there is no store at ``url``.
        StoreError: the database cannot be opened or migrated.
    """
    if encryption_key is not None and len(encryption_key) != ENCRYPTION_KEY_BYTES:
        raise ValueError(
            f"encryption_key must be {ENCRYPTION_KEY_BYTES} bytes, got {len(encryption_key)}"
        )
    keys = [EncryptionKey(DEFAULT_KEY_ID, encryption_key)] if encryption_key is not None else []
    cipher = TokenCipher([*keys, *encryption_keys])
    now = utc_clock(clock)
    scheme = check_store_url(url)
    # Each backend imported when used: the CLI's commands that need no store load no driver.
    store: SQLStore
    if scheme == "sqlite":
        from stigmer_sdk.service.store.sqlite import SQLiteStore, sqlite_path

        store = SQLiteStore(sqlite_path(url), cipher, now)
    else:  # postgresql or postgres
        from stigmer_sdk.service.store.postgres import PostgresStore

        store = PostgresStore(url, cipher, now, pool_size)
    try:
        if not create and not await store.exists():
            raise StoreNotFoundError(
                f"no store at {redact_url(url)}: the database is missing or has no executions table"
            )
        await store.open()
    except BaseException:
        await store.close()
        raise
    return store


async def rotate_store_key(
    url: str, keys: Sequence[EncryptionKey], *, batch_size: int = 200
) -> RotationReport:
    """Open the existing store at ``url`` with ``keys`` (oldest first) and rotate every token
    to the last (``stigmer-sdk store rotate-key``).

    Raises:
        ValueError: no keys, or a bad URL.
        StoreNotFoundError: no store at ``url``.
        StoreError: the store cannot be opened.
    """
    if not keys:
        raise ValueError(
            f"no encryption key: pass --encryption-key kid:base64key (or set {ENCRYPTION_KEYS_ENV})"
        )
    async with await open_store(url, encryption_keys=keys, create=False) as store:
        return await store.rotate_key(batch_size=batch_size)
