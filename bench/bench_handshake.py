"""Side-by-side handshake benchmark: the SDK against hand-written raw temporalio, in one run.

Two Temporal dev servers, one after the other (``--servers``): ``default``, a plain
``temporal server start-dev`` (no dynamic config), and ``fast``, the fast path
(`stigmer_sdk.testing.FAST_PATH_DYNAMIC_CONFIG`: eager workflow start and activity execution on,
the history queues' read limit lifted). On each, one process per role and pipeline
(``bench/roles.py``):

* ``raw``  -- a minimal hand-written pipeline: temporalio, grpcio and our generated messages only.
  gRPC ``create`` starts a workflow with the execution (the token waits in memory), which runs an
  agent activity and then an activity that completes the caller. No store.
* ``best`` -- the same, at its best: the service asks for eager workflow start; activities on the
  worker's own queue are dispatched eagerly.
* ``sdk``  -- the SDK's caller (``execute_and_wait_pending``) against the reference service
  (``StigmerService`` on SQLite).

Each caller worker is set up as docs/python-sdk.md's quick start sets it up (``--caller-setup
docs``: temporalio's default slots and pollers; the SDK's client with ``StigmerPlugin``), or
with 4 slots and 2 pollers (``--caller-setup tuned``). The pipelines alternate (raw, sdk, best,
then the other way round) so that a busy machine weighs on all of them alike: read the ratios,
not the absolute times. The floor is a direct in-process async completion (the activity hands its
token to a task of its own process that completes it at once), measured in the same run.

Writes ``reports/bench.json``, ``reports/bench.md`` (the table) and ``reports/bench.png`` (the
latency distributions). ``make bench`` runs the default counts; ``make bench-long`` the sustained
run and 10,000 parked handshakes (``--long``).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import sys
import time
import timeit
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import temporalio.client
from temporalio.api.enums.v1 import EventType

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import bench_adapters  # noqa: E402
from bench_report import write_reports  # noqa: E402
from bench_workflows import FLOOR_ACTIVITY, HANDSHAKE_ACTIVITY, BenchCallerWorkflow  # noqa: E402
from roles import INSTANT, PARKED  # noqa: E402

from stigmer_sdk import TaskToken, idempotency_key  # noqa: E402
from stigmer_sdk.api.agentic.agentexecution.v1.api_pb2 import AgentExecution  # noqa: E402
from stigmer_sdk.api.agentic.agentexecution.v1.spec_pb2 import AgentExecutionSpec  # noqa: E402
from stigmer_sdk.completion import proto_payload  # noqa: E402
from stigmer_sdk.converter import data_converter  # noqa: E402
from stigmer_sdk.service.invoke_workflow import AGENT_WORKFLOW  # noqa: E402
from stigmer_sdk.testing import FAST_PATH_DYNAMIC_CONFIG, DevServer  # noqa: E402

PIPELINES = ("raw", "sdk", "best")
#: The SDK's caller against the RAW service: the Python caller side alone, as for Go and Java.
SDK_CALLER = "sdk-caller"
ROUND_PIPELINES = (*PIPELINES, SDK_CALLER)
#: Longest stats line read from a role, bytes.
STATS_LINE_LIMIT = 256 * 1024 * 1024
#: The dev server configurations: dynamic config of each (``default`` has none).
SERVER_CONFIGS: dict[str, dict[str, object]] = {
    "default": {},
    "fast": dict(FAST_PATH_DYNAMIC_CONFIG),
}
#: Worker caches of callers and service in `--long` (temporalio's default is 1000).
LONG_RUN_CACHED_WORKFLOWS = 100
#: Workflow ids of the failures already printed (the first only).
FAILURES_SHOWN: list[str] = []


def process_rss_kib(pid: int) -> int:
    """A process's resident set (``VmRSS``), KiB; `FileNotFoundError` once it is gone."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Role:
    """One role process of one pipeline, driven through its stdin/stdout."""

    def __init__(self, process: asyncio.subprocess.Process, target: str) -> None:
        self.process = process
        self.target = target

    @classmethod
    async def start(cls, *args: str) -> Role:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(BENCH / "roles.py"),
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            # A stats line carries every sample since the last one: after the sustained run of
            # `make bench-long` it is megabytes, past asyncio's 64 KiB default line limit.
            limit=STATS_LINE_LIMIT,
        )
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 120)
        if not line:
            raise RuntimeError(f"role {args} exited before it was ready")
        return cls(process, json.loads(line)["target"])

    async def stats(self) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(b'{"cmd": "stats"}\n')
        await self.process.stdin.drain()
        return await self.answer()

    async def answer(self) -> dict[str, Any]:
        """The role's next JSON line; anything else a library printed on stdout goes to stderr."""
        assert self.process.stdout is not None
        while True:
            line = await self.process.stdout.readline()
            if not line:
                code = await self.process.wait()
                raise RuntimeError(f"role process {self.process.pid} exited with {code}")
            if line.startswith(b"{"):
                result: dict[str, Any] = json.loads(line)
                return result
            print(f"role {self.process.pid} printed: {line[:500]!r}", file=sys.stderr)

    def rss_kib(self) -> int:
        return process_rss_kib(self.process.pid)

    async def stop(self) -> None:
        if self.process.returncode is None and self.process.stdin is not None:
            self.process.stdin.write(b'{"cmd": "stop"}\n')
            try:
                await self.process.stdin.drain()
                await asyncio.wait_for(self.process.wait(), 60)
            except (TimeoutError, ConnectionError):
                self.process.kill()
                await self.process.wait()


@dataclass
class Pipeline:
    name: str
    service: Role
    caller: Role
    queue: str
    data: dict[str, Any] = field(default_factory=dict)
    #: The client that starts its caller workflows, when not the bench's.
    client: temporalio.client.Client | None = None

    def samples(self, key: str) -> list[float]:
        values: list[float] = self.data.setdefault(key, [])
        return values

    def count(self, key: str, amount: int) -> None:
        self.data[key] = self.data.get(key, 0) + amount

    async def drain(self) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
        """Samples gathered since the last drain: the caller's and the service's."""
        caller, service = await asyncio.gather(self.caller.stats(), self.service.stats())
        return caller["samples"], service["samples"]

    def rss_kib(self) -> int:
        return self.caller.rss_kib() + self.service.rss_kib()


def request(agent: str, index: int) -> AgentExecution:
    return AgentExecution(spec=AgentExecutionSpec(agent_id=agent, message=f"bench {index}"))


def event_ms(event: Any) -> float:
    seconds: float = event.event_time.ToNanoseconds() / 1e6
    return seconds


async def history_timings(client: temporalio.client.Client, workflow_id: str) -> dict[str, Any]:
    """The caller activity's scheduled-to-completed time, and every workflow task's wait between
    WorkflowTaskScheduled and WorkflowTaskStarted, from the workflow's history."""
    scheduled = completed = wft_scheduled = 0.0
    gaps: list[float] = []
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled = event_ms(event)
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            completed = event_ms(event)
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
            wft_scheduled = event_ms(event)
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            gaps.append(event_ms(event) - wft_scheduled)
    return {"overhead": completed - scheduled if completed else None, "wft_gaps": gaps}


async def histories(
    client: temporalio.client.Client, workflow_ids: Sequence[str]
) -> list[dict[str, Any]]:
    limit = asyncio.Semaphore(16)

    async def one(workflow_id: str) -> dict[str, Any]:
        async with limit:
            return await history_timings(client, workflow_id)

    return await asyncio.gather(*(one(w) for w in workflow_ids))


async def run_one(
    client: temporalio.client.Client,
    pipeline: Pipeline,
    agent: str,
    index: int,
    *,
    activity: str = HANDSHAKE_ACTIVITY,
    timeout: float = 120.0,
) -> tuple[str, float | None, str]:
    """Start a caller workflow and wait for its result: (workflow id, e2e ms, outcome)."""
    workflow_id = f"bench-{pipeline.name}-{uuid.uuid4().hex[:12]}"
    started = time.perf_counter()
    handle = await (pipeline.client or client).start_workflow(
        BenchCallerWorkflow.run,
        args=[request(agent, index), activity],
        id=workflow_id,
        task_queue=pipeline.queue,
    )
    try:
        await asyncio.wait_for(handle.result(), timeout)
    except TimeoutError:
        return workflow_id, None, "never_resumed"
    except Exception as error:  # noqa: BLE001 - any failure of the handshake counts as failed
        if not FAILURES_SHOWN:  # the first one, for whoever reads the run's output
            FAILURES_SHOWN.append(workflow_id)
            print(f"handshake {workflow_id} failed: {error!r} {error.__cause__!r}", file=sys.stderr)
        return workflow_id, None, "failed"
    return workflow_id, (time.perf_counter() - started) * 1000, "ok"


async def sequential(client: temporalio.client.Client, pipeline: Pipeline, count: int) -> None:
    await pipeline.drain()
    runs = [await run_one(client, pipeline, INSTANT, i) for i in range(count)]
    caller, _ = await pipeline.drain()
    pipeline.samples("seq_ack").extend(caller.get("ack", []))
    record(pipeline, "seq", runs, await histories(client, [r[0] for r in runs]))


def record(
    pipeline: Pipeline,
    phase: str,
    runs: Sequence[tuple[str, float | None, str]],
    timings: Sequence[dict[str, Any]],
) -> None:
    pipeline.samples(f"{phase}_e2e").extend(r[1] for r in runs if r[1] is not None)
    pipeline.samples(f"{phase}_overhead").extend(
        t["overhead"] for t in timings if t["overhead"] is not None
    )
    pipeline.samples("caller_wft_gaps").extend(g for t in timings for g in t["wft_gaps"])
    for outcome in ("failed", "never_resumed"):
        pipeline.count(outcome, sum(1 for r in runs if r[2] == outcome))


async def burst(client: temporalio.client.Client, pipeline: Pipeline, count: int) -> None:
    await pipeline.drain()
    wall = time.perf_counter()
    runs = await asyncio.gather(*(run_one(client, pipeline, INSTANT, i) for i in range(count)))
    wall = time.perf_counter() - wall
    caller, service = await pipeline.drain()
    pipeline.samples("burst_rate").append(count / wall)
    pipeline.samples("burst_ack").extend(caller.get("ack", []))
    pipeline.samples("burst_complete").extend(service.get("complete", []))
    record(pipeline, "burst", runs, await histories(client, [r[0] for r in runs]))


async def floor(client: temporalio.client.Client, pipeline: Pipeline, count: int) -> None:
    """The in-process async completion floor, on the RAW caller's worker."""
    runs = [
        await run_one(client, pipeline, INSTANT, i, activity=FLOOR_ACTIVITY) for i in range(count)
    ]
    timings = await histories(client, [r[0] for r in runs])
    pipeline.samples("floor").extend(t["overhead"] for t in timings if t["overhead"] is not None)


async def park(
    client: temporalio.client.Client, pipeline: Pipeline, count: int, timeout: float
) -> None:
    """Start ``count`` handshakes whose agents stay pending; time until all are ACKed."""
    await pipeline.drain()
    before = pipeline.rss_kib()
    wall = time.perf_counter()
    limit = asyncio.Semaphore(200)

    async def start(index: int) -> None:
        async with limit:
            await (pipeline.client or client).start_workflow(
                BenchCallerWorkflow.run,
                args=[request(PARKED, index), HANDSHAKE_ACTIVITY],
                id=f"bench-parked-{pipeline.name}-{uuid.uuid4().hex[:12]}",
                task_queue=pipeline.queue,
            )

    await asyncio.gather(*(start(i) for i in range(count)))
    pended = 0
    while pended < count and time.perf_counter() - wall < timeout:
        caller, _ = await pipeline.drain()
        pended += len(caller.get("ack", []))
        await asyncio.sleep(0.05)
    wall = time.perf_counter() - wall
    await asyncio.sleep(1.0)  # let the service settle before reading its memory
    pipeline.count("parked", count)
    pipeline.count("parked_pended", pended)
    pipeline.count("parked_seconds_x1000", round(wall * 1000))
    after = pipeline.rss_kib()
    pipeline.count("parked_rss_growth_kib", after - before)
    pipeline.data["rss_after_parking_kib"] = after
    pipeline.count("never_pended", count - pended)


async def start_pipelines(temporal: str, setup: str) -> dict[str, Pipeline]:
    async def one(name: str) -> Pipeline:
        service = await Role.start("service", "--pipeline", name, "--temporal", temporal)
        queue = f"bench-caller-{name}"
        caller = await Role.start(
            "caller",
            *("--pipeline", name, "--temporal", temporal, "--setup", setup),
            *("--service", service.target, "--queue", queue),
        )
        return Pipeline(name, service, caller, queue)

    pipelines = {}
    for name in PIPELINES:  # one at a time: the SDK service and a RAW one share no queues
        pipelines[name] = await one(name)
    raw = pipelines["raw"]
    queue = f"bench-caller-{SDK_CALLER}"
    caller = await Role.start(
        "caller",
        *("--pipeline", "sdk", "--temporal", temporal, "--setup", setup),
        *("--service", raw.service.target, "--queue", queue),
    )
    pipelines[SDK_CALLER] = Pipeline(SDK_CALLER, raw.service, caller, queue)
    return pipelines


async def service_wft_gaps(client: temporalio.client.Client, workflow_type: str) -> list[float]:
    """Workflow-task waits in the services' own workflows (a sample of the latest 50)."""
    ids = []
    async for execution in client.list_workflows(
        f'WorkflowType="{workflow_type}" AND ExecutionStatus="Completed"', limit=50
    ):
        ids.append(execution.id)
    return [g for t in await histories(client, ids) for g in t["wft_gaps"]]


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every server configuration of ``args.servers``, one after the other."""
    report: dict[str, Any] = {
        "settings": {k: v for k, v in vars(args).items() if k != "report_dir"},
        "load_average_start": load_average(),
        "cpus": os.cpu_count(),
        "servers": {},
    }
    commands = bench_adapters.build() if args.adapters else {}
    started = time.perf_counter()
    for index, name in enumerate(args.servers):
        # The Go and Java callers are compared on the last configuration only (the fast path).
        adapters = commands if index == len(args.servers) - 1 else {}
        report["servers"][name] = await run_server(args, name, adapters)
        print(f"server {name} done", file=sys.stderr)
    report["load_average_end"] = load_average()
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    return report


async def run_server(
    args: argparse.Namespace, config: str, commands: dict[str, Any]
) -> dict[str, Any]:
    """One dev server configuration: every pipeline, alternating, then the parked ones."""
    report: dict[str, Any] = {"load_average_start": load_average()}
    started = time.perf_counter()
    server = DevServer()
    server.dynamic_config = dict(SERVER_CONFIGS[config])
    async with server:
        report["dev_server_args"] = list(server.extra_args)
        # The messages are the SDK's, in its private descriptor pool: every pipeline's clients
        # convert them with the SDK's payload converter (temporalio's default one looks them up
        # in the default pool), as a hand-written pipeline would with its own messages.
        client = await temporalio.client.Client.connect(
            server.target, data_converter=data_converter
        )
        pipelines = await start_pipelines(server.target, args.caller_setup)
        try:
            for pipeline in pipelines.values():  # warm up every path once
                await sequential(client, pipeline, 3)
                pipeline.data.clear()
            for round_index in range(args.rounds):
                order = ROUND_PIPELINES if round_index % 2 == 0 else ROUND_PIPELINES[::-1]
                await floor(client, pipelines["raw"], args.floor)
                for name in order:
                    await sequential(client, pipelines[name], args.sequential)
                for name in order:
                    await burst(client, pipelines[name], args.burst)
                print(f"{config}: round {round_index + 1}/{args.rounds} done", file=sys.stderr)
            report["service_wft_gaps"] = {
                "raw": await service_wft_gaps(client, "RawServiceWorkflow"),
                "sdk": await service_wft_gaps(client, AGENT_WORKFLOW),
            }
            if commands:
                report["adapters"] = await bench_adapters.run(
                    commands,
                    server.target,
                    pipelines["raw"].service.target,
                    args.rounds,
                    args.adapter_sequential,
                    args.adapter_burst,
                )
            if args.sustained:
                await sustained(client, pipelines, args.sustained, report)
            # Last: parked agents hold the services' runner slots for an hour.
            chunks = max(1, args.rounds)
            for chunk in range(chunks):
                order = PIPELINES if chunk % 2 == 0 else PIPELINES[::-1]
                for name in (n for n in order if n in args.park):
                    share = args.parked // chunks + (1 if chunk < args.parked % chunks else 0)
                    await park(client, pipelines[name], share, args.timeout)
            report["load_average_end"] = load_average()
        finally:
            for pipeline in pipelines.values():
                await pipeline.caller.stop()
                if pipeline.name != SDK_CALLER:  # it shares the RAW service
                    await pipeline.service.stop()
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    report["pipelines"] = {name: p.data for name, p in pipelines.items()}
    return report


async def sustained(
    client: temporalio.client.Client,
    pipelines: dict[str, Pipeline],
    seconds: float,
    report: dict[str, Any],
) -> None:
    """Alternate bursts of 50 on each pipeline for ``seconds``; the rate per minute shows any
    decline."""
    deadline = time.perf_counter() + seconds
    per_minute: dict[str, list[list[float]]] = {name: [] for name in PIPELINES}
    begin = time.perf_counter()
    while time.perf_counter() < deadline:
        minute = int((time.perf_counter() - begin) // 60)
        for name in PIPELINES:
            pipeline = pipelines[name]
            wall = time.perf_counter()
            runs = await asyncio.gather(*(run_one(client, pipeline, INSTANT, i) for i in range(50)))
            rate = 50 / (time.perf_counter() - wall)
            buckets = per_minute[name]
            while len(buckets) <= minute:
                buckets.append([])
            buckets[minute].append(rate)
            for outcome in ("failed", "never_resumed"):
                pipeline.count(outcome, sum(1 for r in runs if r[2] == outcome))
    report["sustained_rate_per_minute"] = {
        name: [round(sum(b) / len(b), 2) for b in buckets if b]
        for name, buckets in per_minute.items()
    }


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
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds")
    parser.add_argument("--sequential", type=int, default=20, help="one-at-a-time per round")
    parser.add_argument("--burst", type=int, default=250, help="burst size per round")
    parser.add_argument("--parked", type=int, default=1000, help="parked per pipeline")
    parser.add_argument(
        "--park", nargs="+", choices=PIPELINES, default=list(PIPELINES), help="pipelines to park"
    )
    parser.add_argument("--floor", type=int, default=20, help="floor completions per round")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to ACK or resume")
    parser.add_argument("--sustained", type=float, default=0.0, help="sustained-run seconds")
    parser.add_argument(
        "--adapter-sequential",
        type=int,
        default=60,
        help="Go/Java one-at-a-time per mode and round (cheap; enough for a steady median)",
    )
    parser.add_argument("--adapter-burst", type=int, default=100, help="Go/Java burst size")
    parser.add_argument(
        "--no-adapters", dest="adapters", action="store_false", help="skip the Go and Java runs"
    )
    parser.add_argument(
        "--long", action="store_true", help="10-minute sustained run and 10,000 parked"
    )
    parser.add_argument(
        "--servers",
        nargs="+",
        choices=list(SERVER_CONFIGS),
        default=list(SERVER_CONFIGS),
        help="dev server configurations, run one after the other",
    )
    parser.add_argument(
        "--caller-setup",
        choices=["docs", "tuned"],
        default="docs",
        help="callers as docs/python-sdk.md sets them up, or with 4 slots and 2 pollers",
    )
    parser.add_argument("--report-dir", type=Path, default=ROOT / "reports")
    args = parser.parse_args()
    if args.long:
        args.sustained = args.sustained or 600.0
        args.parked = max(args.parked, 10000)
        args.park = ["sdk", "raw"]  # 10,000 each; the RSS of caller + service is reported
        # Parked handshakes wait for hours: bounded worker caches keep them out of memory
        # (docs/performance.md, "Memory of parked handshakes"); the roles read these.
        for variable in ("BENCH_CALLER_CACHED_WORKFLOWS", "BENCH_SERVICE_CACHED_WORKFLOWS"):
            os.environ.setdefault(variable, str(LONG_RUN_CACHED_WORKFLOWS))
    report = asyncio.run(run(args))
    report["ops_per_second"] = micro()
    args.report_dir.mkdir(parents=True, exist_ok=True)
    print(write_reports(report, args.report_dir))


if __name__ == "__main__":
    main()
