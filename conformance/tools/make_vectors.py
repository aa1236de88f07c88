"""Write the codec vectors in conformance/vectors/ (run: python conformance/tools/make_vectors.py).

Each vector is one JSON file: the message type, the canonical deterministic binary form (Base64),
the binary form of its known fields (what its JSON parses to), and the canonical proto3 JSON.
``--capture`` first records real task tokens from a Temporal dev server; otherwise the tokens
captured earlier (in captured-*.json) are kept as they are.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import random
from pathlib import Path

from google.protobuf import json_format, message, struct_pb2

from stigmer_sdk import (
    AgentExecution,
    AgentExecutionSpec,
    ExecutionConfig,
    ExecutionValue,
    WorkflowExecution,
    WorkflowExecutionSpec,
)
from stigmer_sdk.api.agentic.agentexecution.v1 import enum_pb2
from stigmer_sdk.api.sdk.v1 import completion_pb2
from stigmer_sdk.completion import pack_any
from stigmer_sdk.converter import data_converter
from stigmer_sdk.testing import CallerOptions, CallerWorkflow, FakeStigmerService

VECTORS = Path(__file__).resolve().parent.parent / "vectors"


def _unknown(number: int, payload: bytes) -> bytes:
    """A length-delimited field with a number no Stigmer message uses."""
    key = number << 3 | 2
    out = bytearray()
    for value in (key, len(payload)):
        while True:
            byte, value = value & 0x7F, value >> 7
            out.append(byte | (0x80 if value else 0))
            if not value:
                break
    return bytes(out) + payload


def _vector(
    name: str, description: str, value: message.Message, unknown: bytes = b""
) -> dict[str, object]:
    known = value.SerializeToString(deterministic=True)
    return {
        "name": name,
        "description": description,
        "message_type": value.DESCRIPTOR.full_name,
        "binary": base64.b64encode(known + unknown).decode(),
        "known_binary": base64.b64encode(known).decode(),
        "json": json_format.MessageToDict(value),
    }


def _spec_with_token(token: bytes) -> AgentExecutionSpec:
    return AgentExecutionSpec(
        session_id="session-1", agent_id="support-bot", message="hello", callback_token=token
    )


def build() -> list[dict[str, object]]:
    rng = random.Random(20261122)
    vectors = [
        _vector(
            f"agent-spec-token-{size}",
            f"AgentExecutionSpec whose callback_token (field 6) is {size} random bytes",
            _spec_with_token(rng.randbytes(size)),
        )
        for size in (0, 1, 20, 1024, 4096)
    ]
    vectors.append(
        _vector(
            "agent-spec-token-every-byte",
            "callback_token holding every byte value 0x00-0xFF once",
            _spec_with_token(bytes(range(256))),
        )
    )
    vectors.append(
        _vector(
            "workflow-spec-token-1024",
            "WorkflowExecutionSpec whose callback_token (field 7) is 1 KiB of random bytes",
            WorkflowExecutionSpec(
                workflow_id="wf-1",
                trigger_message="go",
                trigger_metadata={"source": "cron", "attempt": "1"},
                callback_token=rng.randbytes(1024),
            ),
        )
    )
    vectors.append(
        _vector(
            "unicode-message-and-env",
            "Unicode (accents, CJK, emoji, NUL) in the message and in runtime_env values",
            AgentExecutionSpec(
                agent_id="agënt-✓",
                message="héllo 世界 🚀 \u0000 end",
                execution_config=ExecutionConfig(model_name="模型-1"),
                runtime_env={
                    "GREETING": ExecutionValue(value="¡hola! 👋"),
                    "TOKEN": ExecutionValue(value="s3cr€t", is_secret=True),
                },
            ),
        )
    )
    vectors.append(
        _vector(
            "unicode-map-key-order",
            "runtime_env keys whose UTF-8 byte order and UTF-16 code unit order differ "
            "(U+FF01 sorts before U+1F680 in UTF-8, after it in UTF-16)",
            AgentExecutionSpec(
                agent_id="a",
                message="m",
                runtime_env={
                    "a": ExecutionValue(value="1"),
                    "世": ExecutionValue(value="2"),
                    "\uff01": ExecutionValue(value="3"),
                    "🚀": ExecutionValue(value="4"),
                },
            ),
        )
    )
    execution = AgentExecution(
        api_version="agentic.stigmer.ai/v1",
        kind="AgentExecution",
        spec=AgentExecutionSpec(agent_id="a", message="m"),
    )
    execution.metadata.id = "aex_1"
    execution.metadata.annotations["stigmer.ai/idempotency-key"] = "v1:abc"
    execution.status.phase = enum_pb2.EXECUTION_COMPLETED
    execution.status.messages.add(
        type=enum_pb2.MESSAGE_AI, content="done", timestamp="2026-11-22T08:00:00Z"
    )
    vectors.append(
        _vector(
            "unknown-fields",
            "AgentExecution followed by fields 99 and 100, unknown to every implementation: a "
            "relay must keep them byte for byte",
            execution,
            unknown=_unknown(99, b"future") + _unknown(100, bytes(range(8))),
        )
    )
    vectors.append(
        _vector(
            "completion-input-result",
            "CompleteExternalActivityInput carrying an AgentExecution result in Any",
            completion_pb2.CompleteExternalActivityInput(
                callback_token=rng.randbytes(300),
                result=pack_any(execution),
                result_encoding=completion_pb2.PAYLOAD_ENCODING_BINARY_PROTOBUF,
                execution_id="aex_1",
            ),
        )
    )
    failure = completion_pb2.ActivityFailure(
        message="the agent failed ✗",
        type="AGENT_EXECUTION_FAILED",
        non_retryable=True,
        details=[
            pack_any(struct_pb2.Struct(fields={"reason": struct_pb2.Value(string_value="quota")}))
        ],
    )
    vectors.append(
        _vector(
            "completion-input-failure",
            "CompleteExternalActivityInput carrying a typed failure with a Struct detail",
            completion_pb2.CompleteExternalActivityInput(
                callback_token=rng.randbytes(300), failure=failure, execution_id="aex_2"
            ),
        )
    )
    vectors.append(
        _vector(
            "completion-input-cancellation",
            "CompleteExternalActivityInput reporting a cancellation",
            completion_pb2.CompleteExternalActivityInput(
                callback_token=rng.randbytes(300),
                cancellation=completion_pb2.ActivityCancellation(),
                execution_id="aex_3",
            ),
        )
    )
    edges = AgentExecution(spec=AgentExecutionSpec(agent_id="a", message="m"))
    edges.metadata.labels[""] = ""
    edges.spec.runtime_env["EMPTY"].CopyFrom(ExecutionValue())
    vectors.append(
        _vector(
            "map-empty-entries",
            "A map entry whose key and value are both empty, and a map whose value is an empty "
            "message: both must survive, written with their (empty) fields",
            edges,
        )
    )
    vectors.append(
        _vector(
            "completion-input-oneof-before-lower-field",
            "CompleteExternalActivityInput whose oneof member (cancellation, field 5) is followed "
            "in field-number order by result_encoding (4) before it: field order must follow "
            "numbers, not declaration",
            completion_pb2.CompleteExternalActivityInput(
                callback_token=rng.randbytes(64),
                cancellation=completion_pb2.ActivityCancellation(),
                result_encoding=completion_pb2.PAYLOAD_ENCODING_JSON_PROTOBUF,
                execution_id="aex_4",
            ),
        )
    )
    workflow_execution = WorkflowExecution(
        api_version="agentic.stigmer.ai/v1",
        kind="WorkflowExecution",
        spec=WorkflowExecutionSpec(workflow_id="wf-1", trigger_message="go"),
    )
    workflow_execution.status.output.CopyFrom(
        struct_pb2.Struct(
            fields={
                "reply": struct_pb2.Value(string_value="ok"),
                "count": struct_pb2.Value(number_value=3),
                "nested": struct_pb2.Value(
                    struct_value=struct_pb2.Struct(fields={"ok": struct_pb2.Value(bool_value=True)})
                ),
            }
        )
    )
    vectors.append(
        _vector(
            "workflow-execution-struct-output",
            "WorkflowExecution whose status.output is a nested google.protobuf.Struct",
            workflow_execution,
        )
    )
    return vectors


async def capture() -> list[dict[str, object]]:
    """Real task tokens from a dev server: a first attempt's and a retry's."""
    import uuid

    import temporalio.client
    from temporalio.worker import Worker

    from stigmer_sdk.client import StigmerClient
    from stigmer_sdk.sandbox import sandboxed_workflow_runner
    from stigmer_sdk.testing import DevServer, caller_activity

    async with DevServer() as server:
        client = await temporalio.client.Client.connect(
            server.target, data_converter=data_converter
        )
        service = await FakeStigmerService().start()
        stigmer = await StigmerClient.connect(service.target)
        queue = f"capture-{uuid.uuid4()}"
        async with Worker(
            client,
            task_queue=queue,
            workflows=[CallerWorkflow],
            activities=[caller_activity(stigmer)],
            workflow_runner=sandboxed_workflow_runner(),
        ):
            handle = await client.start_workflow(
                CallerWorkflow.run,
                args=[
                    AgentExecution(spec=AgentExecutionSpec(agent_id="a", message="m")),
                    CallerOptions(maximum_attempts=2, start_to_close_seconds=2),
                ],
                id=f"capture-{uuid.uuid4()}",
                task_queue=queue,
            )
            first, second = await service.wait_for_calls(2)
            await handle.terminate("captured")
        await service.stop()
    return [
        _vector(
            f"captured-token-attempt-{index}",
            f"A real task token captured from a Temporal dev server (activity attempt {index})",
            _spec_with_token(call.token),
        )
        for index, call in ((1, first), (2, second))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--capture", action="store_true", help="record new real tokens")
    args = parser.parse_args()
    VECTORS.mkdir(exist_ok=True)
    if args.capture:
        captured = asyncio.run(capture())
    else:
        captured = [json.loads(p.read_text()) for p in sorted(VECTORS.glob("captured-*.json"))]
    for path in VECTORS.glob("*.json"):
        path.unlink()
    for vector in [*build(), *captured]:
        # Sorted keys: map order in MessageToDict follows hashing, not the message.
        text = json.dumps(vector, indent=2, sort_keys=True)
        (VECTORS / f"{vector['name']}.json").write_text(text + "\n")
    print(f"wrote {len(list(VECTORS.glob('*.json')))} vectors to {VECTORS}")


if __name__ == "__main__":
    main()
