"""`make bench-long`: the SDK's handshake at scale, 100,000 parked on PostgreSQL.

One Temporal server, and three processes (``bench/roles.py``). The server is, by default, the
official one as the scale test runs it (``scripts/temporal_cluster.py``: frontend, history and
matching on PostgreSQL, 4 shards, the fast path's dynamic config); ``--temporal dev`` runs a dev
server instead, whose in-memory SQLite cannot hold 100,000 parked handshakes (its RSS passed
23 GiB at 43,000 on the 2-core machine and ran it out of memory). The processes:

* the reference service (``StigmerService``) on a PostgreSQL database of its own, with its
  defaults (caller-heartbeat relay every 30 s within ``--caller-heartbeat-budget`` RPCs a second,
  bounded workflow cache) and its Prometheus endpoint, from which its Temporal RPCs are counted;
* an agent runner of its own (as a deployment runs one), so that the service's figures are the
  service's: the runner's heartbeats are the agents' RPCs, not the service's;
* the caller worker, set up as docs/python-sdk.md's quick start does (``StigmerPlugin``,
  temporalio's default slots and pollers), with a workflow cache of 100.

In this order, because parked agents hold the runner's slots for an hour:

1. **burst**: ``--burst`` zero-length handshakes at once: the completion call's p50/p99 (the
   service's ``AsyncActivityHandle.complete``) beside the runbook's targets (p50 < 50 ms,
   p99 < 200 ms).
2. **cancel**: ``--cancels`` handshakes whose agent waits until cancelled; once all run, their
   caller workflows are cancelled at moments spread over one relay interval, and the time from
   each cancel request to the agent's stop (as the runner sees it) is reported. The path is the
   one the service offers: when it implements the pushed ``cancel`` RPC, the callers run the
   SDK's ``execute_to_terminal`` (which pushes the cancel); when it answers UNIMPLEMENTED, the
   callers wait for the cancellation and the relay's heartbeat carries it.
3. **park**: ``--parked`` handshakes whose agent stays pending, in steps of ``--step``; after
   each step, the RSS of caller, service and runner, and of the Temporal server's processes.
4. **at rest**: the service's Temporal RPCs a second over two relay intervals, by operation,
   beside the budget (long polls apart).

Writes ``reports/bench-long.json`` and ``reports/bench-long.md`` after every step (a run cut
short still reports what it reached). ``touch reports/bench-long.stop`` ends the parking after
the current step: the run then measures at rest with what is parked and ends cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import temporalio.client

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_handshake import (  # noqa: E402
    Pipeline,
    Role,
    burst,
    load_average,
    process_rss_kib,
    request,
)
from bench_report import percentile  # noqa: E402
from bench_workflows import HANDSHAKE_ACTIVITY, BenchCallerWorkflow, DocsCallerWorkflow  # noqa: E402
from roles import CANCELLABLE, PARKED  # noqa: E402

from stigmer_sdk.api.agentic.agentexecution.v1 import command_pb2_grpc  # noqa: E402
from stigmer_sdk.api.agentic.agentexecution.v1.io_pb2 import AgentExecutionId  # noqa: E402
from stigmer_sdk.converter import data_converter  # noqa: E402
from stigmer_sdk.testing import DevServer, free_port  # noqa: E402

from temporal_cluster import TemporalCluster  # noqa: E402

#: The runbook's healthy completion call (seed 000): p50 < 50 ms, p99 < 200 ms.
COMPLETION_P50_TARGET_MS = 50.0
COMPLETION_P99_TARGET_MS = 200.0
#: Bound on RSS growth per parked handshake beyond the first step (issue 25).
RSS_GROWTH_TARGET_KIB = 1.0
#: Workflow caches of caller and service.
CACHED_WORKFLOWS = 100
#: How the report names each ``--temporal``.
TEMPORAL_SERVERS = {
    "cluster": "the official server on PostgreSQL (frontend, history, matching; 4 shards)",
    "dev": "a dev server (in-memory SQLite)",
}
#: Temporal's client request counters in the core SDK's Prometheus output.
REQUEST_METRIC = re.compile(r"^(temporal_(?:long_)?request)(?:_total)?\{([^}]*)\}\s+(\S+)$")


def postgres_admin_url() -> str:
    url = os.environ.get("STIGMER_TEST_POSTGRES_URL")
    if url:
        return url
    script = ROOT / "scripts/ensure_postgres.sh"
    return subprocess.run(
        ["bash", str(script)], check=True, capture_output=True, text=True
    ).stdout.strip()


async def create_database(admin: str) -> str:
    import psycopg

    database = f"stigmer_bench_{uuid.uuid4().hex[:10]}"
    async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as connection:
        await connection.execute(f'CREATE DATABASE "{database}"')
    return admin.rsplit("/", 1)[0] + "/" + database


async def drop_database(admin: str, url: str) -> None:
    import psycopg

    database = url.rsplit("/", 1)[1]
    async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as connection:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def scrape_requests(address: str) -> dict[str, float]:
    """Temporal client requests so far, by ``kind:operation`` (kind: request or long_request)."""
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as response:
        return parse_requests(response.read().decode())


def parse_requests(text: str) -> dict[str, float]:
    """`scrape_requests` on a Prometheus exposition's text."""
    counts: dict[str, float] = {}
    for line in text.splitlines():
        match = REQUEST_METRIC.match(line)
        if not match:
            continue
        name, labels, value = match.groups()
        operation = re.search(r'operation="([^"]*)"', labels)
        key = f"{name.removeprefix('temporal_')}:{operation.group(1) if operation else '?'}"
        counts[key] = counts.get(key, 0.0) + float(value)
    return counts


async def at_rest(address: str, seconds: float) -> dict[str, Any]:
    """The service's Temporal requests a second over ``seconds``, by operation."""
    before = await asyncio.to_thread(scrape_requests, address)
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    after = await asyncio.to_thread(scrape_requests, address)
    window = time.perf_counter() - started
    rates = {
        key: round((after.get(key, 0.0) - before.get(key, 0.0)) / window, 2)
        for key in sorted(set(after) | set(before))
    }
    rates = {key: rate for key, rate in rates.items() if rate}
    return {
        "window_seconds": round(window, 1),
        "requests_per_second": round(
            sum(r for k, r in rates.items() if k.startswith("request:")), 2
        ),
        "long_polls_per_second": round(
            sum(r for k, r in rates.items() if k.startswith("long_request:")), 2
        ),
        "by_operation": rates,
    }


async def pushed_cancel_available(service_target: str) -> bool:
    """Whether the service implements the pushed ``cancel`` (anything but UNIMPLEMENTED)."""
    async with grpc.aio.insecure_channel(service_target) as channel:
        stub = command_pb2_grpc.AgentExecutionCommandControllerStub(channel)
        try:
            await stub.cancel(AgentExecutionId(value=f"bench-probe-{uuid.uuid4().hex}"), timeout=10)
        except grpc.aio.AioRpcError as error:
            return error.code() != grpc.StatusCode.UNIMPLEMENTED
        except AttributeError:  # stubs without cancel
            return False
    return True


async def collect_events(role: Role, into: dict[str, dict[str, float]]) -> None:
    stats = await role.stats()
    for name, events in stats.get("events", {}).items():
        into.setdefault(name, {}).update(events)


async def cancel_latency(
    client: temporalio.client.Client,
    pipeline: Pipeline,
    runner: Role,
    count: int,
    spread: float,
    timeout: float,
) -> dict[str, Any]:
    """Start ``count`` cancellable handshakes, cancel their callers at moments spread over
    ``spread`` seconds, and time each cancel request to its agent's stop."""
    pushed = await pushed_cancel_available(pipeline.service.target)
    events: dict[str, dict[str, float]] = {}
    await collect_events(runner, events)
    events.clear()
    handles: dict[str, temporalio.client.WorkflowHandle[Any, Any]] = {}
    for index in range(count):
        message = f"bench cancel {index} {uuid.uuid4().hex[:8]}"
        execution = request(CANCELLABLE, index)
        execution.spec.message = message
        workflow_id = f"bench-cancel-{uuid.uuid4().hex[:12]}"
        if pushed:  # the docs' helper, which pushes the cancel to the service
            handles[message] = await client.start_workflow(
                DocsCallerWorkflow.run,
                args=[execution, HANDSHAKE_ACTIVITY],
                id=workflow_id,
                task_queue=pipeline.queue,
            )
        else:  # the relay: the caller stays open until the service reports the cancellation
            handles[message] = await client.start_workflow(
                BenchCallerWorkflow.run,
                args=[execution, HANDSHAKE_ACTIVITY, True],
                id=workflow_id,
                task_queue=pipeline.queue,
            )
    deadline = time.monotonic() + timeout
    while len(events.get("agent_started", {})) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        await collect_events(runner, events)
    cancelled_at: dict[str, float] = {}

    async def cancel(message: str, delay: float) -> None:
        await asyncio.sleep(delay)
        cancelled_at[message] = time.time()
        await handles[message].cancel()

    await asyncio.gather(*(cancel(m, random.uniform(0, spread)) for m in handles))
    while len(events.get("agent_stopped", {})) < count and time.monotonic() < deadline + spread:
        await asyncio.sleep(0.2)
        await collect_events(runner, events)
    stopped = events.get("agent_stopped", {})
    latencies = [(stopped[m] - cancelled_at[m]) * 1000 for m in cancelled_at if m in stopped]
    return {
        "path": "pushed cancel RPC (execute_to_terminal)" if pushed else "heartbeat relay",
        "cancelled": len(cancelled_at),
        "agents_started": len(events.get("agent_started", {})),
        "agents_stopped": len(latencies),
        "latency_ms": sorted(round(x, 1) for x in latencies),
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
    }


async def park_step(
    client: temporalio.client.Client, pipeline: Pipeline, count: int, timeout: float
) -> dict[str, Any]:
    """Start ``count`` parked handshakes; wait until the caller saw every ACK."""
    await pipeline.drain()
    wall = time.perf_counter()
    limit = asyncio.Semaphore(200)
    pended = 0

    async def start(index: int) -> None:
        async with limit:
            await client.start_workflow(
                BenchCallerWorkflow.run,
                args=[request(PARKED, index), HANDSHAKE_ACTIVITY],
                id=f"bench-parked-{uuid.uuid4().hex[:12]}",
                task_queue=pipeline.queue,
            )

    async def count_acks() -> None:
        nonlocal pended
        while pended < count and time.perf_counter() - wall < timeout:
            caller = await pipeline.caller.stats()
            pended += len(caller["samples"].get("ack", []))
            await asyncio.sleep(0.5)

    acks = asyncio.create_task(count_acks())
    await asyncio.gather(*(start(i) for i in range(count)))
    await acks
    await pipeline.service.stats()  # its samples (completion calls) are not wanted here
    return {"pended": pended, "seconds": round(time.perf_counter() - wall, 1)}


def rss_mib(role: Role) -> float:
    return round(role.rss_kib() / 1024, 1)


def pids_rss_mib(pids: list[int]) -> float:
    """The RSS of processes, together (0 for one that is gone)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError):
            total += process_rss_kib(pid)
    return round(total / 1024, 1)


@dataclass
class TemporalServer:
    """The server the run parks on: its frontend and the processes whose RSS is reported."""

    target: str
    pids: list[int]


@asynccontextmanager
async def temporal_server(kind: str, postgres_admin: str) -> AsyncIterator[TemporalServer]:
    """``cluster``: the official server on PostgreSQL, as the scale test runs it; ``dev``: a dev
    server (in-memory SQLite)."""
    if kind == "cluster":
        async with TemporalCluster(postgres_admin, history_shards=4) as cluster:
            yield TemporalServer(cluster.target, [cluster.pid(s) for s in cluster.services])
        return
    async with DevServer() as server:
        found = subprocess.run(
            ["pgrep", "-f", f"start-dev --port {server.port}"], capture_output=True, text=True
        )
        yield TemporalServer(server.target, [int(pid) for pid in found.stdout.split()])


def growth_per_parked(steps: list[dict[str, Any]], key: str) -> float | None:
    """KiB of RSS per parked handshake from the first step's end to the last one's."""
    if len(steps) < 2:
        return None
    first, last = steps[0], steps[-1]
    parked = last["parked"] - first["parked"]
    return round((last[key] - first[key]) * 1024 / parked, 3) if parked else None


def markdown(report: dict[str, Any]) -> str:
    settings = report["settings"]
    lines = [
        f"# make bench-long ({report.get('state', 'running')}"
        + (f", parking cut short at {report['cut_short_at']:,}" if "cut_short_at" in report else "")
        + ")",
        "",
        f"Temporal: {TEMPORAL_SERVERS[settings.get('temporal', 'dev')]}. "
        f"Store: PostgreSQL. Caller: docs' set-up (StigmerPlugin, temporalio's default slots and "
        f"pollers), workflow caches {CACHED_WORKFLOWS}. Relay: every "
        f"{settings['caller_heartbeat']:.0f} s within a budget of "
        f"{settings['caller_heartbeat_budget']:.0f} RPCs/s. Load average at start "
        f"{report['load_average_start']}, now {load_average()}, on {os.cpu_count()} CPUs.",
    ]
    if "burst" in report:
        b = report["burst"]
        p50_ok = (
            b["completion_p50_ms"] is not None and b["completion_p50_ms"] < COMPLETION_P50_TARGET_MS
        )
        p99_ok = (
            b["completion_p99_ms"] is not None and b["completion_p99_ms"] < COMPLETION_P99_TARGET_MS
        )
        lines += [
            "",
            f"## Completion call in a burst of {settings['burst']}",
            "",
            "| | measured | target (runbook) | |",
            "|---|---|---|---|",
            f"| p50, ms | {b['completion_p50_ms']} | < {COMPLETION_P50_TARGET_MS:.0f} | "
            f"{'pass' if p50_ok else 'FAIL'} |",
            f"| p99, ms | {b['completion_p99_ms']} | < {COMPLETION_P99_TARGET_MS:.0f} | "
            f"{'pass' if p99_ok else 'FAIL'} |",
            "",
            f"Burst: {b['handshakes_per_second']} handshakes/s, {b['completions']} completion "
            f"calls, failed {b['failed']}, never resumed {b['never_resumed']}.",
        ]
    if "cancel" in report:
        c = report["cancel"]
        lines += [
            "",
            "## Caller's cancel to the agent's stop",
            "",
            f"Path: **{c['path']}**. {c['cancelled']} cancels spread over "
            f"{settings['caller_heartbeat']:.0f} s; {c['agents_stopped']} agents stopped: "
            f"p50 **{c['p50_ms']} ms**, p99 **{c['p99_ms']} ms**.",
        ]
    steps = report.get("steps", [])
    if steps:
        lines += [
            "",
            "## Parked handshakes",
            "",
            "| parked | caller RSS, MiB | service RSS, MiB | runner RSS, MiB "
            "| Temporal server RSS, MiB | pended/s, step |",
            "|---|---|---|---|---|---|",
        ]
        for step in steps:
            lines.append(
                f"| {step['parked']:,} | {step['caller_mib']} | {step['service_mib']} | "
                f"{step['runner_mib']} | {step.get('temporal_mib', '-')} | {step['rate']} |"
            )
        caller = growth_per_parked(steps, "caller_mib")
        service = growth_per_parked(steps, "service_mib")
        if caller is not None and service is not None:
            total = round(caller + service, 3)
            verdict = "pass" if total < RSS_GROWTH_TARGET_KIB else "FAIL"
            lines += [
                "",
                f"RSS growth per parked handshake beyond the first {steps[0]['parked']:,}: "
                f"caller {caller} KiB, service {service} KiB, together **{total} KiB** "
                f"(target < {RSS_GROWTH_TARGET_KIB:.0f} KiB: {verdict}).",
            ]
        never = report.get("never_pended", 0)
        lines.append(f"Never pended: {never}.")
    for rest in report.get("at_rest", []):
        budget = settings["caller_heartbeat_budget"]
        beats = rest["by_operation"].get("request:RecordActivityTaskHeartbeat", 0.0)
        others = round(rest["requests_per_second"] - beats, 2)
        # The relay paces itself at the budget; 2 % for the window's edges.
        ok = beats <= budget * 1.02
        lines += [
            "",
            f"## At rest with {rest['parked']:,} pending",
            "",
            f"Service's Temporal RPCs over {rest['window_seconds']} s: "
            f"**{rest['requests_per_second']}/s**: the relay's heartbeats {beats}/s (budget "
            f"{budget:.0f}/s: {'within' if ok else 'OVER'}), everything else {others}/s; "
            f"long polls {rest['long_polls_per_second']}/s.",
            "",
            "| operation | per second |",
            "|---|---|",
        ]
        lines += [f"| {key} | {rate} |" for key, rate in rest["by_operation"].items()]
    for role, profile in report.get("profiles", {}).items():
        if not profile.get("growth"):
            continue
        lines += [
            "",
            f"## Python objects: {role}'s growth from the first step to the last",
            "",
            "(gc-tracked objects, shallow sizes)",
            "",
            "| type | KiB | objects |",
            "|---|---|---|",
        ]
        lines += [f"| `{g['where']}` | {g['kib']} | {g['count']} |" for g in profile["growth"]]
    return "\n".join(lines) + "\n"


def write(report: dict[str, Any], directory: Path) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "bench-long.json").write_text(json.dumps(report, indent=1) + "\n")
    table = markdown(report)
    (directory / "bench-long.md").write_text(table)
    return table


async def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {
        "settings": {k: v for k, v in vars(args).items() if k != "report_dir"},
        "load_average_start": load_average(),
        "steps": [],
        "at_rest": [],
    }
    admin = postgres_admin_url()
    store_url = await create_database(admin)
    os.environ.setdefault("BENCH_CALLER_CACHED_WORKFLOWS", str(CACHED_WORKFLOWS))
    os.environ.setdefault("BENCH_SERVICE_CACHED_WORKFLOWS", str(CACHED_WORKFLOWS))
    metrics = f"127.0.0.1:{free_port()}"
    roles: list[Role] = []
    try:
        async with temporal_server(args.temporal, admin) as server:
            # The caller runs StigmerPlugin's converter: results are in the SDK's private pool.
            client = await temporalio.client.Client.connect(
                server.target, data_converter=data_converter
            )
            service = await Role.start(
                "service",
                *("--temporal", server.target, "--store-url", store_url, "--external-runner"),
                *("--metrics-address", metrics, "--caller-heartbeat", str(args.caller_heartbeat)),
                *("--caller-heartbeat-budget", str(args.caller_heartbeat_budget)),
            )
            roles.append(service)
            runner = await Role.start("runner", "--temporal", server.target)
            roles.append(runner)
            queue = "bench-long-caller"
            caller = await Role.start(
                "caller",
                *("--temporal", server.target, "--service", service.target, "--queue", queue),
            )
            roles.append(caller)
            pipeline = Pipeline("sdk", service, caller, queue)

            await burst(client, pipeline, args.burst)
            data = pipeline.data
            completions = data.get("burst_complete", [])
            report["burst"] = {
                "handshakes_per_second": round(data["burst_rate"][0], 2),
                "completions": len(completions),
                "completion_p50_ms": percentile(completions, 0.5),
                "completion_p99_ms": percentile(completions, 0.99),
                "ack_p50_ms": percentile(data.get("burst_ack", []), 0.5),
                "failed": data.get("failed", 0),
                "never_resumed": data.get("never_resumed", 0),
            }
            print(write(report, args.report_dir), file=sys.stderr)

            if args.cancels:
                report["cancel"] = await cancel_latency(
                    client, pipeline, runner, args.cancels, args.caller_heartbeat, args.timeout
                )
                print(write(report, args.report_dir), file=sys.stderr)

            parked = 0
            stop_file = args.report_dir / "bench-long.stop"
            stop_file.unlink(missing_ok=True)
            while parked < args.parked:
                if stop_file.exists():  # cut short: measure at rest with what is parked
                    report["cut_short_at"] = parked
                    report["at_rest"].append(
                        {"parked": parked, **await at_rest(metrics, 2 * args.caller_heartbeat + 5)}
                    )
                    break
                share = min(args.step, args.parked - parked)
                result = await park_step(client, pipeline, share, args.timeout)
                parked += share
                report["never_pended"] = report.get("never_pended", 0) + share - result["pended"]
                await asyncio.sleep(2.0)  # let the processes settle before reading their memory
                step = {
                    "parked": parked,
                    "caller_mib": rss_mib(caller),
                    "service_mib": rss_mib(service),
                    "runner_mib": rss_mib(runner),
                    "temporal_mib": pids_rss_mib(server.pids),
                    "rate": round(share / result["seconds"], 1),
                }
                report["steps"].append(step)
                if args.tracemalloc and len(report["steps"]) == 1:  # the baseline
                    for role in (caller, service):
                        await profile(role)
                if parked == args.step or parked >= args.parked:
                    rest = await at_rest(
                        metrics, args.caller_heartbeat * (2 if parked >= args.parked else 1) + 5
                    )
                    report["at_rest"].append({"parked": parked, **rest})
                print(write(report, args.report_dir), file=sys.stderr)
            if args.tracemalloc:
                report["profiles"] = {
                    "caller": await profile(caller),
                    "service": await profile(service),
                }
            report["state"] = "complete"
            report["load_average_end"] = load_average()
            print(write(report, args.report_dir), file=sys.stderr)
    finally:
        for role in roles[::-1]:
            await role.stop()
        await drop_database(admin, store_url)
    return report


async def profile(role: Role) -> dict[str, Any]:
    assert role.process.stdin is not None
    assert role.process.stdout is not None
    role.process.stdin.write(b'{"cmd": "profile", "top": 15}\n')
    await role.process.stdin.drain()
    return await role.answer()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parked", type=int, default=100_000, help="parked handshakes")
    parser.add_argument(
        "--temporal",
        choices=sorted(TEMPORAL_SERVERS),
        default="cluster",
        help="the Temporal server: the official one on PostgreSQL (default) or a dev server",
    )
    parser.add_argument("--step", type=int, default=10_000, help="RSS read every this many")
    parser.add_argument("--burst", type=int, default=300, help="burst size")
    parser.add_argument("--cancels", type=int, default=20, help="cancels timed")
    parser.add_argument("--caller-heartbeat", type=float, default=30.0, help="relay interval, s")
    parser.add_argument("--caller-heartbeat-budget", type=float, default=100.0)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per step")
    parser.add_argument(
        "--no-profile",
        dest="tracemalloc",
        action="store_false",
        help="no object profile (gc) of caller and service",
    )
    parser.add_argument("--report-dir", type=Path, default=ROOT / "reports")
    args = parser.parse_args()
    report = asyncio.run(run(args))
    print(markdown(report))


if __name__ == "__main__":
    main()
