"""Both inputs of the system activity decode: the SDK's proto and the deployed service's JSON."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload
from temporalio.exceptions import ApplicationError

from stigmer_sdk import AgentExecution, AgentExecutionSpec
from stigmer_sdk.api._pool import POOL
from stigmer_sdk.api.sdk.v1 import completion_pb2
from stigmer_sdk.completion import completion_input, proto_payload
from stigmer_sdk.system_activity import (
    NO_ERROR_MESSAGE,
    DeployedCompletionInput,
    decode_system_activity_input,
    error_message,
)

from helpers.paths import ROOT

DATA = ROOT / "testdata" / "deployed-service"


def _captured(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / name).read_text())
    return loaded


def _json_plain(document: Any) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(document).encode())


def test_the_proto_input_decodes_in_both_encodings() -> None:
    proto = completion_input(b"tok", failure=completion_pb2.ActivityFailure(message="m", type="T"))
    assert decode_system_activity_input(proto_payload(proto)) == proto
    as_json = Payload(
        metadata={"encoding": b"json/protobuf"},
        data=json_format.MessageToJson(proto).encode(),
    )
    assert decode_system_activity_input(as_json) == proto


def test_a_json_protobuf_result_decodes_with_its_execution() -> None:
    """The result's ``Any`` names a message of the SDK's private pool (Go sent this shape)."""
    execution = AgentExecution(spec=AgentExecutionSpec(agent_id="a", message="m"))
    proto = completion_input(b"tok", result=execution)
    as_json = Payload(
        metadata={"encoding": b"json/protobuf"},
        data=json_format.MessageToJson(proto, descriptor_pool=POOL).encode(),
    )
    assert decode_system_activity_input(as_json) == proto


def test_the_captured_deployed_success_decodes() -> None:
    captured = _captured("system-activity-input-success.json")
    decoded = decode_system_activity_input(_json_plain(captured["data"]))
    assert isinstance(decoded, DeployedCompletionInput)
    assert decoded.callback_token == base64.b64decode(captured["data"]["CallbackToken"])
    assert not decoded.failed
    assert decoded.result["metadata"]["id"] == "aex-01m8r54we0wrtb949nvtg43c2h"
    # Its repr shows the preview and digest, never the token.
    assert captured["data"]["CallbackToken"][:30] not in repr(decoded)
    assert "token_digest=" in repr(decoded)


def test_the_captured_deployed_failure_fails_with_the_default_message() -> None:
    decoded = decode_system_activity_input(
        _json_plain(_captured("system-activity-input-failure.json")["data"])
    )
    assert isinstance(decoded, DeployedCompletionInput)
    assert decoded.failed
    failure = decoded.failure()
    assert (failure.type, failure.message, failure.non_retryable) == (
        "AGENT_EXECUTION_FAILED",
        NO_ERROR_MESSAGE,
        True,
    )


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ({}, ""),
        ("plain text", "plain text"),
        ({"message": "boom"}, "boom"),
        ({"Message": "Boom", "Type": "X"}, "Boom"),
        ({"cause": {"msg": "deep"}}, "deep"),
        ([1, 2], ""),
    ],
)
def test_error_message_finds_what_there_is(error: Any, message: str) -> None:
    assert error_message(error) == message


def test_a_null_error_is_success_and_a_missing_token_is_empty() -> None:
    decoded = decode_system_activity_input(_json_plain({"Result": None, "Error": None}))
    assert isinstance(decoded, DeployedCompletionInput)
    assert (decoded.callback_token, decoded.failed, decoded.result) == (b"", False, None)


@pytest.mark.parametrize(
    "payload",
    [
        _json_plain({"something": "else"}),
        _json_plain([1, 2]),
        _json_plain({"CallbackToken": "not base64!"}),
        _json_plain({"CallbackToken": 12}),
        Payload(metadata={"encoding": b"json/plain"}, data=b"{not json"),
        Payload(metadata={"encoding": b"binary/protobuf"}, data=b"\xff\xff\xff"),
        Payload(metadata={"encoding": b"binary/null"}),
    ],
)
def test_anything_else_is_a_non_retryable_invalid_input(payload: Payload) -> None:
    with pytest.raises(ApplicationError) as raised:
        decode_system_activity_input(payload)
    assert raised.value.type == "STIGMER_COMPLETION_INVALID_INPUT"
    assert raised.value.non_retryable
