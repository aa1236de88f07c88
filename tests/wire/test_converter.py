"""The payload converter decodes every completion shape a Stigmer service sends.

Vectors: the payloads captured from the deployed Stigmer Go service (testdata/deployed-service)
and Go ``encoding/json`` of the SDK's own generated Go structs with their binary form
(testdata/go-struct-json-vectors.json, from tests/data/gostructjson/main.go).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import temporalio.converter
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload

import stigmer_sdk
from stigmer_sdk import AgentExecution, ExecutionPhase, WorkflowExecution
from stigmer_sdk.completion import message_class
from stigmer_sdk.converter import (
    GoJSONError,
    StigmerPayloadConverter,
    data_converter,
    from_go_json,
    to_go_json,
    with_stigmer_payloads,
)

from helpers.paths import ROOT

DATA = ROOT / "testdata"
VECTORS = json.loads((DATA / "go-struct-json-vectors.json").read_text())
CAPTURED = json.loads((DATA / "deployed-service" / "completion-success.json").read_text())


def _payload(encoding: str, data: bytes, message_type: str = "") -> Payload:
    metadata = {"encoding": encoding.encode()}
    if message_type:
        metadata["messageType"] = message_type.encode()
    return Payload(metadata=metadata, data=data)


def _decode(payload: Payload, type_hint: type) -> Any:
    return data_converter.payload_converter.from_payloads([payload], [type_hint])[0]


def test_the_default_converter_cannot_decode_the_deployed_completion() -> None:
    # The bug this converter fixes: Temporal's default json/plain cannot build a proto.
    payload = _payload("json/plain", json.dumps(CAPTURED["data"]).encode())
    default = temporalio.converter.DataConverter.default.payload_converter
    with pytest.raises(Exception, match="AgentExecution"):
        default.from_payloads([payload], [AgentExecution])


def test_the_captured_deployed_completion_decodes() -> None:
    payload = _payload("json/plain", json.dumps(CAPTURED["data"]).encode())
    execution = _decode(payload, AgentExecution)
    assert isinstance(execution, AgentExecution)
    assert execution.kind == "AgentExecution"
    assert execution.metadata.id == "aex-01m8r54we0wrtb949nvtg43c2h"
    assert execution.status.phase == ExecutionPhase.EXECUTION_PENDING
    assert execution.spec.callback_token == base64.b64decode(
        CAPTURED["data"]["spec"]["callback_token"]
    )
    audit = execution.status.audit.spec_audit
    assert (audit.created_at.seconds, audit.created_at.nanos) == (1796107039, 168535530)
    assert audit.created_by.id == "system"


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_go_struct_json_decodes_to_the_same_message_as_its_binary(vector: dict[str, Any]) -> None:
    cls = message_class(vector["message_type"])
    expected = cls.FromString(base64.b64decode(vector["binary_base64"]))
    assert from_go_json(vector["go_json"], cls) == expected
    payload = _payload("json/plain", json.dumps(vector["go_json"]).encode())
    assert _decode(payload, cls) == expected


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_go_struct_json_is_written_as_go_writes_it(vector: dict[str, Any]) -> None:
    # What the reference service delivers to a caller that has not declared binary/protobuf:
    # the same document, key order included, as Go's encoding/json of the generated struct.
    cls = message_class(vector["message_type"])
    execution = cls.FromString(base64.b64decode(vector["binary_base64"]))
    written = to_go_json(execution)
    assert json.dumps(written, ensure_ascii=False) == json.dumps(
        vector["go_json"], ensure_ascii=False
    )


def test_go_struct_json_covers_the_new_fields() -> None:
    vector = next(v for v in VECTORS if v["name"] == "agent-execution-every-field-kind")
    execution = from_go_json(vector["go_json"], AgentExecution)
    status = execution.status
    assert status.messages[1].tool_calls[0].args["list"][2]["deep"] == "x"
    assert status.sub_agent_executions[0].error == "e"
    assert status.todos["t1"].content == "do"
    assert status.callback_token == b"status-token"
    assert execution.metadata.owner_scope == 2
    assert execution.spec.callback_token == bytes([0, 1, 2, 250, 255])


def test_unknown_fields_are_ignored_in_every_encoding() -> None:
    execution = AgentExecution(kind="AgentExecution")
    execution.status.phase = ExecutionPhase.EXECUTION_COMPLETED
    proto_json = json_format.MessageToDict(execution)
    proto_json["fromTheFuture"] = {"x": 1}
    proto_json["status"]["alsoNew"] = [1, 2]
    name = "ai.stigmer.agentic.agentexecution.v1.AgentExecution"
    as_json_proto = _payload("json/protobuf", json.dumps(proto_json).encode(), name)
    assert _decode(as_json_proto, AgentExecution) == execution

    go_json = {"kind": "AgentExecution", "status": {"phase": 3, "brand_new": {"a": 1}}, "x": None}
    assert (
        _decode(_payload("json/plain", json.dumps(go_json).encode()), AgentExecution) == execution
    )

    binary = execution.SerializeToString() + bytes([0xA2, 0x1F, 0x01]) + b"z"  # field 500
    decoded = _decode(_payload("binary/protobuf", binary, name), AgentExecution)
    assert (decoded.kind, decoded.status.phase) == ("AgentExecution", 3)


def test_json_protobuf_of_the_deployed_service_decodes() -> None:
    # The deployed service's json/protobuf form (protojson of the captured execution), which the
    # default converter refused ("no field named audit") before schema parity.
    execution = from_go_json(CAPTURED["data"], AgentExecution)
    payload = _payload(
        "json/protobuf",
        json_format.MessageToJson(execution).encode(),
        "ai.stigmer.agentic.agentexecution.v1.AgentExecution",
    )
    assert _decode(payload, AgentExecution) == execution


def test_the_type_hint_wins_over_an_unknown_message_type() -> None:
    execution = WorkflowExecution(kind="WorkflowExecution")
    payload = _payload("binary/protobuf", execution.SerializeToString(), "some.future.Type")
    assert _decode(payload, WorkflowExecution) == execution


def test_proto_json_names_and_enum_names_are_accepted_in_json_plain() -> None:
    data = {"apiVersion": "v", "status": {"phase": "EXECUTION_FAILED", "startedAt": "t"}}
    execution = from_go_json(data, AgentExecution)
    assert (execution.api_version, execution.status.phase, execution.status.started_at) == (
        "v",
        ExecutionPhase.EXECUTION_FAILED,
        "t",
    )
    audit = from_go_json(
        {"status": {"audit": {"spec_audit": {"created_at": "2026-12-01T00:00:01Z"}}}},
        AgentExecution,
    )
    assert audit.status.audit.spec_audit.created_at.seconds == 1796083201


@pytest.mark.parametrize(
    "data",
    [
        {"kind": 3},
        {"status": {"phase": "NOT_A_PHASE"}},
        {"status": {"messages": {"not": "a list"}}},
        {"spec": {"callback_token": "!!not base64!!"}},
        {"metadata": "a string"},
    ],
)
def test_a_mistyped_value_is_a_clear_error(data: dict[str, Any]) -> None:
    with pytest.raises(GoJSONError):
        from_go_json(data, AgentExecution)
    payload = _payload("json/plain", json.dumps(data).encode())
    with pytest.raises(RuntimeError) as raised:
        _decode(payload, AgentExecution)
    assert "Failed parsing json/plain as" in str(raised.value.__cause__)


def test_other_types_decode_and_everything_encodes_as_by_default() -> None:
    default = temporalio.converter.DataConverter.default.payload_converter
    ours = data_converter.payload_converter
    values: list[Any] = [None, b"raw", {"a": [1, 2]}, "text", AgentExecution(kind="k")]
    assert ours.to_payloads(values) == default.to_payloads(values)
    payloads = default.to_payloads(values)
    hints: list[type] = [type(None), bytes, dict, str, AgentExecution]
    assert ours.from_payloads(payloads, hints) == values


def test_one_line_installs_and_keeps_a_codec() -> None:
    assert stigmer_sdk.data_converter is data_converter
    assert data_converter.payload_converter_class is StigmerPayloadConverter

    class Codec(temporalio.converter.PayloadCodec):
        async def encode(self, payloads: Any) -> list[Payload]:
            return list(payloads)

        async def decode(self, payloads: Any) -> list[Payload]:
            return list(payloads)

    codec = Codec()
    mine = temporalio.converter.DataConverter(payload_codec=codec)
    combined = with_stigmer_payloads(mine)
    assert combined.payload_codec is codec
    assert combined.payload_converter_class is StigmerPayloadConverter


def test_json_plain_null_is_none_and_a_known_message_type_wins() -> None:
    assert _decode(_payload("json/plain", b"null"), AgentExecution) is None
    # As Temporal's default does, a messageType this process knows decides the class.
    execution = WorkflowExecution(kind="WorkflowExecution")
    name = "ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution"
    payload = _payload("binary/protobuf", execution.SerializeToString(), name)
    assert _decode(payload, AgentExecution) == execution
