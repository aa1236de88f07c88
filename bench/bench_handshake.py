"""Handshake benchmarks: ACK latency, end-to-end latency, throughput, overhead, memory.

Everything real: a Temporal dev server, the reference service on SQLite, and a caller worker with
ONE activity slot, all in this process on this machine. Run with ``make bench``.
Results are printed and written to ``reports/bench.json``. Numbers depend on the machine; compare
runs on the same one.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import logging
import re
import resource
import sys
import tempfile
import time
import timeit
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import temporalio.client
from temporalio.worker import Worker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from stigmer_sdk import (  # noqa: E402
    AgentExecution,
    AgentExecutionSpec,
    StigmerClient,
    TaskToken,
    idempotency_key,
)
from stigmer_sdk.completion import proto_payload  # noqa: E402
from stigmer_sdk.demo import handshake_overhead  # noqa: E402
from stigmer_sdk.service.app import ServiceConfig, StigmerService, TemporalConnection  # noqa: E402
from stigmer_sdk.service.runner import Script, ScriptedRunner  # noqa: E402
from stigmer_sdk.service.server import ServiceSettings  # noqa: E402
from stigmer_sdk.testing import DevServer  # noqa: E402
from stigmer_sdk.worker import sandboxed_workflow_runner  # noqa: E402

from workflows import AgentCallerWorkflow, CallerActivities, CallerOptions  # noqa: E402

SCRIPTS = {
    "instant": Script(duration=timedelta(0), progress=()),
    "parked": Script(duration=timedelta(hours=1), progress=()),
}


class AckRecorder(logging.Handler):
    """Collects the service's own ACK timings (``ack_ms=``) from its log lines."""

    pattern = re.compile(r"ack_ms=([\d.]+)")

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.ack_ms: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        match = self.pattern.search(record.getMessage())
        if match:
            self.ack_ms.append(float(match.group(1)))


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50": at(0.5), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 2)}


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def overhead_ms(
    client: temporalio.client.Client, handle: Any, result: AgentExecution
) -> float:
    overhead = await handshake_overhead(client, handle.id, result)
    assert overhead is not None, "no completed activity or timestamps"
    return overhead.total_seconds() * 1000


async def run(count: int, parked: int) -> dict[str, Any]:
    recorder = AckRecorder()
    service_logger = logging.getLogger("stigmer_sdk.service")
    service_logger.addHandler(recorder)
    service_logger.setLevel(logging.INFO)
    results: dict[str, Any] = {"handshakes": count}
    with tempfile.TemporaryDirectory() as scratch:
        async with DevServer() as server:
            config = ServiceConfig(
                listen="127.0.0.1:0",
                temporal=TemporalConnection(address=server.target),
                store_url=f"sqlite:///{Path(scratch) / 'bench.db'}",
                settings=ServiceSettings(caller_heartbeat_interval=timedelta(minutes=10)),
            )
            async with StigmerService(config, runner=ScriptedRunner(SCRIPTS)) as service:
                client = await temporalio.client.Client.connect(server.target)
                stigmer = await StigmerClient.connect(service.target)
                queue = f"bench-{uuid.uuid4().hex[:8]}"
                async with Worker(
                    client,
                    task_queue=queue,
                    workflows=[AgentCallerWorkflow],
                    activities=[CallerActivities(stigmer, client).run_agent],
                    max_concurrent_activities=1,
                    max_concurrent_workflow_tasks=50,
                    workflow_runner=sandboxed_workflow_runner(),
                ):

                    async def one(index: int) -> tuple[float, Any, AgentExecution]:
                        started = time.perf_counter()
                        handle = await client.start_workflow(
                            AgentCallerWorkflow.run,
                            args=[
                                AgentExecution(
                                    spec=AgentExecutionSpec(agent_id="instant", message=f"q{index}")
                                ),
                                CallerOptions(),
                            ],
                            id=f"bench-{uuid.uuid4()}",
                            task_queue=queue,
                        )
                        result = await handle.result()
                        return (time.perf_counter() - started) * 1000, handle, result

                    # Unloaded: one handshake at a time, the overhead a single caller sees.
                    sequential = [await one(i) for i in range(20)]
                    results["sequential"] = {
                        "end_to_end_ms": percentiles([r[0] for r in sequential]),
                        "overhead_ms": percentiles(
                            [await overhead_ms(client, h, r) for _, h, r in sequential]
                        ),
                    }
                    recorder.ack_ms.clear()

                    # A burst: every handshake at once, on the one caller slot.
                    wall = time.perf_counter()
                    runs = await asyncio.gather(*(one(i) for i in range(count)))
                    wall = time.perf_counter() - wall
                    results["end_to_end_ms"] = percentiles([r[0] for r in runs])
                    results["throughput_per_second"] = round(count / wall, 1)
                    results["ack_ms"] = percentiles(recorder.ack_ms)
                    sample = runs[:: max(1, count // 20)]
                    results["overhead_ms"] = percentiles(
                        [await overhead_ms(client, h, r) for _, h, r in sample]
                    )

                    # Memory held per pending handshake: park many agents, measure RSS growth.
                    before = rss_mib()
                    handles = [
                        await client.start_workflow(
                            AgentCallerWorkflow.run,
                            args=[
                                AgentExecution(
                                    spec=AgentExecutionSpec(agent_id="parked", message=f"p{i}")
                                ),
                                CallerOptions(start_to_close_seconds=3600),
                            ],
                            id=f"bench-parked-{uuid.uuid4()}",
                            task_queue=queue,
                        )
                        for i in range(parked)
                    ]
                    while len(recorder.ack_ms) < count + parked:
                        await asyncio.sleep(0.05)
                    after = rss_mib()
                    results["pending_handshakes"] = parked
                    results["rss_growth_per_pending_kib"] = round(
                        (after - before) * 1024 / parked, 1
                    )
                    results["rss_mib"] = round(after, 1)
                    for handle in handles:
                        await handle.terminate("benchmark over")
                await stigmer.close()
    return results


def micro() -> dict[str, float]:
    """Operations per second of the pure-Python token tools and payload encoding."""
    vector = json.loads((ROOT / "conformance/vectors/captured-token-attempt-1.json").read_text())
    spec = AgentExecutionSpec.FromString(base64.b64decode(vector["binary"]))
    token = TaskToken(spec.callback_token)  # a real token, captured from a dev server
    execution = AgentExecution(spec=AgentExecutionSpec(agent_id="a", message="m" * 200))
    cases = {
        "token_preview": lambda: token.preview(),
        "token_validate": lambda: token.validate(),
        "token_inspect": lambda: token.inspect(),
        "idempotency_key": lambda: idempotency_key("default", "wf-1", "run-1", "1"),
        "binary_payload": lambda: proto_payload(execution),
    }
    rates = {}
    for name, function in cases.items():
        loops = 20000
        seconds = min(timeit.repeat(function, number=loops, repeat=3))
        rates[name] = round(loops / seconds)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--count", type=int, default=200, help="handshakes end to end")
    parser.add_argument("--parked", type=int, default=200, help="handshakes left pending")
    parser.add_argument("--report", type=Path, default=ROOT / "reports" / "bench.json")
    args = parser.parse_args()
    report = {"handshake": asyncio.run(run(args.count, args.parked)), "ops_per_second": micro()}
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
