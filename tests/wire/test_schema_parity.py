"""The SDK's execution API matches the deployed Stigmer service's, field for field.

tests/data/deployed_schema.tsv lists every message field and enum value of the deployed agent and
workflow execution API and of the types they reference (written by scripts/deployed_schema.py from
github.com/stigmer/stigmer's ``apis/``). These tests hold the generated descriptors against it in
both directions, so a field that is missing, renumbered, retyped or invented fails here, and check
that the captured payloads of the deployed service name only fields the SDK knows.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor, FileDescriptor

import stigmer_sdk.api.agentic.agentexecution.v1.command_pb2
import stigmer_sdk.api.agentic.agentexecution.v1.io_pb2
import stigmer_sdk.api.agentic.workflowexecution.v1.command_pb2
import stigmer_sdk.api.agentic.workflowexecution.v1.io_pb2
from stigmer_sdk.api._pool import POOL as SDK_POOL
from stigmer_sdk.api.agentic.agentexecution.v1 import api_pb2 as agent_api

from helpers.paths import ROOT, TEST_DATA

DATA = TEST_DATA
SCHEMA = DATA / "deployed_schema.tsv"
# Packages that mirror the deployed API (ai.stigmer.sdk.v1 and ai.stigmer.conformance.v1 are ours).
MIRRORED_PREFIXES = ("ai.stigmer.agentic.", "ai.stigmer.commons.")

_TYPE_NAMES = {
    FieldDescriptor.TYPE_DOUBLE: "double",
    FieldDescriptor.TYPE_FLOAT: "float",
    FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_UINT64: "uint64",
    FieldDescriptor.TYPE_INT32: "int32",
    FieldDescriptor.TYPE_FIXED64: "fixed64",
    FieldDescriptor.TYPE_FIXED32: "fixed32",
    FieldDescriptor.TYPE_BOOL: "bool",
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BYTES: "bytes",
    FieldDescriptor.TYPE_UINT32: "uint32",
    FieldDescriptor.TYPE_SFIXED32: "sfixed32",
    FieldDescriptor.TYPE_SFIXED64: "sfixed64",
    FieldDescriptor.TYPE_SINT32: "sint32",
    FieldDescriptor.TYPE_SINT64: "sint64",
}


def _load_table() -> tuple[dict[str, dict[str, tuple[str, str, str]]], dict[str, dict[str, str]]]:
    """Deployed messages (type -> member -> (number, label, type)) and enums (type -> name -> n)."""
    messages: dict[str, dict[str, tuple[str, str, str]]] = defaultdict(dict)
    enums: dict[str, dict[str, str]] = defaultdict(dict)
    lines = [line for line in SCHEMA.read_text().splitlines() if not line.startswith("#")]
    for row in csv.DictReader(lines, delimiter="\t"):
        if row["kind"] == "message":
            messages[row["type"]][row["member"]] = (row["number"], row["label"], row["field_type"])
        else:
            enums[row["type"]][row["member"]] = row["number"]
    return dict(messages), dict(enums)


DEPLOYED_MESSAGES, DEPLOYED_ENUMS = _load_table()
POOL = SDK_POOL  # the generated modules' private pool (scripts/generate_python.py)


def _field_type(field: FieldDescriptor) -> str:
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        key = _field_type(field.message_type.fields_by_name["key"])
        value = _field_type(field.message_type.fields_by_name["value"])
        return f"map<{key},{value}>"
    if field.message_type is not None:
        return str(field.message_type.full_name)
    if field.enum_type is not None:
        return str(field.enum_type.full_name)
    return _TYPE_NAMES[field.type]


def _label(field: FieldDescriptor) -> str:
    return "repeated" if field.is_repeated else "optional"


def _our_fields(message: Descriptor) -> dict[str, tuple[str, str, str]]:
    return {f.name: (str(f.number), _label(f), _field_type(f)) for f in message.fields}


def _mirrored_files() -> list[FileDescriptor]:
    seen: dict[str, FileDescriptor] = {}
    pending = [agent_api.DESCRIPTOR]
    for module in (
        stigmer_sdk.api.agentic.agentexecution.v1.command_pb2,
        stigmer_sdk.api.agentic.agentexecution.v1.io_pb2,
        stigmer_sdk.api.agentic.workflowexecution.v1.command_pb2,
        stigmer_sdk.api.agentic.workflowexecution.v1.io_pb2,
    ):
        pending.append(module.DESCRIPTOR)
    while pending:
        file = pending.pop()
        if file.name in seen:
            continue
        seen[file.name] = file
        pending.extend(file.dependencies)
    return [f for f in seen.values() if f.package.startswith(MIRRORED_PREFIXES)]


def _our_messages() -> dict[str, Descriptor]:
    return {m.full_name: m for f in _mirrored_files() for m in f.message_types_by_name.values()}


def _our_enums() -> dict[str, EnumDescriptor]:
    return {e.full_name: e for f in _mirrored_files() for e in f.enum_types_by_name.values()}


def test_the_table_covers_the_execution_api() -> None:
    # A truncated or empty table would make every other test here pass vacuously.
    status = DEPLOYED_MESSAGES["ai.stigmer.agentic.agentexecution.v1.AgentExecutionStatus"]
    assert status["callback_token"] == ("10", "optional", "bytes")
    assert status["audit"][0] == "99"
    assert len(DEPLOYED_MESSAGES) >= 30
    assert len(DEPLOYED_ENUMS) >= 8


@pytest.mark.parametrize("type_name", sorted(DEPLOYED_MESSAGES))
def test_every_deployed_message_has_the_same_fields(type_name: str) -> None:
    message = POOL.FindMessageTypeByName(type_name)
    assert _our_fields(message) == DEPLOYED_MESSAGES[type_name]


@pytest.mark.parametrize("type_name", sorted(DEPLOYED_ENUMS))
def test_every_deployed_enum_has_the_same_values(type_name: str) -> None:
    enum = POOL.FindEnumTypeByName(type_name)
    assert {v.name: str(v.number) for v in enum.values} == DEPLOYED_ENUMS[type_name]


def test_no_mirrored_type_is_invented() -> None:
    # Every message and enum in the mirrored packages exists upstream (checked field by field
    # above), so nothing of ours can take a name or number the deployed API later uses otherwise.
    assert sorted(set(_our_messages()) - set(DEPLOYED_MESSAGES)) == []
    assert sorted(set(_our_enums()) - set(DEPLOYED_ENUMS)) == []


def _unknown_keys(message: Descriptor, data: Any, path: str) -> list[str]:
    """JSON keys (Go-struct or protobuf JSON) under ``data`` that ``message`` has no field for."""
    if message.full_name.startswith("google.protobuf."):
        return []
    unknown: list[str] = []
    by_json = {f.json_name: f for f in message.fields}
    for key, value in data.items():
        field = message.fields_by_name.get(key) or by_json.get(key)
        if field is None:
            unknown.append(f"{path}.{key}")
            continue
        if field.message_type is None or value is None:
            continue
        if field.message_type.GetOptions().map_entry:
            value_type = field.message_type.fields_by_name["value"].message_type
            if value_type is not None:
                for k, v in value.items():
                    unknown += _unknown_keys(value_type, v, f"{path}.{key}[{k}]")
        elif field.is_repeated:
            for i, item in enumerate(value):
                unknown += _unknown_keys(field.message_type, item, f"{path}.{key}[{i}]")
        else:
            unknown += _unknown_keys(field.message_type, value, f"{path}.{key}")
    return unknown


def test_the_captured_completion_names_only_known_fields() -> None:
    captured_file = DATA.parent.parent / "testdata" / "deployed-service" / "completion-success.json"
    captured = json.loads(captured_file.read_text())
    assert _unknown_keys(agent_api.AgentExecution.DESCRIPTOR, captured["data"], "") == []


def test_binary_decoding_keeps_unknown_fields() -> None:
    # A newer server's field (number 500, length-delimited) survives decode and re-encode.
    base = agent_api.AgentExecution(kind="AgentExecution").SerializeToString()
    unknown = bytes([0xA2, 0x1F, 0x03]) + b"new"  # field 500, wire type 2, 3 bytes
    decoded = agent_api.AgentExecution.FromString(base + unknown)
    assert decoded.kind == "AgentExecution"
    assert decoded.SerializeToString().endswith(unknown)


def _load_script() -> Any:
    import importlib.util
    import sys

    if "deployed_schema" in sys.modules:
        return sys.modules["deployed_schema"]
    path = ROOT / "scripts" / "deployed_schema.py"
    spec = importlib.util.spec_from_file_location("deployed_schema", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["deployed_schema"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_table_script_parses_options_maps_nesting_and_references() -> None:
    script = _load_script()
    schema = script.parse_protos(
        [
            """
            syntax = "proto3";
            package ai.stigmer.agentic.agentexecution.v1;  // a comment { with braces }
            import "buf/validate/validate.proto";
            /* a block
               comment */
            message Outer {
              string name = 1 [(buf.validate.field).cel = {
                id: "x" message: "a // not a comment" expression: "this.size() > 0"
              }];
              map<string, Inner> inners = 2;
              Inner.Kind kind = 3;
              message Inner {
                enum Kind { KIND_UNSPECIFIED = 0; KIND_A = 1 [deprecated = true]; }
                repeated int64 counts = 1;
                ai.stigmer.commons.apiresource.Thing thing = 2;
              }
              reserved 4;
              oneof choice { string a = 5; bool b = 6; }
            }
            """,
            "syntax = 'proto3'; package ai.stigmer.commons.apiresource; message Thing { }",
        ]
    )
    rows = {(r[1].rsplit(".", 1)[1], r[2]): r[3:] for r in script.rows(schema)}
    p = "ai.stigmer.agentic.agentexecution.v1"
    assert rows[("Outer", "name")] == ("1", "optional", "string")
    assert rows[("Outer", "inners")] == ("2", "repeated", f"map<string,{p}.Outer.Inner>")
    assert rows[("Outer", "kind")] == ("3", "optional", f"{p}.Outer.Inner.Kind")
    assert rows[("Outer", "b")] == ("6", "optional", "bool")
    assert rows[("Inner", "counts")] == ("1", "repeated", "int64")
    assert rows[("Inner", "thing")] == ("2", "optional", "ai.stigmer.commons.apiresource.Thing")
    assert rows[("Kind", "KIND_A")] == ("1", "", "")


MIRROR = Path("/work/.mirror/stigmer+stigmer/repo")


@pytest.mark.skipif(not MIRROR.exists(), reason="the deployed repository is not on this machine")
def test_the_committed_table_is_what_the_script_writes(tmp_path: Path) -> None:
    script = _load_script()
    commit = SCHEMA.read_text().splitlines()[0].rsplit(" at ", 1)[1].rstrip(".")
    out = tmp_path / "schema.tsv"
    script.main(["--repo", str(MIRROR), "--commit", commit, "--out", str(out)])
    assert out.read_text() == SCHEMA.read_text()
