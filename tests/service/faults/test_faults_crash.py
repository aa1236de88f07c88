"""Fault suite: crashes and outages under a run of handshakes (``make test-faults``).

``stigmer-sdk serve`` runs as a separate process. While callers' workflows wait on their
handshakes, the suite SIGKILLs the service (SQLite and PostgreSQL stores), stops the Temporal dev
server and brings it back with its state, and terminates the service's PostgreSQL backends. Then
it asserts that every caller resumed with its result, that no row is orphaned (no workflow) or
stuck (completion owed, or not terminal), that no execution is duplicated, and that agent reruns
stay bounded (at most one per kill for each execution, resumed from the runner's checkpoint).

Each test prints its figures as one JSON line (and appends it to ``reports/faults.jsonl``).
``STIGMER_FAULT_SCALE`` multiplies the counts (``make soak`` sets 10).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import temporalio.client

from stigmer_sdk import AgentExecution, AgentExecutionSpec, ExecutionPhase, StigmerClient
from stigmer_sdk._execution import TERMINAL_PHASES
from stigmer_sdk.caller import prepare_create
from stigmer_sdk.converter import data_converter
from stigmer_sdk.errors import StigmerError
from stigmer_sdk.service.executions import decode
from stigmer_sdk.service.start_invoke import workflow_id_for
from stigmer_sdk.service.store import CompletionState, ExecutionKind, open_store
from stigmer_sdk.testing import CallerOptions, CallerWorkflow, DevServer, free_port

from helpers.cli import ServeProcess, serve_args, wait_serving
from helpers.fixtures import all_ids, caller_worker
from helpers.paths import ROOT

pytestmark = pytest.mark.integration

SCALE = max(1, int(os.environ.get("STIGMER_FAULT_SCALE", "1")))
#: The demo agent the callers ask: 8 s in five checkpointed steps.
AGENT = "deep-research"
REPLY = "After a long look at '{message}': the evidence is mixed."
RUNNER_ACTIVITY = "stigmer/agent-runner/run"
#: A caller waits this long at most (several restarts and reruns included).
CALLER_TIMEOUT = 240.0 + 30.0 * SCALE
REPORTS = ROOT / "reports"


@dataclass
class Figures:
    """What one fault run did and what became of it."""

    scenario: str
    backend: str
    callers: int
    faults: int
    resumed: int = 0
    executions: int = 0
    agent_runs: int = 0
    reruns: int = 0
    reruns_per_fault: float = 0.0
    resumed_from_checkpoint: int = 0
    orphaned_rows: int = 0
    stuck_rows: int = 0
    duplicates: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    def emit(self) -> None:
        line = json.dumps(asdict(self), sort_keys=True)
        print(f"FAULT FIGURES {line}")
        with contextlib.suppress(OSError):
            REPORTS.mkdir(exist_ok=True)
            with (REPORTS / "faults.jsonl").open("a") as report:
                report.write(line + "\n")


class Service:
    """``stigmer-sdk serve`` on a fixed port, with queues of its own; killable like a crash."""

    def __init__(self, temporal: str, store_url: str, log: Path) -> None:
        self.target = f"127.0.0.1:{free_port()}"
        queues = uuid.uuid4().hex[:8]
        self.process = ServeProcess(
            *serve_args(self.target, temporal, store_url, queues=queues),
            "--caller-heartbeat",
            "1s",
            "--runner-heartbeat-timeout",
            "2s",
            log_path=log,
        )

    async def start(self) -> None:
        await self.process.start()
        await wait_serving(self.target, 60)

    async def kill(self) -> None:
        await self.process.kill()

    def log(self) -> str:
        return self.process.log()


@contextlib.asynccontextmanager
async def _callers(
    temporal_client: temporalio.client.Client, target: str
) -> AsyncIterator[Callable[[int], Awaitable[list[temporalio.client.WorkflowHandle]]]]:  # type: ignore[type-arg]
    """A caller worker; yields ``start(n)`` that starts ``n`` caller workflows."""
    stigmer = await StigmerClient.connect(target)
    queue = f"fault-callers-{uuid.uuid4().hex[:8]}"
    async with caller_worker(temporal_client, stigmer, queue):

        async def start(count: int) -> list[temporalio.client.WorkflowHandle]:  # type: ignore[type-arg]
            handles = []
            for index in range(count):
                request = AgentExecution(
                    spec=AgentExecutionSpec(agent_id=AGENT, message=f"question {index}")
                )
                handles.append(
                    await temporal_client.start_workflow(
                        CallerWorkflow.run,
                        args=[
                            request,
                            CallerOptions(
                                maximum_attempts=30,
                                start_to_close_seconds=CALLER_TIMEOUT,
                                retry_interval_seconds=1.0,
                            ),
                        ],
                        id=f"fault-caller-{uuid.uuid4()}",
                        task_queue=queue,
                    )
                )
            return handles

        yield start
    await stigmer.close()


async def _results(handles: list[temporalio.client.WorkflowHandle]) -> list[AgentExecution]:  # type: ignore[type-arg]
    return list(
        await asyncio.wait_for(
            asyncio.gather(*(handle.result() for handle in handles)), CALLER_TIMEOUT + 60
        )
    )


async def _audit(
    figures: Figures,
    temporal_client: temporalio.client.Client,
    store_url: str,
    results: list[AgentExecution],
    log: str,
    *,
    outage_rows: int = 0,
) -> None:
    """Fill in the figures from the callers' results, the store and the workflows' histories."""
    figures.resumed = sum(
        1
        for index, result in enumerate(results)
        if result.status.phase == ExecutionPhase.EXECUTION_COMPLETED
        and result.status.messages[-1].content == REPLY.format(message=f"question {index}")
    )
    async with await open_store(store_url) as store:
        ids = {result.metadata.id for result in results}
        rows = [row for row in [await store.get(i) for i in sorted(ids)] if row is not None]
        pending = await store.list_pending()
    figures.executions = len(rows)
    # Two callers with one execution, or an execution nobody asked for (a retried create
    # persisting another row): the store holds exactly one row per caller.
    stored = await all_ids(store_url)
    figures.duplicates = (len(results) - len(ids)) + (len(stored) - len(ids) - outage_rows)
    runs = 0
    for row in rows:
        handle = temporal_client.get_workflow_handle(workflow_id_for(ExecutionKind.AGENT, row.id))
        try:
            await asyncio.wait_for(handle.result(), 60)
        except Exception:  # noqa: BLE001 - counted as an orphan below
            figures.orphaned_rows += 1
            continue
        attempts = [
            event.activity_task_started_event_attributes.attempt
            async for event in handle.fetch_history_events()
            if event.HasField("activity_task_started_event_attributes")
        ]
        runs += max(attempts, default=0)
    async with await open_store(store_url) as store:
        rows = [row for row in [await store.get(row.id) for row in rows] if row is not None]
    figures.stuck_rows = len(pending) + sum(
        1
        for row in rows
        if decode(row).status.phase not in TERMINAL_PHASES
        or row.completion_state is not CompletionState.DELIVERED
    )
    figures.agent_runs = runs
    figures.reruns = runs - len(rows)
    figures.reruns_per_fault = round(figures.reruns / max(figures.faults, 1), 2)
    figures.resumed_from_checkpoint = sum(
        1 for step in re.findall(r"Scripted run .* resumed_at_step=(\d+)", log) if int(step) > 0
    )


def _assert_sound(figures: Figures) -> None:
    figures.emit()
    assert figures.resumed == figures.callers, figures
    assert figures.executions == figures.callers, figures
    assert (figures.orphaned_rows, figures.stuck_rows, figures.duplicates) == (0, 0, 0), figures
    # Each fault reruns at most the executions it interrupted, each once.
    assert figures.reruns <= figures.faults * figures.callers, figures


async def test_sigkills_of_the_service_during_handshakes(
    dev_server: DevServer,
    temporal_client: temporalio.client.Client,
    store_url: str,
    tmp_path: Path,
) -> None:
    backend = "sqlite" if store_url.startswith("sqlite") else "postgresql"
    callers, kills = 10 * SCALE, 5 * SCALE
    rng = random.Random(11)
    service = Service(dev_server.target, store_url, tmp_path / "serve.log")
    await service.start()
    try:
        async with _callers(temporal_client, service.target) as start:
            handles = await start(callers)
            for _ in range(kills):
                await asyncio.sleep(rng.uniform(1.5, 4.0))
                await service.kill()  # SIGKILL: runs, completions, creates cut short
                await service.start()
            results = await _results(handles)
        # With the service up: the callers resume before their workflows record the delivery.
        figures = Figures("sigkill", backend, callers, kills)
        await _audit(figures, temporal_client, store_url, results, service.log())
    finally:
        await service.kill()
    _assert_sound(figures)
    assert "Traceback" not in service.log()


# One backend is enough for the Temporal outage: the store is not what fails.
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_temporal_stopped_mid_run_and_restarted_with_its_state(
    store_url: str, tmp_path: Path
) -> None:
    backend = "sqlite"
    callers, outages = 6 * SCALE, 1 * SCALE
    port = free_port()
    database = tmp_path / "temporal.db"
    server = await DevServer(port=port, db_filename=database).start()
    service = Service(server.target, store_url, tmp_path / "serve.log")
    during_outage: list[str] = []
    create_seconds: list[float] = []
    try:
        await service.start()
        client = await temporalio.client.Client.connect(
            server.target, data_converter=data_converter
        )
        async with _callers(client, service.target) as start:
            handles = await start(callers)
            direct = await StigmerClient.connect(service.target)
            for _ in range(outages):
                await asyncio.sleep(3)
                await server.stop()
                # Fire-and-forget creates while Temporal is down: refused or not, what they
                # persisted must run once it is back (the reconciler).
                for index in range(3):
                    begun = time.monotonic()
                    with contextlib.suppress(StigmerError):
                        # As an SDK caller sends it (api_version, kind, a name), minus a token.
                        request = AgentExecution(
                            spec=AgentExecutionSpec(agent_id="echo", message=f"outage {index}")
                        )
                        ack = await direct.create(
                            prepare_create(request, token=b"", key=f"v1:outage-{uuid.uuid4()}")
                        )
                        during_outage.append(ack.metadata.id)
                    create_seconds.append(round(time.monotonic() - begun, 2))
                await asyncio.sleep(5)
                server = await DevServer(port=port, db_filename=database).start()
            await direct.close()
            results = await _results(handles)
        figures = Figures("temporal-outage", backend, callers, outages)
        await _audit(
            figures, client, store_url, results, service.log(), outage_rows=len(during_outage)
        )
        # Every row the outage's creates left behind runs to its end.
        async with await open_store(store_url) as store:

            async def settled() -> list[str]:
                while True:
                    rows = await store.list_unstarted(timedelta(0))
                    unsettled = []
                    for execution_id in await all_ids(store_url):
                        row = await store.get(execution_id)
                        assert row is not None
                        if decode(row).status.phase not in TERMINAL_PHASES:
                            unsettled.append(execution_id)
                    if not unsettled and not rows:
                        return unsettled
                    await asyncio.sleep(0.5)

            await asyncio.wait_for(settled(), 90)
        figures.extra = {
            "creates_during_outage": 3 * outages,
            "creates_during_outage_acked": len(during_outage),
            "create_seconds_during_outage_max": max(create_seconds),
            # Persisted while Temporal was away, started by the reconciler, each once.
            "outage_rows_run": len(await all_ids(store_url)) - callers,
        }
    finally:
        await service.kill()
        await server.stop()
    _assert_sound(figures)
    assert figures.extra["outage_rows_run"] == figures.extra["creates_during_outage"], figures


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
async def test_postgresql_backends_terminated_during_handshakes(
    dev_server: DevServer,
    temporal_client: temporalio.client.Client,
    store_url: str,
    tmp_path: Path,
) -> None:
    callers, terminations = 8 * SCALE, 4 * SCALE
    database = store_url.rsplit("/", 1)[1]
    service = Service(dev_server.target, store_url, tmp_path / "serve.log")
    await service.start()
    terminated = 0
    try:
        async with _callers(temporal_client, service.target) as start:
            handles = await start(callers)
            async with await psycopg.AsyncConnection.connect(store_url, autocommit=True) as admin:
                for _ in range(terminations):
                    await asyncio.sleep(2.5)
                    cursor = await admin.execute(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid()",
                        (database,),
                    )
                    row = await cursor.fetchone()
                    terminated += int(row[0]) if row else 0
            results = await _results(handles)
        figures = Figures("pg-terminate", "postgresql", callers, terminations)
        figures.extra = {"backends_terminated": terminated}
        await _audit(figures, temporal_client, store_url, results, service.log())
    finally:
        await service.kill()
    _assert_sound(figures)
    assert terminated >= terminations
