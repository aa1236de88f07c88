"""Wire-format guarantees of the generated Python code.

Twins: Go adapters/go/internal/wire, Java WireFormatTest.
"""

from __future__ import annotations

import random

from google.protobuf.message import Message

from stigmer_sdk.api.agentic.agentexecution.v1 import api_pb2 as agent_api
from stigmer_sdk.api.agentic.agentexecution.v1 import spec_pb2 as agent_spec
from stigmer_sdk.api.agentic.executioncontext.v1 import execution_value_pb2
from stigmer_sdk.api.agentic.workflowexecution.v1 import spec_pb2 as workflow_spec

AGENT_CALLBACK_TOKEN_TAG = 0x32  # field 6, wire type 2
WORKFLOW_CALLBACK_TOKEN_TAG = 0x3A  # field 7, wire type 2


def _deterministic(message: Message) -> bytes:
    return message.SerializeToString(deterministic=True)


def _random_token(seed: int, length: int) -> bytes:
    return random.Random(seed).randbytes(length)


def test_agent_spec_with_1kib_token_round_trips_byte_for_byte() -> None:
    token = _random_token(42, 1024)
    spec = agent_spec.AgentExecutionSpec(
        session_id="session-1",
        agent_id="agent-1",
        message="héllo ✓",
        execution_config=agent_spec.ExecutionConfig(model_name="model-x"),
        runtime_env={
            "B": execution_value_pb2.ExecutionValue(value="2", is_secret=True),
            "A": execution_value_pb2.ExecutionValue(value="1"),
        },
        callback_token=token,
    )
    encoded = _deterministic(spec)
    decoded = agent_spec.AgentExecutionSpec.FromString(encoded)

    assert decoded.callback_token == token
    assert _deterministic(decoded) == encoded
    assert decoded == spec


def test_workflow_spec_with_1kib_token_round_trips_byte_for_byte() -> None:
    token = _random_token(7, 1024)
    spec = workflow_spec.WorkflowExecutionSpec(
        workflow_id="wf-1",
        trigger_message="go",
        trigger_metadata={"source": "test"},
        callback_token=token,
    )
    encoded = _deterministic(spec)
    decoded = workflow_spec.WorkflowExecutionSpec.FromString(encoded)

    assert decoded.callback_token == token
    assert _deterministic(decoded) == encoded


def test_agent_callback_token_is_field_6_length_delimited() -> None:
    encoded = _deterministic(agent_spec.AgentExecutionSpec(callback_token=b"\x01\x02\x03"))
    assert encoded == bytes([AGENT_CALLBACK_TOKEN_TAG, 3, 1, 2, 3])


def test_workflow_callback_token_is_field_7_length_delimited() -> None:
    encoded = _deterministic(workflow_spec.WorkflowExecutionSpec(callback_token=b"\x01\x02\x03"))
    assert encoded == bytes([WORKFLOW_CALLBACK_TOKEN_TAG, 3, 1, 2, 3])


def test_unknown_fields_survive_a_relay() -> None:
    known = _deterministic(
        agent_api.AgentExecution(
            api_version="agentic.stigmer.ai/v1",
            kind="AgentExecution",
            spec=agent_spec.AgentExecutionSpec(message="hi"),
        )
    )
    # Field 99, wire type 2, "future": a field a newer service knows and this relay does not.
    unknown_field = bytes([0x9A, 0x06, 6]) + b"future"
    relayed = agent_api.AgentExecution.FromString(known + unknown_field)

    assert _deterministic(relayed) == known + unknown_field
