"""Write the payload vectors in conformance/payload-vectors/ (run it with the repository's Python).

A payload vector is a Temporal payload as a deployed Stigmer service sends it (metadata and data)
and the message a caller must decode it into. The shapes are those of the deployed Go service
(github.com/stigmer/stigmer, backend/services/stigmer-server, commit b070f18; captured payloads in
the issue about interoperating with it):

- ``json/plain``: Go's ``encoding/json`` of the protoc-gen-go struct: snake_case keys (the
  struct's JSON tags), enums as numbers, ``google.protobuf.Timestamp`` as ``{"seconds", "nanos"}``,
  empty fields omitted. The success completion carries the execution as created (phase PENDING)
  with its ``spec.callback_token``.
- ``json/protobuf``: protojson of the same struct: lowerCamelCase keys, enum names, Timestamps as
  RFC 3339 strings, with fields that an older schema lacks (``status.audit``, ``tool_calls``,
  ``todos``, ...).

``expected`` is the decoded message in canonical proto3 JSON, written in the DEPLOYED schema: the
runner parses it with this repository's schema, ignoring the fields it does not know, since a
converter must ignore unknown fields. No vector here is derived from a converter's output.
"""

from __future__ import annotations

import base64
import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parent.parent / "payload-vectors"
AGENT_EXECUTION = "ai.stigmer.agentic.agentexecution.v1.AgentExecution"

#: The audit timestamp of the captured completion: 2026-12-01T... as {seconds, nanos}.
CREATED = {"seconds": 1796107039, "nanos": 168535530}


def _rfc3339(stamp: dict[str, int]) -> str:
    when = datetime.fromtimestamp(stamp["seconds"], UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S") + f".{stamp['nanos']:09d}".rstrip("0") + "Z"


def _token() -> str:
    # The captured token's length (136 bytes), random bytes: never a real token.
    return base64.b64encode(random.Random(20261201).randbytes(136)).decode()


def _audit_plain(event: str) -> dict[str, Any]:
    info = {
        "created_at": CREATED,
        "created_by": {"id": "system"},
        "event": event,
        "updated_at": CREATED,
        "updated_by": {"id": "system"},
    }
    return {"spec_audit": info, "status_audit": dict(info)}


def _audit_json(event: str) -> dict[str, Any]:
    info = {
        "createdBy": {"id": "system"},
        "createdAt": _rfc3339(CREATED),
        "updatedBy": {"id": "system"},
        "updatedAt": _rfc3339(CREATED),
        "event": event,
    }
    return {"specAudit": info, "statusAudit": dict(info)}


def _metadata() -> dict[str, Any]:
    return {
        "annotations": {
            "stigmer.ai/idempotency-key": "v1:b387d4532a32de8a31e4b37c390bb9c2e8ef4a4922a4c512f3c98"
            "daa8164c149"
        },
        "id": "aex-01m8r54we0wrtb949nvtg43c2h",
        "name": "interop-raw",
        "slug": "interop-raw",
    }


def _spec_plain() -> dict[str, Any]:
    return {
        "agent_id": "agt-01m8r535a66j1kqchbr2njr6tg",
        "callback_token": _token(),
        "message": "hello raw",
        "session_id": "ses-01m8r54weggdskmfr8g1055p4n",
    }


def _spec_json() -> dict[str, Any]:
    return {
        "sessionId": "ses-01m8r54weggdskmfr8g1055p4n",
        "agentId": "agt-01m8r535a66j1kqchbr2njr6tg",
        "message": "hello raw",
        "callbackToken": _token(),
    }


def snapshot_plain() -> dict[str, Any]:
    """The captured success completion (completion-success.json), token bytes replaced."""
    return {
        "api_version": "agentic.stigmer.ai/v1",
        "kind": "AgentExecution",
        "metadata": _metadata(),
        "spec": _spec_plain(),
        "status": {"audit": _audit_plain("created"), "phase": 1},
    }


def terminal_plain() -> dict[str, Any]:
    """What the deployed service's get returns once the agent finished, as Go's encoding/json."""
    return {
        "api_version": "agentic.stigmer.ai/v1",
        "kind": "AgentExecution",
        "metadata": _metadata(),
        "spec": _spec_plain(),
        "status": {
            "audit": _audit_plain("updated"),
            "messages": [
                {"type": 1, "content": "hello raw", "timestamp": "2026-12-01T07:57:19Z"},
                {
                    "type": 2,
                    "content": "Hello! ✓ 世界 🚀",
                    "timestamp": "2026-12-01T07:57:21Z",
                    "tool_calls": [{"id": "call-1", "name": "search", "status": 3}],
                },
            ],
            "phase": 3,
            "tool_calls": [
                {"id": "call-1", "name": "search", "result": "3 hits", "status": 3},
            ],
            "started_at": "2026-12-01T07:57:19Z",
            "completed_at": "2026-12-01T07:57:21Z",
            "todos": {"t1": {"id": "t1", "content": "answer", "status": 3}},
        },
    }


def terminal_json() -> dict[str, Any]:
    """The same terminal execution as the deployed service's protojson (json/protobuf)."""
    return {
        "apiVersion": "agentic.stigmer.ai/v1",
        "kind": "AgentExecution",
        "metadata": {
            "name": "interop-raw",
            "slug": "interop-raw",
            "id": "aex-01m8r54we0wrtb949nvtg43c2h",
            "annotations": _metadata()["annotations"],
        },
        "spec": _spec_json(),
        "status": {
            "messages": [
                {
                    "type": "MESSAGE_HUMAN",
                    "content": "hello raw",
                    "timestamp": "2026-12-01T07:57:19Z",
                },
                {
                    "type": "MESSAGE_AI",
                    "content": "Hello! ✓ 世界 🚀",
                    "timestamp": "2026-12-01T07:57:21Z",
                    "toolCalls": [
                        {"id": "call-1", "name": "search", "status": "TOOL_CALL_COMPLETED"}
                    ],
                },
            ],
            "phase": "EXECUTION_COMPLETED",
            "toolCalls": [
                {
                    "id": "call-1",
                    "name": "search",
                    "result": "3 hits",
                    "status": "TOOL_CALL_COMPLETED",
                }
            ],
            "startedAt": "2026-12-01T07:57:19Z",
            "completedAt": "2026-12-01T07:57:21Z",
            "todos": {"t1": {"id": "t1", "content": "answer", "status": "TODO_COMPLETED"}},
            "audit": _audit_json("updated"),
        },
    }


def snapshot_json() -> dict[str, Any]:
    return {
        "apiVersion": "agentic.stigmer.ai/v1",
        "kind": "AgentExecution",
        "metadata": terminal_json()["metadata"],
        "spec": _spec_json(),
        "status": {"phase": "EXECUTION_PENDING", "audit": _audit_json("created")},
    }


def failed_plain() -> dict[str, Any]:
    """A failed execution as Go's encoding/json: phase 4 and the error text."""
    return {
        "api_version": "agentic.stigmer.ai/v1",
        "kind": "AgentExecution",
        "metadata": {"id": "aex-2", "name": "exec-0123456789abcdef0123"},
        "spec": {"agent_id": "agt-1", "message": "fail please"},
        "status": {
            "phase": 4,
            "error": "the agent could not finish: tool quota exceeded",
            "started_at": "2026-12-01T07:57:19Z",
            "completed_at": "2026-12-01T07:57:20Z",
        },
    }


def _expected_from_json(document: dict[str, Any]) -> dict[str, Any]:
    """The canonical proto3 JSON of a protojson document: the same, keys as written."""
    return document


def _expected_from_plain(document: dict[str, Any]) -> dict[str, Any]:
    """Go-struct JSON rewritten as canonical proto3 JSON, by hand for the shapes used here."""
    enums = {
        "phase": [
            "EXECUTION_PHASE_UNSPECIFIED",
            "EXECUTION_PENDING",
            "EXECUTION_IN_PROGRESS",
            "EXECUTION_COMPLETED",
            "EXECUTION_FAILED",
            "EXECUTION_CANCELLED",
        ],
        "type": ["MESSAGE_TYPE_UNSPECIFIED", "MESSAGE_HUMAN", "MESSAGE_AI", "MESSAGE_TOOL"],
    }
    tool_status = ["TOOL_CALL_STATUS_UNSPECIFIED", "P", "R", "TOOL_CALL_COMPLETED"]
    todo_status = ["TODO_STATUS_UNSPECIFIED", "P", "I", "TODO_COMPLETED"]

    def camel(key: str) -> str:
        head, *rest = key.split("_")
        return head + "".join(part.capitalize() for part in rest)

    def convert(value: Any, key: str = "") -> Any:
        # Map keys here (annotations, todos) hold no "_", so camel() leaves them as they are.
        if isinstance(value, dict):
            if set(value) == {"seconds", "nanos"}:
                return _rfc3339(value)
            return {camel(k): convert(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(item, key) for item in value]
        if key == "status" and isinstance(value, int):
            return tool_status[value]  # todo items are fixed below
        if key in enums and isinstance(value, int):
            return enums[key][value]
        return value

    converted: dict[str, Any] = convert(document)
    # Todo items' statuses: a map's values are items whose "status" is a TodoStatus.
    todos = converted.get("status", {}).get("todos", {})
    for item, raw in zip(
        todos.values(), document.get("status", {}).get("todos", {}).values(), strict=True
    ):
        item["status"] = todo_status[raw["status"]]
    return converted


def build() -> list[dict[str, Any]]:
    plain = {"encoding": "json/plain"}
    protojson = {"encoding": "json/protobuf", "messageType": AGENT_EXECUTION}
    return [
        {
            "name": "deployed-plain-snapshot",
            "description": "The deployed service's success completion: json/plain, the execution "
            "as created (phase 1 PENDING) with its audit and callback_token, no messageType",
            "metadata": plain,
            "data": snapshot_plain(),
            "expected": _expected_from_plain(snapshot_plain()),
        },
        {
            "name": "deployed-plain-terminal",
            "description": "A terminal execution (phase 3) as Go's encoding/json: enum numbers, "
            "snake_case keys, Timestamps as {seconds, nanos}, tool_calls and todos",
            "metadata": plain,
            "data": terminal_plain(),
            "expected": _expected_from_plain(terminal_plain()),
        },
        {
            "name": "deployed-plain-failed",
            "description": "A failed execution (phase 4, status.error) as Go's encoding/json",
            "metadata": plain,
            "data": failed_plain(),
            "expected": _expected_from_plain(failed_plain()),
        },
        {
            "name": "deployed-protojson-snapshot",
            "description": "The snapshot as the deployed service's json/protobuf: enum names, "
            "RFC 3339 Timestamps, status.audit (field 99)",
            "metadata": protojson,
            "data": snapshot_json(),
            "expected": _expected_from_json(snapshot_json()),
        },
        {
            "name": "deployed-protojson-terminal",
            "description": "The terminal execution as json/protobuf with fields an older schema "
            "lacks (audit, tool_calls, todos, AgentMessage.tool_calls): ignored, never rejected",
            "metadata": protojson,
            "data": terminal_json(),
            "expected": _expected_from_json(terminal_json()),
        },
    ]


def main() -> None:
    VECTORS.mkdir(exist_ok=True)
    for vector in build():
        vector["message_type"] = AGENT_EXECUTION
        path = VECTORS / f"{vector['name']}.json"
        path.write_text(json.dumps(vector, indent=2, ensure_ascii=False) + "\n")
        print(path)


if __name__ == "__main__":
    main()
