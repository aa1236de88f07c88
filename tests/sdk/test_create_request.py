"""What the caller sends on ``create``: the fields the SDK fills, and what it refuses locally.

The rules are the ``buf.validate`` constraints on the protos (the deployed Stigmer service's own,
and its create pipeline's as CEL), checked with protovalidate; see docs/handshake-contract.md
section 1.2. tests/service/test_service_edge.py checks that the reference service applies the same.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import protovalidate
import pytest
from google.protobuf import json_format, message

from stigmer_sdk import (
    AgentExecution,
    AgentExecutionSpec,
    ApiResourceMetadata,
    ExecutionValue,
    WorkflowExecution,
    WorkflowExecutionSpec,
)
from stigmer_sdk.api.commons.apiresource import enum_pb2 as resource_enum
from stigmer_sdk.caller import create_violations, prepare_create
from stigmer_sdk.idempotency import IDEMPOTENCY_ANNOTATION, execution_name, idempotency_key

from helpers.paths import ROOT

KEY = idempotency_key("default", "wf-1", "run-1", "1")


def test_execution_name_is_exec_and_20_hex_of_the_keys_sha256() -> None:
    expected = "exec-" + hashlib.sha256(KEY.encode()).hexdigest()[:20]
    assert execution_name(KEY) == expected == "exec-f5fdba99bcea2eb1aa06"


def test_prepare_fills_api_version_kind_name_token_and_key_without_touching_the_request() -> None:
    request = AgentExecution(spec=AgentExecutionSpec(agent_id="a", message="m"))
    sent = prepare_create(request, token=b"tok", key=KEY)
    assert (sent.api_version, sent.kind) == ("agentic.stigmer.ai/v1", "AgentExecution")
    assert sent.metadata.name == execution_name(KEY)
    assert sent.metadata.annotations[IDEMPOTENCY_ANNOTATION] == KEY
    assert sent.spec.callback_token == b"tok"
    assert request == AgentExecution(spec=AgentExecutionSpec(agent_id="a", message="m"))

    workflow = prepare_create(
        WorkflowExecution(spec=WorkflowExecutionSpec(workflow_id="w")), token=b"t", key=KEY
    )
    assert workflow.kind == "WorkflowExecution"
    assert workflow.spec.callback_token == b"t"


def test_prepare_keeps_what_the_caller_set() -> None:
    request = AgentExecution(
        api_version="agentic.stigmer.ai/v1",
        kind="AgentExecution",
        metadata=ApiResourceMetadata(name="my run"),
        spec=AgentExecutionSpec(agent_id="a", message="m"),
    )
    assert prepare_create(request, token=b"t", key=KEY).metadata.name == "my run"


def test_a_valid_docs_request_has_no_violations() -> None:
    for request in (
        AgentExecution(spec=AgentExecutionSpec(agent_id="support-bot", message="hi")),
        AgentExecution(spec=AgentExecutionSpec(session_id="ses-1", message="hi")),
        WorkflowExecution(spec=WorkflowExecutionSpec(workflow_id="w", trigger_message="go")),
        WorkflowExecution(spec=WorkflowExecutionSpec(workflow_instance_id="wi")),
    ):
        assert create_violations(prepare_create(request, token=b"t", key=KEY)) == []


@pytest.mark.parametrize(
    ("request_", "fields"),
    [
        (AgentExecution(spec=AgentExecutionSpec(agent_id="a")), ["spec.message"]),
        (AgentExecution(spec=AgentExecutionSpec(message="m")), ["spec"]),
        (
            AgentExecution(api_version="v2", kind="Agent", spec=AgentExecutionSpec(message="m")),
            ["api_version", "kind", "spec"],
        ),
        (
            AgentExecution(
                metadata=ApiResourceMetadata(owner_scope=resource_enum.organization),
                spec=AgentExecutionSpec(agent_id="a", message="m"),
            ),
            ["metadata"],
        ),
        (
            AgentExecution(
                metadata=ApiResourceMetadata(name="¡¿ ✓"),
                spec=AgentExecutionSpec(agent_id="a", message="m"),
            ),
            ["metadata"],
        ),
        (
            AgentExecution(
                spec=AgentExecutionSpec(
                    agent_id="a",
                    message="m",
                    runtime_env={
                        "TOKEN": ExecutionValue(is_secret=True),
                        "OK": ExecutionValue(value="1"),
                    },
                )
            ),
            ['spec.runtime_env["TOKEN"].value'],
        ),
        (WorkflowExecution(spec=WorkflowExecutionSpec(trigger_message="go")), ["spec"]),
        (
            WorkflowExecution(
                kind="AgentExecution",
                metadata=ApiResourceMetadata(owner_scope=resource_enum.platform),
                spec=WorkflowExecutionSpec(workflow_id="w"),
            ),
            ["kind", "metadata"],
        ),
    ],
    ids=[
        "no-message",
        "no-agent-or-session",
        "wrong-version-and-kind",
        "agent-owner-scope",
        "name-without-slug",
        "empty-env-value",
        "no-workflow",
        "workflow-platform-scope",
    ],
)
def test_violations_name_every_refused_field(
    request_: AgentExecution | WorkflowExecution, fields: list[str]
) -> None:
    sent = prepare_create(request_, token=b"t", key=KEY)
    assert [v.field for v in create_violations(sent)] == fields


def test_workflow_owner_scopes_the_deployed_service_accepts_pass() -> None:
    for scope in (resource_enum.organization, resource_enum.identity_account):
        request = WorkflowExecution(
            metadata=ApiResourceMetadata(owner_scope=scope),
            spec=WorkflowExecutionSpec(workflow_id="w"),
        )
        assert create_violations(prepare_create(request, token=b"t", key=KEY)) == []


def test_each_violation_says_which_rule_it_breaks() -> None:
    request = AgentExecution(
        api_version="v2",
        metadata=ApiResourceMetadata(name="¡¿ ✓", owner_scope=resource_enum.organization),
        spec=AgentExecutionSpec(runtime_env={"TOKEN": ExecutionValue(is_secret=True)}),
    )
    violations = create_violations(prepare_create(request, token=b"t", key=KEY))
    assert [(v.field, v.description) for v in violations] == [
        ("api_version", "must equal `agentic.stigmer.ai/v1`"),
        (
            "metadata",
            "AgentExecution owner_scope must be unspecified (inherits premission from session)",
        ),
        ("metadata", "name must contain an ASCII letter or digit (the slug is derived from it)"),
        ("spec", "either agent_id or session_id must be set"),
        ("spec.message", "must be at least 1 characters"),
        ('spec.runtime_env["TOKEN"].value', "must be at least 1 characters"),
    ]


def test_an_undefined_owner_scope_is_refused_for_both_kinds() -> None:
    for request in (
        AgentExecution(spec=AgentExecutionSpec(agent_id="a", message="m")),
        WorkflowExecution(spec=WorkflowExecutionSpec(workflow_id="w")),
    ):
        request.metadata.owner_scope = 42  # type: ignore[assignment]
        fields = [v.field for v in create_violations(prepare_create(request, token=b"t", key=KEY))]
        assert "metadata.owner_scope" in fields


VECTORS = json.loads((ROOT / "testdata" / "create-rules-vectors.json").read_text())["cases"]
_CLASSES: dict[str, type[message.Message]] = {
    "AgentExecution": AgentExecution,
    "WorkflowExecution": WorkflowExecution,
}


def _vector_request(case: dict[str, Any]) -> message.Message:
    return json_format.ParseDict(case["request"], _CLASSES[case["kind"]]())


@pytest.mark.parametrize("case", VECTORS, ids=[case["name"] for case in VECTORS])
def test_the_shared_vectors_are_what_the_rules_report(case: dict[str, Any]) -> None:
    """The vectors that Go and Java check too (their own tests read the same file)."""
    violations = create_violations(_vector_request(case))  # type: ignore[arg-type]
    assert [[v.field, v.description] for v in violations] == case["violations"]


def test_the_shared_vectors_break_every_rule_the_protos_declare() -> None:
    proto_root = ROOT / "proto" / "ai" / "stigmer"
    declared = {
        rule_id
        for path in proto_root.rglob("*.proto")
        for rule_id in re.findall(r'^\s*id: "([^"]+)"', path.read_text(), re.MULTILINE)
    }
    declared |= {"string.const", "string.min_len", "enum.defined_only"}
    broken = {
        violation.proto.rule_id
        for case in VECTORS
        for violation in protovalidate.collect_violations(_vector_request(case))
    }
    assert declared <= broken, declared - broken
