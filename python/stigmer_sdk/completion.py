"""The completion side of the handshake: finish a caller's activity from its task token.

These helpers run wherever a Temporal client is at hand: in the service's system activity
(`stigmer_sdk.system_activity`), in an operator's shell (``stigmer-sdk complete``), or in a
test. Each returns a typed outcome and never raises for the known cases (already completed,
invalid token, empty token, transient errors), so callers decide what to do with a plain
``match``.

Examples:
    >>> async def finish(client: Client, token: bytes, execution: AgentExecution) -> None:
    ...     result = await complete_external_activity(client, token, result=execution)
    ...     if result.outcome is CompletionOutcome.TRANSIENT:
    ...         ...  # retry later
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar, cast

import temporalio.api.common.v1
import temporalio.client
import temporalio.common
import temporalio.converter
import temporalio.exceptions
import temporalio.service
from google.protobuf import any_pb2, descriptor_pool, message, message_factory

from stigmer_sdk import _contract
from stigmer_sdk.api._pool import POOL
from stigmer_sdk.api.sdk.v1 import completion_pb2
from stigmer_sdk.errors import CompletionError
from stigmer_sdk.logs import log_line
from stigmer_sdk.tokens import TaskToken, short_token_digest, token_preview

logger = logging.getLogger("stigmer_sdk.completion")

#: Message of every EMPTY_TOKEN outcome, the same in the Go and Java SDKs.
EMPTY_TOKEN_MESSAGE = _contract.EMPTY_TOKEN_MESSAGE

#: Temporal status codes that make a completion worth retrying.
_TRANSIENT_STATUSES = frozenset(
    {
        temporalio.service.RPCStatusCode.UNAVAILABLE,
        temporalio.service.RPCStatusCode.DEADLINE_EXCEEDED,
        temporalio.service.RPCStatusCode.RESOURCE_EXHAUSTED,
        temporalio.service.RPCStatusCode.ABORTED,
        temporalio.service.RPCStatusCode.INTERNAL,
        temporalio.service.RPCStatusCode.UNKNOWN,
    }
)


class CompletionOutcome(enum.Enum):
    """What became of one completion attempt (``CompleteExternalActivityOutcome`` in proto)."""

    #: Temporal accepted it; the caller's workflow resumes.
    COMPLETED = completion_pb2.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED
    #: NOT_FOUND: the token was used, the activity timed out, or the workflow is closed.
    ALREADY_COMPLETED = completion_pb2.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED
    #: INVALID_ARGUMENT: the token is garbled, truncated, or from another namespace.
    INVALID_TOKEN = completion_pb2.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_INVALID_TOKEN
    #: The token was empty; nothing was sent (fire-and-forget).
    EMPTY_TOKEN = completion_pb2.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN
    #: A transient error (UNAVAILABLE, DEADLINE_EXCEEDED, ...): retry.
    TRANSIENT = completion_pb2.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_TRANSIENT


@dataclass(frozen=True)
class ActivityById:
    """Names an activity by ids instead of its token, as an operator finds it in the UI.

    ``run_id`` empty means the workflow's latest run.
    """

    workflow_id: str
    activity_id: str
    run_id: str = ""

    def describe(self) -> str:
        """How logs and results name it."""
        run = f"/{self.run_id}" if self.run_id else ""
        return f"workflow {self.workflow_id}{run} activity {self.activity_id}"


#: A task token, or the ids of the activity.
ActivityTarget = bytes | TaskToken | ActivityById


@dataclass(frozen=True)
class CompletionResult:
    """Outcome of a completion, with the server's explanation and the token preview."""

    outcome: CompletionOutcome
    message: str = ""
    token_preview: str = ""

    @property
    def delivered(self) -> bool:
        """Whether this call delivered the completion."""
        return self.outcome is CompletionOutcome.COMPLETED

    def to_proto(self) -> completion_pb2.CompleteExternalActivityResult:
        """The ``CompleteExternalActivityResult`` message for this result."""
        return completion_pb2.CompleteExternalActivityResult(
            outcome=self.outcome.value, message=self.message, token_preview=self.token_preview
        )

    @classmethod
    def from_proto(cls, proto: completion_pb2.CompleteExternalActivityResult) -> CompletionResult:
        """Read a ``CompleteExternalActivityResult``, as the system activity returns it."""
        return cls(CompletionOutcome(proto.outcome), proto.message, proto.token_preview)


class HeartbeatOutcome(enum.Enum):
    """What became of one heartbeat sent through a task token."""

    #: Recorded; the caller has not asked to cancel.
    RECORDED = "RECORDED"
    #: Recorded, and the caller's workflow asked to cancel the activity: stop the work and
    #: report the cancellation with `report_external_cancellation`.
    CANCEL_REQUESTED = "CANCEL_REQUESTED"
    ALREADY_COMPLETED = "ALREADY_COMPLETED"
    INVALID_TOKEN = "INVALID_TOKEN"
    EMPTY_TOKEN = "EMPTY_TOKEN"
    TRANSIENT = "TRANSIENT"


@dataclass(frozen=True)
class HeartbeatResult:
    """Outcome of a heartbeat, with the server's explanation and the token preview."""

    outcome: HeartbeatOutcome
    message: str = ""
    token_preview: str = ""


class PayloadEncoding(enum.Enum):
    """How a protobuf result is written into the Temporal payload the caller receives."""

    #: ``binary/protobuf``, deterministic bytes: identical whichever SDK writes them.
    BINARY_PROTOBUF = completion_pb2.PAYLOAD_ENCODING_BINARY_PROTOBUF
    #: ``json/protobuf``, every SDK's default for messages; bytes differ between SDKs.
    JSON_PROTOBUF = completion_pb2.PAYLOAD_ENCODING_JSON_PROTOBUF

    @classmethod
    def from_proto(cls, value: int) -> PayloadEncoding:
        """Read the proto enum; UNSPECIFIED means binary."""
        if value == completion_pb2.PAYLOAD_ENCODING_UNSPECIFIED:
            return cls.BINARY_PROTOBUF
        return cls(value)


_M = TypeVar("_M", bound=message.Message)

#: ``google.protobuf.Any`` of the SDK's private descriptor pool (the type of its messages' Any
#: fields; protobuf's own ``any_pb2.Any`` is another class, see `as_message`).
_Any = cast(
    "type[any_pb2.Any]",
    message_factory.GetMessageClass(POOL.FindMessageTypeByName("google.protobuf.Any")),
)


def pack_any(value: message.Message) -> any_pb2.Any:
    """Pack a message into ``google.protobuf.Any`` with deterministic bytes.

    The ``Any`` is the SDK's own class (its messages' ``Any`` fields take it); any message with
    a full name packs, whichever generated code it comes from.
    """
    packed = _Any()
    packed.Pack(value, deterministic=True)
    return packed


def _is_any(value: message.Message) -> bool:
    return bool(value.DESCRIPTOR.full_name == "google.protobuf.Any")


def message_class(full_name: str) -> type[message.Message]:
    """The generated class of a protobuf message, by full name (a ``messageType``).

    The SDK's own class when it has one (its generated modules live in a private descriptor
    pool, docs/handshake-contract.md), else the class in protobuf's default pool.

    Raises:
        KeyError: no such message is loaded in this process.
    """
    for pool in (POOL, descriptor_pool.Default()):
        try:
            descriptor = pool.FindMessageTypeByName(full_name)
        except KeyError:
            continue
        return message_factory.GetMessageClass(descriptor)
    raise KeyError(full_name)


def as_message(value: message.Message, cls: type[_M]) -> _M:
    """``value`` as an instance of ``cls``, converted through its serialized bytes if needed.

    Two generated classes of one message (the SDK's, and Stigmer's own stubs or another copy of
    the API) share the wire but not the Python class; the SDK accepts either.

    Raises:
        TypeError: ``value`` is another message than ``cls`` (its full name differs).

    Examples:
        >>> from google.protobuf import struct_pb2
        >>> from stigmer_sdk import WorkflowExecutionStatus
        >>> output = WorkflowExecutionStatus().output
        >>> converted = as_message(struct_pb2.Struct(fields={}), type(output))
        >>> type(converted) is type(output)
        True
    """
    if isinstance(value, cls):
        return value
    expected = cls.DESCRIPTOR.full_name
    actual = getattr(getattr(value, "DESCRIPTOR", None), "full_name", type(value).__name__)
    if actual != expected:
        raise TypeError(f"expected a {expected} message, got {actual}")
    return cls.FromString(value.SerializeToString())


def proto_payload(
    value: message.Message, encoding: PayloadEncoding = PayloadEncoding.BINARY_PROTOBUF
) -> temporalio.api.common.v1.Payload:
    """Encode a message (or an ``Any`` holding one) as a Temporal payload.

    A ``google.protobuf.Any`` is unwrapped: the payload's ``messageType`` is the packed type, and
    its data the deterministic encoding of the packed message, as in the Go and Java SDKs. A type
    this process does not know is passed through as packed (binary only).

    Examples:
        >>> from stigmer_sdk.api.agentic.agentexecution.v1.io_pb2 import AgentExecutionId
        >>> payload = proto_payload(AgentExecutionId(value="e-1"))
        >>> sorted(payload.metadata.items())
        [('encoding', b'binary/protobuf'), ('messageType', b'ai.stigmer.agentic.agentexecution.v1.AgentExecutionId')]
        >>> payload.data
        b'\\n\\x03e-1'
    """  # noqa: E501
    if _is_any(value):
        value = cast("any_pb2.Any", value)
        type_name = value.TypeName()
        try:
            unpacked = message_class(type_name)()
        except KeyError:
            if encoding is PayloadEncoding.JSON_PROTOBUF:
                raise ValueError(f"cannot write JSON for unknown type {type_name}") from None
            # Unknown here: pass the packed bytes through (the sender packed them
            # deterministically, so they are still the canonical form).
            return temporalio.api.common.v1.Payload(
                metadata={"encoding": b"binary/protobuf", "messageType": type_name.encode()},
                data=value.value,
            )
        value.Unpack(unpacked)
        value = unpacked
    if encoding is PayloadEncoding.BINARY_PROTOBUF:
        return temporalio.api.common.v1.Payload(
            metadata={
                "encoding": b"binary/protobuf",
                "messageType": value.DESCRIPTOR.full_name.encode(),
            },
            data=value.SerializeToString(deterministic=True),
        )
    json_payload = temporalio.converter.JSONProtoPayloadConverter().to_payload(value)
    assert json_payload is not None  # a Message always converts
    return json_payload


def _raw(value: Any, encoding: PayloadEncoding) -> Any:
    """Protobuf values become pass-through payloads; anything else goes to the converter."""
    if isinstance(value, message.Message):
        return temporalio.common.RawValue(proto_payload(value, encoding))
    return value


def application_error(
    failure: completion_pb2.ActivityFailure,
) -> temporalio.exceptions.ApplicationError:
    """The ``ApplicationError`` that delivers a proto ``ActivityFailure``."""
    details = [_raw(detail, PayloadEncoding.BINARY_PROTOBUF) for detail in failure.details]
    return temporalio.exceptions.ApplicationError(
        failure.message,
        *details,
        type=failure.type or None,
        non_retryable=failure.non_retryable,
    )


def _classify(error: temporalio.service.RPCError) -> CompletionOutcome | None:
    if error.status == temporalio.service.RPCStatusCode.NOT_FOUND:
        return CompletionOutcome.ALREADY_COMPLETED
    if error.status == temporalio.service.RPCStatusCode.INVALID_ARGUMENT:
        return CompletionOutcome.INVALID_TOKEN
    if error.status in _TRANSIENT_STATUSES:
        return CompletionOutcome.TRANSIENT
    return None


def _handle(
    client: temporalio.client.Client, target: bytes | ActivityById
) -> temporalio.client.AsyncActivityHandle:
    if isinstance(target, ActivityById):
        return client.get_async_activity_handle(
            workflow_id=target.workflow_id,
            run_id=target.run_id or None,
            activity_id=target.activity_id,
        )
    return client.get_async_activity_handle(task_token=target)


def _resolve(target: ActivityTarget) -> tuple[bytes | ActivityById, str]:
    """The handle target and how to name it in logs (a token only by its preview)."""
    if isinstance(target, ActivityById):
        return target, target.describe()
    raw = target.raw if isinstance(target, TaskToken) else bytes(target)
    return raw, token_preview(raw)


#: The contract's "Completing external activity with ..." line of each kind of delivery.
_COMPLETING_LINES = {
    "success": _contract.LOG_COMPLETING_SUCCESS,
    "error": _contract.LOG_COMPLETING_ERROR,
    "cancellation": _contract.LOG_COMPLETING_CANCELLATION,
}


def _digest(target: bytes | ActivityById) -> str:
    """The ``token_digest`` log field of a target (``-`` for activity ids)."""
    return short_token_digest(target) if isinstance(target, bytes) else "-"


async def _send(
    target: ActivityTarget,
    action: str,
    call: Callable[[temporalio.client.AsyncActivityHandle], Awaitable[None]],
    client: temporalio.client.Client,
    execution_id: str,
) -> CompletionResult:
    resolved, preview = _resolve(target)
    if not resolved:
        log_line(logger, _contract.LOG_NO_CALLBACK_TOKEN, execution_id=execution_id)
        return CompletionResult(CompletionOutcome.EMPTY_TOKEN, EMPTY_TOKEN_MESSAGE, preview)
    digest = _digest(resolved)
    log_line(
        logger,
        _COMPLETING_LINES[action],
        execution_id=execution_id,
        token_preview=preview,
        token_digest=digest,
    )
    try:
        await call(_handle(client, resolved))
    except temporalio.service.RPCError as error:
        outcome = _classify(error)
        # A known outcome at the contract's level (WARNING); an unknown cause at ERROR.
        log_line(
            logger,
            _contract.LOG_COMPLETION_FAILED,
            level=None if outcome else logging.ERROR,
            execution_id=execution_id,
            token_preview=preview,
            token_digest=digest,
            error=f"{error.status.name}: {error.message}",
        )
        if outcome is None:
            raise CompletionError(
                f"{error.status.name}: {error.message} (token {preview})"
            ) from None
        return CompletionResult(outcome, f"{error.status.name}: {error.message}", preview)
    log_line(
        logger,
        _contract.LOG_COMPLETED,
        execution_id=execution_id,
        token_preview=preview,
        token_digest=digest,
    )
    return CompletionResult(CompletionOutcome.COMPLETED, "", preview)


async def complete_external_activity(
    client: temporalio.client.Client,
    token: ActivityTarget,
    *,
    result: Any = None,
    failure: temporalio.exceptions.ApplicationError | completion_pb2.ActivityFailure | None = None,
    encoding: PayloadEncoding = PayloadEncoding.BINARY_PROTOBUF,
    execution_id: str = "",
    rpc_timeout: timedelta | None = None,
) -> CompletionResult:
    """Complete, or fail, the activity that issued ``token``.

    Args:
        client: a Temporal client connected to the caller's namespace.
        token: the caller's task token (``callback_token``), or the activity's ids.
        result: the activity result. A protobuf message (or an ``Any`` holding one) is sent as a
            pass-through payload in ``encoding``; other values go through the client's data
            converter.
        failure: fail the activity instead, with an ``ApplicationError`` or a proto
            ``ActivityFailure`` (type, message, non_retryable and details are kept).
        encoding: payload encoding of a protobuf result; binary is byte-stable across SDKs.
        execution_id: for logs only.
        rpc_timeout: deadline of the Temporal call.

    Returns:
        The outcome. Known cases never raise.

    Raises:
        CompletionError: Temporal rejected the call for another reason (PERMISSION_DENIED, ...).
        ValueError: both ``result`` and ``failure`` were given.
    """
    if failure is not None and result is not None:
        raise ValueError("give either result or failure, not both")
    call: Callable[[temporalio.client.AsyncActivityHandle], Awaitable[None]]
    if failure is not None:
        error = (
            application_error(as_message(failure, completion_pb2.ActivityFailure))
            if isinstance(failure, message.Message)  # the SDK's class, or another generation's
            else failure
        )
        action, call = "error", lambda handle: handle.fail(error, rpc_timeout=rpc_timeout)
    else:
        raw_result = _raw(result, encoding)
        action, call = (
            "success",
            lambda handle: handle.complete(raw_result, rpc_timeout=rpc_timeout),
        )
    return await _send(token, action, call, client, execution_id)


async def report_external_cancellation(
    client: temporalio.client.Client,
    token: ActivityTarget,
    *details: Any,
    execution_id: str = "",
    rpc_timeout: timedelta | None = None,
) -> CompletionResult:
    """Report the activity that issued ``token`` as cancelled.

    Use after `heartbeat_external_activity` returned ``CANCEL_REQUESTED`` and the work
    stopped. Protobuf details are sent as binary pass-through payloads.
    """
    raw_details = [_raw(detail, PayloadEncoding.BINARY_PROTOBUF) for detail in details]
    return await _send(
        token,
        "cancellation",
        lambda handle: handle.report_cancellation(*raw_details, rpc_timeout=rpc_timeout),
        client,
        execution_id,
    )


async def heartbeat_external_activity(
    client: temporalio.client.Client,
    token: ActivityTarget,
    *details: Any,
    rpc_timeout: timedelta | None = None,
) -> HeartbeatResult:
    """Heartbeat the pending activity that issued ``token``, and learn of cancel requests.

    A pending activity hears from its caller only through its token: a heartbeat keeps a
    heartbeat timeout from firing, and its answer says whether the caller's workflow asked to
    cancel (``CANCEL_REQUESTED``).
    """
    resolved, preview = _resolve(token)
    if not resolved:
        return HeartbeatResult(HeartbeatOutcome.EMPTY_TOKEN, EMPTY_TOKEN_MESSAGE, preview)
    raw_details = [_raw(detail, PayloadEncoding.BINARY_PROTOBUF) for detail in details]
    try:
        await _handle(client, resolved).heartbeat(*raw_details, rpc_timeout=rpc_timeout)
    except temporalio.client.AsyncActivityCancelledError:
        logger.info(
            "Caller requested cancellation token_preview=%s token_digest=%s",
            preview,
            _digest(resolved),
        )
        return HeartbeatResult(HeartbeatOutcome.CANCEL_REQUESTED, "cancel requested", preview)
    except temporalio.service.RPCError as error:
        outcome = _classify(error)
        if outcome is None:
            raise CompletionError(
                f"{error.status.name}: {error.message} (token {preview})"
            ) from None
        return HeartbeatResult(
            HeartbeatOutcome[outcome.name], f"{error.status.name}: {error.message}", preview
        )
    return HeartbeatResult(HeartbeatOutcome.RECORDED, "", preview)


async def complete_from_input(
    client: temporalio.client.Client,
    request: completion_pb2.CompleteExternalActivityInput,
    *,
    rpc_timeout: timedelta | None = None,
) -> CompletionResult:
    """Carry out a ``CompleteExternalActivityInput``: result, failure or cancellation."""
    outcome = request.WhichOneof("outcome")
    if outcome == "failure":
        return await complete_external_activity(
            client,
            request.callback_token,
            failure=request.failure,
            execution_id=request.execution_id,
            rpc_timeout=rpc_timeout,
        )
    if outcome == "cancellation":
        return await report_external_cancellation(
            client,
            request.callback_token,
            *request.cancellation.details,
            execution_id=request.execution_id,
            rpc_timeout=rpc_timeout,
        )
    return await complete_external_activity(
        client,
        request.callback_token,
        result=request.result if outcome == "result" else None,
        encoding=PayloadEncoding.from_proto(request.result_encoding),
        execution_id=request.execution_id,
        rpc_timeout=rpc_timeout,
    )


def completion_input(
    token: bytes,
    *,
    result: message.Message | None = None,
    failure: completion_pb2.ActivityFailure | None = None,
    cancelled: bool = False,
    cancellation_details: Sequence[message.Message] = (),
    encoding: PayloadEncoding = PayloadEncoding.BINARY_PROTOBUF,
    execution_id: str = "",
) -> completion_pb2.CompleteExternalActivityInput:
    """Build the system activity's input; at most one of result, failure and cancelled."""
    if sum((result is not None, failure is not None, cancelled)) > 1:
        raise ValueError("give at most one of result, failure and cancelled")
    request = completion_pb2.CompleteExternalActivityInput(
        callback_token=token, result_encoding=encoding.value, execution_id=execution_id
    )
    if result is not None:
        request.result.CopyFrom(as_message(result, _Any) if _is_any(result) else pack_any(result))
    elif failure is not None:
        request.failure.CopyFrom(as_message(failure, completion_pb2.ActivityFailure))
    elif cancelled:
        request.cancellation.details.extend(pack_any(d) for d in cancellation_details)
    return request
