"""Versioned schema migrations of both backends.

Each backend records the versions it applied in ``schema_migrations``; opening a store applies
the missing ones in one transaction, serialised across processes (SQLite: ``BEGIN IMMEDIATE``;
PostgreSQL: a transaction-level advisory lock, so that N replicas starting at once migrate
once). Migrations only add (columns with defaults, indexes), so a replica of the previous release
keeps working against a migrated schema during a rolling upgrade.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass

logger = logging.getLogger("stigmer_sdk.service.store")


@dataclass(frozen=True)
class Migration:
    """One schema version: its statements run in order, in the opening transaction."""

    version: int
    description: str
    statements: tuple[str, ...]


# Version 2, the same SQL on both backends: the partial index behind the owed-completions queries.
_V2 = Migration(
    2,
    "index of owed completions",
    (
        "CREATE INDEX executions_pending ON executions (created_at, id) "
        "WHERE completion_state = 'pending'",
    ),
)

# Version 3, the same SQL on both backends: owner and request digest (idempotency conflicts), the
# activity identity and digest of the token (kept after the token is erased), the key id of an
# encrypted token, and the execution's revision (0: never rewritten, its workflow never ran).
_V3 = Migration(
    3,
    "owner, request digest, token identity, digest and key id, execution revision",
    (
        "ALTER TABLE executions ADD COLUMN owner TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE executions ADD COLUMN request_digest TEXT NOT NULL DEFAULT ''",
        # NULL until a token is stored; '' for a token that does not decode.
        "ALTER TABLE executions ADD COLUMN token_identity TEXT",
        "ALTER TABLE executions ADD COLUMN token_digest TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE executions ADD COLUMN token_key_id TEXT",
        "ALTER TABLE executions ADD COLUMN execution_revision INTEGER NOT NULL DEFAULT 0",
        # Rows of earlier releases: rewritten at least once unless never touched since create.
        "UPDATE executions SET execution_revision = 1 WHERE updated_at <> created_at",
        "CREATE INDEX executions_unstarted ON executions (created_at, id) "
        "WHERE execution_revision = 0",
    ),
)
# Version 4, the same SQL on both backends: idempotency keys are unique per owner (a principal
# cannot squat another's key), and the execution's phase is a column, so that a principal's open
# executions are counted (quotas) from an index. Rows of earlier releases that still owe their
# caller a completion count as open; the others as closed (phase 0, unknown).
_V4 = Migration(
    4,
    "idempotency keys unique per owner, execution phase",
    (
        "DROP INDEX executions_idempotency_key",
        "CREATE UNIQUE INDEX executions_idempotency_key "
        "ON executions (kind, owner, idempotency_key)",
        "ALTER TABLE executions ADD COLUMN phase INTEGER NOT NULL DEFAULT 0",
        "UPDATE executions SET phase = 1 WHERE completion_state = 'pending'",
        "CREATE INDEX executions_open_by_owner ON executions (owner) WHERE phase IN (1, 2)",
    ),
)
# Version 6, the same SQL on both backends: what the caller-heartbeat relay reads without the
# execution blob. Whether the caller asked for heartbeats (the create's
# ``stigmer.ai/caller-heartbeats`` annotation; 1 unless it says ``none``), the latest progress note
# (the heartbeat details), and the index the relay pages through by id. (Version 5 is left to the
# crypto envelope; migrations are applied in version order, gaps allowed.)
_V6_STATEMENTS = (
    "ALTER TABLE executions ADD COLUMN caller_heartbeats INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE executions ADD COLUMN progress_note TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX executions_heartbeat ON executions (id) "
    "WHERE completion_state = 'pending' AND caller_heartbeats = 1",
)
_V6_DESCRIPTION = "caller heartbeats, latest progress note, index of the heartbeat relay"
# SQLite also gets a covering index for the gauge's count by age: it does not treat a partial
# index as covering for its own predicate's column, and would read every owed row from the table
# (PostgreSQL scans executions_pending alone).
_V6_SQLITE = Migration(
    6,
    _V6_DESCRIPTION,
    (
        *_V6_STATEMENTS,
        "CREATE INDEX executions_pending_age ON executions (created_at, completion_state) "
        "WHERE completion_state = 'pending'",
    ),
)
_V6_POSTGRES = Migration(6, _V6_DESCRIPTION, _V6_STATEMENTS)


def _v1(binary: str, flag: str, timestamp: str) -> Migration:
    """Version 1, the executions table, in a backend's column types (``binary``, ``flag``: the
    ``token_encrypted`` column's type and check, ``timestamp``)."""
    return Migration(
        1,
        "executions table",
        (
            f"""
            CREATE TABLE executions (
                id TEXT NOT NULL PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('agent', 'workflow')),
                idempotency_key TEXT,
                execution {binary} NOT NULL,
                callback_token {binary} NOT NULL,
                token_encrypted {flag},
                completion_state TEXT NOT NULL
                    CHECK (completion_state IN ('not_requested', 'pending', 'delivered')),
                completion_outcome TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                updated_at {timestamp} NOT NULL
            )
            """,
            # NULL keys are distinct, so executions without a key never conflict.
            "CREATE UNIQUE INDEX executions_idempotency_key ON executions (kind, idempotency_key)",
        ),
    )


#: The versions whose SQL is the same on both backends.
_SHARED = (_V2, _V3, _V4)
SQLITE_MIGRATIONS: tuple[Migration, ...] = (
    _v1("BLOB", "INTEGER NOT NULL CHECK (token_encrypted IN (0, 1))", "TEXT"),
    *_SHARED,
    _V6_SQLITE,
)
POSTGRES_MIGRATIONS: tuple[Migration, ...] = (
    _v1("BYTEA", "BOOLEAN NOT NULL", "TIMESTAMPTZ"),
    *_SHARED,
    _V6_POSTGRES,
)

#: Latest schema version; both backends are always at the same version.
SCHEMA_VERSION = SQLITE_MIGRATIONS[-1].version
assert [m.version for m in SQLITE_MIGRATIONS] == [m.version for m in POSTGRES_MIGRATIONS]
# Increasing; a gap is a version another change owns (applied in order once merged).
assert all(a.version < b.version for a, b in itertools.pairwise(SQLITE_MIGRATIONS))


def log_migrations(backend: str, applied: Sequence[Migration]) -> None:
    """Log each applied migration."""
    for migration in applied:
        logger.info(
            "Applied store migration backend=%s version=%d description=%s",
            backend,
            migration.version,
            migration.description,
        )


def warn_if_newer(backend: str, recorded: set[int]) -> None:
    """Warn when a newer release already migrated the schema further."""
    newer = sorted(v for v in recorded if v > SCHEMA_VERSION)
    if newer:
        # A newer release migrated the schema (rolling upgrade); migrations only add, so go on.
        logger.warning(
            "Store schema is newer than this release backend=%s versions=%s known=%d",
            backend,
            newer,
            SCHEMA_VERSION,
        )
