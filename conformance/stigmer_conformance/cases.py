"""The cases: codec vectors and handshake scenarios, loaded from data files and checked."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import temporalio.client
from google.protobuf import json_format
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError, TimeoutError

from stigmer_conformance.processes import RoleProcess
from stigmer_sdk import AgentExecution, AgentExecutionSpec
from stigmer_sdk.api._pool import POOL
from stigmer_sdk.api.agentic.agentexecution.v1 import enum_pb2
from stigmer_sdk.api.conformance.v1 import harness_pb2 as pb
from stigmer_sdk.api.sdk.v1 import completion_pb2
from stigmer_sdk.completion import message_class
from stigmer_sdk.idempotency import idempotency_key
from stigmer_sdk.testing import CreateCall, FakeStigmerService

CONFORMANCE = Path(__file__).resolve().parents[1]
CASE_ANNOTATION = "conformance.stigmer.ai/case"
AGENT_EXECUTION = "ai.stigmer.agentic.agentexecution.v1.AgentExecution"


class CaseFailure(Exception):
    """A check of a case did not hold."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CaseFailure(message)


@dataclass(frozen=True)
class Vector:
    name: str
    message_type: str
    binary: bytes
    known_binary: bytes
    json: str

    @staticmethod
    def load_all() -> list[Vector]:
        vectors = []
        for path in sorted((CONFORMANCE / "vectors").glob("*.json")):
            data = json.loads(path.read_text())
            vectors.append(
                Vector(
                    data["name"],
                    data["message_type"],
                    base64.b64decode(data["binary"]),
                    base64.b64decode(data["known_binary"]),
                    json.dumps(data["json"], ensure_ascii=False),
                )
            )
        return vectors


async def run_codec(process: RoleProcess, vector: Vector, corrupt: bool) -> dict[str, Any]:
    binary = vector.binary
    if corrupt:
        # One byte of this language's copy of the vector is wrong.
        middle = len(binary) // 2
        binary = binary[:middle] + bytes([binary[middle] ^ 0xFF]) + binary[middle + 1 :]
    response = await process.request(
        codec=pb.CodecRequest(message_type=vector.message_type, binary=binary, json=vector.json)
    )
    check(
        response.codec.reencoded == vector.binary,
        f"re-encoding differs from the canonical binary ({len(response.codec.reencoded)} vs "
        f"{len(vector.binary)} bytes, first difference at byte "
        f"{_first_difference(response.codec.reencoded, vector.binary)}; "
        f"{_equal_when_decoded(vector, response.codec.reencoded)})",
    )
    check(
        response.codec.from_json == vector.known_binary,
        "the JSON form does not parse to the canonical message (first difference at byte "
        f"{_first_difference(response.codec.from_json, vector.known_binary)})",
    )
    return {}


@dataclass(frozen=True)
class PayloadVector:
    """A Temporal payload as a deployed Stigmer service sends it, and what it must decode to."""

    name: str
    message_type: str
    metadata: dict[str, bytes]
    data: bytes
    expected: bytes

    @staticmethod
    def load_all() -> list[PayloadVector]:
        vectors = []
        for path in sorted((CONFORMANCE / "payload-vectors").glob("*.json")):
            data = json.loads(path.read_text())
            cls = message_class(data["message_type"])
            # Written in the deployed schema: what this schema lacks is ignored, as a converter
            # must ignore unknown fields.
            expected = json_format.Parse(
                json.dumps(data["expected"]),
                cls(),
                ignore_unknown_fields=True,
                descriptor_pool=POOL,
            )
            vectors.append(
                PayloadVector(
                    data["name"],
                    data["message_type"],
                    {key: value.encode() for key, value in data["metadata"].items()},
                    json.dumps(data["data"], ensure_ascii=False).encode(),
                    expected.SerializeToString(deterministic=True),
                )
            )
        return vectors


async def run_payload(process: RoleProcess, vector: PayloadVector) -> dict[str, Any]:
    response = await process.request(
        payload=pb.PayloadRequest(
            message_type=vector.message_type, metadata=vector.metadata, data=vector.data
        )
    )
    got = response.payload.binary
    if got != vector.expected:
        cls = message_class(vector.message_type)
        want_dict = json_format.MessageToDict(cls.FromString(vector.expected), descriptor_pool=POOL)
        try:
            got_dict = json_format.MessageToDict(cls.FromString(got), descriptor_pool=POOL)
        except Exception as error:  # noqa: BLE001 - undecodable is an answer too
            raise CaseFailure(f"the decoded message does not even decode: {error}") from None
        raise CaseFailure(
            f"decoded to a different message: {_dict_difference(got_dict, want_dict)}"
        )
    return {"bytes": len(vector.data)}


def _dict_difference(got: Any, want: Any, path: str = "") -> str:
    """The first place two JSON values differ, for a readable failure."""
    if isinstance(got, dict) and isinstance(want, dict):
        for key in sorted(set(got) | set(want)):
            if got.get(key) != want.get(key):
                return _dict_difference(got.get(key), want.get(key), f"{path}.{key}")
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        for index, (a, b) in enumerate(zip(got, want, strict=True)):
            if a != b:
                return _dict_difference(a, b, f"{path}[{index}]")
    return f"{path or '.'}: got {got!r}, expected {want!r}"


def _equal_when_decoded(vector: Vector, reencoded: bytes) -> str:
    """Whether differing bytes still hold the same message: a field-order difference, or not."""
    cls = message_class(vector.message_type)
    try:
        same = cls.FromString(reencoded) == cls.FromString(vector.binary)
    except Exception:  # noqa: BLE001 - undecodable is an answer too
        return "the re-encoding does not even decode"
    return "it decodes to an equal message" if same else "it decodes to a DIFFERENT message"


def _first_difference(a: bytes, b: bytes) -> int:
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return min(len(a), len(b))


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    caller: dict[str, Any]
    steps: list[dict[str, Any]]
    caller_outcome: dict[str, Any]
    system_activity: bool = False

    @staticmethod
    def load_all() -> list[Scenario]:
        data = json.loads((CONFORMANCE / "scenarios.json").read_text())
        return [
            Scenario(
                s["name"], s["description"], s.get("caller", {}), s["steps"], s["caller_outcome"]
            )
            for s in data["scenarios"]
        ] + [
            Scenario(
                s["name"],
                s["description"],
                s.get("caller", {}),
                s["steps"],
                s["caller_outcome"],
                system_activity=True,
            )
            for s in data["system_activity_scenarios"]
        ]


@dataclass
class Roles:
    """The running processes of one language."""

    codec: RoleProcess
    caller: RoleProcess
    service: RoleProcess
    system_worker: RoleProcess
    caller_queue: str
    system_queue: str
    service_address: str = ""
    #: Task queue of the service's workflows (the system-activity scenarios schedule from there).
    service_queue: str = ""
    #: role -> host:port of that process's Prometheus exposition, for the roles that have one.
    metrics_addresses: dict[str, str] = field(default_factory=dict)


@dataclass
class ScenarioRun:
    """Everything one scenario case needs."""

    scenario: Scenario
    case_id: str
    temporal: temporalio.client.Client
    caller: Roles
    service: Roles
    system_worker: Roles
    details: dict[str, Any] = field(default_factory=dict)


def _request(case_id: str) -> AgentExecution:
    request = AgentExecution(
        spec=AgentExecutionSpec(agent_id="conformance-agent", message=f"run case {case_id} ✓")
    )
    request.metadata.annotations[CASE_ANNOTATION] = case_id
    return request


def expected_result(case_id: str) -> AgentExecution:
    """The result every service sends for a case: the same bytes whichever language sends it."""
    result = _request(case_id)
    result.metadata.id = case_id
    result.status.phase = enum_pb2.EXECUTION_COMPLETED
    result.status.messages.add(
        type=enum_pb2.MESSAGE_AI, content="answer ✓ 世界 🚀", timestamp="2026-11-22T08:00:00Z"
    )
    result.status.started_at = "2026-11-22T07:59:58Z"
    result.status.completed_at = "2026-11-22T08:00:00Z"
    return result


def _complete_request(run: ScenarioRun, spec: dict[str, Any]) -> pb.CompleteRequest:
    request = pb.CompleteRequest(case_id=run.case_id)
    if spec.get("result"):
        request.result.CopyFrom(expected_result(run.case_id))
    elif "failure" in spec:
        request.failure.CopyFrom(
            json_format.ParseDict(spec["failure"], completion_pb2.ActivityFailure())
        )
    elif spec.get("cancel"):
        request.cancel = True
    if "token" in spec:
        request.token_mutation = pb.TokenMutation.Value(f"TOKEN_MUTATION_{spec['token']}")
    request.foreign_namespace = bool(spec.get("foreign_namespace"))
    if "encoding" in spec:
        request.encoding = completion_pb2.PayloadEncoding.Value(
            f"PAYLOAD_ENCODING_{spec['encoding']}"
        )
    if spec.get("via_system_activity"):
        request.system_activity_task_queue = run.system_worker.system_queue
    return request


async def run_scenario(run: ScenarioRun) -> dict[str, Any]:
    scenario = run.scenario
    options = scenario.caller
    caller_input = pb.CallerInput(
        request=_request(run.case_id),
        start_to_close_seconds=options.get("start_to_close_seconds", 60),
        heartbeat_timeout_seconds=options.get("heartbeat_timeout_seconds", 0),
        wait_for_cancellation=options.get("wait_for_cancellation", False),
        fire_and_forget=options.get("fire_and_forget", False),
        service_address=run.service.service_address,
    )
    handle = await _start_caller(run.temporal, run.caller, caller_input)
    try:
        await _check_tokens(run, handle, caller_input.fire_and_forget)
        caller_done: asyncio.Task[Any] | None = None
        for step in scenario.steps:
            caller_done = await _run_step(run, handle, step, caller_done)
        await _check_caller_outcome(run, handle)
    finally:
        await _terminate_quietly(handle)
    return run.details


async def _check_tokens(
    run: ScenarioRun, handle: temporalio.client.WorkflowHandle[Any, Any], fire_and_forget: bool
) -> None:
    caller_seen = await run.caller.caller.wait_event(run.case_id, "caller_token")
    service_seen = await run.service.service.wait_event(run.case_id, "service_token")
    description = await handle.describe()
    activity_id = await _activity_id(handle)
    key = idempotency_key(run.temporal.namespace, handle.id, description.run_id or "", activity_id)
    check(caller_seen.length > 0, "the caller's activity had no task token")
    check(
        caller_seen.idempotency_key == key,
        f"caller's idempotency key {caller_seen.idempotency_key!r} is not the contract's {key!r}",
    )
    if fire_and_forget:
        check(service_seen.length == 0, "a fire-and-forget create carried a token")
        check(service_seen.sha256 == hashlib.sha256(b"").digest(), "empty token hash differs")
        return
    check(
        caller_seen.sha256 == service_seen.sha256 and caller_seen.length == service_seen.length,
        "the token the service received is not byte-identical to the caller's "
        f"({caller_seen.length} vs {service_seen.length} bytes, SHA-256 "
        f"{caller_seen.sha256.hex()[:16]} vs {service_seen.sha256.hex()[:16]})",
    )
    check(
        service_seen.idempotency_key == key,
        f"service received idempotency key {service_seen.idempotency_key!r}, expected {key!r}",
    )
    run.details["token_length"] = caller_seen.length
    run.details["token_sha256_prefix"] = caller_seen.sha256.hex()[:16]


async def _activity_id(handle: temporalio.client.WorkflowHandle[Any, Any]) -> str:
    """The caller activity's id as its SDK chose it: the SDKs number activities differently."""
    async for event in handle.fetch_history_events():
        if event.HasField("activity_task_scheduled_event_attributes"):
            return event.activity_task_scheduled_event_attributes.activity_id
    raise CaseFailure("the caller's workflow scheduled no activity")


async def _run_step(
    run: ScenarioRun,
    handle: temporalio.client.WorkflowHandle[Any, Any],
    step: dict[str, Any],
    caller_done: asyncio.Task[Any] | None,
) -> asyncio.Task[Any] | None:
    if step.get("cancel_caller"):
        await handle.cancel()
        return caller_done
    if step.get("wait_caller_done"):
        caller_done = asyncio.create_task(_outcome(handle))
        await asyncio.wait_for(asyncio.shield(caller_done), 60)
        return caller_done
    for index in range(step.get("repeat", 1)):
        if index:
            await asyncio.sleep(step.get("pause_seconds", 0))
        if "heartbeat" in step:
            await _heartbeat(run, step)
        else:
            response = await run.service.service.request(
                complete=_complete_request(run, step["complete"])
            )
            got = completion_pb2.CompleteExternalActivityOutcome.Name(response.complete.outcome)
            want = f"COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_{step['expect']}"
            check(
                got == want,
                f"completion reported {got}, expected {want} ({response.complete.message})",
            )
    return caller_done


async def _heartbeat(run: ScenarioRun, step: dict[str, Any]) -> None:
    want = f"HEARTBEAT_OUTCOME_{step['expect_heartbeat']}"
    loop = asyncio.get_running_loop()
    give_up_at = loop.time() + step.get("until_seconds", 0)
    while True:
        request = pb.CompleteRequest(case_id=run.case_id, heartbeat=step["heartbeat"])
        response = await run.service.service.request(complete=request)
        got = pb.HeartbeatOutcome.Name(response.complete.heartbeat_outcome)
        if got == want or loop.time() >= give_up_at:
            break
        await asyncio.sleep(0.2)
    check(got == want, f"heartbeat reported {got}, expected {want} ({response.complete.message})")


async def _outcome(handle: temporalio.client.WorkflowHandle[Any, Any]) -> Any:
    try:
        return await handle.result()
    except WorkflowFailureError as error:
        return error


async def _start_caller(
    temporal: temporalio.client.Client, caller: Roles, caller_input: pb.CallerInput
) -> temporalio.client.WorkflowHandle[Any, AgentExecution]:
    """Start the caller workflow of ``caller``'s implementation with ``caller_input``."""
    return await temporal.start_workflow(
        "conformance/caller",
        caller_input,
        id=f"conformance-{uuid.uuid4()}",
        task_queue=caller.caller_queue,
        result_type=AgentExecution,
    )


async def _caller_outcome(
    temporal: temporalio.client.Client,
    caller: Roles,
    caller_input: pb.CallerInput,
    *,
    timeout: float,
) -> Any:
    """Run a caller workflow to its end: its result or its WorkflowFailureError."""
    handle = await _start_caller(temporal, caller, caller_input)
    try:
        return await asyncio.wait_for(_outcome(handle), timeout)
    finally:
        await _terminate_quietly(handle)


async def _check_caller_outcome(
    run: ScenarioRun, handle: temporalio.client.WorkflowHandle[Any, Any]
) -> None:
    expected = run.scenario.caller_outcome
    outcome = await asyncio.wait_for(_outcome(handle), 60)
    if expected.get("result"):
        check(isinstance(outcome, AgentExecution), f"caller workflow ended with {outcome!r}")
        check(
            outcome == expected_result(run.case_id), "the caller's result differs from the one sent"
        )
        await _check_result_payload(run, handle, expected["encoding"])
    elif expected.get("ack"):
        check(isinstance(outcome, AgentExecution), f"caller workflow ended with {outcome!r}")
        check(outcome.metadata.id == run.case_id, "the ACK does not name the case")
        check(outcome.spec.callback_token == b"", "the ACK echoed a token")
    elif "failure" in expected:
        check(isinstance(outcome, WorkflowFailureError), f"caller workflow ended with {outcome!r}")
        cause = outcome.cause.cause if isinstance(outcome.cause, ActivityError) else None
        check(isinstance(cause, ApplicationError), f"the activity failed with {cause!r}")
        assert isinstance(cause, ApplicationError)
        failure = expected["failure"]
        check(
            cause.type == failure["type"],
            f"failure type {cause.type!r}, expected {failure['type']!r}",
        )
        check(cause.message == failure["message"], f"failure message {cause.message!r}")
        check(
            cause.non_retryable is failure["non_retryable"],
            f"non_retryable {cause.non_retryable}, expected {failure['non_retryable']}",
        )
    elif expected.get("cancelled"):
        check(
            isinstance(outcome, WorkflowFailureError) and isinstance(outcome.cause, CancelledError),
            f"caller workflow ended with {outcome!r}, expected cancelled",
        )
        events = [e async for e in handle.fetch_history_events()]
        check(
            any(e.HasField("activity_task_canceled_event_attributes") for e in events),
            "the caller's activity was not reported cancelled",
        )
    elif expected.get("timeout"):
        cause = outcome.cause.cause if isinstance(outcome, WorkflowFailureError) else None
        check(
            isinstance(cause, TimeoutError),
            f"caller workflow ended with {outcome!r}, expected a timeout",
        )


async def _check_result_payload(
    run: ScenarioRun, handle: temporalio.client.WorkflowHandle[Any, Any], encoding: str
) -> None:
    payload = None
    async for event in handle.fetch_history_events():
        if event.HasField("activity_task_completed_event_attributes"):
            payload = event.activity_task_completed_event_attributes.result.payloads[0]
    check(payload is not None, "no completed activity in the caller's history")
    assert payload is not None
    metadata = {key: value.decode() for key, value in payload.metadata.items()}
    check(
        metadata.get("encoding") == encoding,
        f"payload encoding {metadata.get('encoding')!r}, expected {encoding!r}",
    )
    check(
        metadata.get("messageType") == AGENT_EXECUTION,
        f"payload messageType {metadata.get('messageType')!r}",
    )
    expected = expected_result(run.case_id)
    if encoding == "binary/protobuf":
        check(
            payload.data == expected.SerializeToString(deterministic=True),
            "the binary/protobuf payload is not the deterministic encoding, byte for byte",
        )
    else:
        parsed = json_format.Parse(payload.data, AgentExecution())
        check(parsed == expected, "the json/protobuf payload does not decode to the message sent")
        run.details["json_payload_sha256_prefix"] = hashlib.sha256(payload.data).hexdigest()[:16]
        run.details["json_payload_bytes"] = len(payload.data)


async def _terminate_quietly(handle: temporalio.client.WorkflowHandle[Any, Any]) -> None:
    try:
        description = await handle.describe()
        if description.status == temporalio.client.WorkflowExecutionStatus.RUNNING:
            await handle.terminate("conformance case over")
    except Exception:  # noqa: BLE001 - cleanup only
        pass


@dataclass(frozen=True)
class CreateErrorCase:
    """A create answered with one gRPC status code, and whether the caller may retry it."""

    code: str
    retryable: bool
    failure_type: str

    @staticmethod
    def load_all() -> list[CreateErrorCase]:
        data = json.loads((CONFORMANCE / "create-errors.json").read_text())
        return [
            CreateErrorCase(case["code"], case["retryable"], data["failure_type"])
            for case in data["cases"]
        ]


def _case_of(call: CreateCall) -> str:
    return call.execution.metadata.annotations.get(CASE_ANNOTATION, "")


def _creates(fake: FakeStigmerService, case_id: str) -> int:
    """How many creates of ``case_id`` the fake service received (the client's retries too)."""
    return sum(1 for call in fake.calls if _case_of(call) == case_id)


async def run_create_error(
    temporal: temporalio.client.Client,
    caller: Roles,
    fake: FakeStigmerService,
    error: CreateErrorCase,
    case_id: str,
) -> dict[str, Any]:
    """The caller's activity must fail at once with the contract's type and retryability."""
    server_message = f"scripted {error.code} for {case_id} ✗"
    fake.fail_matching(
        lambda call: _case_of(call) == case_id, grpc.StatusCode[error.code], server_message
    )
    caller_input = pb.CallerInput(
        request=_request(case_id), start_to_close_seconds=60, service_address=fake.target
    )
    outcome = await _caller_outcome(temporal, caller, caller_input, timeout=90)
    check(isinstance(outcome, WorkflowFailureError), f"caller workflow ended with {outcome!r}")
    cause = outcome.cause.cause if isinstance(outcome.cause, ActivityError) else None
    check(isinstance(cause, ApplicationError), f"the activity failed with {cause!r}")
    assert isinstance(cause, ApplicationError)
    check(
        cause.type == error.failure_type,
        f"failure type {cause.type!r}, expected {error.failure_type!r}",
    )
    check(
        cause.non_retryable is not error.retryable,
        f"non_retryable={cause.non_retryable} for {error.code}, the contract says "
        f"{'retryable' if error.retryable else 'not retryable'}",
    )
    check(
        cause.message.startswith(error.code),
        f"the failure message {cause.message!r} does not start with {error.code}",
    )
    check(
        server_message in cause.message,
        f"the failure message {cause.message!r} lost the server's message",
    )
    return {"creates_received": _creates(fake, case_id)}


LOCAL_ACTIVITY_TYPE = "STIGMER_LOCAL_ACTIVITY"


async def run_local_activity(
    temporal: temporalio.client.Client, caller: Roles, fake: FakeStigmerService, case_id: str
) -> dict[str, Any]:
    """The handshake run as a local activity is refused at once, before any create."""
    caller_input = pb.CallerInput(
        request=_request(case_id),
        start_to_close_seconds=30,
        local_activity=True,
        service_address=fake.target,
    )
    outcome = await _caller_outcome(temporal, caller, caller_input, timeout=60)
    check(isinstance(outcome, WorkflowFailureError), f"caller workflow ended with {outcome!r}")
    cause = outcome.cause
    while isinstance(cause, ActivityError):
        cause = cause.cause
    check(
        isinstance(cause, ApplicationError) and cause.type == LOCAL_ACTIVITY_TYPE,
        f"the local activity failed with {cause!r}, expected type {LOCAL_ACTIVITY_TYPE}",
    )
    assert isinstance(cause, ApplicationError)
    check(cause.non_retryable, "the local-activity refusal is retryable")
    check(
        _creates(fake, case_id) == 0,
        f"the service received {_creates(fake, case_id)} create(s): the refusal must come first",
    )
    return {}
