"""Replicas of the service on the real Temporal server (separate frontend, history and matching
processes, PostgreSQL persistence), sharing one PostgreSQL store and one set of task queues.

A burst of handshakes runs while replicas are SIGKILLed one at a time and restarted, then while
every replica is restarted in turn by SIGTERM (a rolling update). Every caller must resume with
its agent's reply, with no execution duplicated, no completion left owed, no caller completed by
two replicas, and the pending gauge counted once across replicas rather than once per replica.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc.aio
import psycopg
import pytest
import temporalio.client
from grpc_health.v1 import health_pb2, health_pb2_grpc

from stigmer_sdk import AgentExecution, AgentExecutionSpec, ExecutionPhase
from stigmer_sdk.client import ClientOptions, RetryConfig, StigmerClient
from stigmer_sdk.converter import data_converter
from stigmer_sdk.service.health import READINESS_SERVICE
from stigmer_sdk.service.store import open_store
from stigmer_sdk.testing import CallerOptions, CallerWorkflow, free_port

from helpers.cli import ServeProcess, serve_args
from helpers.fixtures import caller_worker, postgres_admin_url
from helpers.paths import ROOT
from temporal_cluster import TemporalCluster

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

REPLICAS = 3
REPLIES = {
    "research-assistant": "Here is a summary of '{message}': three sources agree, one dissents.",
    "deep-research": "After a long look at '{message}': the evidence is mixed.",
}
PENDING_GAUGE = re.compile(r"^stigmer_pending_external_activities\{[^}]*\} (\S+)$", re.MULTILINE)
COMPLETED_LINE = re.compile(r"External activity completed successfully execution_id=(\S+)")
REPORT = ROOT / "reports" / "scale.json"


@dataclass
class Replica:
    index: int
    serve: ServeProcess
    listen: str
    metrics: str
    restarts: int = 0

    async def start(self) -> None:
        await self.serve.start()
        self.restarts += 1

    async def wait_ready(self, timeout: float = 90) -> float:
        """Seconds until the replica's readiness check answers SERVING."""
        started = time.monotonic()
        async with grpc.aio.insecure_channel(self.listen) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while True:
                assert self.serve.process is not None
                assert self.serve.process.returncode is None, self.serve.log()[-3000:]
                try:
                    response = await stub.Check(
                        health_pb2.HealthCheckRequest(service=READINESS_SERVICE), timeout=2
                    )
                    if response.status == health_pb2.HealthCheckResponse.SERVING:
                        return time.monotonic() - started
                except grpc.aio.AioRpcError:
                    pass
                if time.monotonic() - started > timeout:
                    raise TimeoutError(
                        f"replica {self.index} not ready:\n{self.serve.log()[-3000:]}"
                    )
                await asyncio.sleep(0.2)

    async def sigterm_and_wait(self, timeout: float = 60) -> int:
        """SIGTERM (a rolling update's stop), and the exit code once it has drained."""
        process = self.serve.process
        assert process is not None
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout)
        self.serve.process = None
        return code

    def pending_gauge(self) -> float:
        with urllib.request.urlopen(f"http://{self.metrics}/metrics", timeout=5) as response:
            text = response.read().decode()
        return sum(float(value) for value in PENDING_GAUGE.findall(text))


@dataclass
class Figures:
    kills: int = 0
    sigterms: int = 0
    sigterm_exit_codes: list[int] = field(default_factory=list)
    restarts: int = 0
    callers: int = 0
    callers_resumed: int = 0
    recovery_seconds: list[float] = field(default_factory=list)
    drain_seconds: list[float] = field(default_factory=list)


@pytest.fixture(scope="module")
async def cluster() -> AsyncIterator[TemporalCluster]:
    async with TemporalCluster(postgres_admin_url(), history_shards=4) as running:
        yield running


def _replicas(cluster: TemporalCluster, store_url: str, tmp_path: Path) -> list[Replica]:
    queues = uuid.uuid4().hex[:8]
    replicas = []
    for index in range(REPLICAS):
        listen, metrics = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
        serve = ServeProcess(
            # Every replica serves the same queues: that is what makes them replicas.
            *serve_args(listen, cluster.target, store_url, queues=queues),
            "--caller-heartbeat",
            "1s",
            "--runner-heartbeat-timeout",
            "3s",
            "--metrics-address",
            metrics,
            "--pending-metrics-interval",
            "500ms",
            "--drain-grace",
            "20s",
            log_path=tmp_path / f"replica-{index}.log",
        )
        replicas.append(Replica(index, serve, listen, metrics))
    return replicas


async def _owed(store_url: str) -> int:
    async with await open_store(store_url) as store:
        return len(await store.list_pending())


async def _gauge_counts_each_owed_completion_once(
    store_url: str, replicas: list[Replica], timeout: float = 30
) -> tuple[int, float]:
    """Wait until the gauges' sum over replicas equals the store's owed count, while some are
    owed (a gauge exported by every replica would read N times the count)."""
    deadline = time.monotonic() + timeout
    while True:
        owed = await _owed(store_url)
        total = sum(replica.pending_gauge() for replica in replicas)
        if owed > 0 and total == owed:
            return owed, total
        if time.monotonic() > deadline:
            raise AssertionError(f"pending gauge sum {total} never matched {owed} owed")
        await asyncio.sleep(0.25)


# One PostgreSQL store shared by every replica (a SQLite file belongs to one process).
@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
async def test_replicas_survive_kills_and_a_rolling_restart(
    cluster: TemporalCluster, store_url: str, tmp_path: Path
) -> None:
    shared_store = store_url
    replicas = _replicas(cluster, shared_store, tmp_path)
    figures = Figures()
    for replica in replicas:
        await replica.start()
    for replica in replicas:
        await replica.wait_ready()

    temporal = await temporalio.client.Client.connect(cluster.target, data_converter=data_converter)
    # One channel over every replica, round robin: a dead replica's share moves to the others
    # (UNAVAILABLE is retried).
    stigmer = await StigmerClient.connect(
        "ipv4:" + ",".join(replica.listen for replica in replicas),
        ClientOptions(
            retry=RetryConfig(max_attempts=50),
            channel_options=[("grpc.lb_policy_name", "round_robin")],
        ),
    )
    caller_queue = f"caller-{uuid.uuid4().hex[:8]}"
    handles: dict[str, tuple[temporalio.client.WorkflowHandle[object, AgentExecution], str]] = {}

    async def start_callers(count: int, agent: str, wave: str) -> None:
        for index in range(count):
            message = f"{wave} question {index}"
            handle = await temporal.start_workflow(
                CallerWorkflow.run,
                args=[
                    AgentExecution(spec=AgentExecutionSpec(agent_id=agent, message=message)),
                    CallerOptions(maximum_attempts=5, start_to_close_seconds=300),
                ],
                id=f"caller-{wave}-{index}-{uuid.uuid4().hex[:6]}",
                task_queue=caller_queue,
            )
            handles[handle.id] = (handle, REPLIES[agent].format(message=message))

    try:
        async with caller_worker(temporal, stigmer, caller_queue):
            # The burst: slow agents keep completions owed while the gauge is checked.
            await start_callers(12, "deep-research", "burst-slow")
            await start_callers(18, "research-assistant", "burst")
            owed, gauge_total = await _gauge_counts_each_owed_completion_once(
                shared_store, replicas
            )

            # Replicas SIGKILLed one at a time (no shutdown: their agent runs and workflow
            # tasks die with them) and restarted, while the others carry on.
            await start_callers(9, "deep-research", "during-kills")
            for replica in replicas:
                killed_at = time.monotonic()
                await replica.serve.kill(signal.SIGKILL)
                figures.kills += 1
                await asyncio.sleep(2)
                await replica.start()
                figures.restarts += 1
                await replica.wait_ready()
                figures.recovery_seconds.append(round(time.monotonic() - killed_at, 2))

            # A rolling update: each replica drains on SIGTERM, exits 0, and comes back.
            await start_callers(9, "research-assistant", "during-rollout")
            for replica in replicas:
                drain_started = time.monotonic()
                figures.sigterm_exit_codes.append(await replica.sigterm_and_wait())
                figures.sigterms += 1
                figures.drain_seconds.append(round(time.monotonic() - drain_started, 2))
                await replica.start()
                figures.restarts += 1
                await replica.wait_ready()

            results: dict[str, AgentExecution] = {}
            for workflow_id, (handle, _) in handles.items():
                results[workflow_id] = await asyncio.wait_for(handle.result(), timeout=240)
            figures.callers = len(handles)
            figures.callers_resumed = len(results)

            # Owed completions reach zero in the store, and so does the gauge's sum.
            deadline = time.monotonic() + 30
            while (await _owed(shared_store)) or sum(r.pending_gauge() for r in replicas):
                assert time.monotonic() < deadline, "completions still owed after every resume"
                await asyncio.sleep(0.25)
    finally:
        await stigmer.close()
        for replica in replicas:
            await replica.serve.kill(signal.SIGKILL)

    for workflow_id, result in results.items():
        assert result.status.phase == ExecutionPhase.EXECUTION_COMPLETED, workflow_id
        assert result.status.messages[-1].content == handles[workflow_id][1]
    execution_ids = [result.metadata.id for result in results.values()]
    assert len(set(execution_ids)) == len(execution_ids), "two callers share an execution"
    async with await open_store(shared_store) as store:
        rows = [await store.get(execution_id) for execution_id in execution_ids]
    assert all(row is not None for row in rows)
    async with await psycopg.AsyncConnection.connect(shared_store) as connection:
        cursor = await connection.execute("SELECT count(*) FROM executions")
        stored = await cursor.fetchone()
    assert stored is not None
    assert stored[0] == len(handles), "an execution was duplicated (or lost)"

    logs = "\n".join(replica.serve.log() for replica in replicas)
    completions = Counter(COMPLETED_LINE.findall(logs))
    assert set(completions) == set(execution_ids)
    assert max(completions.values()) == 1, "a caller was completed by two replicas"
    assert figures.sigterm_exit_codes == [0] * REPLICAS
    assert owed == gauge_total

    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(
        json.dumps(
            {
                "replicas": REPLICAS,
                "temporal": f"official server, {', '.join(cluster.services)} as processes",
                "history_shards": cluster.history_shards,
                "gauge_checked_at_owed": owed,
                **figures.__dict__,
            },
            indent=2,
        )
    )
