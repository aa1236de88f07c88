"""Versioned schema migrations of both backends."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

logger = logging.getLogger("stigmer_sdk.service.store")


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


SQLITE_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
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
    Migration(
        2,
        "index of owed completions",
        (
            "CREATE INDEX executions_pending ON executions (created_at, id) "
            "WHERE completion_state = 'pending'",
        ),
    ),
)

POSTGRES_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
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
    Migration(
        2,
        "index of owed completions",
        (
            "CREATE INDEX executions_pending ON executions (created_at, id) "
            "WHERE completion_state = 'pending'",
        ),
    ),
)

#: Latest schema version; both backends are always at the same version.
SCHEMA_VERSION = SQLITE_MIGRATIONS[-1].version
assert [m.version for m in SQLITE_MIGRATIONS] == [m.version for m in POSTGRES_MIGRATIONS]
assert [m.version for m in SQLITE_MIGRATIONS] == list(range(1, SCHEMA_VERSION + 1))


def log_migrations(backend: str, applied: Sequence[Migration]) -> None:
    for migration in applied:
        logger.info(
            "Applied store migration backend=%s version=%d description=%s",
            backend,
            migration.version,
            migration.description,
        )


def warn_if_newer(backend: str, recorded: set[int]) -> None:
    newer = sorted(v for v in recorded if v > SCHEMA_VERSION)
    if newer:
        # A newer release migrated the schema (rolling upgrade); migrations only add, so go on.
        logger.warning(
            "Store schema is newer than this release backend=%s versions=%s known=%d",
            backend,
            newer,
            SCHEMA_VERSION,
        )
