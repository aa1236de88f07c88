"""The caller side of the handshake, used inside a Temporal activity.

`execute_and_wait_pending` is the one call an activity needs: it sends the activity's task
token with the execution, waits for the service's ACK, and returns the activity *pending*, so no
worker slot is held while the agent runs. The service completes the activity with the result
when the execution ends, and the caller's workflow resumes with it.

Example:
    ```python
    @activity.defn
    async def run_agent(request: AgentExecution) -> AgentExecution:
        await execute_and_wait_pending(stigmer_client, request)

    # in the workflow:
    result = await workflow.execute_activity(
        run_agent, request, **handshake_activity_options(timedelta(minutes=20)))
    ```

Warning:
    Returning pending is done by raising ``activity.raise_complete_async()``'s signal, a
    ``BaseException``. A bare ``except:`` (or ``except BaseException:``) around the call swallows
    it and the activity then completes with ``None`` at once. Catch ``Exception`` instead.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, NoReturn, TypedDict, TypeVar, cast, overload

import grpc
import temporalio.activity
import temporalio.client
import temporalio.common
import temporalio.exceptions
import temporalio.service
from google.protobuf import message
from temporalio.api.common.v1 import Payloads
from temporalio.api.workflowservice.v1 import RecordActivityTaskHeartbeatRequest

from stigmer_sdk import _contract
from stigmer_sdk._execution import AGENT_EXECUTION_KIND as AGENT_EXECUTION_KIND
from stigmer_sdk._execution import API_VERSION as API_VERSION
from stigmer_sdk._execution import TERMINAL_PHASES as TERMINAL_PHASES
from stigmer_sdk._execution import WORKFLOW_EXECUTION_KIND as WORKFLOW_EXECUTION_KIND
from stigmer_sdk._execution import Execution, ExecutionKind, ExecutionT
from stigmer_sdk._execution import clear_callback_tokens as clear_callback_tokens
from stigmer_sdk._execution import is_terminal as is_terminal
from stigmer_sdk._retry import retry_policy
from stigmer_sdk.api.sdk.v1 import caller_pb2
from stigmer_sdk.client import StigmerClient
from stigmer_sdk.completion import as_message, proto_payload
from stigmer_sdk.create_rules import rule_violations
from stigmer_sdk.errors import FieldViolation, StigmerRPCError
from stigmer_sdk.idempotency import IDEMPOTENCY_ANNOTATION, execution_name, idempotency_key
from stigmer_sdk.logs import log_line
from stigmer_sdk.metrics import record_handshake_pending, record_handshake_started
from stigmer_sdk.tokens import short_token_digest, token_preview

logger = logging.getLogger("stigmer_sdk.caller")

#: Failure type when ``create`` fails; ``non_retryable`` tells whether a retry can help.
CREATE_FAILED_TYPE = _contract.FAILURE_CREATE_FAILED
#: Failure type when there is no task token (not in an activity).
EMPTY_TASK_TOKEN_TYPE = _contract.FAILURE_EMPTY_TASK_TOKEN
#: Failure type when called from a local activity, which cannot complete asynchronously.
LOCAL_ACTIVITY_TYPE = _contract.FAILURE_LOCAL_ACTIVITY
#: Failure type when the request would be refused by a Stigmer service whatever the attempt:
#: raised before any call, never retried (see `create_violations`).
INVALID_REQUEST_TYPE = _contract.FAILURE_INVALID_REQUEST
#: The ACK log line's contract line, by execution kind (the runbook greps for its message).
ACK_LINES = {
    "AgentExecution": _contract.LOG_ACK_AGENT,
    "WorkflowExecution": _contract.LOG_ACK_WORKFLOW,
}
#: Annotation by which a caller declares how it decodes the result delivered to its activity.
#: Without it a Stigmer service delivers ``json/plain`` (Go's ``encoding/json`` of the execution,
#: what the deployed Go service sends and Stigmer's own Go callers decode into ``any``).
RESULT_ENCODING_ANNOTATION = _contract.ANNOTATION_RESULT_ENCODING
#: The value this SDK declares on every create: it decodes ``binary/protobuf``.
BINARY_RESULT_ENCODING = _contract.PAYLOAD_RESULT_ENCODING_DECLARED
#: Deadline of the ``create`` call, retries included.
DEFAULT_CREATE_TIMEOUT = _contract.TIMEOUT_CREATE
#: Environment variable that switches `start_workflow_and_wait_pending` to blocking.
ASYNC_COMPLETION_ENV = _contract.ASYNC_COMPLETION_ENV


def _task_token() -> bytes:
    info = temporalio.activity.info()
    if info.is_local:
        raise temporalio.exceptions.ApplicationError(
            "local activities cannot complete asynchronously; use a regular activity",
            type=LOCAL_ACTIVITY_TYPE,
            non_retryable=True,
        )
    if not info.task_token:
        raise temporalio.exceptions.ApplicationError(
            "the activity has no task token", type=EMPTY_TASK_TOKEN_TYPE, non_retryable=True
        )
    return info.task_token


def activity_idempotency_key() -> str:
    """The idempotency key of the running activity, the same for each of its attempts."""
    info = temporalio.activity.info()
    return idempotency_key(
        info.namespace, info.workflow_id or "", info.workflow_run_id or "", info.activity_id
    )


def as_sdk_execution(
    execution: message.Message,
) -> Execution:
    """An ``AgentExecution`` or ``WorkflowExecution`` of any generated class as the SDK's own.

    Stigmer's own stubs (or any other generation of the execution API) have classes of their
    own for the same messages; they are converted through their serialized bytes.

    Raises:
        TypeError: ``execution`` is neither message.
    """
    return as_message(execution, ExecutionKind.of(execution).message_type)


def prepare_create(request: ExecutionT, *, token: bytes, key: str) -> ExecutionT:
    """The message ``create`` sends: a copy of ``request`` with what the SDK fills in.

    - ``spec.callback_token``: ``token``, as raw bytes;
    - ``metadata.annotations["stigmer.ai/idempotency-key"]``: ``key``;
    - ``metadata.annotations["stigmer.ai/result-encoding"]``: ``binary/protobuf``, the result
      encoding this SDK decodes (a service delivers ``json/plain`` to callers without it);
    - ``api_version`` (``agentic.stigmer.ai/v1``) and ``kind`` (``AgentExecution`` or
      ``WorkflowExecution``), when empty;
    - ``metadata.name``, when empty: `stigmer_sdk.idempotency.execution_name` of ``key``,
      so every attempt names the same execution.

    ``request`` itself is not modified.
    """
    execution = type(request)()
    execution.CopyFrom(request)
    execution.spec.callback_token = token
    execution.metadata.annotations[IDEMPOTENCY_ANNOTATION] = key
    execution.metadata.annotations[RESULT_ENCODING_ANNOTATION] = BINARY_RESULT_ENCODING
    if not execution.api_version:
        execution.api_version = API_VERSION
    if not execution.kind:
        execution.kind = ExecutionKind.of(execution).resource_kind
    if not execution.metadata.name:
        execution.metadata.name = execution_name(key)
    return execution


def create_violations(execution: ExecutionT) -> list[FieldViolation]:
    """What a Stigmer service refuses in ``execution`` whatever the attempt, as field violations.

    The create rules declared on the protos as ``buf.validate`` constraints (the deployed
    Stigmer service's own, and its create pipeline's as CEL), checked with protovalidate
    (`stigmer_sdk.create_rules.rule_violations`; docs/handshake-contract.md section 1.2). Call
    it on what `prepare_create` returns: it fills ``api_version``, ``kind`` and
    ``metadata.name``, which the rules require.

    An empty list means nothing is known to be wrong; the service may still refuse the request
    (an unknown agent, for example).
    """
    return rule_violations(execution)


async def execute_and_wait_pending(
    client: StigmerClient,
    request: ExecutionT,
    *,
    timeout: timedelta = DEFAULT_CREATE_TIMEOUT,
    metadata: Mapping[str, str] | None = None,
) -> NoReturn:
    """Create the execution with this activity's task token, then return the activity pending.

    Works for ``AgentExecution`` and ``WorkflowExecution`` alike. The caller's message is not
    modified: the token goes into a copy, as raw bytes in ``spec.callback_token``.

    Every attempt of the activity sends the same idempotency key (gRPC metadata
    ``stigmer-idempotency-key`` and annotation ``stigmer.ai/idempotency-key``) with its own token,
    so a retry resumes the existing execution rather than starting a second one.

    The SDK fills ``api_version``, ``kind`` and (when empty) ``metadata.name``, as the deployed
    Stigmer service requires (`prepare_create`), and refuses before any call what a
    service would refuse whatever the attempt (`create_violations`).

    Raises:
        temporalio.exceptions.ApplicationError: called from a local activity (type
            ``STIGMER_LOCAL_ACTIVITY``) or without a task token (``STIGMER_EMPTY_TASK_TOKEN``);
            the request cannot be accepted (``STIGMER_INVALID_REQUEST``, with the field
            violations in its message, or the service's ``ErrorInfo`` reason when it refused
            the request itself, such as ``SPEC_TOO_LARGE``); or ``create`` failed
            (``STIGMER_CREATE_FAILED``,
            retryable for transient codes, non-retryable for INVALID_ARGUMENT and other
            permanent ones). All but the last transient case are non-retryable; the activity
            fails at once and does not go pending.
        BaseException: on success, always, the complete-async signal. Do not catch it.
    """
    token = _task_token()
    preview = token_preview(token)
    digest = short_token_digest(token)
    info = temporalio.activity.info()
    log_line(
        logger,
        _contract.LOG_TOKEN_TAKEN,
        activity_id=info.activity_id,
        token_preview=preview,
        token_digest=digest,
        token_length=len(token),
    )
    key = activity_idempotency_key()
    # Another generated class of the message (Stigmer's stubs) becomes the SDK's, bytes intact.
    own = cast("ExecutionT", as_sdk_execution(request))
    execution = prepare_create(own, token=token, key=key)
    violations = create_violations(execution)
    if violations:
        detail = "; ".join(f"{v.field}: {v.description}" for v in violations)
        log_line(
            logger,
            _contract.LOG_CREATE_REFUSED,
            activity_id=info.activity_id,
            token_preview=preview,
            token_digest=digest,
            violations=detail,
        )
        raise temporalio.exceptions.ApplicationError(
            f"invalid {execution.kind}: {detail}", type=INVALID_REQUEST_TYPE, non_retryable=True
        )
    record_handshake_started()
    try:
        ack = await client.create(
            execution, idempotency_key=key, timeout=timeout, metadata=metadata
        )
    except StigmerRPCError as error:
        log_line(
            logger,
            _contract.LOG_CREATE_FAILED,
            activity_id=info.activity_id,
            token_preview=preview,
            token_digest=digest,
            code=error.code.name,
            retryable=error.retryable,
        )
        if error.invalid_request:  # SPEC_TOO_LARGE and the like: no attempt can succeed
            raise temporalio.exceptions.ApplicationError(
                str(error), type=INVALID_REQUEST_TYPE, non_retryable=True
            ) from None
        raise temporalio.exceptions.ApplicationError(
            str(error), type=CREATE_FAILED_TYPE, non_retryable=not error.retryable
        ) from None
    log_line(
        logger,
        ACK_LINES[ExecutionKind.of(execution).resource_kind],
        execution_id=ack.metadata.id,
        token_preview=preview,
        token_digest=digest,
        token_length=len(token),
    )
    record_handshake_pending()
    # For the watch of execute_to_terminal: the execution id as the pending activity's heartbeat.
    _record_execution_id(execution_kind(execution), ack.metadata.id, token)
    temporalio.activity.raise_complete_async()


#: Background heartbeat calls of `_record_execution_id`, kept referenced until they finish.
_RECORDING: set[asyncio.Task[None]] = set()


def _record_execution_id(
    kind: caller_pb2.ExecutionKind.ValueType, execution_id: str, token: bytes
) -> None:
    """Record the ACKed execution as the pending activity's heartbeat details.

    A ``binary/protobuf`` ``GetExecutionInput``, where ``stigmer/caller/watch-execution`` finds
    it. Sent through the worker's client from a background task, so that the activity's return
    is not delayed (as in Go); a failure only means no watch.
    """
    if not execution_id:
        return
    try:
        client = temporalio.activity.client()
    except RuntimeError:  # no client (an ActivityEnvironment): nothing to record to
        return
    details = proto_payload(caller_pb2.GetExecutionInput(kind=kind, execution_id=execution_id))
    request = RecordActivityTaskHeartbeatRequest(
        task_token=token,
        details=Payloads(payloads=[details]),
        namespace=temporalio.activity.info().namespace,
        identity=client.identity,
    )

    async def send() -> None:
        try:
            await client.workflow_service.record_activity_task_heartbeat(
                request, timeout=DEFAULT_CREATE_TIMEOUT
            )
        except Exception as error:  # noqa: BLE001 - best effort: the handshake does not need it
            logger.debug("Could not record the execution for the watch: %s", error)

    task = asyncio.get_running_loop().create_task(send())
    _RECORDING.add(task)
    task.add_done_callback(_RECORDING.discard)


class HandshakeActivityOptions(TypedDict, total=False):
    """Keyword arguments for ``workflow.execute_activity`` of a handshake activity."""

    start_to_close_timeout: timedelta
    retry_policy: temporalio.common.RetryPolicy
    heartbeat_timeout: timedelta


#: Start-to-close timeout when the expected duration is unknown.
UNKNOWN_DURATION_TIMEOUT = _contract.TIMEOUT_HANDSHAKE_UNKNOWN_DURATION_START_TO_CLOSE
#: Added to twice the expected duration, for queueing and the handshake itself.
TIMEOUT_BUFFER = _contract.TIMEOUT_HANDSHAKE_START_TO_CLOSE_MARGIN


def handshake_activity_options(
    expected_duration: timedelta | None = None,
    *,
    heartbeat_timeout: timedelta | None = None,
    maximum_attempts: int = _contract.RETRY_HANDSHAKE_ACTIVITY.maximum_attempts,
) -> HandshakeActivityOptions:
    """The documented activity options for a handshake activity.

    - ``start_to_close_timeout``: 2 * ``expected_duration`` + 5 minutes, or 24 hours when the
      duration is unknown. It is what frees the caller if the service never completes.
    - ``retry_policy``: up to ``maximum_attempts`` with backoff. Retries are safe because of the
      idempotency key; the empty-token failure is never retried.
    - ``heartbeat_timeout``: only when given, that is, when the service relays heartbeats;
      otherwise a pending activity would time out between heartbeats it never gets.

    Examples:
        >>> options = handshake_activity_options(timedelta(minutes=10))
        >>> options["start_to_close_timeout"]
        datetime.timedelta(seconds=1500)
        >>> handshake_activity_options()["start_to_close_timeout"]
        datetime.timedelta(days=1)
    """
    options = HandshakeActivityOptions(
        start_to_close_timeout=(
            2 * expected_duration + TIMEOUT_BUFFER
            if expected_duration is not None
            else UNKNOWN_DURATION_TIMEOUT
        ),
        retry_policy=retry_policy(
            _contract.RETRY_HANDSHAKE_ACTIVITY, maximum_attempts=maximum_attempts
        ),
    )
    if heartbeat_timeout is not None:
        options["heartbeat_timeout"] = heartbeat_timeout
    return options


def async_completion_enabled() -> bool:
    """Whether ``ENABLE_ASYNC_ACTIVITY_COMPLETION`` allows pending activities (default: yes)."""
    value = os.environ.get(ASYNC_COMPLETION_ENV, "true").strip().lower()
    return value not in {"false", "0", "no", "off"}


_ArgT = TypeVar("_ArgT")
_ResultT = TypeVar("_ResultT")
_WorkflowSelfT = TypeVar("_WorkflowSelfT")


@overload
async def start_workflow_and_wait_pending(
    temporal_client: temporalio.client.Client,
    workflow: Callable[[_WorkflowSelfT, _ArgT, bytes], Awaitable[_ResultT]],
    arg: _ArgT,
    *,
    id: str,
    task_queue: str,
    async_completion: bool | None = None,
    **start_options: Any,
) -> _ResultT: ...


@overload
async def start_workflow_and_wait_pending(
    temporal_client: temporalio.client.Client,
    workflow: str,
    arg: object,
    *,
    id: str,
    task_queue: str,
    async_completion: bool | None = None,
    result_type: type[_ResultT],
    **start_options: Any,
) -> _ResultT: ...


@overload
async def start_workflow_and_wait_pending(
    temporal_client: temporalio.client.Client,
    workflow: str,
    arg: object,
    *,
    id: str,
    task_queue: str,
    async_completion: bool | None = None,
    **start_options: Any,
) -> Any: ...


async def start_workflow_and_wait_pending(
    temporal_client: temporalio.client.Client,
    workflow: str | Callable[..., Awaitable[Any]],
    arg: Any,
    *,
    id: str,
    task_queue: str,
    async_completion: bool | None = None,
    result_type: type | None = None,
    **start_options: Any,
) -> Any:
    """Start an inner workflow that carries this activity's task token, then return pending.

    The inner workflow is started with two arguments, ``arg`` and the token (``bytes``), and
    completes the activity itself when it ends, typically with
    `stigmer_sdk.in_workflow.complete_caller_when_done`.

    With ``async_completion=False`` (or ``ENABLE_ASYNC_ACTIVITY_COMPLETION=false`` when it is not
    given) the old blocking shape is used instead, for compatibility: the inner workflow gets an
    empty token, and this call waits for its result and returns it, holding the worker slot.

    Args:
        temporal_client: client used to start the inner workflow.
        workflow: the inner workflow's run method or type name.
        arg: its first argument.
        id: its workflow id.
        task_queue: its task queue.
        async_completion: force a shape; ``None`` reads the environment variable.
        result_type: the result type, for the blocking shape.
        start_options: further ``Client.start_workflow`` keyword arguments.
    """
    if async_completion is None:
        async_completion = async_completion_enabled()
    token = _task_token() if async_completion else b""
    # temporalio's own overloads take a run method or a name; this one accepts both alike.
    start = cast(
        "Callable[..., Awaitable[temporalio.client.WorkflowHandle[Any, Any]]]",
        temporal_client.start_workflow,
    )
    handle = await start(
        workflow,
        args=[arg, token],
        id=id,
        task_queue=task_queue,
        result_type=result_type,
        **start_options,
    )
    if not async_completion:
        logger.info("Waiting for inner workflow (blocking shape) workflow_id=%s", id)
        try:
            return await handle.result()
        except asyncio.CancelledError:
            await handle.cancel()
            raise
    logger.info(
        "Inner workflow started, activity pending workflow_id=%s token_preview=%s token_digest=%s",
        id,
        token_preview(token),
        short_token_digest(token),
    )
    temporalio.activity.raise_complete_async()


#: Name under which every Stigmer SDK registers the terminal-result activity.
GET_EXECUTION_ACTIVITY_NAME = _contract.ACTIVITY_GET_EXECUTION
#: Failure type when the terminal execution cannot be fetched (unknown execution, bad input).
GET_EXECUTION_FAILED_TYPE = _contract.FAILURE_GET_EXECUTION_FAILED


#: Name under which every Stigmer SDK registers the watch of a pending handshake's execution.
WATCH_EXECUTION_ACTIVITY_NAME = _contract.ACTIVITY_WATCH_EXECUTION
#: Name under which every Stigmer SDK registers the pushed cancel of a pending handshake's
#: execution (beside the watch; same input).
CANCEL_EXECUTION_ACTIVITY_NAME = _contract.ACTIVITY_CANCEL_EXECUTION
#: Failure type of the cancel activity when the service refuses the cancel for good.
CANCEL_FAILED_TYPE = _contract.FAILURE_CANCEL_FAILED
#: Create annotation by which a caller opts out of the service's relayed heartbeats, and its value.
CALLER_HEARTBEATS_ANNOTATION = _contract.ANNOTATION_CALLER_HEARTBEATS
CALLER_HEARTBEATS_NONE = _contract.CALLER_HEARTBEATS_NONE
#: How long `stigmer_sdk.in_workflow.execute_to_terminal` waits for the handshake before it starts
#: watching the execution (the same in every SDK).
WATCH_AFTER = _contract.TIMEOUT_WATCH_AFTER
#: First wait between two ``get`` calls of the watch; it doubles up to `MAX_WATCH_INTERVAL`.
WATCH_INTERVAL = timedelta(seconds=5)
#: Longest wait between two ``get`` calls of the watch.
MAX_WATCH_INTERVAL = timedelta(seconds=30)
#: Heartbeat timeout of the watch activity (it heartbeats after every attempt).
WATCH_HEARTBEAT_TIMEOUT = timedelta(minutes=1)
#: Bound of each Temporal ``describe`` call the watch makes.
_DESCRIBE_TIMEOUT = timedelta(seconds=30)


@dataclasses.dataclass(frozen=True)
class WatchInput:
    """The input of ``stigmer/caller/watch-execution`` (``json/plain``, as Go's ``WatchInput``).

    ``activity_id`` is the id of the workflow's pending handshake activity, whose heartbeat
    details hold the execution id (recorded after the service's ACK); ``kind`` is the
    ``ExecutionKind`` number.
    """

    activity_id: str
    kind: int


def execution_kind(execution: Execution) -> caller_pb2.ExecutionKind.ValueType:
    """The ``ExecutionKind`` number of a message."""
    return ExecutionKind.of(execution).proto


def _known_kind(kind: int, failure_type: str) -> ExecutionKind:
    """The kind an activity's input names; a non-retryable ``failure_type`` for another number."""
    if kind not in (caller_pb2.EXECUTION_KIND_AGENT, caller_pb2.EXECUTION_KIND_WORKFLOW):
        raise temporalio.exceptions.ApplicationError(
            f"unknown execution kind {kind}", type=failure_type, non_retryable=True
        )
    return ExecutionKind.from_proto(kind)


class GetExecutionActivity:
    """The caller-side activity ``stigmer/caller/get-execution``: waits for a terminal execution.

    A service may complete the caller's activity with the execution as it was when created (the
    deployed Stigmer service does). `stigmer_sdk.in_workflow.execute_to_terminal` then
    schedules this activity, which calls ``get`` until the phase is terminal, backing off from
    ``initial_interval`` to ``maximum_interval`` and heartbeating after every call, and returns
    the terminal execution as ``binary/protobuf`` with its callback tokens cleared. Transient
    errors are retried within the activity; NOT_FOUND and other permanent ones fail it
    (non-retryable, type ``STIGMER_GET_EXECUTION_FAILED``).

    Register it on the caller's worker:

    ```python
    Worker(client, task_queue=..., workflows=[...],
           activities=[run_agent, *GetExecutionActivity(stigmer_client).activities()])
    ```
    """

    def __init__(
        self,
        client: StigmerClient,
        *,
        initial_interval: timedelta = timedelta(milliseconds=500),
        maximum_interval: timedelta = timedelta(seconds=10),
        backoff_coefficient: float = 2.0,
        call_timeout: timedelta | None = None,
        watch_interval: timedelta = WATCH_INTERVAL,
        max_watch_interval: timedelta = MAX_WATCH_INTERVAL,
    ) -> None:
        """Poll through ``client``; ``call_timeout`` bounds each ``get`` (client default).

        ``watch_interval`` and ``max_watch_interval`` are the backoff of the watch
        (``stigmer/caller/watch-execution``, also registered by `activities`).
        """
        if backoff_coefficient < 1:
            raise ValueError("backoff_coefficient must be at least 1")
        self._client = client
        self._initial = initial_interval.total_seconds()
        self._maximum = maximum_interval.total_seconds()
        self._coefficient = backoff_coefficient
        self._call_timeout = call_timeout
        self._watch_interval = watch_interval.total_seconds()
        self._max_watch_interval = max_watch_interval.total_seconds()

    async def _get(self, kind: ExecutionKind, execution_id: str) -> Execution:
        if kind is ExecutionKind.AGENT:
            return await self._client.get_agent_execution(execution_id, timeout=self._call_timeout)
        return await self._client.get_workflow_execution(execution_id, timeout=self._call_timeout)

    @temporalio.activity.defn(name=GET_EXECUTION_ACTIVITY_NAME)
    async def get_execution(
        self, request: caller_pb2.GetExecutionInput
    ) -> temporalio.common.RawValue:
        """Return the execution once terminal (see the class docstring)."""
        kind = _known_kind(request.kind, GET_EXECUTION_FAILED_TYPE)
        if not request.execution_id:
            raise temporalio.exceptions.ApplicationError(
                "the execution id is empty", type=GET_EXECUTION_FAILED_TYPE, non_retryable=True
            )
        interval = self._initial
        polls = 0
        while True:
            polls += 1
            try:
                execution = await self._get(kind, request.execution_id)
            except StigmerRPCError as error:
                if not error.retryable:
                    raise temporalio.exceptions.ApplicationError(
                        f"get {request.execution_id}: {error}",
                        type=GET_EXECUTION_FAILED_TYPE,
                        non_retryable=True,
                    ) from None
                logger.warning(
                    "Get execution failed, retrying execution_id=%s code=%s",
                    request.execution_id,
                    error.code.name,
                )
                phase = -1
            else:
                if is_terminal(execution):
                    logger.info(
                        "Execution is terminal execution_id=%s phase=%d polls=%d",
                        request.execution_id,
                        execution.status.phase,
                        polls,
                    )
                    return temporalio.common.RawValue(
                        proto_payload(clear_callback_tokens(execution))
                    )
                phase = execution.status.phase
            temporalio.activity.heartbeat(phase)
            await asyncio.sleep(interval)
            interval = min(interval * self._coefficient, self._maximum)

    @temporalio.activity.defn(name=WATCH_EXECUTION_ACTIVITY_NAME)
    async def watch_execution(self, request: WatchInput) -> temporalio.common.RawValue:
        """Watch the execution of the workflow's pending handshake until it is terminal.

        Reads the execution id from the heartbeat details of the pending handshake activity
        ``request.activity_id`` (describing its own workflow), then calls ``get`` with backoff
        (``watch_interval``, doubling, capped by ``max_watch_interval``), heartbeating after every
        attempt, and returns the terminal execution (``binary/protobuf``, tokens cleared). Errors
        of ``get`` are retried. When the handshake is no longer pending it fails with the
        non-retryable ``STIGMER_GET_EXECUTION_FAILED``; the workflow then only waits for the
        handshake. `stigmer_sdk.in_workflow.execute_to_terminal` schedules it.
        """
        info = temporalio.activity.info()
        wait = self._watch_interval
        execution_id = ""
        while True:
            if not execution_id:
                try:
                    found, gone = await _pending_execution_id(
                        info.workflow_id or "", info.workflow_run_id or "", request.activity_id
                    )
                except temporalio.service.RPCError as error:
                    logger.warning("Could not describe the caller's workflow: %s", error)
                else:
                    if gone:
                        raise temporalio.exceptions.ApplicationError(
                            f"stigmer: the handshake activity {request.activity_id} is no longer "
                            "pending",
                            type=GET_EXECUTION_FAILED_TYPE,
                            non_retryable=True,
                        )
                    if found:
                        execution_id = found
                        continue
            else:
                try:
                    execution = await self._get(
                        ExecutionKind.from_proto(request.kind), execution_id
                    )
                except StigmerRPCError as error:
                    logger.warning(
                        "Get execution failed, retrying execution_id=%s code=%s",
                        execution_id,
                        error.code.name,
                    )
                else:
                    if is_terminal(execution):
                        logger.info(
                            "The watched execution is terminal execution_id=%s phase=%d",
                            execution_id,
                            execution.status.phase,
                        )
                        return temporalio.common.RawValue(
                            proto_payload(clear_callback_tokens(execution))
                        )
            temporalio.activity.heartbeat(execution_id)
            await asyncio.sleep(wait)
            wait = min(2 * wait, self._max_watch_interval)

    @temporalio.activity.defn(name=CANCEL_EXECUTION_ACTIVITY_NAME)
    async def cancel_execution(self, request: WatchInput) -> None:
        """Ask the service to stop the execution of the workflow's pending handshake.

        `stigmer_sdk.in_workflow.execute_to_terminal` schedules it when its workflow is cancelled,
        before it cancels the handshake. The execution id is read from the pending handshake's
        heartbeat details, as the watch does; a handshake no longer pending has nothing to cancel
        (returns). A service that answers UNIMPLEMENTED (the deployed one) is logged once per
        process at WARNING and the activity returns: the handshake's own cancellation is the
        fallback.

        Raises:
            temporalio.exceptions.ApplicationError: non-retryable ``STIGMER_CANCEL_FAILED`` for
                NOT_FOUND, PERMISSION_DENIED and INVALID_ARGUMENT (and an unknown kind); a
                retryable failure for any other error, or while the handshake has not recorded
                its execution id yet.
        """
        kind = _known_kind(request.kind, CANCEL_FAILED_TYPE)
        info = temporalio.activity.info()
        try:
            execution_id, gone = await _pending_execution_id(
                info.workflow_id or "", info.workflow_run_id or "", request.activity_id
            )
        except temporalio.service.RPCError as error:
            raise temporalio.exceptions.ApplicationError(
                f"could not describe the caller's workflow: {error}"
            ) from None
        if gone:
            logger.info(
                "The handshake is no longer pending, nothing to cancel activity_id=%s",
                request.activity_id,
            )
            return
        if not execution_id:  # pending, its ACK not recorded yet: the next attempt finds it
            raise temporalio.exceptions.ApplicationError(
                f"the handshake activity {request.activity_id} has not recorded its execution yet"
            )
        log_line(
            logger,
            _contract.LOG_CANCEL_REQUESTED,
            execution_id=execution_id,
            activity_id=request.activity_id,
        )
        try:
            if kind is ExecutionKind.AGENT:
                await self._client.cancel_agent_execution(execution_id, timeout=self._call_timeout)
            else:
                await self._client.cancel_workflow_execution(
                    execution_id, timeout=self._call_timeout
                )
        except StigmerRPCError as error:
            if error.code == grpc.StatusCode.UNIMPLEMENTED:
                _log_cancel_unimplemented(execution_id, error)
                return
            permanent = error.code in _CANCEL_PERMANENT_CODES
            raise temporalio.exceptions.ApplicationError(
                f"cancel {execution_id}: {error}",
                # Only the permanent codes carry the type the retry policy does not retry.
                type=CANCEL_FAILED_TYPE if permanent else None,
                non_retryable=permanent,
            ) from None

    def activities(self) -> Sequence[Callable[..., Any]]:
        """The activities to register on the caller's worker (get, watch and cancel)."""
        return [self.get_execution, self.watch_execution, self.cancel_execution]


#: Codes after which a cancel cannot succeed: ``STIGMER_CANCEL_FAILED``, non-retryable.
_CANCEL_PERMANENT_CODES = frozenset(
    {grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT}
)
#: Whether this process has logged a service's UNIMPLEMENTED cancel (once is enough).
_cancel_unimplemented_logged = False


def _log_cancel_unimplemented(execution_id: str, error: StigmerRPCError) -> None:
    global _cancel_unimplemented_logged
    if _cancel_unimplemented_logged:
        return
    _cancel_unimplemented_logged = True
    log_line(
        logger, _contract.LOG_CANCEL_UNIMPLEMENTED, execution_id=execution_id, code=error.code.name
    )


async def _pending_execution_id(
    workflow_id: str, run_id: str, activity_id: str
) -> tuple[str, bool]:
    """The execution id the pending handshake ``activity_id`` recorded ("" when none yet), and
    whether that activity is no longer pending."""
    handle = temporalio.activity.client().get_workflow_handle(workflow_id, run_id=run_id)
    description = await handle.describe(rpc_timeout=_DESCRIBE_TIMEOUT)
    for pending in description.raw_description.pending_activities:
        if pending.activity_id != activity_id:
            continue
        details = pending.heartbeat_details.payloads
        if not details:
            return "", False
        try:
            recorded = caller_pb2.GetExecutionInput.FromString(details[0].data)
        except message.DecodeError:
            return "", False
        return recorded.execution_id, False
    return "", True
