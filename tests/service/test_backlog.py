"""Work per interval independent of the backlog (issue 25 item 2).

The caller-heartbeat relay runs on one replica of those sharing a store, sends at most its
budget of heartbeat RPCs per interval (spread out, never a burst), pages through ids and tokens
from an index and never decodes an execution blob. The reconciler and the pending gauge read
pages and aggregates from indexes, not every row.

The heartbeat RPC is a counting fake (a unit-level stand-in for Temporal's
RecordActivityTaskHeartbeat); the store and the leader election are real (PostgreSQL for three
replicas, SQLite and PostgreSQL for the store's queries).
"""

from __future__ import annotations

import asyncio
import itertools
import math
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import psycopg
import pytest
import temporalio.client

import stigmer_sdk.service.executions as executions_module
import stigmer_sdk.service.reconciler as reconciler_module
import stigmer_sdk.service.settlement as settlement_module
import stigmer_sdk.service.store.sql as sql_module
from stigmer_sdk.api.agentic.agentexecution.v1.api_pb2 import AgentExecution
from stigmer_sdk.completion import HeartbeatOutcome, HeartbeatResult
from stigmer_sdk.service.heartbeat_relay import HeartbeatRelay
from stigmer_sdk.service.invoke_workflow import CALLER_CANCEL_SIGNAL
from stigmer_sdk.service.leader import ReplicaLeadership
from stigmer_sdk.service.reconciler import reconcile_unstarted
from stigmer_sdk.service.runner import RECENT_RUNS_KEPT, ScriptedRunner
from stigmer_sdk.service.store import (
    CALLER_HEARTBEATS_ANNOTATION,
    ExecutionKind,
    ExecutionStore,
    open_store,
)

PENDING = 1000
REPLICAS = 3
BUDGET = 100.0  # heartbeat RPCs a second
INTERVAL = timedelta(seconds=2)
PER_ROUND = int(BUDGET * INTERVAL.total_seconds())  # 200


class Clock:
    """A fake clock whose sleep advances time at once (no timed assertions, no waiting)."""

    def __init__(self, now: datetime | None = None) -> None:
        self.seconds = 0.0
        self.wall = now or datetime(2026, 1, 1, tzinfo=UTC)

    def monotonic(self) -> float:
        return self.seconds

    async def sleep(self, delay: float) -> None:
        # Tasks made before the sleep start before the time moves on, as they would.
        await asyncio.sleep(0)
        self.seconds += max(0.0, delay)

    def __call__(self) -> datetime:
        return self.wall


@dataclass
class CountingHeartbeats:
    """Stands in for the heartbeat RPC: counts calls, per token, with the fake time of each."""

    clock: Clock
    cancel: set[bytes] = field(default_factory=set)
    calls: list[tuple[float, bytes, tuple[Any, ...]]] = field(default_factory=list)

    async def __call__(self, token: bytes, *details: Any) -> HeartbeatResult:
        self.calls.append((self.clock.monotonic(), token, details))
        if token in self.cancel:
            return HeartbeatResult(HeartbeatOutcome.CANCEL_REQUESTED, "cancel requested", "")
        return HeartbeatResult(HeartbeatOutcome.RECORDED, "", "")


class FakeHandle:
    def __init__(self, signals: list[tuple[str, str]], workflow_id: str) -> None:
        self._signals, self._id = signals, workflow_id

    async def signal(self, name: str) -> None:
        self._signals.append((self._id, name))


class FakeClient:
    """Only what the relay uses of a Temporal client besides the heartbeat: signals."""

    def __init__(self) -> None:
        self.signals: list[tuple[str, str]] = []

    def get_workflow_handle(self, workflow_id: str) -> FakeHandle:
        return FakeHandle(self.signals, workflow_id)


def execution(annotations: dict[str, str] | None = None, note: str = "", phase: int = 0) -> bytes:
    message = AgentExecution(api_version="agentic.stigmer.ai/v1", kind="AgentExecution")
    message.spec.agent_id = "agent-1"
    message.spec.message = "summarise " + "x" * 2000  # a blob the relay must not read
    message.metadata.annotations.update(annotations or {})
    if note:
        message.status.messages.add(content=note)
    message.status.phase = phase  # type: ignore[assignment]
    return message.SerializeToString(deterministic=True)


def token(index: int) -> bytes:
    return f"token-{index:05d}".encode()


async def fill(store: ExecutionStore, count: int, *, start: int = 0) -> None:
    """``count`` pending executions, created through the store, 50 at a time."""
    blob = execution()
    for first in range(start, start + count, 50):
        await asyncio.gather(
            *(
                store.create(
                    id=f"ae-{index:05d}",
                    kind=ExecutionKind.AGENT,
                    execution=blob,
                    callback_token=token(index),
                    idempotency_key=None,
                )
                for index in range(first, min(first + 50, start + count))
            )
        )


@pytest.fixture
def no_blob_decoded(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Spies on every function that decodes an execution blob; the counts must stay 0."""
    calls: Counter[str] = Counter()

    def spy(name: str, original: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return original(*args, **kwargs)

        return wrapper

    for module in (executions_module, settlement_module):  # every caller of decode
        monkeypatch.setattr(module, "decode", spy("decode", module.decode))
    monkeypatch.setattr(
        sql_module, "execution_facts", spy("execution_facts", sql_module.execution_facts)
    )
    monkeypatch.setattr(sql_module.SQLStore, "_row", spy("_row", sql_module.SQLStore._row))
    return calls


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
async def test_one_replica_of_three_relays_1000_pending_within_its_budget_without_blobs(
    store_url: str, no_blob_decoded: Counter[str]
) -> None:
    filler = await open_store(store_url)
    await fill(filler, PENDING)
    await filler.close()
    no_blob_decoded.clear()  # creating parses the blob; relaying must not

    stores = [await open_store(store_url) for _ in range(REPLICAS)]
    leaderships = [ReplicaLeadership(store_url) for _ in range(REPLICAS)]
    clocks = [Clock() for _ in range(REPLICAS)]
    rpcs = [CountingHeartbeats(clock) for clock in clocks]
    relays = [
        HeartbeatRelay(
            store,
            cast(temporalio.client.Client, FakeClient()),
            interval=INTERVAL,
            budget=BUDGET,
            leadership=leadership,
            heartbeat=rpc,
            sleep=clock.sleep,
            clock=clock.monotonic,
        )
        for store, leadership, clock, rpc in zip(stores, leaderships, clocks, rpcs, strict=True)
    ]
    try:
        rounds = math.ceil(PENDING / PER_ROUND)  # 5: every owed completion once
        per_round: list[list[int]] = []
        for _ in range(rounds):
            outcomes = await asyncio.gather(*(relay.relay_round() for relay in relays))
            per_round.append([outcome.sent for outcome in outcomes])

        # One replica relays; the two others send nothing.
        leaders = [i for i in range(REPLICAS) if rpcs[i].calls]
        assert len(leaders) == 1, per_round
        (leader,) = leaders
        assert all(rpcs[i].calls == [] for i in range(REPLICAS) if i != leader)
        # At most its budget per interval, every round, spread one every 1/budget seconds.
        assert all(sent[leader] == PER_ROUND for sent in per_round)
        times = [round(at, 6) for at, _, _ in rpcs[leader].calls]
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        assert min(gaps) >= 1 / BUDGET - 1e-6
        for window_start in range(math.ceil(times[-1]) + 1):
            in_window = [at for at in times if window_start <= at < window_start + 1]
            assert len(in_window) <= BUDGET
        # Round robin through the backlog: each owed completion heartbeated exactly once.
        beaten = Counter(tok for _, tok, _ in rpcs[leader].calls)
        assert set(beaten) == {token(i) for i in range(PENDING)}
        assert set(beaten.values()) == {1}
        # Never an execution blob decoded (by the relay or the store for it).
        assert no_blob_decoded == Counter()

        # The next round starts over from the first.
        again = await relays[leader].relay_round()
        assert again.sent == PER_ROUND
        assert rpcs[leader].calls[PENDING][1] == token(0)

        # The leader goes; another replica takes over at its next round.
        await leaderships[leader].close()
        outcomes = await asyncio.gather(*(relay.relay_round() for relay in relays))
        assert sorted(outcome.led for outcome in outcomes) == [False, False, True]
        assert not outcomes[leader].led
    finally:
        for leadership in leaderships:
            await leadership.close()
        for store in stores:
            await store.close()


@pytest.mark.parametrize("store_url", ["sqlite", "postgresql"], indirect=True)
async def test_relay_skips_opted_out_and_terminal_relays_progress_and_signals_cancels(
    store_url: str, no_blob_decoded: Counter[str]
) -> None:
    clock = Clock()
    async with await open_store(store_url) as store:
        rows = {
            "ae-plain": execution(),
            "ae-opted-out": execution({CALLER_HEARTBEATS_ANNOTATION: "none"}),
            "ae-asked": execution({CALLER_HEARTBEATS_ANNOTATION: "cancel"}),
            "ae-progress": execution(),
            "ae-finishing": execution(),
        }
        for execution_id, blob in rows.items():
            await store.create(
                id=execution_id,
                kind=ExecutionKind.AGENT,
                execution=blob,
                callback_token=execution_id.encode(),
                idempotency_key=None,
            )
        await store.update_execution("ae-progress", execution(note="calling the model"))
        await store.update_execution("ae-finishing", execution(phase=3))  # COMPLETED, owed
        await store.create(  # fire-and-forget: nothing owed
            id="ae-no-token",
            kind=ExecutionKind.AGENT,
            execution=execution(),
            callback_token=b"",
            idempotency_key=None,
        )
        no_blob_decoded.clear()
        rpc = CountingHeartbeats(clock, cancel={b"ae-asked"})
        client = FakeClient()
        relay = HeartbeatRelay(
            store,
            cast(temporalio.client.Client, client),
            interval=INTERVAL,
            budget=BUDGET,
            heartbeat=rpc,
            sleep=clock.sleep,
            clock=clock.monotonic,
        )
        outcome = await relay.relay_round()

    assert outcome.sent == 3
    assert outcome.cancelled == 1
    assert {tok: details for _, tok, details in rpc.calls} == {
        b"ae-plain": (),
        b"ae-asked": (),
        b"ae-progress": ("calling the model",),
    }
    assert client.signals == [("stigmer-agent-execution-ae-asked", CALLER_CANCEL_SIGNAL)]
    assert no_blob_decoded == Counter()


async def test_relay_budget_is_validated() -> None:
    with pytest.raises(ValueError, match="budget"):
        HeartbeatRelay(
            cast(ExecutionStore, None),
            cast(temporalio.client.Client, None),
            interval=INTERVAL,
            budget=0,
        )


@pytest.mark.parametrize("store_url", ["sqlite", "postgresql"], indirect=True)
async def test_pending_age_counts_are_one_aggregate(store_url: str) -> None:
    clock = Clock()
    async with await open_store(store_url, clock=clock) as store:
        for index, age in enumerate([timedelta(minutes=5), timedelta(hours=2), timedelta(days=2)]):
            clock.wall = datetime(2026, 1, 3, tzinfo=UTC) - age
            await fill(store, index + 1, start=index * 10)
        clock.wall = datetime(2026, 1, 3, tzinfo=UTC)
        bounds = [timedelta(hours=1), timedelta(hours=4), timedelta(hours=12), timedelta(days=1)]
        assert await store.pending_age_counts(bounds) == [1, 2, 0, 0, 3]
        assert await store.pending_age_counts([]) == [6]


@pytest.mark.parametrize("store_url", ["sqlite", "postgresql"], indirect=True)
async def test_reconciler_reads_one_page_of_ids_and_resumes_after_it(
    store_url: str, monkeypatch: pytest.MonkeyPatch, no_blob_decoded: Counter[str]
) -> None:
    clock = Clock()
    started: list[str] = []

    async def start_invoke(_client: Any, _settings: Any, _kind: Any, execution_id: str) -> bool:
        started.append(execution_id)
        return True

    monkeypatch.setattr(reconciler_module, "start_invoke", start_invoke)
    async with await open_store(store_url, clock=clock) as store:
        await fill(store, 5)
        no_blob_decoded.clear()
        clock.wall += timedelta(minutes=1)
        args = (store, cast(temporalio.client.Client, None), cast(Any, None))
        count, resume = await reconcile_unstarted(*args, older_than=timedelta(seconds=5), limit=3)
        assert (count, started) == (3, ["ae-00000", "ae-00001", "ae-00002"])
        assert resume is not None
        count, resume = await reconcile_unstarted(
            *args, older_than=timedelta(seconds=5), after=resume, limit=3
        )
        assert (count, started[3:], resume) == (2, ["ae-00003", "ae-00004"], None)
    assert no_blob_decoded == Counter()


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_sqlite_serves_the_relay_reconciler_and_gauge_from_indexes(store_url: str) -> None:
    async with await open_store(store_url) as store:
        await fill(store, 3)
    path = store_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:

        def plan(sql: str, params: tuple[Any, ...]) -> str:
            rows = connection.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
            return " | ".join(str(row[-1]) for row in rows)

        relay = plan(sql_module.HEARTBEAT_TARGETS_SQL, ("", 10))
        assert "USING INDEX executions_heartbeat" in relay, relay
        unstarted = plan(sql_module.UNSTARTED_IDS_SQL, ("z", "a", "a", "", 10))
        assert "USING INDEX executions_unstarted" in unstarted, unstarted
        gauge = plan(sql_module.pending_age_sql(2), ("a", "b"))
        assert "USING COVERING INDEX executions_pending_age" in gauge, gauge


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
async def test_postgresql_can_serve_the_relay_reconciler_and_gauge_from_indexes(
    store_url: str,
) -> None:
    async with await open_store(store_url) as store:
        await fill(store, 3)
    async with await psycopg.AsyncConnection.connect(store_url, autocommit=True) as connection:
        await connection.execute("SET enable_seqscan = off")

        async def plan(sql: str, params: tuple[Any, ...]) -> str:
            cursor = await connection.execute("EXPLAIN " + sql.replace("?", "%s"), params)
            return " | ".join(str(row[0]) for row in await cursor.fetchall())

        now = datetime.now(UTC)
        relay = await plan(sql_module.HEARTBEAT_TARGETS_SQL, ("", 10))
        assert "executions_heartbeat" in relay, relay
        unstarted = await plan(sql_module.UNSTARTED_IDS_SQL, (now, now, now, "", 10))
        assert "executions_unstarted" in unstarted, unstarted
        gauge = await plan(sql_module.pending_age_sql(2), (now, now))
        assert "executions_pending" in gauge, gauge


def test_the_scripted_runner_keeps_counts_for_recent_executions_only() -> None:
    runner = ScriptedRunner()
    for index in range(RECENT_RUNS_KEPT + 5):
        runner.runs[f"ae-{index}"] = runner.runs.get(f"ae-{index}", 0) + 1
    runner.runs["ae-9"] += 1  # an id still kept is counted on
    assert len(runner.runs) == RECENT_RUNS_KEPT
    assert "ae-0" not in runner.runs
    assert runner.runs[f"ae-{RECENT_RUNS_KEPT + 4}"] == 1
    assert runner.runs["ae-9"] == 2


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_sqlite_commits_a_lone_create_at_once(store_url: str) -> None:
    """Group commit makes no lone create wait for company: each one, alone in the queue, is
    its own transaction, committed as soon as the writer takes it."""
    async with await open_store(store_url) as store:
        sqlite_store = cast(Any, store)
        for index in range(20):
            await fill(store, 1, start=index)
        assert sqlite_store.commits == sqlite_store.operations == 20


async def test_a_zero_budget_turns_the_relay_off() -> None:
    from stigmer_sdk.service.app import background_tasks
    from stigmer_sdk.service.config import ServiceSettings
    from stigmer_sdk.service.executions import ExecutionUpdates

    async with await open_store("sqlite://") as store:
        client = cast(temporalio.client.Client, FakeClient())
        counts = []
        for budget in (100.0, 0.0):
            settings = ServiceSettings(caller_heartbeat_budget=budget)
            tasks = background_tasks(store, ExecutionUpdates(store), client, settings)
            counts.append(len(tasks))
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    assert counts == [2, 1]  # relay and reconciler; the reconciler alone


@pytest.mark.parametrize("store_url", ["sqlite", "postgresql"], indirect=True)
async def test_the_progress_note_is_bounded_and_not_kept_after_the_end(store_url: str) -> None:
    async with await open_store(store_url) as store:
        await store.create(
            id="ae-1",
            kind=ExecutionKind.AGENT,
            execution=execution(),
            callback_token=b"t",
            idempotency_key=None,
        )
        await store.update_execution("ae-1", execution(note="n" * 10_000, phase=2))
        (target,) = await store.heartbeat_targets()
        assert target.progress_note == "n" * sql_module.PROGRESS_NOTE_CHARS
        await store.update_execution("ae-1", execution(note="the final reply", phase=3))
        assert await store.heartbeat_targets() == []
        await store.update_execution("ae-1", execution(note="back to running", phase=2))
        (target,) = await store.heartbeat_targets()
        assert target.progress_note == "back to running"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_relay_rounds_memory_does_not_grow_with_the_backlog(store_url: str) -> None:
    """Item 3: the relay holds one page, never the backlog (it held every row, blobs and all)."""
    import tracemalloc

    clock = Clock()
    peaks = []
    async with await open_store(store_url) as store:
        for start, count in ((0, 200), (200, 1800)):  # a backlog of 200, then of 2,000
            await fill(store, count, start=start)
            relay = HeartbeatRelay(
                store,
                cast(temporalio.client.Client, FakeClient()),
                interval=timedelta(seconds=1),
                budget=100,
                heartbeat=CountingHeartbeats(clock),
                sleep=clock.sleep,
                clock=clock.monotonic,
            )
            tracemalloc.start()
            try:
                outcome = await relay.relay_round()
                peaks.append(tracemalloc.get_traced_memory()[1])
            finally:
                tracemalloc.stop()
            assert outcome.sent == 100
    # Ten times the backlog, about the same peak (the old relay's grew tenfold with the blobs).
    assert peaks[1] < 1.5 * peaks[0], peaks
