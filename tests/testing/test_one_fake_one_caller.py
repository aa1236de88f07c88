"""One fake Stigmer service and one caller workflow in Python: the test kit's
(`stigmer_sdk.testing.FakeStigmerService`, `stigmer_sdk.testing.CallerWorkflow`).

The tests, the conformance suite and the bench are scanned for servers of the Stigmer execution
API and for caller workflows (a workflow that returns an execution). Each one outside the test kit
is listed below with the reason the kit's cannot serve there; a new one fails this test until it
is the kit's or is listed with its reason, and a listed one that is gone fails it too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from helpers.paths import ROOT

SCANNED = ("tests", "conformance", "bench")
#: Generated code (the conformance suite's second codec) serves nothing and calls nobody.
GENERATED = ("conformance/betterproto/generated/",)
SERVICER_BASE = re.compile(r"(Agent|Workflow)Execution(Command|Query)ControllerServicer$")
EXECUTION_TYPES = frozenset({"AgentExecution", "WorkflowExecution"})

#: Servers of the Stigmer API besides the kit's fake (file, class: why not the kit's fake).
OTHER_SERVICES = """
bench/roles.py, RawService: the bench's RAW baseline, hand-written without the SDK
conformance/python/executable.py, Service: the conformance protocol's service role, under test in
    every language (case ids, faults)
tests/helpers/core_only_app.py, StandInService: runs on the core wheel alone, without [testing]
tests/helpers/foreign_stubs_app.py, StandInService: completes with another generated copy's
    classes, which the kit does not know
tests/interop/test_interop.py, _Command: answers as the deployed Go service does
tests/interop/test_interop.py, _Query: answers as the deployed Go service does
tests/sdk/test_client.py, _Command: scripts what the client must handle: rich error details,
    delays, per-attempt answers
tests/sdk/test_client.py, _Query: scripts the query answers the client must handle
tests/sdk/test_client_tls.py, _Command: serves over TLS and mutual TLS
"""

#: Caller workflows besides the kit's (file, class: what it tests that the kit's does not).
OTHER_CALLERS = """
bench/bench_workflows.py, BenchCallerWorkflow: one caller for both bench pipelines, so that only
    the handshake differs; the RAW worker's default sandbox would re-import the kit for each run
bench/bench_workflows.py, DocsCallerWorkflow: the quick start's execute_to_terminal
conformance/python/executable.py, CallerWorkflow: the conformance protocol's caller (workflow type
    conformance/caller, input CallerInput), as in every language
tests/helpers/core_only_app.py, AskAgent: a user's caller on the core wheel alone
tests/helpers/workflows.py, WorkflowExecutionCallerWorkflow: the workflow kind
tests/helpers/workflows.py, InnerShapeCallerWorkflow: the inner-workflow shape
tests/helpers/workflows.py, InnerAgentWorkflow: the inner workflow of that shape
tests/helpers/workflows.py, WatchedCallerWorkflow: execute_to_terminal's watch
tests/helpers/workflows.py, TerminalCallerWorkflow: execute_to_terminal, as recorded in
    tests/data/histories (replayed)
tests/helpers/workflows.py, CancellableCallerWorkflow: the pushed cancel, as recorded in
    tests/data/histories (replayed)
tests/helpers/workflows.py, LocalActivityCallerWorkflow: the local-activity refusal
tests/helpers/workflows.py, ObservedCallerWorkflow: the caller-side metrics
"""


def _listed(table: str) -> set[tuple[str, str]]:
    """The (file, class) of each entry of a table above (continuation lines are indented)."""
    entries = set()
    for line in table.splitlines():
        if line and not line.startswith(" "):
            path, rest = line.split(", ", 1)
            name, reason = rest.split(": ", 1)
            assert reason, line
            entries.add((path, name))
    return entries


def _classes() -> Iterator[tuple[str, ast.ClassDef]]:
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name.startswith(GENERATED) or name.endswith("_pb2_grpc.py"):
                continue
            for node in ast.walk(ast.parse(path.read_text(), name)):
                if isinstance(node, ast.ClassDef):
                    yield name, node


def _name(node: ast.expr) -> str:
    """The last dotted part of a name: ``workflow.defn`` is ``defn``."""
    if isinstance(node, ast.Call):
        return _name(node.func)
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _returns_an_execution(workflow: ast.ClassDef) -> bool:
    for node in workflow.body:
        if isinstance(node, ast.AsyncFunctionDef) and node.name == "run" and node.returns:
            return ast.unparse(node.returns).split(".")[-1] in EXECUTION_TYPES
    return False


def _services() -> set[tuple[str, str]]:
    return {
        (path, node.name)
        for path, node in _classes()
        if any(SERVICER_BASE.search(_name(base)) for base in node.bases)
    }


def _callers() -> set[tuple[str, str]]:
    return {
        (path, node.name)
        for path, node in _classes()
        if any(_name(decorator) == "defn" for decorator in node.decorator_list)
        and _returns_an_execution(node)
    }


def test_the_kit_has_the_one_fake_stigmer_service() -> None:
    assert _services() == _listed(OTHER_SERVICES)


def test_the_kit_has_the_one_caller_workflow() -> None:
    assert _callers() == _listed(OTHER_CALLERS)


def test_the_scan_sees_a_new_fake_and_a_new_caller(tmp_path: Path) -> None:
    """What the scan recognises, on a made-up module (so the lists above cannot pass by
    recognising nothing)."""
    source = (
        "@workflow.defn\n"
        "class CopiedCaller:\n"
        "    @workflow.run\n"
        "    async def run(self, request: AgentExecution) -> AgentExecution: ...\n"
        "class CopiedFake(command_pb2_grpc.AgentExecutionCommandControllerServicer): ...\n"
    )
    (workflow, fake) = (
        node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ClassDef)
    )
    assert _returns_an_execution(workflow)
    assert any(SERVICER_BASE.search(_name(base)) for base in fake.bases)
