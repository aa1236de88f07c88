"""The gRPC edge of the reference service: the controllers, the interceptor, the status mapping.

It only translates. Every call passes the `EdgeInterceptor` first: it authenticates the caller
(see `stigmer_sdk.service.auth`) before the request body is decoded, and turns an undecodable
body into INVALID_ARGUMENT (never UNKNOWN, never a traceback). ``grpc.health.v1.Health/Check``
alone answers without credentials (`UNAUTHENTICATED_METHODS`), so that probes need none. The
controllers hand the request, the principal and the idempotency metadata to the logic
(`stigmer_sdk.service.instance`) and answer its refusals (`stigmer_sdk.service.refusals`)
with the status of `REFUSAL_CODES`, in one place (`refusal_status`): ``google.rpc.BadRequest``
field violations for an invalid request, an ``ErrorInfo`` (domain `ERROR_DOMAIN`) for a
refusal with a reason.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn

import grpc
import grpc.aio
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from stigmer_sdk import _contract
from stigmer_sdk._execution import Execution, ExecutionKind
from stigmer_sdk.api.agentic.agentexecution.v1 import command_pb2_grpc as agent_command
from stigmer_sdk.api.agentic.agentexecution.v1 import query_pb2_grpc as agent_query
from stigmer_sdk.api.agentic.workflowexecution.v1 import command_pb2_grpc as workflow_command
from stigmer_sdk.api.agentic.workflowexecution.v1 import query_pb2_grpc as workflow_query
from stigmer_sdk.idempotency import IDEMPOTENCY_METADATA_KEY
from stigmer_sdk.service.auth import ANONYMOUS, Authenticator, Principal, acting_as
from stigmer_sdk.service.auth import current_principal as current_principal
from stigmer_sdk.service.codec import MAX_SPEC_BYTES
from stigmer_sdk.service.instance import ExecutionService
from stigmer_sdk.service.refusals import (
    FailedPrecondition,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    Refusal,
    ResourceExhausted,
    Unavailable,
)
from stigmer_sdk.tokens import DEFAULT_MAX_TOKEN_BYTES

logger = logging.getLogger("stigmer_sdk.service")

#: Largest request body the gRPC server reads: a spec at the limit, the largest token and the
#: rest of the execution. A larger body gets RESOURCE_EXHAUSTED from gRPC itself.
MAX_REQUEST_BYTES = MAX_SPEC_BYTES + DEFAULT_MAX_TOKEN_BYTES + 64 * 1024

#: ``google.rpc.ErrorInfo`` domain of the service's refusals.
ERROR_DOMAIN = _contract.ERROR_INFO_DOMAIN

#: The status code of each refusal of the logic.
REFUSAL_CODES: Mapping[type[Refusal], grpc.StatusCode] = {
    InvalidRequest: grpc.StatusCode.INVALID_ARGUMENT,
    NotFound: grpc.StatusCode.NOT_FOUND,
    PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    ResourceExhausted: grpc.StatusCode.RESOURCE_EXHAUSTED,
    FailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    Unavailable: grpc.StatusCode.UNAVAILABLE,
}

#: Full method names served without authentication: the health check, a unary call that tells
#: only SERVING or NOT_SERVING. ``Health/Watch`` (a stream a stranger could hold open) stays
#: behind authentication.
UNAUTHENTICATED_METHODS = frozenset({"/grpc.health.v1.Health/Check"})

#: The RPC being served (its method name), for the one log line of a refusal.
_current_method: contextvars.ContextVar[str] = contextvars.ContextVar(
    "stigmer_method", default="call"
)


def refusal_status(refusal: Refusal) -> tuple[grpc.StatusCode, status_pb2.Status | None]:
    """The status code of ``refusal`` and, when it carries details, the ``google.rpc.Status``."""
    code = next(REFUSAL_CODES[cls] for cls in type(refusal).__mro__ if cls in REFUSAL_CODES)
    detail = any_pb2.Any()
    if isinstance(refusal, InvalidRequest):
        bad_request = error_details_pb2.BadRequest()
        for field, description in refusal.violations:
            bad_request.field_violations.add(field=field, description=description)
        detail.Pack(bad_request)
    elif refusal.reason:
        detail.Pack(error_details_pb2.ErrorInfo(reason=refusal.reason, domain=ERROR_DOMAIN))
    else:
        return code, None
    return code, status_pb2.Status(code=code.value[0], message=refusal.message, details=[detail])


def _log_refusal(code: grpc.StatusCode, message: str, note: str) -> None:
    """The one concise line of a refusal (``note`` goes to the log line only)."""
    logger.info("Refused %s: %s %s%s", _current_method.get(), code.name, message, note)


async def _abort_plain(
    context: grpc.aio.ServicerContext[Any, Any], code: grpc.StatusCode, message: str, note: str
) -> NoReturn:
    """Abort with ``code`` and log one concise line (``note`` in the log line only)."""
    _log_refusal(code, message, note)
    await context.abort(code, message)
    raise AssertionError("unreachable: abort raises")


async def abort_refused(context: grpc.aio.ServicerContext[Any, Any], refusal: Refusal) -> NoReturn:
    """Answer ``refusal`` (see `refusal_status`); every one but an invalid request is logged."""
    code, status = refusal_status(refusal)
    if not isinstance(refusal, InvalidRequest):
        _log_refusal(code, refusal.message, refusal.log_note)
    if status is None:
        await context.abort(code, refusal.message)
    else:
        await context.abort_with_status(rpc_status.to_status(status))
    raise AssertionError("unreachable: abort raises")


@dataclass(frozen=True)
class UndecodableRequest:
    """What the safe deserializer hands on instead of raising: the reason the body was refused."""

    reason: str


def _safe_deserializer(deserializer: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    def decode(data: bytes) -> Any:
        try:
            return deserializer(data)
        except Exception as error:  # noqa: BLE001 -- DecodeError, bad UTF-8: all mean a bad body
            return UndecodableRequest(f"{type(error).__name__}: {error}"[:200])

    return decode


Behaviour = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Any]


class EdgeInterceptor(grpc.aio.ServerInterceptor):
    """Authenticates every call before its body is decoded, and answers an undecodable body with
    INVALID_ARGUMENT.

    gRPC hands the handler the raw bytes (no deserializer); the body is parsed only once the
    caller is authenticated, so a stranger costs the service no parsing and learns nothing from
    the answer to a bad body. Inside the call, `current_principal` is the caller.
    """

    def __init__(self, authenticator: Authenticator | None) -> None:
        self._authenticator = authenticator

    async def _enter(
        self,
        method: str,
        body: Any,
        decode: Callable[[bytes], Any] | None,
        context: grpc.aio.ServicerContext[Any, Any],
        *,
        authenticate: bool = True,
    ) -> tuple[Principal, Any]:
        _current_method.set(method)
        principal = ANONYMOUS
        if self._authenticator is not None and authenticate:
            principal = await self._authenticator.authenticate_call(context)
        request = decode(body) if decode is not None else body
        if isinstance(request, UndecodableRequest):
            await _abort_plain(
                context,
                grpc.StatusCode.INVALID_ARGUMENT,
                f"the request body is not a valid message ({request.reason})",
                "",
            )
        return principal, request

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Any]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        enter = self._enter
        method = handler_call_details.method.rsplit("/", 1)[-1]
        deserializer = handler.request_deserializer
        decode = _safe_deserializer(deserializer) if deserializer is not None else None
        if handler.unary_unary is not None:
            inner_unary: Behaviour = handler.unary_unary
            authenticate = handler_call_details.method not in UNAUTHENTICATED_METHODS

            async def unary(body: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
                principal, request = await enter(
                    method, body, decode, context, authenticate=authenticate
                )
                if not authenticate:  # the health check: it reads nothing of any principal
                    return await inner_unary(request, context)
                with acting_as(principal):
                    return await inner_unary(request, context)

            # No deserializer: the body arrives as bytes and is decoded after authentication.
            return grpc.unary_unary_rpc_method_handler(unary, None, handler.response_serializer)
        if handler.unary_stream is not None:
            inner_stream: Behaviour = handler.unary_stream

            async def stream(
                body: Any, context: grpc.aio.ServicerContext[Any, Any]
            ) -> AsyncIterator[Any]:
                principal, request = await enter(method, body, decode, context)
                with acting_as(principal):
                    async for item in inner_stream(request, context):
                        yield item

            return grpc.unary_stream_rpc_method_handler(stream, None, handler.response_serializer)
        return handler


Context = grpc.aio.ServicerContext[Any, Any]


def _idempotency_keys_sent(context: Context) -> list[str]:
    """The values of the idempotency metadata the call carries (a valid call sends one)."""
    return [
        value if isinstance(value, str) else value.decode(errors="replace")
        for key, value in context.invocation_metadata() or ()
        if key == IDEMPOTENCY_METADATA_KEY
    ]


async def _answer(context: Context, call: Awaitable[Execution]) -> Execution:
    try:
        return await call
    except Refusal as refusal:
        await abort_refused(context, refusal)


# The controllers of both kinds share their methods; the generated servicers type each kind's
# messages, hence the ignored "incompatible definition" of the mixins.
class _Commands:
    """``create``, ``updateStatus`` and ``cancel`` of one kind's command controller."""

    kind: ClassVar[ExecutionKind]

    def __init__(self, service: ExecutionService) -> None:
        self._service = service

    async def create(self, request: Any, context: Context) -> Execution:
        created = self._service.create(
            self.kind,
            request,
            principal=current_principal(),
            idempotency_keys_sent=_idempotency_keys_sent(context),
        )
        return await _answer(context, created)

    async def updateStatus(self, request: Any, context: Context) -> Execution:
        updated = self._service.update_status(
            request.execution_id, request.status, principal=current_principal()
        )
        return await _answer(context, updated)

    async def cancel(self, request: Any, context: Context) -> Execution:
        return await _answer(
            context, self._service.cancel(request.value, principal=current_principal())
        )


class _Queries:
    """``get`` and ``subscribe`` of one kind's query controller."""

    def __init__(self, service: ExecutionService) -> None:
        self._service = service

    async def get(self, request: Any, context: Context) -> Execution:
        return await _answer(
            context, self._service.get(request.value, principal=current_principal())
        )

    async def subscribe(self, request: Any, context: Context) -> AsyncIterator[Execution]:
        try:
            async for update in self._service.subscribe(
                request.value, principal=current_principal()
            ):
                yield update
        except Refusal as refusal:
            await abort_refused(context, refusal)


class AgentCommandController(_Commands, agent_command.AgentExecutionCommandControllerServicer):  # type: ignore[misc]
    """``ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController``."""

    kind = ExecutionKind.AGENT


class AgentQueryController(_Queries, agent_query.AgentExecutionQueryControllerServicer):  # type: ignore[misc]
    """``ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryController``."""


class WorkflowCommandController(  # type: ignore[misc]
    _Commands, workflow_command.WorkflowExecutionCommandControllerServicer
):
    """``ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController``."""

    kind = ExecutionKind.WORKFLOW


class WorkflowQueryController(_Queries, workflow_query.WorkflowExecutionQueryControllerServicer):  # type: ignore[misc]
    """``ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryController``."""


def add_controllers(server: grpc.aio.Server, service: ExecutionService) -> None:
    """Register the four controllers on ``server``."""
    agent_command.add_AgentExecutionCommandControllerServicer_to_server(
        AgentCommandController(service), server
    )
    agent_query.add_AgentExecutionQueryControllerServicer_to_server(
        AgentQueryController(service), server
    )
    workflow_command.add_WorkflowExecutionCommandControllerServicer_to_server(
        WorkflowCommandController(service), server
    )
    workflow_query.add_WorkflowExecutionQueryControllerServicer_to_server(
        WorkflowQueryController(service), server
    )
