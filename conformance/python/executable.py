"""The Python conformance executable: plays one role of harness.proto over stdin and stdout.

Run by the runner as ``python conformance/python/executable.py``; see docs/conformance.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import hashlib
import logging
import os
import signal
import socket
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import temporalio.api.common.v1
import temporalio.client
import temporalio.converter
from google.protobuf import json_format
from temporalio import activity, workflow
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ApplicationError
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stigmer_conformance.framing import encode_frame, read_frame

import stigmer_sdk.api
from stigmer_sdk import AgentExecution, StigmerClient, execute_and_wait_pending
from stigmer_sdk import _contract as stigmer_contract
from stigmer_sdk import converter as stigmer_converter
from stigmer_sdk import in_workflow as stigmer_workflow
from stigmer_sdk import metrics as stigmer_metrics
from stigmer_sdk.api._pool import POOL
from stigmer_sdk.api.agentic.agentexecution.v1 import command_pb2_grpc
from stigmer_sdk.api.conformance.v1 import harness_pb2 as pb
from stigmer_sdk.api.sdk.v1 import completion_pb2
from stigmer_sdk.caller import GetExecutionActivity, activity_idempotency_key
from stigmer_sdk.completion import (
    HeartbeatOutcome,
    PayloadEncoding,
    complete_from_input,
    completion_input,
    heartbeat_external_activity,
    message_class,
)
from stigmer_sdk.idempotency import IDEMPOTENCY_METADATA_KEY
from stigmer_sdk.logs import record_fields
from stigmer_sdk.system_activity import SystemActivities
from stigmer_sdk.tokens import token_preview

CASE_ANNOTATION = "conformance.stigmer.ai/case"
#: The faults this process was started with (StartRequest.faults): for the suite's own tests.
FAULTS: set[int] = set()
logger = logging.getLogger("stigmer-conformance-python")


def _load_all_generated() -> None:
    """Import every generated module, so that any message type can be found by name."""
    root = Path(stigmer_sdk.api.__file__).parent
    for path in root.rglob("*_pb2.py"):
        module = ".".join(("stigmer_sdk", "api", *path.relative_to(root).with_suffix("").parts))
        __import__(module)


class Output:
    """Writes frames to the protocol's stdout; events come from worker and server tasks, so writes
    are locked.

    File descriptor 1 is moved aside first and pointed at stderr: anything else that writes to
    stdout (a print, a native library) lands in the role's log instead of corrupting the framing.
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        sys.stdout.flush()
        self._protocol = os.fdopen(os.dup(1), "wb")
        os.dup2(2, 1)
        sys.stdout = sys.stderr

    async def send(self, response: pb.HarnessResponse) -> None:
        async with self._lock:
            self._protocol.write(encode_frame(response))
            self._protocol.flush()

    async def event(self, event: pb.Event) -> None:
        await self.send(pb.HarnessResponse(request_id=0, event=event))


def codec(request: pb.CodecRequest) -> pb.CodecResponse:
    cls = message_class(request.message_type)
    decoded = cls.FromString(request.binary)
    # Any fields name the SDK's messages, which live in its private descriptor pool.
    parsed = json_format.Parse(request.json, cls(), descriptor_pool=POOL)
    return pb.CodecResponse(
        reencoded=decoded.SerializeToString(deterministic=True),
        from_json=parsed.SerializeToString(deterministic=True),
    )


def sdk_data_converter() -> temporalio.converter.DataConverter:
    """The data converter a caller installs to read every payload a Stigmer service sends."""
    return stigmer_converter.data_converter


def decode_payload(request: pb.PayloadRequest) -> pb.PayloadResponse:
    """Decode a payload as a caller's workflow would, through the SDK's payload converter."""
    cls = message_class(request.message_type)
    payload = temporalio.api.common.v1.Payload(metadata=dict(request.metadata), data=request.data)
    (value,) = sdk_data_converter().payload_converter.from_payloads([payload], [cls])
    return pb.PayloadResponse(binary=value.SerializeToString(deterministic=True))


class LogCapture(logging.Handler):
    """Keeps the SDK's log records (logger ``stigmer_sdk``) for LogsRequest, as a handler sees
    them: the rendered message (``%(message)s``) and the contract line's structured fields
    (``stigmer_sdk.logs.record_fields``); nothing is split off the text."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.records: list[pb.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        fields = record_fields(record)
        if pb.FAULT_LOG_FIELD_IN_MESSAGE in FAULTS and fields:
            # An SDK that writes the fields into the message text instead of beside it.
            text += "".join(f" {key}={value}" for key, value in fields.items())
            fields = {}
        self.records.append(
            pb.LogRecord(
                level={"WARNING": "WARN", "CRITICAL": "ERROR"}.get(
                    record.levelname, record.levelname
                ),
                logger=record.name,
                message=text,
                fields=fields,
            )
        )


def _token_seen(case_id: str, token: bytes, key: str, attempt: int = 0) -> pb.TokenSeen:
    return pb.TokenSeen(
        case_id=case_id,
        sha256=hashlib.sha256(token).digest(),
        length=len(token),
        idempotency_key=key,
        preview=token_preview(token),
        attempt=attempt,
    )


# -- caller -----------------------------------------------------------------------------------


def _activity_options(params: pb.CallerInput) -> dict[str, Any]:
    return {
        "start_to_close_timeout": timedelta(seconds=params.start_to_close_seconds),
        "heartbeat_timeout": (
            timedelta(seconds=params.heartbeat_timeout_seconds)
            if params.heartbeat_timeout_seconds
            else None
        ),
        "retry_policy": RetryPolicy(
            maximum_attempts=params.maximum_attempts or 1, initial_interval=timedelta(seconds=1)
        ),
        "cancellation_type": (
            workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
            if params.wait_for_cancellation
            else workflow.ActivityCancellationType.TRY_CANCEL
        ),
    }


#: Annotations through which the terminal-path workflow hands the handshake activity what it
#: needs beyond the execution (the SDKs' terminal helpers pass only the execution); the activity
#: removes them before create.
SERVICE_ADDRESS_ANNOTATION = "conformance.stigmer.ai/service-address"
CRASH_ANNOTATION = "conformance.stigmer.ai/crash-before-attempt"
TERMINAL_ACTIVITY = "conformance/call-agent-terminal"


def get_execution_queue(caller_queue: str, service_address: str) -> str:
    """The task queue of the get-execution worker for one service (one StigmerClient each)."""
    return f"{caller_queue}@{service_address}"


@workflow.defn(name="conformance/caller")
class CallerWorkflow:
    @workflow.run
    async def run(self, params: pb.CallerInput) -> AgentExecution:
        if params.terminal:
            request = AgentExecution()
            request.CopyFrom(params.request)
            request.metadata.annotations[SERVICE_ADDRESS_ANNOTATION] = params.service_address
            request.metadata.annotations[CRASH_ANNOTATION] = str(params.crash_before_attempt)
            done: AgentExecution = await stigmer_workflow.execute_to_terminal(
                TERMINAL_ACTIVITY,
                request,
                get_execution_task_queue=get_execution_queue(
                    workflow.info().task_queue, params.service_address
                ),
                **_activity_options(params),
            )
            return done
        if params.local_activity:
            local: AgentExecution = await workflow.execute_local_activity(
                "conformance/call-agent",
                params,
                result_type=AgentExecution,
                start_to_close_timeout=timedelta(seconds=params.start_to_close_seconds),
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
            return local
        result: AgentExecution = await workflow.execute_activity(
            "conformance/call-agent",
            params,
            result_type=AgentExecution,
            **_activity_options(params),
        )
        return result


class CallerActivities:
    def __init__(self, output: Output, temporal: temporalio.client.Client, queue: str) -> None:
        self._output = output
        self._temporal = temporal
        self._queue = queue
        self._clients: dict[str, StigmerClient] = {}
        self.get_workers: list[Worker] = []
        self.get_worker_tasks: list[asyncio.Task[None]] = []

    async def _client(self, address: str) -> StigmerClient:
        if address not in self._clients:
            client = await StigmerClient.connect(address)
            self._clients[address] = client
            # The terminal helper's get-execution activity, polling this service.
            get_worker = Worker(
                self._temporal,
                task_queue=get_execution_queue(self._queue, address),
                activities=[*GetExecutionActivity(client).activities()],
            )
            self.get_workers.append(get_worker)
            self.get_worker_tasks.append(asyncio.create_task(get_worker.run()))
        return self._clients[address]

    async def _report(self, request: AgentExecution) -> None:
        info = activity.info()
        await self._output.event(
            pb.Event(
                caller_token=_token_seen(
                    request.metadata.annotations[CASE_ANNOTATION],
                    info.task_token,
                    activity_idempotency_key(),
                    attempt=info.attempt,
                )
            )
        )

    async def _handshake(self, client: StigmerClient, request: AgentExecution, crash: int) -> None:
        try:
            await execute_and_wait_pending(client, request)
        except ApplicationError as error:
            if pb.FAULT_FLIP_RETRYABILITY in FAULTS:
                raise ApplicationError(
                    error.message, type=error.type, non_retryable=not error.non_retryable
                ) from None
            raise
        except BaseException:
            attempt = activity.info().attempt
            if attempt < crash:
                # Created, but the worker "dies" before the activity goes pending.
                raise ApplicationError(
                    f"attempt {attempt} crashed after create", type="CONFORMANCE_CRASH"
                ) from None
            raise

    @activity.defn(name="conformance/call-agent")
    async def call_agent(self, params: pb.CallerInput) -> AgentExecution:
        await self._report(params.request)
        client = await self._client(params.service_address)
        if params.fire_and_forget:
            return await client.create(params.request)
        await self._handshake(client, params.request, params.crash_before_attempt)
        raise AssertionError("execute_and_wait_pending returned")  # pragma: no cover

    @activity.defn(name=TERMINAL_ACTIVITY)
    async def call_agent_terminal(self, request: AgentExecution) -> AgentExecution:
        await self._report(request)
        execution = AgentExecution()
        execution.CopyFrom(request)
        address = execution.metadata.annotations.pop(SERVICE_ADDRESS_ANNOTATION)
        crash = int(execution.metadata.annotations.pop(CRASH_ANNOTATION, "0") or 0)
        client = await self._client(address)
        await self._handshake(client, execution, crash)
        raise AssertionError("execute_and_wait_pending returned")  # pragma: no cover


# -- service ----------------------------------------------------------------------------------


@workflow.defn(name="conformance/complete-via-system-activity")
class CompleteViaSystemActivityWorkflow:
    @workflow.run
    async def run(
        self, call: pb.SystemActivityCall
    ) -> completion_pb2.CompleteExternalActivityResult:
        if pb.FAULT_SYSTEM_INPUT_JSON in FAULTS:
            # The input as json/protobuf: what Go's default converter wrote before the contract.
            proto: completion_pb2.CompleteExternalActivityResult = await workflow.execute_activity(
                stigmer_contract.ACTIVITY_SYSTEM,
                RawValue(
                    stigmer_converter.TolerantJSONProtoPayloadConverter().to_payload(call.input)
                ),
                task_queue=call.task_queue,
                start_to_close_timeout=stigmer_contract.TIMEOUT_SYSTEM_ACTIVITY_START_TO_CLOSE,
                result_type=completion_pb2.CompleteExternalActivityResult,
            )
            return proto
        result = await stigmer_workflow.execute_system_activity(
            call.input, task_queue=call.task_queue
        )
        return result.to_proto()


class Service(command_pb2_grpc.AgentExecutionCommandControllerServicer):
    def __init__(
        self,
        output: Output,
        client: temporalio.client.Client,
        other_client: temporalio.client.Client | None,
        role: pb.ServiceRole,
        faults: set[int],
    ) -> None:
        self._output = output
        self._client = client
        self._other_client = other_client
        self._role = role
        self._faults = faults
        self._tokens: dict[str, bytes] = {}

    async def create(self, request: AgentExecution, context: Any) -> AgentExecution:  # type: ignore[override]
        case_id = request.metadata.annotations.get(CASE_ANNOTATION, "")
        token = request.spec.callback_token
        self._tokens[case_id] = token
        key = str(dict(context.invocation_metadata() or ()).get(IDEMPOTENCY_METADATA_KEY, ""))
        await self._output.event(pb.Event(service_token=_token_seen(case_id, token, key)))
        ack = AgentExecution()
        ack.CopyFrom(request)
        ack.spec.ClearField("callback_token")
        ack.metadata.id = case_id
        return ack

    def _token(self, request: pb.CompleteRequest) -> bytes:
        token = self._tokens[request.case_id]
        if pb.FAULT_FLIP_TOKEN_BYTE in self._faults and token:
            token = bytes([token[0] ^ 1]) + token[1:]
        if request.token_mutation == pb.TOKEN_MUTATION_GARBAGE:
            return os.urandom(32)
        if request.token_mutation == pb.TOKEN_MUTATION_TRUNCATED:
            return token[: len(token) // 2]
        if request.token_mutation == pb.TOKEN_MUTATION_EMPTY:
            return b""
        return token

    async def complete(self, request: pb.CompleteRequest) -> pb.CompleteResponse:
        token = self._token(request)
        client = self._client
        if request.foreign_namespace:
            assert self._other_client is not None, "no other_namespace configured"
            client = self._other_client
        action = request.WhichOneof("action")
        if action == "heartbeat":
            beat = await heartbeat_external_activity(client, token, request.heartbeat)
            return pb.CompleteResponse(
                heartbeat_outcome=_HEARTBEAT_OUTCOMES[beat.outcome], message=beat.message
            )
        failure = None
        if action == "failure":
            failure = completion_pb2.ActivityFailure()
            failure.CopyFrom(request.failure)
            if pb.FAULT_DROP_FAILURE_TYPE in self._faults:
                failure.ClearField("type")
        completion = completion_input(
            token,
            result=request.result if action == "result" else None,
            failure=failure,
            cancelled=action == "cancel",
            encoding=PayloadEncoding.from_proto(request.encoding),
            execution_id=request.case_id,
        )
        if request.system_activity_task_queue:
            proto = await client.execute_workflow(
                CompleteViaSystemActivityWorkflow.run,
                pb.SystemActivityCall(
                    input=completion, task_queue=request.system_activity_task_queue
                ),
                id=f"conformance-complete-{uuid.uuid4()}",
                task_queue=self._role.workflow_task_queue,
            )
            return pb.CompleteResponse(outcome=proto.outcome, message=proto.message)
        result = await complete_from_input(client, completion)
        return pb.CompleteResponse(outcome=result.outcome.value, message=result.message)


_HEARTBEAT_OUTCOMES = {
    HeartbeatOutcome.RECORDED: pb.HEARTBEAT_OUTCOME_RECORDED,
    HeartbeatOutcome.CANCEL_REQUESTED: pb.HEARTBEAT_OUTCOME_CANCEL_REQUESTED,
    HeartbeatOutcome.ALREADY_COMPLETED: pb.HEARTBEAT_OUTCOME_ALREADY_COMPLETED,
    HeartbeatOutcome.INVALID_TOKEN: pb.HEARTBEAT_OUTCOME_INVALID_TOKEN,
    HeartbeatOutcome.EMPTY_TOKEN: pb.HEARTBEAT_OUTCOME_EMPTY_TOKEN,
    HeartbeatOutcome.TRANSIENT: pb.HEARTBEAT_OUTCOME_TRANSIENT,
}


# -- the loop ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Executable:
    def __init__(self, output: Output, logs: LogCapture) -> None:
        self._output = output
        self._logs = logs
        self._workers: list[Worker] = []
        self._worker_tasks: list[asyncio.Task[None]] = []
        self._server: grpc.aio.Server | None = None
        self._service: Service | None = None
        self._callers: CallerActivities | None = None

    async def start(self, request: pb.StartRequest) -> pb.Started:
        FAULTS.update(request.faults)
        if pb.FAULT_DROP_SERVICE_LABEL in FAULTS:
            stigmer_metrics.SERVICE_LABEL = {}
        metrics_address = f"127.0.0.1:{_free_port()}"
        client = await temporalio.client.Client.connect(
            request.temporal.address,
            namespace=request.temporal.namespace,
            data_converter=sdk_data_converter(),
            runtime=stigmer_metrics.prometheus_runtime(metrics_address),
        )
        role = request.WhichOneof("role")
        address = ""
        if role == "caller":
            callers = CallerActivities(self._output, client, request.caller.task_queue)
            self._callers = callers
            self._run(
                Worker(
                    client,
                    task_queue=request.caller.task_queue,
                    workflows=[CallerWorkflow],
                    activities=[callers.call_agent, callers.call_agent_terminal],
                    workflow_runner=UnsandboxedWorkflowRunner(),
                )
            )
        elif role == "service":
            other = None
            if request.service.other_namespace:
                other = await temporalio.client.Client.connect(
                    request.temporal.address,
                    namespace=request.service.other_namespace,
                    data_converter=sdk_data_converter(),
                )
            self._service = Service(
                self._output, client, other, request.service, set(request.faults)
            )
            self._run(
                Worker(
                    client,
                    task_queue=request.service.workflow_task_queue,
                    workflows=[CompleteViaSystemActivityWorkflow],
                    workflow_runner=UnsandboxedWorkflowRunner(),
                )
            )
            self._server = grpc.aio.server()
            command_pb2_grpc.add_AgentExecutionCommandControllerServicer_to_server(
                self._service, self._server
            )
            port = self._server.add_insecure_port("127.0.0.1:0")
            await self._server.start()
            address = f"127.0.0.1:{port}"
        elif role == "system_worker":
            self._run(
                Worker(
                    client,
                    task_queue=request.system_worker.task_queue,
                    activities=[*SystemActivities(client).activities()],
                )
            )
        else:
            raise ValueError(f"unknown role {role}")
        return pb.Started(address=address, metrics_address=metrics_address)

    def _run(self, worker: Worker) -> None:
        self._workers.append(worker)
        self._worker_tasks.append(asyncio.create_task(worker.run()))

    async def handle(self, request: pb.HarnessRequest) -> pb.HarnessResponse:
        kind = request.WhichOneof("request")
        response = pb.HarnessResponse(request_id=request.request_id)
        try:
            if kind == "codec":
                response.codec.CopyFrom(codec(request.codec))
            elif kind == "payload":
                response.payload.CopyFrom(decode_payload(request.payload))
            elif kind == "logs":
                response.logs.records.extend(self._logs.records)
            elif kind == "start":
                response.started.CopyFrom(await self.start(request.start))
            elif kind == "complete":
                assert self._service is not None, "complete needs the service role"
                response.complete.CopyFrom(await self._service.complete(request.complete))
            elif kind == "shutdown":
                await self.stop()
                response.shutdown.SetInParent()
            else:
                response.error = f"unknown request {kind}"
        except Exception as error:
            logger.exception("request %s failed", request.request_id)
            response.error = f"{type(error).__name__}: {error}"
        return response

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop(grace=None)
        get_workers = self._callers.get_workers if self._callers else []
        for worker in [*self._workers, *get_workers]:
            with contextlib.suppress(Exception):
                await worker.shutdown()


async def main() -> None:
    # `kill -USR1 <pid>` prints every thread's stack to stderr (the role's log): for a hung role.
    faulthandler.register(signal.SIGUSR1)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logs = LogCapture()
    sdk_logger = logging.getLogger("stigmer_sdk")
    sdk_logger.setLevel(logging.INFO)
    sdk_logger.addHandler(logs)
    _load_all_generated()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    output = Output()
    executable = Executable(output, logs)
    while True:
        request = await read_frame(reader, pb.HarnessRequest)
        if request is None:
            await executable.stop()
            return
        response = await executable.handle(request)
        await output.send(response)
        if request.WhichOneof("request") == "shutdown":
            return


if __name__ == "__main__":
    asyncio.run(main())
