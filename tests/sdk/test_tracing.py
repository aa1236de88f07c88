"""One OpenTelemetry trace from the caller's workflow through the service and back.

A real dev server, the reference service and a caller worker in this process, all traced into an
in-memory exporter: temporalio's TracingInterceptor for Temporal, the gRPC instrumentation (the
context travels in create's metadata) for the service's API.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
import temporalio.client
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from stigmer_sdk import AgentExecution, AgentExecutionSpec, ExecutionPhase, StigmerClient
from stigmer_sdk._contract import (
    TRACING_OUTCOME_ATTRIBUTE,
    TRACING_RUN_ID_ATTRIBUTE,
    TRACING_WORKFLOW_ID_ATTRIBUTE,
)
from stigmer_sdk.caller import prepare_create
from stigmer_sdk.converter import data_converter
from stigmer_sdk.service.app import StigmerService
from stigmer_sdk.service.runner import ScriptedRunner
from stigmer_sdk.testing import DevServer
from stigmer_sdk.tracing import RESUMED_SPAN, client_interceptors

from helpers.cli import wait_serving
from helpers.fixtures import SCRIPTS, caller_worker, service_config
from helpers.workflows import ObservedCallerWorkflow

pytestmark = pytest.mark.integration

CREATE_RPC = "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/create"


def _parent_chain(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[str]:
    names = []
    current: ReadableSpan | None = span
    while current is not None and current.parent is not None:
        current = by_id.get(current.parent.span_id)
        if current is not None:
            names.append(current.name)
    return names


#: The span of the service's finish step, which completes the caller.
FINISH_SPAN = "RunActivity:stigmer/service/finish-execution"


async def test_one_trace_spans_caller_create_service_runner_completion_and_resumption(
    exporter: InMemorySpanExporter, dev_server: DevServer, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    config = service_config(dev_server, f"sqlite:///{tmp_path / 'stigmer.db'}", suffix)
    caller = await temporalio.client.Client.connect(
        dev_server.target, interceptors=client_interceptors(), data_converter=data_converter
    )
    async with StigmerService(config, runner=ScriptedRunner(SCRIPTS)) as service:
        stigmer = await StigmerClient.connect(service.target)
        queue = f"traced-{suffix}"
        async with caller_worker(caller, stigmer, queue, ObservedCallerWorkflow) as callers:
            handle = await callers.start("quick")
            result = await handle.result()
        assert result.status.phase == ExecutionPhase.EXECUTION_COMPLETED

        def finished() -> bool:
            return any(span.name == FINISH_SPAN for span in exporter.get_finished_spans())

        async def until_finished() -> None:
            while not finished():
                await asyncio.sleep(0.05)

        await asyncio.wait_for(until_finished(), 60)
        await stigmer.close()

    spans = exporter.get_finished_spans()
    by_id = {span.context.span_id: span for span in spans}
    root = next(s for s in spans if s.name == "StartWorkflow:ObservedCallerWorkflow")
    trace = [span for span in spans if span.context.trace_id == root.context.trace_id]
    names = {span.name for span in trace}

    def one(name: str, kind: SpanKind | None = None) -> ReadableSpan:
        found = [s for s in trace if s.name == name and (kind is None or s.kind == kind)]
        assert len(found) == 1, (name, sorted(names))
        return found[0]

    def chain(name: str, kind: SpanKind | None = None) -> list[str]:
        return _parent_chain(one(name, kind), by_id)

    # TracingInterceptor's workflow spans (RunWorkflow:, StartActivity:, completed spans) are
    # children of the span that started the workflow.
    assert chain("RunWorkflow:ObservedCallerWorkflow") == ["StartWorkflow:ObservedCallerWorkflow"]
    caller_side = [
        "RunActivity:run_agent",
        "StartActivity:run_agent",
        "StartWorkflow:ObservedCallerWorkflow",
    ]
    # The caller's activity makes the create call; the service handles it in the same trace.
    assert chain(CREATE_RPC, SpanKind.CLIENT) == caller_side
    assert chain(CREATE_RPC, SpanKind.SERVER) == [CREATE_RPC, *caller_side]
    assert chain("RunWorkflow:stigmer/agent-execution/invoke") == [
        "StartWorkflow:stigmer/agent-execution/invoke",
        CREATE_RPC,
        CREATE_RPC,
        *caller_side,
    ]
    service_side = [
        "StartWorkflow:stigmer/agent-execution/invoke",
        CREATE_RPC,
        CREATE_RPC,
        *caller_side,
    ]
    # The runner and the completion run under the service's workflow.
    assert chain("RunActivity:stigmer/agent-runner/run") == [
        "StartActivity:stigmer/agent-runner/run",
        *service_side,
    ]
    # The finish step (a local activity) completes the caller.
    assert chain(FINISH_SPAN) == [
        "StartActivity:stigmer/service/finish-execution",
        *service_side,
    ]
    # The caller's workflow resumes with the result, under its own workflow span.
    resumed = one(RESUMED_SPAN)
    # The contract's attributes, the same in the Go and Java SDKs.
    assert resumed.kind == SpanKind.INTERNAL
    assert dict(resumed.attributes or {}) == {
        TRACING_WORKFLOW_ID_ATTRIBUTE: handle.id,
        TRACING_RUN_ID_ATTRIBUTE: handle.result_run_id,
        TRACING_OUTCOME_ATTRIBUTE: "completed",
    }
    assert _parent_chain(resumed, by_id) == ["StartWorkflow:ObservedCallerWorkflow"]


async def test_serve_exports_its_spans_over_otlp(dev_server: DevServer, tmp_path: Path) -> None:
    import signal

    import grpc.aio
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

    from stigmer_sdk.testing import free_port

    from helpers.cli import ServeProcess, serve_args

    received: list[trace_service_pb2.ExportTraceServiceRequest] = []

    class Collector(trace_service_pb2_grpc.TraceServiceServicer):
        async def Export(self, request, context):  # type: ignore[override]
            received.append(request)
            return trace_service_pb2.ExportTraceServiceResponse()

    collector = grpc.aio.server()
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Collector(), collector)
    port = collector.add_insecure_port("127.0.0.1:0")
    await collector.start()
    listen = f"127.0.0.1:{free_port()}"
    suffix = uuid.uuid4().hex[:8]
    store = f"sqlite:///{tmp_path / 'stigmer.db'}"
    serve = ServeProcess(
        *serve_args(listen, dev_server.target, store, queues=suffix),
        "--otlp-endpoint",
        f"http://127.0.0.1:{port}",
        log_path=tmp_path / "serve.log",
    )
    await serve.start()
    try:
        await wait_serving(listen)
        async with await StigmerClient.connect(listen) as client:
            # A direct create, as a deployed service also accepts it.
            ack = await client.create(
                prepare_create(
                    AgentExecution(spec=AgentExecutionSpec(agent_id="echo", message="hi")),
                    token=b"",
                    key="v1:traced",
                )
            )
        process = serve.process
        assert process is not None
        process.send_signal(signal.SIGTERM)  # shutdown flushes the batch of spans
        assert await asyncio.wait_for(process.wait(), 60) == 0
    finally:
        await serve.kill()
        await collector.stop(None)
    spans = [
        span
        for request in received
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    names = {span.name for span in spans}
    assert CREATE_RPC in names, names
    assert "StartWorkflow:stigmer/agent-execution/invoke" in names, names
    services = {
        attribute.value.string_value
        for request in received
        for resource in request.resource_spans
        for attribute in resource.resource.attributes
        if attribute.key == "service.name"
    }
    assert services == {"stigmer-service"}
    assert ack.metadata.id
