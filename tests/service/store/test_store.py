"""The durable execution store, against SQLite and a real PostgreSQL.

PostgreSQL comes from ``STIGMER_TEST_POSTGRES_URL`` (``bash scripts/ensure_postgres.sh`` prints
one). Each test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import sqlite3
import traceback
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg import sql

from stigmer_sdk.api.agentic.agentexecution.v1.api_pb2 import AgentExecution
from stigmer_sdk.api.agentic.agentexecution.v1.enum_pb2 import ExecutionPhase
from stigmer_sdk.api.agentic.workflowexecution.v1.api_pb2 import WorkflowExecution
from stigmer_sdk.service.store import (
    ENCRYPTION_KEY_ENV,
    ENCRYPTION_KEYS_ENV,
    SCHEMA_VERSION,
    CompletionState,
    EncryptionKey,
    ExecutionExistsError,
    ExecutionKind,
    ExecutionStore,
    IdempotencyConflictError,
    StoredExecution,
    StoreError,
    StoreNotFoundError,
    TokenDecryptionError,
    encryption_keys_from,
    load_encryption_key,
    load_encryption_keys,
    open_store,
    parse_encryption_key,
    plaintext_token_warning,
    token_identity,
)
from stigmer_sdk.service.store.crypto import TokenCipher
from stigmer_sdk.service.store.migrations import POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, Migration
from stigmer_sdk.tokens import TaskToken, token_digest, token_preview

POSTGRES_ENV = "STIGMER_TEST_POSTGRES_URL"
ALL_VERSIONS = tuple(m.version for m in SQLITE_MIGRATIONS)
T0 = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


class FakeClock:
    """A settable clock, so that created_at values and older_than are deterministic."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Backend:
    """One database to open stores on, plus raw SQL access for checks behind the store's back."""

    name: str
    url: str
    sqlite_path: Path | None = None

    async def open(self, **kwargs: Any) -> ExecutionStore:
        return await open_store(self.url, **kwargs)

    async def sql(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run ``query`` (``?`` placeholders) directly on the database."""
        if self.sqlite_path is not None:
            path = self.sqlite_path

            def run() -> list[tuple[Any, ...]]:
                connection = sqlite3.connect(path, isolation_level=None)
                try:
                    return connection.execute(query, params).fetchall()
                finally:
                    connection.close()

            return await asyncio.to_thread(run)
        async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as connection:
            cursor = await connection.execute(query.replace("?", "%s"), params)
            return await cursor.fetchall() if cursor.description else []


def _with_search_path(url: str, schema: str) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    options = " ".join([v for k, v in query if k == "options"] + [f"-csearch_path={schema}"])
    query = [(k, v) for k, v in query if k != "options"] + [("options", options)]
    # libpq decodes %XX in URIs but not "+", so spaces must be %20.
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def _postgres_base_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.fail(
            f"{POSTGRES_ENV} is not set; PostgreSQL store tests need a server. Run: "
            f"export {POSTGRES_ENV}=$(bash scripts/ensure_postgres.sh)",
            pytrace=False,
        )
    return url


@contextlib.asynccontextmanager
async def postgres_schema() -> AsyncIterator[str]:
    """A fresh schema on the test server; yields a URL whose search_path is that schema."""
    base = _postgres_base_url()
    schema = f"stigmer_test_{uuid.uuid4().hex[:16]}"
    async with await psycopg.AsyncConnection.connect(base, autocommit=True) as admin:
        await admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield _with_search_path(base, schema)
    finally:
        async with await psycopg.AsyncConnection.connect(base, autocommit=True) as admin:
            await admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        path = tmp_path / "nested" / "dir" / "executions.db"
        yield Backend("sqlite", f"sqlite:///{path}", sqlite_path=path)
        return
    async with postgres_schema() as url:
        yield Backend("postgresql", url)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def store(backend: Backend, clock: FakeClock) -> AsyncIterator[ExecutionStore]:
    opened = await backend.open(clock=clock)
    yield opened
    await opened.close()


def agent_execution(message: str = "summarise the report", execution_id: str = "") -> bytes:
    execution = AgentExecution(api_version="agentic.stigmer.ai/v1", kind="AgentExecution")
    execution.metadata.id = execution_id
    execution.spec.agent_id = "agent-1"
    execution.spec.message = message
    return execution.SerializeToString(deterministic=True)


def workflow_execution(trigger: str = "nightly") -> bytes:
    execution = WorkflowExecution(api_version="agentic.stigmer.ai/v1", kind="WorkflowExecution")
    execution.spec.workflow_id = "wf-1"
    execution.spec.trigger_message = trigger
    return execution.SerializeToString(deterministic=True)


def new_id() -> str:
    return f"ae-{uuid.uuid4().hex}"


async def create(
    store: ExecutionStore,
    *,
    token: bytes = b"",
    key: str | None = None,
    kind: ExecutionKind = ExecutionKind.AGENT,
    id: str | None = None,
    execution: bytes | None = None,
    owner: str = "",
    request_digest: str = "",
) -> tuple[StoredExecution, bool]:
    if execution is None:
        execution = agent_execution() if kind is ExecutionKind.AGENT else workflow_execution()
    return await store.create(
        id=id or new_id(),
        kind=kind,
        execution=execution,
        callback_token=token,
        idempotency_key=key,
        owner=owner,
        request_digest=request_digest,
    )


def _field(number: int, value: str | int) -> bytes:
    if isinstance(value, int):
        return bytes([number << 3]) + bytes([value])  # small varints only
    data = value.encode()
    return bytes([number << 3 | 2, len(data)]) + data


def activity_token(
    workflow_id: str,
    activity_id: str,
    attempt: int = 1,
    *,
    run_id: str = "run-1",
    namespace: str = "ns-1",
) -> bytes:
    """A task token in Temporal's wire format (temporal.server.api.token.v1.Task)."""
    return (
        _field(1, namespace)
        + _field(2, workflow_id)
        + _field(3, run_id)
        + _field(4, 5)
        + _field(5, attempt)
        + _field(6, activity_id)
    )


ALL_BYTES_4096 = bytes(range(256)) * 16


# --- Round trip -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token", [b"", b"\x00", ALL_BYTES_4096], ids=["empty", "one-byte", "4096-all-values"]
)
@pytest.mark.parametrize("kind", list(ExecutionKind))
async def test_create_then_get_round_trips_every_field(
    store: ExecutionStore, kind: ExecutionKind, token: bytes
) -> None:
    execution = agent_execution() if kind is ExecutionKind.AGENT else workflow_execution()
    row, created = await create(store, token=token, key="v1:abc", kind=kind, execution=execution)
    assert created
    fetched = await store.get(row.id)
    assert fetched == row
    assert fetched.kind is kind
    assert fetched.idempotency_key == "v1:abc"
    assert fetched.execution == execution
    assert fetched.callback_token == token
    assert len(fetched.callback_token) == len(token)
    expected = CompletionState.PENDING if token else CompletionState.NOT_REQUESTED
    assert fetched.completion_state is expected
    assert fetched.completion_outcome == ""
    assert fetched.created_at == fetched.updated_at == T0
    assert fetched.created_at.tzinfo is UTC


async def test_system_clock_timestamps_are_utc_aware(backend: Backend) -> None:
    async with await backend.open() as store:
        before = datetime.now(UTC)
        row, _ = await create(store, token=b"t")
        fetched = await store.get(row.id)
    assert fetched is not None
    assert fetched.created_at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= fetched.created_at <= datetime.now(UTC)


async def test_get_unknown_id_returns_none(store: ExecutionStore) -> None:
    assert await store.get("no-such-execution") is None


async def test_create_without_key_always_inserts(store: ExecutionStore) -> None:
    first, created_first = await create(store, token=b"a")
    second, created_second = await create(store, token=b"a")
    assert created_first
    assert created_second
    assert first.id != second.id
    assert first.idempotency_key is None


async def test_create_with_taken_id_raises(store: ExecutionStore) -> None:
    row, _ = await create(store, token=b"a", key="v1:one")
    with pytest.raises(ExecutionExistsError, match=row.id):
        await create(store, token=b"b", key="v1:two", id=row.id)
    with pytest.raises(ExecutionExistsError):
        await create(store, token=b"c", id=row.id)


async def test_execution_still_carrying_its_token_is_refused(store: ExecutionStore) -> None:
    execution = AgentExecution()
    execution.spec.message = "hi"
    execution.spec.callback_token = b"secret-token"
    with pytest.raises(ValueError, match="callback_token") as raised:
        await create(store, token=b"secret-token", execution=execution.SerializeToString())
    assert "secret-token" not in str(raised.value)
    with pytest.raises(ValueError, match="WorkflowExecution"):
        await create(store, kind=ExecutionKind.WORKFLOW, execution=b"\xff\xff")
    assert await store.list_pending() == []


# --- Idempotency ------------------------------------------------------------------------------


async def test_repeated_key_returns_existing_row_with_newer_token(
    store: ExecutionStore, clock: FakeClock
) -> None:
    first, created = await create(store, token=b"first-attempt", key="v1:k", id="ae-first")
    assert created
    clock.now = T0 + timedelta(minutes=1)
    again, created_again = await create(
        store,
        token=b"second-attempt",
        key="v1:k",
        id="ae-second",
        execution=agent_execution("a different message"),
    )
    assert not created_again
    assert again.id == "ae-first"
    assert again.callback_token == b"second-attempt"
    assert again.completion_state is CompletionState.PENDING
    assert again.execution == first.execution  # the retry's message is not stored
    assert again.created_at == T0
    assert again.updated_at == T0 + timedelta(minutes=1)
    assert await store.get("ae-first") == again
    assert await store.get("ae-second") is None


async def test_repeated_key_without_token_keeps_stored_token(store: ExecutionStore) -> None:
    first, _ = await create(store, token=b"kept", key="v1:k")
    again, created = await create(store, token=b"", key="v1:k")
    assert not created
    assert again == first
    assert again.callback_token == b"kept"


async def test_repeated_key_with_token_makes_fire_and_forget_pending(
    store: ExecutionStore,
) -> None:
    first, _ = await create(store, token=b"", key="v1:k")
    assert first.completion_state is CompletionState.NOT_REQUESTED
    again, created = await create(store, token=b"now-owed", key="v1:k")
    assert not created
    assert again.completion_state is CompletionState.PENDING
    assert [row.id for row in await store.list_pending()] == [first.id]


async def test_repeated_key_after_delivery_stays_delivered(store: ExecutionStore) -> None:
    first, _ = await create(store, token=b"old", key="v1:k")
    await store.mark_completion(first.id, "ALREADY_COMPLETED")
    again, created = await create(store, token=b"new", key="v1:k")
    assert not created
    assert again.callback_token == b"new"
    assert again.completion_state is CompletionState.DELIVERED
    assert again.completion_outcome == "ALREADY_COMPLETED"
    assert await store.list_pending() == []


async def test_same_key_of_other_kind_is_another_execution(store: ExecutionStore) -> None:
    agent, created_agent = await create(store, token=b"a", key="v1:k")
    workflow, created_workflow = await create(
        store, token=b"w", key="v1:k", kind=ExecutionKind.WORKFLOW
    )
    assert created_agent
    assert created_workflow
    assert agent.id != workflow.id


async def test_concurrent_creates_with_one_key_store_one_row(backend: Backend) -> None:
    # Two stores on one database: two service replicas.
    replicas = [await backend.open(), await backend.open()]
    try:
        tokens = [f"token-{i}".encode() for i in range(20)]
        results = await asyncio.gather(
            *(
                create(replicas[i % 2], token=token, key="v1:race", id=f"ae-{i}")
                for i, token in enumerate(tokens)
            )
        )
        assert sum(created for _, created in results) == 1
        ids = {row.id for row, _ in results}
        assert len(ids) == 1
        rows = await backend.sql("SELECT id FROM executions")
        assert [row[0] for row in rows] == list(ids)
        stored = await replicas[0].get(ids.pop())
        assert stored is not None
        assert stored.callback_token in tokens
        assert stored.completion_state is CompletionState.PENDING
    finally:
        for replica in replicas:
            await replica.close()


# --- Idempotency bound to owner, request and activity ------------------------------------------


async def test_keys_are_unique_per_owner_so_nobody_squats_anothers(store: ExecutionStore) -> None:
    # Mallory sends alice's key first: it becomes mallory's own execution, nothing more.
    squatted, created = await create(
        store, token=activity_token("wf", "1"), key="v1:k", owner="mallory"
    )
    assert created
    first, created = await create(store, token=activity_token("wf", "1"), key="v1:k", owner="alice")
    assert created
    assert first.id != squatted.id
    assert first.owner == "alice"
    anonymous, created = await create(store, key="v1:k")  # no owner is another owner too
    assert created
    assert anonymous.id not in (first.id, squatted.id)
    assert await store.get(first.id) == first  # the victim's token is untouched
    again, created = await create(
        store, token=activity_token("wf", "1", 2), key="v1:k", owner="alice"
    )
    assert not created
    assert again.id == first.id
    assert again.callback_token == activity_token("wf", "1", 2)


async def test_open_executions_are_counted_per_owner(store: ExecutionStore) -> None:
    pending = AgentExecution.FromString(agent_execution())
    pending.status.phase = ExecutionPhase.EXECUTION_PENDING
    opened = pending.SerializeToString()
    alice_one, _ = await create(store, token=b"a", key="v1:a1", owner="alice", execution=opened)
    await create(store, key="v1:a2", owner="alice", execution=opened)
    await create(store, key="v1:b1", owner="bob", execution=opened)
    await create(store, key="v1:b2", owner="bob")  # no phase: not counted
    assert await store.count_open("alice") == 2
    assert await store.count_open("bob") == 1
    assert await store.count_open("carol") == 0
    assert await store.has_key(ExecutionKind.AGENT, "alice", "v1:a1")
    assert not await store.has_key(ExecutionKind.AGENT, "bob", "v1:a1")
    assert not await store.has_key(ExecutionKind.WORKFLOW, "alice", "v1:a1")
    running = AgentExecution.FromString(alice_one.execution)
    running.status.phase = ExecutionPhase.EXECUTION_IN_PROGRESS
    await store.update_execution(alice_one.id, running.SerializeToString())
    assert await store.count_open("alice") == 2  # still open
    running.status.phase = ExecutionPhase.EXECUTION_COMPLETED
    await store.finish(alice_one.id, running.SerializeToString(), "COMPLETED")
    assert await store.count_open("alice") == 1


async def test_a_repeated_key_with_another_request_is_refused(store: ExecutionStore) -> None:
    first, _ = await create(store, token=b"a", key="v1:k", request_digest="digest-1")
    assert first.request_digest == "digest-1"
    with pytest.raises(IdempotencyConflictError) as raised:
        await create(store, token=b"b", key="v1:k", request_digest="digest-2")
    assert raised.value.reason == "request"
    assert "different request" in str(raised.value)
    # An unknown digest on either side is no evidence of another request.
    _same, created = await create(store, token=b"c", key="v1:k", request_digest="digest-1")
    assert not created
    blank, _ = await create(store, token=b"d", key="v1:k")
    assert blank.callback_token == b"d"
    assert blank.request_digest == "digest-1"
    unknown, _ = await create(store, token=b"e", key="v1:other")
    anything, _ = await create(store, token=b"f", key="v1:other", request_digest="digest-9")
    assert anything.id == unknown.id


async def test_a_token_of_another_activity_is_refused(store: ExecutionStore) -> None:
    victim_token = activity_token("victim-wf", "3")
    victim, _ = await create(store, token=victim_token, key="v1:k")
    for hostile in (
        activity_token("attacker-wf", "3"),
        activity_token("victim-wf", "4"),
        activity_token("victim-wf", "3", run_id="run-2"),
        activity_token("victim-wf", "3", namespace="ns-2"),
        b"undecodable token",
    ):
        with pytest.raises(IdempotencyConflictError) as raised:
            await create(store, token=hostile, key="v1:k")
        assert raised.value.reason == "activity"
        assert token_preview(hostile) not in str(raised.value)
    assert (await store.get(victim.id)) == victim
    retried, created = await create(store, token=activity_token("victim-wf", "3", 2), key="v1:k")
    assert not created
    assert retried.callback_token == activity_token("victim-wf", "3", 2)


async def test_undecodable_tokens_match_only_each_other(store: ExecutionStore) -> None:
    await create(store, token=b"undecodable one", key="v1:u")
    again, _ = await create(store, token=b"undecodable two", key="v1:u")
    assert again.callback_token == b"undecodable two"
    with pytest.raises(IdempotencyConflictError, match="another activity"):
        await create(store, token=activity_token("wf", "1"), key="v1:u")
    assert token_identity(b"undecodable one") == token_identity(b"\x10\x01") == ""


async def test_the_first_token_binds_a_fire_and_forget_key(store: ExecutionStore) -> None:
    await create(store, key="v1:k")
    bound, _ = await create(store, token=activity_token("wf", "1"), key="v1:k")
    assert bound.completion_state is CompletionState.PENDING
    with pytest.raises(IdempotencyConflictError):
        await create(store, token=activity_token("wf", "2"), key="v1:k")


async def test_the_activity_binding_survives_the_tokens_erasure(store: ExecutionStore) -> None:
    row, _ = await create(store, token=activity_token("wf", "1"), key="v1:k")
    await store.mark_completion(row.id, "COMPLETED", token_digest=token_digest(row.callback_token))
    with pytest.raises(IdempotencyConflictError):
        await create(store, token=activity_token("wf", "2"), key="v1:k")
    retried, _ = await create(store, token=activity_token("wf", "1", 3), key="v1:k")
    # Owed a redelivery: the outcome stays recorded, the new token is stored until then.
    assert retried.completion_state is CompletionState.DELIVERED
    assert retried.callback_token == activity_token("wf", "1", 3)
    redelivered = await store.mark_completion(
        row.id, "COMPLETED", token_digest=token_digest(activity_token("wf", "1", 3))
    )
    assert redelivered.callback_token == b""
    assert redelivered.callback_token_digest == token_digest(activity_token("wf", "1", 3))


@pytest.mark.parametrize("conflict", ["request", "activity"])
async def test_concurrent_creates_with_conflicting_callers_store_one_execution(
    backend: Backend, conflict: str
) -> None:
    """Two replicas, 24 creates of one key from 3 different callers at once: one execution, its
    first caller's; the same caller's repeats succeed, the others are refused."""
    replicas = [await backend.open(), await backend.open()]

    def caller(i: int) -> dict[str, Any]:
        group = i % 3
        return {
            "request_digest": f"request-{group}" if conflict == "request" else "",
            "token": activity_token("wf", f"{group if conflict == 'activity' else 0}", i + 1),
        }

    try:
        results = await asyncio.gather(
            *(create(replicas[i % 2], key="v1:race", id=f"ae-{i}", **caller(i)) for i in range(24)),
            return_exceptions=True,
        )
        stored = [r for r in results if not isinstance(r, BaseException)]
        refused = [r for r in results if isinstance(r, BaseException)]
        assert sum(created for _, created in stored) == 1
        (winner,) = {row.id for row, _ in stored}
        winner_group = int(winner.removeprefix("ae-")) % 3
        assert {i % 3 for i, r in enumerate(results) if not isinstance(r, BaseException)} == {
            winner_group
        }
        assert len(refused) == 16
        assert all(isinstance(r, IdempotencyConflictError) for r in refused)
        assert {r.reason for r in refused if isinstance(r, IdempotencyConflictError)} == {conflict}
        assert [row[0] for row in await backend.sql("SELECT id FROM executions")] == [winner]
        final = await replicas[0].get(winner)
        assert final is not None
        assert TaskToken(final.callback_token).inspect() is not None
    finally:
        for replica in replicas:
            await replica.close()


# --- Updates ----------------------------------------------------------------------------------


async def test_update_execution_replaces_only_the_execution(
    store: ExecutionStore, clock: FakeClock
) -> None:
    row, _ = await create(store, token=b"tok", key="v1:k")
    clock.now = T0 + timedelta(seconds=30)
    updated = await store.update_execution(row.id, agent_execution("progress"))
    assert updated.execution == agent_execution("progress")
    assert updated.callback_token == b"tok"
    assert updated.completion_state is CompletionState.PENDING
    assert updated.created_at == T0
    assert updated.updated_at == T0 + timedelta(seconds=30)
    assert await store.get(row.id) == updated


async def test_update_execution_checks_id_and_content(store: ExecutionStore) -> None:
    with pytest.raises(KeyError):
        await store.update_execution("no-such-execution", agent_execution())
    row, _ = await create(store, token=b"tok", kind=ExecutionKind.WORKFLOW)
    leaking = WorkflowExecution()
    leaking.spec.callback_token = b"tok"
    with pytest.raises(ValueError, match="callback_token"):
        await store.update_execution(row.id, leaking.SerializeToString())
    assert await store.get(row.id) == row


async def test_mark_completion_records_outcome(store: ExecutionStore, clock: FakeClock) -> None:
    row, _ = await create(store, token=b"tok")
    clock.now = T0 + timedelta(hours=2)
    marked = await store.mark_completion(row.id, "COMPLETED")
    assert marked.completion_state is CompletionState.DELIVERED
    assert marked.completion_outcome == "COMPLETED"
    assert marked.updated_at == T0 + timedelta(hours=2)
    assert marked.callback_token == b""  # erased once the outcome is recorded
    assert marked.callback_token_digest == token_digest(b"tok")
    assert await store.get(row.id) == marked
    assert await store.list_pending() == []
    with pytest.raises(KeyError):
        await store.mark_completion("no-such-execution", "COMPLETED")


async def test_mark_completion_with_the_delivered_tokens_digest_marks(
    store: ExecutionStore,
) -> None:
    row, _ = await create(store, token=b"tok", key="v1:k")
    marked = await store.mark_completion(row.id, "COMPLETED", token_digest=token_digest(b"tok"))
    assert marked.completion_state is CompletionState.DELIVERED
    assert marked.completion_outcome == "COMPLETED"


async def test_mark_completion_for_a_replaced_token_leaves_the_newer_one_owed(
    store: ExecutionStore, clock: FakeClock
) -> None:
    first, _ = await create(store, token=b"attempt-1", key="v1:k")
    clock.now = T0 + timedelta(minutes=1)
    await create(store, token=b"attempt-2", key="v1:k")
    clock.now = T0 + timedelta(minutes=2)
    unchanged = await store.mark_completion(
        first.id, "ALREADY_COMPLETED", token_digest=token_digest(b"attempt-1")
    )
    assert unchanged.completion_state is CompletionState.PENDING
    assert unchanged.completion_outcome == ""
    assert unchanged.callback_token == b"attempt-2"
    assert unchanged.updated_at == T0 + timedelta(minutes=1)
    assert await store.get(first.id) == unchanged
    assert [pending.id for pending in await store.list_pending()] == [first.id]
    marked = await store.mark_completion(
        first.id, "COMPLETED", token_digest=token_digest(b"attempt-2")
    )
    assert marked.completion_state is CompletionState.DELIVERED
    assert marked.completion_outcome == "COMPLETED"


async def test_mark_completion_with_a_digest_leaves_a_fire_and_forget_row(
    store: ExecutionStore,
) -> None:
    row, _ = await create(store)
    unchanged = await store.mark_completion(row.id, "EMPTY_TOKEN", token_digest=token_digest(b""))
    assert unchanged.completion_state is CompletionState.NOT_REQUESTED
    assert unchanged == row
    with pytest.raises(KeyError):
        await store.mark_completion("no-such-execution", "COMPLETED", token_digest="00")


async def test_mark_completion_waits_for_a_concurrent_token_replacement(
    backend: Backend,
) -> None:
    """Whichever runs first, the newer token is never marked delivered by the older one's mark."""
    async with await backend.open() as first_store, await backend.open() as second_store:
        for _ in range(20):
            row, _ = await create(first_store, token=b"old", key=f"v1:{uuid.uuid4()}")
            key = row.idempotency_key
            assert key is not None
            marked, (replaced, _) = await asyncio.gather(
                first_store.mark_completion(row.id, "COMPLETED", token_digest=token_digest(b"old")),
                create(second_store, token=b"new", key=key),
            )
            final = await first_store.get(row.id)
            assert final is not None
            assert final.callback_token == b"new"
            if marked.completion_state is CompletionState.DELIVERED:
                # The mark ran first; the create then kept it delivered (and redelivers).
                assert replaced.completion_state is CompletionState.DELIVERED
            else:
                assert final.completion_state is CompletionState.PENDING


# --- Pending completions ----------------------------------------------------------------------


async def test_list_pending_filters_and_orders_oldest_first(
    store: ExecutionStore, clock: FakeClock
) -> None:
    async def at(minutes: int, kind: ExecutionKind, token: bytes = b"tok") -> str:
        clock.now = T0 + timedelta(minutes=minutes)
        row, _ = await create(store, token=token, kind=kind)
        return row.id

    # Inserted out of time order, so that the order comes from created_at.
    agent_3 = await at(3, ExecutionKind.AGENT)
    agent_1 = await at(1, ExecutionKind.AGENT)
    workflow_2 = await at(2, ExecutionKind.WORKFLOW)
    workflow_5 = await at(5, ExecutionKind.WORKFLOW)
    await at(0, ExecutionKind.AGENT, token=b"")  # fire-and-forget: never listed
    delivered = await at(0, ExecutionKind.WORKFLOW)
    await store.mark_completion(delivered, "INVALID_TOKEN")

    clock.now = T0 + timedelta(minutes=10)
    assert [r.id for r in await store.list_pending()] == [agent_1, workflow_2, agent_3, workflow_5]
    assert [r.id for r in await store.list_pending(older_than=timedelta(minutes=8))] == [
        agent_1,
        workflow_2,
    ]
    assert [r.id for r in await store.list_pending(older_than=timedelta(minutes=7))] == [
        agent_1,
        workflow_2,
        agent_3,
    ]
    assert [r.id for r in await store.list_pending(kind=ExecutionKind.WORKFLOW)] == [
        workflow_2,
        workflow_5,
    ]
    assert [
        r.id
        for r in await store.list_pending(older_than=timedelta(minutes=7), kind=ExecutionKind.AGENT)
    ] == [agent_1, agent_3]
    assert await store.list_pending(older_than=timedelta(hours=1)) == []
    assert await store.pending_created_at() == [r.created_at for r in await store.list_pending()]
    assert await store.pending_created_at(kind=ExecutionKind.WORKFLOW) == [
        T0 + timedelta(minutes=2),
        T0 + timedelta(minutes=5),
    ]
    pending = await store.list_pending()
    assert all(r.completion_state is CompletionState.PENDING for r in pending)
    assert all(r.callback_token == b"tok" for r in pending)


# --- Migrations -------------------------------------------------------------------------------


async def test_migrations_are_versioned_and_applied_once(backend: Backend) -> None:
    async with await backend.open() as first:
        assert first.migrations_applied == ALL_VERSIONS
    async with await backend.open() as second:
        assert second.migrations_applied == ()
    rows = await backend.sql("SELECT version, applied_at FROM schema_migrations ORDER BY version")
    assert tuple(row[0] for row in rows) == ALL_VERSIONS
    assert max(row[0] for row in rows) == SCHEMA_VERSION


def _migrations(backend: Backend) -> tuple[Migration, ...]:
    return SQLITE_MIGRATIONS if backend.sqlite_path is not None else POSTGRES_MIGRATIONS


def _time_param(backend: Backend, value: datetime) -> Any:
    if backend.sqlite_path is not None:
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


async def legacy_schema(backend: Backend, version: int) -> None:
    """The schema as release ``version`` left it, built from its migrations."""
    if backend.sqlite_path is not None:
        backend.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    time_type = "TEXT" if backend.sqlite_path is not None else "TIMESTAMPTZ"
    await backend.sql(
        "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, "
        f"description TEXT NOT NULL, applied_at {time_type} NOT NULL)"
    )
    for migration in _migrations(backend)[:version]:
        for statement in migration.statements:
            await backend.sql(statement)
        await backend.sql(
            "INSERT INTO schema_migrations VALUES (?, ?, ?)",
            (migration.version, migration.description, _time_param(backend, T0)),
        )


def v1_envelope(key: bytes, execution_id: str, token: bytes) -> bytes:
    """A token sealed as releases before the version 2 envelope did."""
    nonce = os.urandom(12)
    return b"\x01" + nonce + AESGCM(key).encrypt(nonce, token, execution_id.encode())


async def legacy_row(
    backend: Backend,
    id: str,
    *,
    token: bytes,
    key: str | None = None,
    encryption_key: bytes | None = None,
    updated: bool = False,
) -> None:
    """A row as a release before key ids wrote it (v1 columns only; a token sealed in the
    version 1 envelope, bound to the execution id only)."""
    stored, encrypted = token, False
    if encryption_key is not None and token:
        stored, encrypted = v1_envelope(encryption_key, id, token), True
    await backend.sql(
        "INSERT INTO executions (id, kind, idempotency_key, execution, callback_token, "
        "token_encrypted, completion_state, completion_outcome, created_at, updated_at) "
        "VALUES (?, 'agent', ?, ?, ?, ?, ?, '', ?, ?)",
        (
            id,
            key,
            agent_execution(),
            stored,
            encrypted,
            "pending" if token else "not_requested",
            _time_param(backend, T0),
            _time_param(backend, T0 + timedelta(seconds=1 if updated else 0)),
        ),
    )


async def test_migration_4_scopes_keys_by_owner_and_counts_owed_rows_as_open(
    backend: Backend,
) -> None:
    await legacy_schema(backend, 3)
    await legacy_row(backend, "ae-owed", token=b"owed", key="v1:old")
    await legacy_row(backend, "ae-done", token=b"", key="v1:done")
    async with await backend.open() as store:
        assert store.migrations_applied == ALL_VERSIONS[3:]
        assert await store.count_open("") == 1  # the row still owed its completion
        # The legacy key belongs to its owner (""), not to everyone.
        other, created = await create(store, key="v1:old", owner="key:bob")
        assert created
        assert other.id != "ae-owed"
        same, created = await create(store, token=b"owed again", key="v1:old")
        assert (same.id, created) == ("ae-owed", False)


async def test_a_status_token_is_never_stored(store: ExecutionStore) -> None:
    carrying = AgentExecution.FromString(agent_execution())
    carrying.status.callback_token = b"bearer"
    with pytest.raises(ValueError, match=r"status\.callback_token"):
        await create(store, execution=carrying.SerializeToString())
    row, _ = await create(store, key="v1:s")
    with pytest.raises(ValueError, match=r"status\.callback_token"):
        await store.update_execution(row.id, carrying.SerializeToString())
    assert await store.get(row.id) == row


@pytest.mark.parametrize("version", [1, 2])
async def test_missing_migrations_are_applied_on_open(
    backend: Backend, clock: FakeClock, version: int
) -> None:
    await legacy_schema(backend, version)
    await legacy_row(backend, "ae-untouched", token=b"survives", key="v1:old")
    await legacy_row(backend, "ae-ran", token=b"", updated=True)
    clock.now = T0 + timedelta(hours=1)
    async with await backend.open(clock=clock) as store:
        assert store.migrations_applied == ALL_VERSIONS[version:]
        fetched = await store.get("ae-untouched")
        assert fetched is not None
        assert fetched.callback_token == b"survives"
        assert fetched.callback_token_digest == token_digest(b"survives")  # from the token
        assert fetched.owner == fetched.request_digest == ""
        assert [r.id for r in await store.list_unstarted(timedelta(0))] == ["ae-untouched"]
        # The conditional mark works on a row stored before digests were recorded.
        marked = await store.mark_completion(
            "ae-untouched", "COMPLETED", token_digest=token_digest(b"survives")
        )
        assert marked.completion_state is CompletionState.DELIVERED
    rows = await backend.sql("SELECT version FROM schema_migrations ORDER BY version")
    assert tuple(row[0] for row in rows) == ALL_VERSIONS


async def test_a_legacy_rows_token_binds_its_key_to_its_activity(backend: Backend) -> None:
    await legacy_schema(backend, 2)
    await legacy_row(backend, "ae-legacy", token=activity_token("wf", "1"), key="v1:legacy")
    async with await backend.open() as store:
        with pytest.raises(IdempotencyConflictError) as raised:
            await create(store, token=activity_token("wf", "2"), key="v1:legacy")
        assert raised.value.reason == "activity"
        again, created = await create(store, token=activity_token("wf", "1", 2), key="v1:legacy")
    assert not created
    assert again.id == "ae-legacy"


async def test_concurrent_opens_migrate_once(backend: Backend) -> None:
    stores = await asyncio.gather(*(backend.open() for _ in range(5)))
    try:
        applied = sorted(store.migrations_applied for store in stores)
        assert applied == [(), (), (), (), ALL_VERSIONS]
    finally:
        for store in stores:
            await store.close()
    rows = await backend.sql("SELECT version FROM schema_migrations ORDER BY version")
    assert tuple(row[0] for row in rows) == ALL_VERSIONS


# --- Migrations across replicas -----------------------------------------------------------------


async def test_replicas_starting_at_once_on_an_old_schema_migrate_it_once(
    backend: Backend,
) -> None:
    await legacy_schema(backend, 2)
    await legacy_row(backend, "ae-old", token=activity_token("wf", "1"), key="v1:old")
    stores = await asyncio.gather(*(backend.open() for _ in range(8)))
    try:
        applied = sorted(store.migrations_applied for store in stores)
        assert applied == [()] * 7 + [ALL_VERSIONS[2:]]
        rows = await asyncio.gather(*(store.get("ae-old") for store in stores))
        assert all(
            row is not None and row.callback_token == activity_token("wf", "1") for row in rows
        )
    finally:
        for store in stores:
            await store.close()
    rows = await backend.sql("SELECT version FROM schema_migrations ORDER BY version")
    assert tuple(row[0] for row in rows) == ALL_VERSIONS


@pytest.mark.postgres
async def test_postgres_migrations_wait_for_the_advisory_lock() -> None:
    """A replica holding the migration lock (mid-migration) makes the others wait for it."""
    from stigmer_sdk.service.store.postgres import MIGRATION_LOCK_ID

    async with postgres_schema() as url:
        async with await psycopg.AsyncConnection.connect(url) as holder:
            await holder.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_ID,))
            opening = asyncio.ensure_future(open_store(url))
            await asyncio.sleep(0.5)
            assert not opening.done()
            await holder.rollback()
        store = await asyncio.wait_for(opening, 30)
        assert store.migrations_applied == ALL_VERSIONS
        await store.close()


# --- Encryption at rest -----------------------------------------------------------------------

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


async def raw_token(backend: Backend, execution_id: str) -> tuple[bytes, bool]:
    rows = await backend.sql(
        "SELECT callback_token, token_encrypted FROM executions WHERE id = ?", (execution_id,)
    )
    return bytes(rows[0][0]), bool(rows[0][1])


async def test_plain_store_keeps_token_bytes_as_is(store: ExecutionStore, backend: Backend) -> None:
    row, _ = await create(store, token=ALL_BYTES_4096)
    assert await raw_token(backend, row.id) == (ALL_BYTES_4096, False)


@pytest.mark.parametrize(
    "token", [b"\x00", b"T" * 40, ALL_BYTES_4096], ids=["1-byte", "40-bytes", "4096-all-values"]
)
async def test_encrypted_token_is_not_stored_in_clear(backend: Backend, token: bytes) -> None:
    async with await backend.open(encryption_key=KEY) as store:
        row, _ = await create(store, token=token, key="v1:k")
        stored, encrypted = await raw_token(backend, row.id)
        assert encrypted
        assert stored != token
        if len(token) >= 16:  # a short token may turn up in random bytes by chance
            assert token not in stored
        assert stored[:1] == b"\x02"  # format version
        assert len(stored) == 1 + 12 + len(token) + 16  # version, nonce, ciphertext, tag
        fetched = await store.get(row.id)
        assert fetched is not None
        assert fetched.callback_token == token
        # A retry's token is encrypted too.
        again, _ = await create(store, token=token + b"-retry", key="v1:k")
        assert again.callback_token == token + b"-retry"
        assert token + b"-retry" not in (await raw_token(backend, row.id))[0]


async def test_same_token_encrypts_differently_each_time(backend: Backend) -> None:
    async with await backend.open(encryption_key=KEY) as store:
        first, _ = await create(store, token=b"same token")
        second, _ = await create(store, token=b"same token")
    first_stored, _ = await raw_token(backend, first.id)
    second_stored, _ = await raw_token(backend, second.id)
    assert first_stored[1:13] != second_stored[1:13]  # random nonces
    assert first_stored != second_stored


async def test_empty_token_is_not_encrypted(backend: Backend) -> None:
    async with await backend.open(encryption_key=KEY) as store:
        row, _ = await create(store, token=b"")
        assert await raw_token(backend, row.id) == (b"", False)
        fetched = await store.get(row.id)
    assert fetched is not None
    assert fetched.callback_token == b""


async def test_encrypted_token_needs_the_right_key(backend: Backend) -> None:
    token = b"\x0a\x07default-secret-token-bytes"
    async with await backend.open(encryption_key=KEY) as store:
        row, _ = await create(store, token=token)
    async with await backend.open() as keyless:
        with pytest.raises(TokenDecryptionError, match="without an encryption key") as raised:
            await keyless.get(row.id)
        assert ENCRYPTION_KEY_ENV in str(raised.value)
        (listed,) = await keyless.list_pending()
        assert listed.id == row.id
        assert listed.callback_token == b""
        assert "without an encryption key" in listed.callback_token_error
        assert listed.callback_token_preview == "<undecryptable>"
    async with await backend.open(encryption_key=OTHER_KEY) as wrong:
        with pytest.raises(TokenDecryptionError, match="wrong encryption key") as raised:
            await wrong.get(row.id)
    assert isinstance(raised.value, StoreError)
    assert base64.b64encode(token).decode() not in str(raised.value)
    assert "secret-token" not in str(raised.value)


async def test_one_undecryptable_row_hides_no_other_pending_row(backend: Backend) -> None:
    async with await backend.open(encryption_key=OTHER_KEY) as other:
        foreign, _ = await create(other, token=b"sealed with the other key")
    async with await backend.open(encryption_key=KEY) as store:
        readable, _ = await create(store, token=b"sealed with this key")
        plain_rows = await store.list_pending()
        with pytest.raises(TokenDecryptionError):
            await store.get(foreign.id)
    by_id = {row.id: row for row in plain_rows}
    assert set(by_id) == {foreign.id, readable.id}
    assert by_id[readable.id].callback_token == b"sealed with this key"
    assert by_id[readable.id].callback_token_error == ""
    assert by_id[foreign.id].callback_token == b""
    assert "wrong encryption key" in by_id[foreign.id].callback_token_error
    assert "sealed with" not in repr(by_id[foreign.id])


async def test_ciphertext_moved_to_another_row_fails(backend: Backend) -> None:
    async with await backend.open(encryption_key=KEY) as store:
        victim, _ = await create(store, token=b"victim's token")
        attacker, _ = await create(store, token=b"attacker's token")
        stored, encrypted = await raw_token(backend, victim.id)
        await backend.sql(
            "UPDATE executions SET callback_token = ?, token_encrypted = ? WHERE id = ?",
            (stored, encrypted, attacker.id),
        )
        with pytest.raises(TokenDecryptionError, match=attacker.id):
            await store.get(attacker.id)
        fetched = await store.get(victim.id)
        assert fetched is not None
        assert fetched.callback_token == b"victim's token"


async def test_altered_ciphertext_fails(backend: Backend) -> None:
    async with await backend.open(encryption_key=KEY) as store:
        row, _ = await create(store, token=b"token")
        stored, _ = await raw_token(backend, row.id)
        assert stored[:1] == b"\x02"
        altered_versions = (b"\x03" + stored[1:], b"\x01" + stored[1:])  # unknown; downgraded
        for altered in (stored[:-1] + bytes([stored[-1] ^ 1]), *altered_versions, stored[:20]):
            await backend.sql(
                "UPDATE executions SET callback_token = ? WHERE id = ?", (altered, row.id)
            )
            with pytest.raises(TokenDecryptionError):
                await store.get(row.id)


async def test_an_encrypted_row_downgraded_to_plain_is_refused(backend: Backend) -> None:
    async with await backend.open(encryption_key=KEY) as store:
        victim, _ = await create(store, token=b"the caller's token")
        # Whoever can write the database plants a token of their choice, marked plain.
        await backend.sql(
            "UPDATE executions SET callback_token = ?, token_encrypted = ?, token_key_id = NULL "
            "WHERE id = ?",
            (b"attacker's token", False, victim.id),
        )
        with pytest.raises(TokenDecryptionError, match="plain text") as raised:
            await store.get(victim.id)
        assert "store encrypt" in str(raised.value)
        (listed,) = await store.list_pending()
        assert listed.callback_token == b""
        assert "plain text" in listed.callback_token_error


async def test_plain_rows_are_refused_once_a_key_is_set_until_encrypted(backend: Backend) -> None:
    async with await backend.open() as plain:
        old, _ = await create(plain, token=b"written before the key")
    async with await backend.open(encryption_key=KEY) as store:
        with pytest.raises(TokenDecryptionError, match="plain text"):
            await store.get(old.id)
        report = await store.rotate_key()  # what `stigmer-sdk store encrypt` runs
        assert (report.rotated, report.remaining) == (1, 0)
        fetched = await store.get(old.id)
        assert fetched is not None
        assert fetched.callback_token == b"written before the key"
    stored, encrypted = await raw_token(backend, old.id)
    assert encrypted
    assert b"written before the key" not in stored


async def test_the_ciphertext_is_bound_to_its_purpose_key_id_and_row(backend: Backend) -> None:
    from stigmer_sdk.service.store.crypto import associated_data

    async with await backend.open(encryption_keys=[KEY_1]) as store:
        row, _ = await create(store, token=b"bound")
    stored, _ = await raw_token(backend, row.id)
    nonce, sealed = stored[1:13], stored[13:]
    aead = AESGCM(KEY_1.key)
    assert aead.decrypt(nonce, sealed, associated_data(row.id, KEY_1.kid)) == b"bound"
    # The id alone (version 1's associated data), another key id, another row: none decrypts.
    for wrong in (
        row.id.encode(),
        associated_data(row.id, "other"),
        associated_data("x", "2025-01"),
    ):
        with pytest.raises(InvalidTag):
            aead.decrypt(nonce, sealed, wrong)


async def test_rows_sealed_by_earlier_releases_stay_readable_and_rotate_to_v2(
    backend: Backend,
) -> None:
    await legacy_schema(backend, SCHEMA_VERSION)
    await legacy_row(backend, "ae-v1", token=b"sealed as version 1", encryption_key=KEY)
    async with await backend.open(encryption_keys=[EncryptionKey("default", KEY)]) as store:
        fetched = await store.get("ae-v1")
        assert fetched is not None
        assert fetched.callback_token == b"sealed as version 1"
        report = await store.rotate_key()
        assert (report.rotated, report.remaining) == (1, 0)
        assert (await store.rotate_key()).rotated == 0  # now current: nothing left to do
        fetched = await store.get("ae-v1")
        assert fetched is not None
        assert fetched.callback_token == b"sealed as version 1"
    stored, _ = await raw_token(backend, "ae-v1")
    assert stored[:1] == b"\x02"


def test_load_encryption_key_accepts_base64_of_32_bytes() -> None:
    key = os.urandom(32)
    assert load_encryption_key(base64.b64encode(key).decode()) == key
    assert load_encryption_key(" " + base64.urlsafe_b64encode(key).decode() + "\n") == key
    assert load_encryption_key(base64.b64encode(key).decode().rstrip("=")) == key


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not base64 at all!",
        base64.b64encode(b"k" * 31).decode(),
        base64.b64encode(b"k" * 33).decode(),
        "a" * 32,  # 32 characters is not 32 bytes
    ],
)
def test_load_encryption_key_rejects_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match=ENCRYPTION_KEY_ENV) as raised:
        load_encryption_key(text)
    if text:
        assert text not in str(raised.value)


async def test_open_store_rejects_short_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        await open_store(f"sqlite:///{tmp_path}/x.db", encryption_key=b"k" * 16)


# --- Encryption keys with ids, rotation ---------------------------------------------------------

KEY_1 = EncryptionKey("2025-01", KEY)
KEY_2 = EncryptionKey("2026-06", OTHER_KEY)
KEY_3 = EncryptionKey("k3", bytes(range(2, 34)))


async def test_new_writes_use_the_newest_key_and_rows_record_its_id(backend: Backend) -> None:
    async with await backend.open(encryption_keys=[KEY_1]) as store:
        old, _ = await create(store, token=b"under key 1")
    async with await backend.open(encryption_keys=[KEY_1, KEY_2]) as store:
        new, _ = await create(store, token=b"under key 2")
        assert (await store.get(old.id)) is not None
        assert (await store.get(new.id)) is not None
    rows = dict(await backend.sql("SELECT id, token_key_id FROM executions"))
    assert rows == {old.id: "2025-01", new.id: "2026-06"}
    async with await backend.open(encryption_keys=[KEY_2]) as store:
        with pytest.raises(TokenDecryptionError, match="key id '2025-01', which is not configured"):
            await store.get(old.id)


async def test_rotation_re_encrypts_every_row_and_the_old_key_can_be_retired(
    backend: Backend,
) -> None:
    tokens = {f"ae-{i:02d}": f"token {i}".encode() + bytes(range(i)) for i in range(7)}
    await legacy_schema(backend, SCHEMA_VERSION)
    await legacy_row(backend, "ae-legacy", token=b"sealed before key ids", encryption_key=KEY)
    await legacy_row(backend, "ae-plain", token=b"written in plain text")
    tokens |= {"ae-legacy": b"sealed before key ids", "ae-plain": b"written in plain text"}
    async with await backend.open(encryption_keys=[EncryptionKey("default", KEY)]) as store:
        for execution_id in list(tokens)[:3]:
            await create(store, id=execution_id, token=tokens[execution_id])
    async with await backend.open(encryption_keys=[EncryptionKey("default", KEY), KEY_2]) as store:
        for execution_id in list(tokens)[3:7]:
            await create(store, id=execution_id, token=tokens[execution_id])
        done, _ = await create(store, id="ae-delivered", token=b"erased")
        await store.mark_completion(done.id, "COMPLETED")
        report = await store.rotate_key(batch_size=2)
    assert report.key_id == "2026-06"
    assert report.rotated == 5  # 3 under the old key, the legacy one, the plain one
    assert report.already_current == 4
    assert report.undecryptable == ()
    assert report.remaining == 0
    raw = dict(
        await backend.sql(
            "SELECT id, token_key_id FROM executions WHERE id <> ?", ("ae-delivered",)
        )
    )
    assert set(raw.values()) == {"2026-06"}
    for execution_id, (stored, encrypted) in [(i, await raw_token(backend, i)) for i in tokens]:
        assert encrypted
        assert stored[:1] == b"\x02"
        assert tokens[execution_id] not in stored
    # The old key retired: every row still decrypts.
    async with await backend.open(encryption_keys=[KEY_2]) as store:
        for execution_id, token in tokens.items():
            row = await store.get(execution_id)
            assert row is not None
            assert row.callback_token == token
        assert all(not row.callback_token_error for row in await store.list_pending())
        again = await store.rotate_key()
    assert (again.rotated, again.remaining) == (0, 0)


async def test_rotation_reports_rows_it_cannot_decrypt(backend: Backend) -> None:
    async with await backend.open(encryption_keys=[KEY_3]) as foreign:
        lost, _ = await create(foreign, token=b"under a key nobody has")
    async with await backend.open(encryption_keys=[KEY_1, KEY_2]) as store:
        kept, _ = await create(store, token=b"readable", id="ae-0")
        report = await store.rotate_key()
        assert report.undecryptable == (lost.id,)
        assert report.remaining == 1
        assert (await store.get(kept.id)) is not None
    async with await backend.open(encryption_keys=[KEY_3]) as foreign:
        row = await foreign.get(lost.id)
    assert row is not None
    assert row.callback_token == b"under a key nobody has"  # left as it was


async def test_rotation_needs_a_key(store: ExecutionStore) -> None:
    with pytest.raises(ValueError, match="needs an encryption key"):
        await store.rotate_key()


async def test_rotation_keeps_a_token_replaced_meanwhile(backend: Backend) -> None:
    """Rotation racing retried creates: every token ends readable and the newest one wins."""
    async with await backend.open(encryption_keys=[KEY_1]) as old:
        rows = [
            (await create(old, token=activity_token("wf", str(i)), key=f"v1:{i}"))[0]
            for i in range(30)
        ]
    async with (
        await backend.open(encryption_keys=[KEY_1, KEY_2]) as rotating,
        await backend.open(encryption_keys=[KEY_1, KEY_2]) as serving,
    ):
        report, *_ = await asyncio.gather(
            rotating.rotate_key(batch_size=4),
            *(
                create(serving, token=activity_token("wf", str(i), 2), key=f"v1:{i}")
                for i in range(30)
            ),
        )
        assert report.remaining == 0
    async with await backend.open(encryption_keys=[KEY_2]) as store:
        for i, row in enumerate(rows):
            stored = await store.get(row.id)
            assert stored is not None
            assert stored.callback_token == activity_token("wf", str(i), 2)


def test_key_list_format() -> None:
    one, two = base64.b64encode(KEY).decode(), base64.urlsafe_b64encode(OTHER_KEY).decode()
    keys = load_encryption_keys(f" a.1:{one},\n b_2:{two} ")
    assert [(k.kid, k.key) for k in keys] == [("a.1", KEY), ("b_2", OTHER_KEY)]
    assert load_encryption_keys([f"a:{one}", f"b:{two}"]) == [
        EncryptionKey("a", KEY),
        EncryptionKey("b", OTHER_KEY),
    ]
    assert parse_encryption_key(one) == EncryptionKey("default", KEY)
    assert load_encryption_keys("") == []
    assert one not in repr(keys)
    assert repr(KEY) not in repr(keys)
    with pytest.raises(ValueError, match="configured twice"):
        load_encryption_keys(f"a:{one} a:{two}")
    with pytest.raises(ValueError, match="key id 'bad id!'"):
        parse_encryption_key(f"bad id!:{one}")
    with pytest.raises(ValueError, match="encryption key 'short'") as raised:
        parse_encryption_key("short:" + base64.b64encode(b"k" * 16).decode())
    assert base64.b64encode(b"k" * 16).decode() not in str(raised.value)


def test_keys_from_options_or_environment() -> None:
    one, two = base64.b64encode(KEY).decode(), base64.b64encode(OTHER_KEY).decode()
    env = {ENCRYPTION_KEY_ENV: one, ENCRYPTION_KEYS_ENV: f"new:{two}"}
    assert encryption_keys_from((), env) == [
        EncryptionKey("default", KEY),
        EncryptionKey("new", OTHER_KEY),
    ]
    assert encryption_keys_from([f"x:{two}"], env) == [EncryptionKey("x", OTHER_KEY)]
    assert encryption_keys_from((), {}) == []


def test_plaintext_token_warning() -> None:
    warning = plaintext_token_warning("postgresql://svc:hunter2@db:5432/stigmer", [])
    assert warning is not None
    assert "PLAIN TEXT" in warning
    assert "postgresql://svc@db:5432/stigmer" in warning
    assert "hunter2" not in warning
    assert plaintext_token_warning("sqlite:///var/lib/stigmer.db", None) is not None
    assert plaintext_token_warning("sqlite:///var/lib/stigmer.db", [KEY_1]) is None
    assert plaintext_token_warning("sqlite:///var/lib/stigmer.db", KEY) is None
    assert plaintext_token_warning("sqlite:///x.db", [], development=True) is None
    assert plaintext_token_warning("sqlite://", []) is None


# --- stigmer-sdk store rotate-key ---------------------------------------------------------------


def test_rotate_key_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from stigmer_sdk.service.cli import app

    url = f"sqlite:///{tmp_path / 'stigmer.db'}"
    old = f"{KEY_1.kid}:{base64.b64encode(KEY_1.key).decode()}"
    new = f"{KEY_2.kid}:{base64.b64encode(KEY_2.key).decode()}"

    async def seed() -> list[str]:
        async with await open_store(url, encryption_keys=[KEY_1]) as store:
            return [(await create(store, token=f"t{i}".encode()))[0].id for i in range(3)]

    async def read(keys: list[EncryptionKey]) -> list[bytes]:
        async with await open_store(url, encryption_keys=keys) as store:
            return [row.callback_token for row in await store.list_pending()]

    asyncio.run(seed())
    monkeypatch.delenv(ENCRYPTION_KEY_ENV, raising=False)
    monkeypatch.setenv(ENCRYPTION_KEYS_ENV, f"{old} {new}")
    runner = CliRunner()
    result = runner.invoke(app, ["store", "rotate-key", "--store", url])
    assert result.exit_code == 0, result.output
    assert "key 2026-06: rotated 3" in result.output
    assert "remaining 0" in result.output
    assert base64.b64encode(KEY_1.key).decode() not in result.output
    assert sorted(asyncio.run(read([KEY_2]))) == [b"t0", b"t1", b"t2"]
    result = runner.invoke(app, ["store", "rotate-key", "--store", url, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "key_id": "2026-06",
        "rotated": 0,
        "already_current": 3,
        "undecryptable": [],
        "remaining": 0,
    }

    # A row under a key not given is reported, and the exit code says the old key is still needed.
    async def foreign() -> None:
        async with await open_store(url, encryption_keys=[KEY_3]) as store:
            await create(store, token=b"foreign")

    asyncio.run(foreign())
    result = runner.invoke(app, ["store", "rotate-key", "--store", url, "--encryption-key", new])
    assert result.exit_code == 1
    assert "undecryptable" in result.output
    monkeypatch.delenv(ENCRYPTION_KEYS_ENV)
    result = runner.invoke(app, ["store", "rotate-key", "--store", url])
    assert result.exit_code == 2
    assert "no encryption key" in result.output


def test_store_encrypt_command_encrypts_plain_rows(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from stigmer_sdk.service.cli import app

    url = f"sqlite:///{tmp_path / 'stigmer.db'}"

    async def seed() -> list[str]:
        async with await open_store(url) as store:
            return [(await create(store, token=f"plain {i}".encode()))[0].id for i in range(2)]

    async def read() -> list[StoredExecution]:
        async with await open_store(url, encryption_keys=[KEY_2]) as store:
            return await store.list_pending()

    asyncio.run(seed())
    assert all("plain text" in row.callback_token_error for row in asyncio.run(read()))
    key = f"{KEY_2.kid}:{base64.b64encode(KEY_2.key).decode()}"
    result = CliRunner().invoke(app, ["store", "encrypt", "--store", url, "--encryption-key", key])
    assert result.exit_code == 0, result.output
    assert "key 2026-06: rotated 2" in result.output
    assert sorted(row.callback_token for row in asyncio.run(read())) == [b"plain 0", b"plain 1"]
    again = CliRunner().invoke(
        app, ["store", "encrypt", "--store", url, "--encryption-key", key, "--json"]
    )
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["already_current"] == 2


async def test_sqlite_a_failing_writer_answers_every_caller(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from stigmer_sdk.service.store.sql import Query

    class Crash(BaseException):
        pass

    def crash() -> Any:
        raise Crash
        yield Query("SELECT 1")

    store = await open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        with pytest.raises(StoreError, match="writer failed"):
            await store._run(crash(), write=True)  # type: ignore[attr-defined]
        with pytest.raises(StoreError, match="writer stopped"):
            await create(store, token=b"t")
        assert "writer stopped" in caplog.text
    finally:
        await store.close()


async def test_a_token_replaced_by_a_replica_of_the_previous_release_is_marked_correctly(
    store: ExecutionStore, backend: Backend
) -> None:
    """During a rolling upgrade an older replica replaces tokens without recording digests."""
    row, _ = await create(store, token=b"first attempt", key="v1:k")
    await backend.sql(
        "UPDATE executions SET callback_token = ? WHERE id = ?", (b"retried attempt", row.id)
    )
    stale = await store.mark_completion(
        row.id, "COMPLETED", token_digest=token_digest(b"first attempt")
    )
    assert stale.completion_state is CompletionState.PENDING
    assert stale.callback_token == b"retried attempt"
    assert stale.callback_token_digest == token_digest(b"retried attempt")
    marked = await store.mark_completion(
        row.id, "COMPLETED", token_digest=token_digest(b"retried attempt")
    )
    assert marked.completion_state is CompletionState.DELIVERED
    assert marked.callback_token_digest == token_digest(b"retried attempt")


# --- No token in reprs or logs ----------------------------------------------------------------


async def test_repr_shows_preview_never_the_token(store: ExecutionStore) -> None:
    token = bytes(range(200, 256)) + b"tail-of-the-token"
    row, _ = await create(store, token=token)
    for text in (repr(row), str(row), f"{row}", repr([row])):
        assert token_preview(token) in text
        assert f"length={len(token)}" in text
        assert base64.b64encode(token).decode() not in text
        assert base64.b64encode(token).decode()[:24] not in text
        assert repr(token) not in text
        assert "tail-of-the-token" not in text
    assert row.callback_token_preview == token_preview(token)


async def test_store_logs_no_token(backend: Backend, caplog: pytest.LogCaptureFixture) -> None:
    token = b"log-canary-" + bytes(range(64))
    caplog.set_level(logging.DEBUG)
    async with await backend.open(encryption_key=KEY) as store:
        row, _ = await create(store, token=token, key="v1:k")
        await create(store, token=token + b"2", key="v1:k")
        await store.get(row.id)
        await store.mark_completion(row.id, "COMPLETED")
    assert "Applied store migration" in caplog.text
    assert "log-canary" not in caplog.text
    assert base64.b64encode(token).decode() not in caplog.text


async def test_database_errors_do_not_quote_the_token(
    store: ExecutionStore, backend: Backend
) -> None:
    token = b"db-error-canary-" + bytes(range(256)) * 20
    if backend.sqlite_path is not None:
        await backend.sql(
            "CREATE TRIGGER reject BEFORE INSERT ON executions "
            "BEGIN SELECT RAISE(ABORT, 'rejected by test'); END"
        )
    else:
        # PostgreSQL quotes the failing row, bytea included, in the DETAIL of this error.
        await backend.sql(
            "ALTER TABLE executions "
            "ADD CONSTRAINT short_tokens CHECK (length(callback_token) < 5000)"
        )
    with pytest.raises(StoreError) as raised:
        await create(store, token=token)
    text = "".join(traceback.format_exception(raised.value))
    assert "canary" not in text
    assert token.hex()[:32] not in text
    assert base64.b64encode(token).decode()[:64] not in text


# --- URLs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "mysql://root:hunter2@db/stigmer",
        "file:///tmp/x.db",
        "sqlite3:///x.db",
        "/tmp/just/a/path.db",
        "",
    ],
)
async def test_unknown_url_scheme_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="unsupported store URL scheme") as raised:
        await open_store(url)
    assert "hunter2" not in str(raised.value)


async def test_sqlite_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    urls = {
        "sqlite:///relative/dir/store.db": tmp_path / "relative" / "dir" / "store.db",
        f"sqlite:///{tmp_path}/absolute/store.db": tmp_path / "absolute" / "store.db",
    }
    for url, path in urls.items():
        async with await open_store(url) as store:
            await create(store, token=b"t")
        assert path.is_file()
        mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
    for url in ("sqlite://", "sqlite://:memory:", "sqlite:///:memory:"):
        async with await open_store(url) as store:
            row, _ = await create(store, token=b"t")
            assert await store.get(row.id) == row
    assert sorted(p.name for p in tmp_path.iterdir()) == ["absolute", "relative"]


@pytest.mark.postgres
async def test_postgres_scheme_alias_and_bad_server() -> None:
    async with postgres_schema() as url:
        alias = "postgres://" + url.split("://", 1)[1]
        async with await open_store(alias) as store:
            assert store.migrations_applied == ALL_VERSIONS
            row, _ = await create(store, token=b"t")
            assert await store.get(row.id) == row
    with pytest.raises(StoreError, match="cannot connect to PostgreSQL") as raised:
        await open_store("postgresql://nobody:pw-secret@127.0.0.1:1/none?connect_timeout=2")
    assert "pw-secret" not in str(raised.value)


@pytest.mark.postgres
async def test_postgres_connection_closed_by_the_server_is_replaced_before_reuse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As after a server restart: the pooled connection is dead, the next operation is not."""
    from stigmer_sdk.service.store import postgres

    monkeypatch.setattr(postgres, "CHECK_IDLE_AFTER_SECONDS", 0.0)
    application_name = f"stigmer-pool-test-{uuid.uuid4().hex[:8]}"
    async with postgres_schema() as schema_url:
        url = f"{schema_url}&application_name={application_name}"
        async with await open_store(url) as store:
            row, _ = await create(store, token=b"t")
            async with await psycopg.AsyncConnection.connect(schema_url, autocommit=True) as admin:
                cursor = await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = %s",
                    (application_name,),
                )
                terminated = [done for (done,) in await cursor.fetchall()]
                assert terminated
                assert all(terminated)
            assert await store.get(row.id) == row


async def test_closed_store_refuses_work(backend: Backend) -> None:
    store = await backend.open()
    await store.close()
    await store.close()  # idempotent
    with pytest.raises(StoreError, match="closed"):
        await store.get("anything")


# --- Token lifecycle ----------------------------------------------------------------------------


async def test_the_token_is_erased_once_its_completion_is_recorded(backend: Backend) -> None:
    token = b"bearer-secret-" + bytes(range(40))
    async with await backend.open(encryption_keys=[EncryptionKey("k1", KEY)]) as store:
        row, _ = await create(store, token=token, key="v1:k")
        assert (await raw_token(backend, row.id))[1]
        marked = await store.mark_completion(row.id, "COMPLETED", token_digest=token_digest(token))
        assert marked.callback_token == b""
        assert marked.callback_token_digest == token_digest(token)
        assert marked.completion_outcome == "COMPLETED"
        raw = await backend.sql(
            "SELECT callback_token, token_encrypted, token_key_id, token_digest FROM executions"
        )
        assert [(bytes(t), bool(e), k, d) for t, e, k, d in raw] == [
            (b"", False, None, token_digest(token))
        ]
        # A late repeat of the mark (a retried record step) changes nothing.
        again = await store.mark_completion(
            row.id, "ALREADY_COMPLETED", token_digest=token_digest(token)
        )
        assert again == marked
        assert await store.list_pending() == []


@pytest.mark.parametrize("outcome", ["INVALID_TOKEN", "ALREADY_COMPLETED", "NOT_FOUND"])
async def test_a_token_that_can_no_longer_be_delivered_is_erased(
    store: ExecutionStore, outcome: str
) -> None:
    row, _ = await create(store, token=b"dead token")
    marked = await store.mark_completion(row.id, outcome, token_digest=token_digest(b"dead token"))
    assert marked.completion_state is CompletionState.DELIVERED
    assert marked.completion_outcome == outcome
    assert marked.callback_token == b""


async def test_finish_writes_the_execution_and_the_outcome_together(
    store: ExecutionStore, clock: FakeClock
) -> None:
    row, _ = await create(store, token=b"tok", key="v1:k")
    clock.now = T0 + timedelta(minutes=5)
    done = await store.finish(
        row.id, agent_execution("final"), "COMPLETED", token_digest=token_digest(b"tok")
    )
    assert done.execution == agent_execution("final")
    assert done.execution_revision == 1
    assert done.completion_state is CompletionState.DELIVERED
    assert done.completion_outcome == "COMPLETED"
    assert done.callback_token == b""
    assert done.updated_at == T0 + timedelta(minutes=5)
    assert await store.get(row.id) == done


async def test_finish_for_a_replaced_token_writes_the_execution_and_leaves_the_new_one_owed(
    store: ExecutionStore,
) -> None:
    row, _ = await create(store, token=b"attempt-1", key="v1:k")
    await create(store, token=b"attempt-2", key="v1:k")
    done = await store.finish(
        row.id, agent_execution("final"), "COMPLETED", token_digest=token_digest(b"attempt-1")
    )
    assert done.execution == agent_execution("final")
    assert done.completion_state is CompletionState.PENDING
    assert done.callback_token == b"attempt-2"


async def test_finish_checks_id_and_content(store: ExecutionStore) -> None:
    with pytest.raises(KeyError):
        await store.finish("no-such-execution", agent_execution(), "COMPLETED")
    row, _ = await create(store, token=b"tok", kind=ExecutionKind.WORKFLOW)
    with pytest.raises(ValueError, match="WorkflowExecution"):
        await store.finish(row.id, b"\xff\xff", "COMPLETED")
    assert await store.get(row.id) == row


async def test_finish_is_one_transaction(store: ExecutionStore, backend: Backend) -> None:
    """When the completion part fails, the execution is not written either."""
    row, _ = await create(store, token=b"tok")
    if backend.sqlite_path is not None:
        await backend.sql(
            "CREATE TRIGGER no_delivery BEFORE UPDATE OF completion_state ON executions "
            "WHEN NEW.completion_state = 'delivered' BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    else:
        await backend.sql(
            "ALTER TABLE executions ADD CONSTRAINT no_delivery "
            "CHECK (completion_state <> 'delivered')"
        )
    with pytest.raises(StoreError):
        await store.finish(row.id, agent_execution("final"), "COMPLETED")
    assert await store.get(row.id) == row


# --- Unstarted executions -----------------------------------------------------------------------


async def test_list_unstarted_lists_rows_never_rewritten_since_create(
    store: ExecutionStore, clock: FakeClock
) -> None:
    async def at(minutes: int, kind: ExecutionKind = ExecutionKind.AGENT, **kwargs: Any) -> str:
        clock.now = T0 + timedelta(minutes=minutes)
        row, _ = await create(store, kind=kind, **kwargs)
        return row.id

    late = await at(3, token=b"t")
    early = await at(1)
    workflow = await at(2, ExecutionKind.WORKFLOW, token=b"w")
    started = await at(0)
    await store.update_execution(started, agent_execution("running"))
    retried = await at(0, token=b"first", key="v1:r")
    await create(store, token=b"second", key="v1:r")  # a new token is no start
    finished = await at(0, token=b"f")
    await store.finish(finished, agent_execution("done"), "COMPLETED")

    clock.now = T0 + timedelta(minutes=10)
    assert [r.id for r in await store.list_unstarted(timedelta(0))] == [
        retried,
        early,
        workflow,
        late,
    ]
    assert [r.id for r in await store.list_unstarted(timedelta(minutes=8, seconds=30))] == [
        retried,
        early,
    ]
    assert [r.id for r in await store.list_unstarted(timedelta(0), limit=2)] == [retried, early]
    assert [
        r.id for r in await store.list_unstarted(timedelta(0), kind=ExecutionKind.WORKFLOW)
    ] == [workflow]
    assert all(r.execution_revision == 0 for r in await store.list_unstarted(timedelta(0)))


# --- SQLite group commit ------------------------------------------------------------------------


async def test_sqlite_concurrent_writes_share_one_commit(tmp_path: Path) -> None:
    import threading

    from stigmer_sdk.service.store.sql import Query
    from stigmer_sdk.service.store.sqlite import SQLiteStore

    store = await open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert isinstance(store, SQLiteStore)
    started, release = threading.Event(), threading.Event()

    def hold_the_writer() -> Any:
        started.set()
        release.wait(30)
        yield Query("SELECT 1", (), "one")

    try:
        holding = asyncio.ensure_future(store._run(hold_the_writer(), write=True))
        await asyncio.to_thread(started.wait, 30)
        commits = store.commits
        creates = [
            asyncio.ensure_future(create(store, token=b"t", id=f"ae-{i}")) for i in range(20)
        ]
        taken = asyncio.ensure_future(create(store, token=b"t", id="ae-3"))  # fails alone
        await asyncio.sleep(0.1)
        release.set()
        await holding
        results = await asyncio.gather(*creates)
        with pytest.raises(ExecutionExistsError):
            await taken
        assert all(created for _, created in results)
        assert store.commits == commits + 2  # the holder's, then ONE for all 21 creates

        def synchronous() -> Any:
            return (yield Query("PRAGMA synchronous", (), "one"))

        assert await store._run(synchronous(), write=True) == (2,)  # FULL
        # Durable when create returned: another connection sees every row.
        connection = sqlite3.connect(tmp_path / "db.sqlite")
        assert connection.execute("SELECT count(*) FROM executions").fetchone()[0] == 20
        connection.close()
    finally:
        release.set()
        await store.close()


async def test_sqlite_one_commit_per_operation_when_unbatched(tmp_path: Path) -> None:
    from stigmer_sdk.service.store.sql import utc_clock
    from stigmer_sdk.service.store.sqlite import SQLiteStore

    store = SQLiteStore(str(tmp_path / "db.sqlite"), TokenCipher([]), utc_clock(None), max_batch=1)
    await store.open()
    try:
        await asyncio.gather(*(create(store, token=b"t") for _ in range(10)))
        assert store.commits == store.operations == 10
    finally:
        await store.close()


async def test_postgres_pool_size_is_checked() -> None:
    with pytest.raises(ValueError, match="pool size"):
        await open_store("postgresql://127.0.0.1:1/none", pool_size=0)


async def test_open_store_without_create_opens_only_an_existing_store(backend: Backend) -> None:
    """An operator's command (pending, complete, store) never creates an empty store elsewhere."""
    with pytest.raises(StoreNotFoundError, match="no executions table"):
        await open_store(backend.url, create=False)
    if backend.sqlite_path is not None:
        assert not backend.sqlite_path.exists()
    async with await open_store(backend.url) as created:
        await create(created, token=b"owed")
    async with await open_store(backend.url, create=False) as existing:
        assert [row.callback_token for row in await existing.list_pending()] == [b"owed"]


async def test_open_store_without_create_refuses_an_empty_sqlite_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(StoreNotFoundError):
        await open_store(f"sqlite:///{empty}", create=False)
    with pytest.raises(StoreNotFoundError):
        await open_store("sqlite://", create=False)
