"""One OpenTelemetry trace across languages: a Go or Java caller's handshake continues in the
Python reference service and comes back to the caller's resumption.

The reference service runs in this process, traced into an in-memory exporter (`enable_tracing`,
as ``stigmer-sdk serve --otlp-endpoint`` does with an OTLP exporter); the caller is a separate Go
or Java process set up with its SDK's one plugin object and tracing, which writes the spans of its
own in-memory exporter as JSON lines (adapters/go/tracing/internal/cmd/stigmer-traced-caller,
adapters/java/src/test/java/ai/stigmer/sdk/handshake/TracedCallerMain.java). The test joins both
sides by span id and checks one trace: the caller's activity, the service's create, its
completion of the caller, and the caller workflow's `StigmerHandshakeResumed`.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from stigmer_sdk._contract import (
    TRACING_OUTCOME_ATTRIBUTE,
    TRACING_RESUMED_SPAN,
    TRACING_RUN_ID_ATTRIBUTE,
    TRACING_WORKFLOW_ID_ATTRIBUTE,
)
from stigmer_sdk.service.app import StigmerService
from stigmer_sdk.service.runner import ScriptedRunner
from stigmer_sdk.testing import DevServer

from helpers.fixtures import SCRIPTS, service_config
from helpers.paths import ROOT

pytestmark = pytest.mark.integration

CREATE_RPC = "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/create"
#: The span of the service's finish step, which completes the caller's activity.
FINISH_SPAN = "RunActivity:stigmer/service/finish-execution"
#: The caller harnesses' workflow and activity names.
CALLER_WORKFLOW = "TracedCaller"
CALLER_ACTIVITY = "RunAgent"


@dataclass(frozen=True)
class Span:
    """A span of either side, ids in hex as W3C traceparent writes them."""

    name: str
    trace_id: str
    span_id: str
    parent_span_id: str
    kind: str
    attributes: dict[str, str]
    side: str


def _from_python(span: ReadableSpan) -> Span:
    assert span.context is not None
    return Span(
        name=span.name,
        trace_id=f"{span.context.trace_id:032x}",
        span_id=f"{span.context.span_id:016x}",
        parent_span_id=f"{span.parent.span_id:016x}" if span.parent is not None else "",
        kind=span.kind.name.lower(),
        attributes={k: str(v) for k, v in (span.attributes or {}).items()},
        side="python",
    )


def _from_line(line: str, side: str) -> Span:
    data = json.loads(line)
    return Span(
        name=data["name"],
        trace_id=data["trace_id"],
        span_id=data["span_id"],
        parent_span_id=data["parent_span_id"],
        kind=data["kind"].lower(),
        attributes=data["attributes"],
        side=side,
    )


@pytest.fixture(scope="module")
def go_caller(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The Go harness, built from adapters/go/tracing (the Go build cache makes it quick)."""
    go = shutil.which("go")
    if go is None:
        pytest.fail("the Go toolchain is needed (go on PATH)")
    binary = tmp_path_factory.mktemp("go-caller") / "stigmer-traced-caller"
    subprocess.run(
        [go, "build", "-o", str(binary), "./internal/cmd/stigmer-traced-caller"],
        cwd=ROOT / "adapters" / "go" / "tracing",
        check=True,
        timeout=900,
    )
    return [str(binary)]


@pytest.fixture(scope="module")
def java_caller(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The Java harness: the SDK's test classes, compiled offline, and their class path."""
    mvn, java = shutil.which("mvn"), shutil.which("java")
    if mvn is None or java is None:
        pytest.fail("Maven and a JDK are needed (mvn and java on PATH)")
    classpath = tmp_path_factory.mktemp("java-caller") / "classpath"
    subprocess.run(
        [
            mvn,
            "-o",
            "-q",
            "-B",
            "test-compile",
            "dependency:build-classpath",
            f"-Dmdep.outputFile={classpath}",
            "-Dmdep.includeScope=test",
        ],
        cwd=ROOT / "adapters" / "java" / "core",
        check=True,
        timeout=900,
    )
    target = ROOT / "adapters" / "java" / "target"
    path = f"{target / 'test-classes'}:{target / 'classes'}:{classpath.read_text().strip()}"
    return [java, "-cp", path, "ai.stigmer.sdk.handshake.TracedCallerMain"]


def _chain(span: Span, by_id: dict[str, Span]) -> list[Span]:
    """``span``'s ancestors, nearest first, across both sides."""
    ancestors = []
    current = by_id.get(span.parent_span_id)
    while current is not None:
        ancestors.append(current)
        current = by_id.get(current.parent_span_id)
    return ancestors


# The first test of each language builds its harness (go build, mvn test-compile): minutes on a
# cold cache and two cores, beyond the default timeout.
@pytest.mark.timeout(900)
@pytest.mark.parametrize("language", ["go", "java"])
async def test_a_callers_trace_continues_in_the_python_service_and_back(
    language: str,
    request: pytest.FixtureRequest,
    exporter: InMemorySpanExporter,
    dev_server: DevServer,
    tmp_path: Path,
) -> None:
    caller: list[str] = request.getfixturevalue(f"{language}_caller")
    suffix = uuid.uuid4().hex[:8]
    config = service_config(dev_server, f"sqlite:///{tmp_path / 'stigmer.db'}", suffix)
    spans_file = tmp_path / "caller-spans.jsonl"
    async with StigmerService(config, runner=ScriptedRunner(SCRIPTS)) as service:
        process = await asyncio.create_subprocess_exec(
            *caller,
            "-temporal",
            dev_server.target,
            "-stigmer",
            service.target,
            "-task-queue",
            f"traced-{language}-{suffix}",
            "-agent",
            "quick",
            "-spans",
            str(spans_file),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(), 300)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.returncode == 0, stderr.decode(errors="replace")[-4000:]
        result = json.loads(stdout.decode().strip().splitlines()[-1])
        assert result["phase"] == "EXECUTION_COMPLETED", result

        # The caller resumed once the service's finish step completed its activity; that
        # step's span ends right after, in this process.
        async def until_finished() -> None:
            while not any(s.name == FINISH_SPAN for s in exporter.get_finished_spans()):
                await asyncio.sleep(0.05)

        await asyncio.wait_for(until_finished(), 60)

    caller_spans = [
        _from_line(line, language) for line in spans_file.read_text().splitlines() if line
    ]
    service_spans = [_from_python(span) for span in exporter.get_finished_spans()]
    by_id = {span.span_id: span for span in [*caller_spans, *service_spans]}

    def one(spans: list[Span], name: str, kind: str | None = None) -> Span:
        found = [s for s in spans if s.name == name and (kind is None or s.kind == kind)]
        assert len(found) == 1, (name, kind, sorted({s.name for s in spans}))
        return found[0]

    start = one(caller_spans, f"StartWorkflow:{CALLER_WORKFLOW}")
    trace_id = start.trace_id
    assert {span.trace_id for span in caller_spans} == {trace_id}

    # The caller's side, from its activity up: Temporal's spans, in the caller's language.
    caller_side = [
        f"RunActivity:{CALLER_ACTIVITY}",
        f"StartActivity:{CALLER_ACTIVITY}",
        f"RunWorkflow:{CALLER_WORKFLOW}",
        f"StartWorkflow:{CALLER_WORKFLOW}",
    ]
    if language == "go":
        # Go's gRPC instrumentation has a client span for the create, under the activity's;
        # Java's SDK sends the activity's own span as traceparent.
        caller_side.insert(0, CREATE_RPC.removeprefix("/"))

    # The service handled the create in the caller's trace, under the caller's activity.
    create = one(service_spans, CREATE_RPC, SpanKind.SERVER.name.lower())
    assert create.trace_id == trace_id
    assert [s.name for s in _chain(create, by_id)] == caller_side
    assert {s.side for s in _chain(create, by_id)} == {language}

    # The service's completion of the caller (its finish step, in its invoke workflow, which the
    # create started) is in the same trace.
    finish = one(service_spans, FINISH_SPAN)
    assert finish.trace_id == trace_id
    assert [s.name for s in _chain(finish, by_id)] == [
        "StartActivity:stigmer/service/finish-execution",
        "StartWorkflow:stigmer/agent-execution/invoke",
        CREATE_RPC,
        *caller_side,
    ]

    # The caller's workflow resumed in the same trace: the resumption span, with the contract's
    # attributes, under the caller's workflow span.
    resumed = one(caller_spans, TRACING_RESUMED_SPAN)
    assert resumed.kind == "internal"
    assert [s.name for s in _chain(resumed, by_id)] == caller_side[-2:]
    assert resumed.attributes == {
        TRACING_WORKFLOW_ID_ATTRIBUTE: result["workflow_id"],
        TRACING_RUN_ID_ATTRIBUTE: result["run_id"],
        TRACING_OUTCOME_ATTRIBUTE: "completed",
    }
