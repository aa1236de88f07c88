"""The processes of the side-by-side benchmark: one per role and pipeline.

``python bench/roles.py service --pipeline raw|best|sdk --temporal HOST:PORT``
    The RAW service (a gRPC ``create`` that starts :class:`RawServiceWorkflow` with the token kept
    in memory; ``best`` also asks for eager workflow start) or the SDK's reference service
    (``StigmerService`` on SQLite with scripted agents).
``python bench/roles.py caller --pipeline raw|best|sdk --temporal HOST:PORT --service HOST:PORT``
    A caller worker: the SDK's ``execute_and_wait_pending``, or the hand-written RAW activity
    (grpcio stub, then ``raise_complete_async``). The RAW caller also serves the floor activity:
    it hands its own token to an in-process task that completes it. ``--setup docs`` (the
    default) sets the worker up as docs/python-sdk.md's quick start does: temporalio's default
    slots and pollers, and for the SDK a client with ``StigmerPlugin``; ``--setup tuned`` gives
    it 4 activity slots and 2 pollers (``BENCH_CALLER_SLOTS``, ``BENCH_CALLER_ACTIVITY_POLLS``).
``python bench/roles.py runner --temporal HOST:PORT``
    An agent runner of its own (the service started with ``--external-runner``), as a deployment
    runs one: ``instant`` agents end at once, ``parked`` ones wait an hour, ``cancellable`` ones
    wait until cancelled and record when they stopped (event ``agent_stopped``).

Each process prints one JSON line ``{"ready": ..., "target": ...}`` on stdout, then answers JSON
commands read from stdin, one a line: ``stats`` (timings gathered since the last ``stats``),
``stop``. Temporal and gRPC are the only channels between the roles.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import grpc
import temporalio.client
from temporalio import activity
from temporalio.worker import Worker

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_workflows import (
    FLOOR_ACTIVITY,
    HANDSHAKE_ACTIVITY,
    RAW_AGENT_ACTIVITY,
    RAW_COMPLETE_ACTIVITY,
    BenchCallerWorkflow,
    DocsCallerWorkflow,
    RawServiceWorkflow,
)

from stigmer_sdk.api.agentic.agentexecution.v1 import command_pb2_grpc
from stigmer_sdk.api.agentic.agentexecution.v1.api_pb2 import AgentExecution
from stigmer_sdk.api.agentic.agentexecution.v1.enum_pb2 import (
    EXECUTION_COMPLETED,
    EXECUTION_PENDING,
)

# The bench's messages are the SDK's, in its private descriptor pool: temporalio's default payload
# converter looks json/protobuf types up in the default pool, so every client converts them with
# the SDK's payload converter (a hand-written pipeline would use its own messages).
from stigmer_sdk.converter import data_converter

#: Caller activity slots (the issue's setup).
CALLER_SLOTS = int(os.environ.get("BENCH_CALLER_SLOTS", "4"))
#: Activity polls of the caller worker. Each outstanding poll holds a slot; with as many polls as
#: slots (temporalio's default is 5 polls) no slot is ever free for eager activity dispatch, and
#: every activity then goes through matching, one more dispatch. Fewer polls than slots is the fast
#: path (docs/performance.md); BENCH_CALLER_ACTIVITY_POLLS=5 shows the slow one.
CALLER_ACTIVITY_POLLS = int(os.environ.get("BENCH_CALLER_ACTIVITY_POLLS", "2"))
#: Workflows the caller worker keeps cached (temporalio's default is 1000). A parked caller
#: workflow waits for hours; evicting it frees its memory, and its short history replays on resume.
CALLER_CACHED_WORKFLOWS = int(os.environ.get("BENCH_CALLER_CACHED_WORKFLOWS", "1000"))
#: The same for the service workers, RAW and SDK (ServiceSettings.max_cached_workflows).
SERVICE_CACHED_WORKFLOWS = int(os.environ.get("BENCH_SERVICE_CACHED_WORKFLOWS", "1000"))
#: Agent ids every service knows: a zero-length agent and one that stays pending; the external
#: runner also knows one that waits until cancelled.
INSTANT, PARKED, CANCELLABLE = "instant", "parked", "cancellable"
PARKED_SECONDS = 3600.0


class Timings:
    """Durations (ms) and counters gathered in this process, drained by ``stats``."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {}
        self.counts: dict[str, int] = {}
        #: Wall-clock times (Unix seconds) of named events, by key (compared across processes).
        self.events: dict[str, dict[str, float]] = {}

    def add(self, name: str, milliseconds: float) -> None:
        self.samples.setdefault(name, []).append(round(milliseconds, 3))

    def count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1

    def event(self, name: str, key: str) -> None:
        self.events.setdefault(name, {})[key] = time.time()

    def drain(self) -> dict[str, Any]:
        out = {"samples": self.samples, "counts": self.counts, "events": self.events}
        self.samples, self.counts, self.events = {}, {}, {}
        return out


TIMINGS = Timings()


def timed(name: str, call: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Wrap ``call`` so that each call's duration lands in ``TIMINGS[name]``."""

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            result = await call(*args, **kwargs)
        except Exception:
            TIMINGS.count(f"{name}_failed")
            raise
        TIMINGS.add(name, (time.perf_counter() - started) * 1000)
        TIMINGS.count(f"{name}_ok")
        return result

    return wrapper


def time_completions() -> None:
    """Time every ``AsyncActivityHandle.complete`` of this process (how both services complete
    the caller), so RAW and SDK completion calls are measured the same way."""
    handle = temporalio.client.AsyncActivityHandle
    handle.complete = timed("complete", handle.complete)  # type: ignore[method-assign]


# --- RAW service --------------------------------------------------------------------------------


class RawService(command_pb2_grpc.AgentExecutionCommandControllerServicer):
    """``create`` starts the workflow with the execution; the token waits in memory."""

    def __init__(self, client: temporalio.client.Client, eager: bool, queue: str) -> None:
        self.client = client
        self.eager = eager
        self.queue = queue
        self.tokens: dict[str, bytes] = {}

    async def create(  # type: ignore[override]
        self, request: AgentExecution, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AgentExecution:
        started = time.perf_counter()
        execution = AgentExecution()
        execution.CopyFrom(request)
        execution.metadata.id = f"raw-{uuid.uuid4().hex}"
        self.tokens[execution.metadata.id] = bytes(execution.spec.callback_token)
        execution.spec.callback_token = b""
        execution.status.phase = EXECUTION_PENDING
        await self.client.start_workflow(
            RawServiceWorkflow.run,
            execution,
            id=execution.metadata.id,
            task_queue=self.queue,
            request_eager_start=self.eager,
        )
        TIMINGS.add("service_create", (time.perf_counter() - started) * 1000)
        return execution

    @activity.defn(name=RAW_AGENT_ACTIVITY)
    async def agent(self, execution: AgentExecution) -> AgentExecution:
        if execution.spec.agent_id == PARKED:
            await asyncio.sleep(PARKED_SECONDS)
        execution.status.phase = EXECUTION_COMPLETED
        return execution

    @activity.defn(name=RAW_COMPLETE_ACTIVITY)
    async def complete(self, execution: AgentExecution) -> None:
        token = self.tokens.pop(execution.metadata.id)
        await self.client.get_async_activity_handle(task_token=token).complete(execution)


async def raw_service(temporal: str, eager: bool) -> tuple[str, list[Any]]:
    client = await temporalio.client.Client.connect(temporal, data_converter=data_converter)
    service = RawService(client, eager, queue=f"raw-service-{'best' if eager else 'raw'}")
    worker = Worker(
        client,
        task_queue=service.queue,
        workflows=[RawServiceWorkflow],
        activities=[service.agent, service.complete],
        max_cached_workflows=SERVICE_CACHED_WORKFLOWS,
    )
    server = grpc.aio.server()
    command_pb2_grpc.add_AgentExecutionCommandControllerServicer_to_server(service, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return f"127.0.0.1:{port}", [worker, server]


# --- SDK service --------------------------------------------------------------------------------


async def sdk_service(
    temporal: str, scratch: Path, args: argparse.Namespace
) -> tuple[str, list[Any]]:
    from stigmer_sdk.service.app import ServiceConfig, StigmerService, TemporalConnection
    from stigmer_sdk.service.config import ServiceSettings
    from stigmer_sdk.service.runner import Script, ScriptedRunner

    scripts = {
        INSTANT: Script(duration=timedelta(0), progress=()),
        PARKED: Script(duration=timedelta(seconds=PARKED_SECONDS), progress=()),
    }
    heartbeat: dict[str, Any] = {
        "caller_heartbeat_interval": timedelta(seconds=args.caller_heartbeat)
    }
    if args.caller_heartbeat_budget is not None:
        heartbeat["caller_heartbeat_budget"] = args.caller_heartbeat_budget
    config = ServiceConfig(
        listen="127.0.0.1:0",
        temporal=TemporalConnection(address=temporal),
        store_url=args.store_url or f"sqlite:///{scratch / 'bench.db'}",
        builtin_runner=not args.external_runner,
        metrics_address=args.metrics_address or None,
        settings=ServiceSettings(max_cached_workflows=SERVICE_CACHED_WORKFLOWS, **heartbeat),
    )
    runner = None if args.external_runner else ScriptedRunner(scripts)
    service = StigmerService(config, runner=runner)
    await service.start()
    return service.target, [service]


class BenchRunner:
    """The external runner's agents (`stigmer_sdk.service.runner.Runner`)."""

    def knows_agent(self, agent_id: str) -> bool:
        return agent_id in (INSTANT, PARKED, CANCELLABLE)

    def knows_workflow(self, workflow_id: str) -> bool:
        return False

    async def run_agent(self, execution: AgentExecution, progress: Any) -> AgentExecution:
        agent = execution.spec.agent_id
        if agent == PARKED:
            await asyncio.sleep(PARKED_SECONDS)
        elif agent == CANCELLABLE:
            TIMINGS.event("agent_started", execution.spec.message)
            try:
                await asyncio.sleep(PARKED_SECONDS)
            except asyncio.CancelledError:
                TIMINGS.event("agent_stopped", execution.spec.message)
                raise
        result = AgentExecution()
        result.CopyFrom(execution)
        result.status.phase = EXECUTION_COMPLETED
        return result

    async def run_workflow(self, execution: Any, progress: Any) -> Any:
        raise NotImplementedError("the bench runs agents only")


async def runner(temporal: str) -> list[Any]:
    from stigmer_sdk.service.runner import AGENT_RUNNER_TASK_QUEUE, RunnerActivities
    from stigmer_sdk.service.temporal_workers import runner_worker

    client = await temporalio.client.Client.connect(temporal)
    activities = RunnerActivities(BenchRunner())
    return [runner_worker(client, AGENT_RUNNER_TASK_QUEUE, [activities.run_agent])]


# --- callers ------------------------------------------------------------------------------------


class RawCaller:
    """The hand-written caller activity, and the floor."""

    def __init__(self, client: temporalio.client.Client, channel: grpc.aio.Channel) -> None:
        self.client = client
        self.stub = command_pb2_grpc.AgentExecutionCommandControllerStub(channel)
        self.create = timed("ack", self.stub.create)
        self._pending: set[asyncio.Task[None]] = set()

    @activity.defn(name=HANDSHAKE_ACTIVITY)
    async def handshake(self, request: AgentExecution) -> AgentExecution:
        execution = AgentExecution()
        execution.CopyFrom(request)
        execution.spec.callback_token = activity.info().task_token
        await self.create(execution, timeout=60)
        activity.raise_complete_async()

    @activity.defn(name=FLOOR_ACTIVITY)
    async def floor(self, request: AgentExecution) -> AgentExecution:
        TIMINGS.add("floor_started_at", time.time() * 1000)
        handle = self.client.get_async_activity_handle(task_token=activity.info().task_token)
        task = asyncio.create_task(handle.complete(request))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        activity.raise_complete_async()


class SdkCaller:
    """The SDK's caller activity: ``execute_and_wait_pending``."""

    def __init__(self, stigmer: Any) -> None:
        self.stigmer = stigmer
        stigmer.create = timed("ack", stigmer.create)

    @activity.defn(name=HANDSHAKE_ACTIVITY)
    async def handshake(self, request: AgentExecution) -> AgentExecution:
        from stigmer_sdk import execute_and_wait_pending

        await execute_and_wait_pending(self.stigmer, request)


async def caller(
    pipeline: str, temporal: str, service: str, queue: str, setup: str = "docs"
) -> list[Any]:
    activities: list[Callable[..., Any]]
    options: dict[str, Any] = {}
    if setup == "tuned":
        options["max_concurrent_activities"] = CALLER_SLOTS
        options["max_concurrent_activity_task_polls"] = CALLER_ACTIVITY_POLLS
    if pipeline == "sdk":
        from stigmer_sdk import StigmerClient, StigmerPlugin

        stigmer = await StigmerClient.connect(service)
        # As docs/python-sdk.md's quick start: one plugin on the client.
        client = await temporalio.client.Client.connect(temporal, plugins=[StigmerPlugin(stigmer)])
        activities = [SdkCaller(stigmer).handshake]
    else:
        client = await temporalio.client.Client.connect(temporal, data_converter=data_converter)
        raw = RawCaller(client, grpc.aio.insecure_channel(service))
        activities = [raw.handshake, raw.floor]
    worker = Worker(
        client,
        task_queue=queue,
        workflows=[BenchCallerWorkflow, DocsCallerWorkflow]
        if pipeline == "sdk"
        else [BenchCallerWorkflow],
        activities=activities,
        max_cached_workflows=CALLER_CACHED_WORKFLOWS,
        **options,
    )
    return [worker]


# --- process main -------------------------------------------------------------------------------

_BASELINE: dict[str, tuple[int, int]] | None = None


def memory_profile(top: int) -> dict[str, Any]:
    """Python objects by type that grew since the previous call (the first call sets the
    baseline), largest first: counts and shallow sizes of the objects the garbage collector
    tracks. (A run under tracemalloc lost its caller to a crash.)"""
    global _BASELINE
    import gc

    gc.collect()
    histogram: dict[str, tuple[int, int]] = {}
    for obj in gc.get_objects():
        name = type(obj).__qualname__
        module = getattr(type(obj), "__module__", "")
        key = f"{module}.{name}" if module and module != "builtins" else name
        count, size = histogram.get(key, (0, 0))
        histogram[key] = (count + 1, size + sys.getsizeof(obj, 0))
    out: dict[str, Any] = {"objects": sum(c for c, _ in histogram.values())}
    if _BASELINE is not None:
        baseline = _BASELINE
        growth: list[dict[str, Any]] = [
            {
                "where": key,
                "kib": round((size - baseline.get(key, (0, 0))[1]) / 1024, 1),
                "count": count - baseline.get(key, (0, 0))[0],
            }
            for key, (count, size) in histogram.items()
        ]
        growth.sort(key=lambda g: -g["kib"])
        out["growth"] = growth[:top]
    _BASELINE = histogram
    return out


async def serve(args: argparse.Namespace) -> None:
    time_completions()
    with tempfile.TemporaryDirectory() as scratch:
        target = ""
        if args.role == "service":
            if args.pipeline == "sdk":
                target, parts = await sdk_service(args.temporal, Path(scratch), args)
            else:
                target, parts = await raw_service(args.temporal, eager=args.pipeline == "best")
        elif args.role == "runner":
            parts = await runner(args.temporal)
        else:
            parts = await caller(args.pipeline, args.temporal, args.service, args.queue, args.setup)
        workers = [asyncio.create_task(part.run()) for part in parts if isinstance(part, Worker)]
        print(json.dumps({"ready": args.role, "target": target}), flush=True)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := await reader.readline():
            command = json.loads(line)
            if command["cmd"] == "stats":
                print(json.dumps(TIMINGS.drain()), flush=True)
            elif command["cmd"] == "profile":
                print(json.dumps(memory_profile(command.get("top", 15))), flush=True)
            elif command["cmd"] == "stop":
                break
        for part in parts:
            if isinstance(part, Worker):
                await part.shutdown()
            elif isinstance(part, grpc.aio.Server):
                await part.stop(None)
            else:
                await part.stop()
        await asyncio.gather(*workers, return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("role", choices=["service", "caller", "runner"])
    parser.add_argument("--pipeline", choices=["raw", "best", "sdk"], default="sdk")
    parser.add_argument("--temporal", required=True)
    parser.add_argument("--service", default="")
    parser.add_argument("--queue", default="")
    parser.add_argument("--setup", choices=["docs", "tuned"], default="docs")
    parser.add_argument("--store-url", default="", help="SDK service: store (SQLite by default)")
    parser.add_argument("--external-runner", action="store_true", help="SDK service: no runner")
    parser.add_argument("--metrics-address", default="", help="SDK service: Prometheus endpoint")
    parser.add_argument(
        "--caller-heartbeat", type=float, default=600.0, help="SDK service: relay interval, s"
    )
    parser.add_argument("--caller-heartbeat-budget", type=float, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
