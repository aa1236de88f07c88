"""gRPC servicers of the reference service: the agent and workflow command and query controllers.

Every call passes the `EdgeInterceptor` first: it authenticates the caller (see
`stigmer_sdk.service.auth`) before the request body is decoded, and turns an undecodable
body into INVALID_ARGUMENT (never UNKNOWN, never a traceback). ``grpc.health.v1.Health/Check``
alone answers without credentials (`UNAUTHENTICATED_METHODS`), so that probes need none.

``create`` refuses a spec above `MAX_SPEC_BYTES` (RESOURCE_EXHAUSTED), validates the request
as the deployed Stigmer service does (INVALID_ARGUMENT with ``google.rpc.BadRequest`` field
violations, nothing persisted), holds the principal to its quotas (RESOURCE_EXHAUSTED), authorises
the callback token for the principal (`stigmer_sdk.service.scopes`), ignores the caller's
status, honours the idempotency key (unique per owner, bound to its request digest and caller
activity: FAILED_PRECONDITION on a conflict), persists the execution with its token before
anything else, starts the invoke workflow (its id derived from the execution id, so a repeated
start is harmless), and answers with the ACK in milliseconds. ``get``, ``subscribe``,
``updateStatus`` and ``cancel`` answer NOT_FOUND for an execution the caller may not see.
``cancel`` records the request, then signals the execution's workflow to stop its run.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
import grpc.aio
import temporalio.client
import temporalio.service
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from stigmer_sdk import _contract
from stigmer_sdk.api.agentic.agentexecution.v1 import api_pb2 as agent_api
from stigmer_sdk.api.agentic.agentexecution.v1 import command_pb2_grpc as agent_command
from stigmer_sdk.api.agentic.agentexecution.v1 import io_pb2 as agent_io
from stigmer_sdk.api.agentic.agentexecution.v1 import query_pb2_grpc as agent_query
from stigmer_sdk.api.agentic.agentexecution.v1 import spec_pb2 as agent_spec
from stigmer_sdk.api.agentic.workflowexecution.v1 import api_pb2 as workflow_api
from stigmer_sdk.api.agentic.workflowexecution.v1 import command_pb2_grpc as workflow_command
from stigmer_sdk.api.agentic.workflowexecution.v1 import io_pb2 as workflow_io
from stigmer_sdk.api.agentic.workflowexecution.v1 import query_pb2_grpc as workflow_query
from stigmer_sdk.create_rules import rule_violations
from stigmer_sdk.errors import TokenError
from stigmer_sdk.idempotency import IDEMPOTENCY_ANNOTATION, IDEMPOTENCY_METADATA_KEY
from stigmer_sdk.logs import log_line
from stigmer_sdk.service.auth import ANONYMOUS, Authenticator, Principal, Role, acting_as
from stigmer_sdk.service.auth import current_principal as current_principal
from stigmer_sdk.service.codec import MAX_SPEC_BYTES
from stigmer_sdk.service.config import ServiceSettings as ServiceSettings  # re-exported (CLI, demo)
from stigmer_sdk.service.executions import (
    TERMINAL_PHASES,
    Execution,
    ExecutionUpdates,
    clear_status_token,
    decode,
    set_phase,
)
from stigmer_sdk.service.runner import Runner
from stigmer_sdk.service.scopes import CallbackTokenAuthorizer, ScopePolicy, TokenRefusedError
from stigmer_sdk.service.settlement import Settlement
from stigmer_sdk.service.store import (
    CompletionState,
    ExecutionKind,
    ExecutionStore,
    IdempotencyConflictError,
    StoredExecution,
    request_digest,
)
from stigmer_sdk.service.workers import request_cancel, start_invoke
from stigmer_sdk.service.workers import workflow_id_for as workflow_id_for  # re-exported
from stigmer_sdk.service.workflows import CANCEL_REQUESTED_ANNOTATION
from stigmer_sdk.tokens import (
    DEFAULT_MAX_TOKEN_BYTES,
    TaskToken,
    token_preview,
)

logger = logging.getLogger("stigmer_sdk.service")


API_VERSION = _contract.API_VERSION
PHASE_PENDING = 1

#: Largest request body the gRPC server reads: a spec at the limit, the largest token and the
#: rest of the execution. A larger body gets RESOURCE_EXHAUSTED from gRPC itself.
MAX_REQUEST_BYTES = MAX_SPEC_BYTES + DEFAULT_MAX_TOKEN_BYTES + 64 * 1024

#: ``google.rpc.ErrorInfo`` domain of the service's refusals, and their reasons.
ERROR_DOMAIN = _contract.ERROR_INFO_DOMAIN
#: A spec above the limit: RESOURCE_EXHAUSTED, but sending it again cannot succeed.
SPEC_TOO_LARGE_REASON = "SPEC_TOO_LARGE"
#: Per-principal limits (retryable: the same request may succeed later).
OPEN_EXECUTIONS_QUOTA_REASON = "OPEN_EXECUTIONS_QUOTA_EXCEEDED"
CREATE_RATE_REASON = "CREATE_RATE_EXCEEDED"
SUBSCRIPTION_LIMIT_REASON = "SUBSCRIPTION_LIMIT_EXCEEDED"
IDEMPOTENCY_CONFLICT_REASONS = {
    "request": "the idempotency key was first used with a different request",
    "activity": "the new callback token belongs to another caller activity than the first one",
}


#: The invoke workflow is started eagerly only by a create that is alone: no other create in
#: flight, and none begun within this many seconds before it (a burst). Eager start hands the
#: first workflow task to this process at once, which shortens the handshake but, in a burst,
#: makes the start call heavier and puts that work ahead of the creates still waiting for their
#: ACK (docs/performance.md).
EAGER_START_QUIET_SECONDS = 0.025


async def _abort_invalid(
    context: grpc.aio.ServicerContext[Any, Any], violations: Sequence[tuple[str, str]]
) -> None:
    bad_request = error_details_pb2.BadRequest()
    for field, description in violations:
        bad_request.field_violations.add(field=field, description=description)
    detail = any_pb2.Any()
    detail.Pack(bad_request)
    message = "; ".join(f"{field}: {description}" for field, description in violations)
    status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=message, details=[detail])
    await context.abort_with_status(rpc_status.to_status(status))


async def _abort(
    context: grpc.aio.ServicerContext[Any, Any],
    code: grpc.StatusCode,
    message: str,
    *,
    reason: str = "",
    log_note: str = "",
) -> None:
    """Abort with ``code`` and log one concise line; ``reason`` adds an ``ErrorInfo`` detail.

    ``log_note`` goes into the log line only (what the refused client must not learn).
    """
    logger.info("Refused %s: %s %s%s", _current_method.get(), code.name, message, log_note)
    if not reason:
        await context.abort(code, message)
        return
    info = error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN)
    detail = any_pb2.Any()
    detail.Pack(info)
    status = status_pb2.Status(code=code.value[0], message=message, details=[detail])
    await context.abort_with_status(rpc_status.to_status(status))


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

#: Full method names served without authentication: the health check, a unary call that tells
#: only SERVING or NOT_SERVING. ``Health/Watch`` (a stream a stranger could hold open) stays
#: behind authentication.
UNAUTHENTICATED_METHODS = frozenset({"/grpc.health.v1.Health/Check"})

#: The RPC being served (its method name), for the one log line of a refusal.
_current_method: contextvars.ContextVar[str] = contextvars.ContextVar(
    "stigmer_method", default="call"
)


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
            await _abort(
                context,
                grpc.StatusCode.INVALID_ARGUMENT,
                f"the request body is not a valid message ({request.reason})",
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


class CreateRateLimiter:
    """A token bucket per principal: ``rate`` creates per second, bursts of ``burst``.

    Per replica (behind a load balancer spreading calls over N replicas a principal gets up to
    N times the rate). Buckets of principals idle long enough to be full again are dropped.
    """

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = rate
        self._burst = max(1, burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, principal: str) -> bool:
        """Take one create from ``principal``'s bucket; ``False`` when it is empty."""
        if self._rate <= 0:
            return True
        now = self._clock()
        if len(self._buckets) > 10_000:  # bounded: forget the principals whose buckets are full
            full_after = self._burst / self._rate
            self._buckets = {
                name: (level, at)
                for name, (level, at) in self._buckets.items()
                if now - at < full_after
            }
        level, at = self._buckets.get(principal, (float(self._burst), now))
        level = min(float(self._burst), level + (now - at) * self._rate)
        if level < 1:
            self._buckets[principal] = (level, now)
            return False
        self._buckets[principal] = (level - 1, now)
        return True


class ExecutionService:
    """The logic behind both controllers of both kinds."""

    def __init__(
        self,
        store: ExecutionStore,
        updates: ExecutionUpdates,
        temporal_client: temporalio.client.Client,
        runner: Runner | None,
        settings: ServiceSettings,
        *,
        scopes: ScopePolicy | None = None,
        verify_tokens: bool = False,
    ) -> None:
        """``verify_tokens``: check callback tokens for their principal (the service resolves
        `ServiceSettings.verify_callback_tokens` into it), against ``scopes``."""
        self._store = store
        self._updates = updates
        self._temporal = temporal_client
        self._runner = runner
        self._settings = settings
        self._settlement = Settlement(store, updates, temporal_client)
        self._redeliveries: set[asyncio.Task[None]] = set()
        self._creates_in_flight = 0
        self._last_create_began = -math.inf
        self._tokens = CallbackTokenAuthorizer(
            temporal_client, scopes or ScopePolicy(), enabled=verify_tokens
        )
        self._create_rate = CreateRateLimiter(
            settings.create_rate_per_principal, settings.create_burst_per_principal
        )
        self._subscriptions: dict[str, int] = {}

    def _violations(self, kind: ExecutionKind, request: Execution) -> list[tuple[str, str]]:
        """The create rules (declared on the protos, checked with protovalidate, as the SDKs
        check them) and what only this service refuses, with their field paths."""
        checked = request
        if not self._settings.require_resource_fields:
            # Lenient: what a caller left empty is what the SDKs would fill.
            checked = type(request)()
            checked.CopyFrom(request)  # type: ignore[arg-type]
            checked.api_version = checked.api_version or API_VERSION
            checked.kind = checked.kind or type(request).__name__
            checked.metadata.name = checked.metadata.name or "unnamed"
        violations = [(v.field, v.description) for v in rule_violations(checked)]
        if not request.HasField("spec"):
            return violations
        spec = request.spec
        # Valid for the API (the session names the agent), but this service has no sessions.
        agent = spec if isinstance(spec, agent_spec.AgentExecutionSpec) else None
        if agent is not None and agent.session_id and not agent.agent_id:
            violations.append(("spec.agent_id", "must be set: this service runs agents by id"))
        token = spec.callback_token
        if token:
            try:
                TaskToken(token).validate(self._settings.max_token_bytes)
            except TokenError as error:
                violations.append(("spec.callback_token", str(error)))
        return violations

    def _spec_size(self, request: Execution) -> int:
        """The spec's serialized size without its callback token."""
        token_bytes = len(request.spec.callback_token)
        # A bytes field costs its tag (1 byte), its length prefix and its bytes.
        overhead = 1 + len(_varint(token_bytes)) if token_bytes else 0
        return request.spec.ByteSize() - token_bytes - overhead

    async def _idempotency_key(
        self, request: Execution, context: grpc.aio.ServicerContext[Any, Any]
    ) -> str:
        """The key from metadata (sent once at most) or the annotation; the two must agree."""
        sent = [
            value if isinstance(value, str) else value.decode(errors="replace")
            for key, value in context.invocation_metadata() or ()
            if key == IDEMPOTENCY_METADATA_KEY
        ]
        annotation = request.metadata.annotations.get(IDEMPOTENCY_ANNOTATION, "")
        if len(sent) > 1:
            await _abort_invalid(
                context, [(IDEMPOTENCY_METADATA_KEY, "sent more than once: send one key")]
            )
        if sent and annotation and sent[0] != annotation:
            await _abort_invalid(
                context,
                [
                    (
                        f"metadata.annotations[{IDEMPOTENCY_ANNOTATION}]",
                        f"differs from the {IDEMPOTENCY_METADATA_KEY} metadata",
                    )
                ],
            )
        return sent[0] if sent else annotation

    def _known(self, request: Execution) -> tuple[bool, str]:
        if self._runner is None:
            return True, ""
        if isinstance(request, agent_api.AgentExecution):
            agent_id = request.spec.agent_id
            return self._runner.knows_agent(agent_id), f"agent {agent_id!r} not found"
        workflow_id = request.spec.workflow_id or request.spec.workflow_instance_id
        return self._runner.knows_workflow(workflow_id), f"workflow {workflow_id!r} not found"

    async def create(
        self, kind: ExecutionKind, request: Execution, context: grpc.aio.ServicerContext[Any, Any]
    ) -> Execution:
        began = time.monotonic()
        alone = (
            self._creates_in_flight == 0
            and began - self._last_create_began >= EAGER_START_QUIET_SECONDS
        )
        self._creates_in_flight += 1
        self._last_create_began = began
        try:
            return await self._create(kind, request, context, eager=alone)
        finally:
            self._creates_in_flight -= 1

    async def _create(
        self,
        kind: ExecutionKind,
        request: Execution,
        context: grpc.aio.ServicerContext[Any, Any],
        *,
        eager: bool,
    ) -> Execution:
        started = time.perf_counter()
        principal = current_principal()
        if not principal.may(Role.CALLER):
            await _abort(
                context,
                grpc.StatusCode.PERMISSION_DENIED,
                f"{principal.name} may not create executions (role caller needed)",
            )
        size = self._spec_size(request)
        if size > self._settings.max_spec_bytes:
            await _abort(
                context,
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"spec is {size} bytes; the limit is {self._settings.max_spec_bytes} bytes",
                reason=SPEC_TOO_LARGE_REASON,
            )
        violations = self._violations(kind, request)
        if violations:
            await _abort_invalid(context, violations)
        known, not_found = self._known(request)
        if not known:
            await _abort(context, grpc.StatusCode.NOT_FOUND, not_found)
        key = await self._idempotency_key(request, context)
        digest = request_digest(request.spec)  # the spec as meant, whichever attempt sent it
        token = request.spec.callback_token
        await self._check_limits(principal, kind, key, context)
        try:
            await self._tokens.check(principal, token, key)
        except TokenRefusedError as refused:
            if refused.field:
                await _abort_invalid(context, [(refused.field, refused.message)])
            await _abort(
                context,
                refused.code,
                refused.message,
                reason=refused.reason,
                log_note=refused.log_note,
            )
        execution = type(request)()
        execution.CopyFrom(request)  # type: ignore[arg-type]
        execution.spec.ClearField("callback_token")
        # The service owns status: whatever a caller sends there (a phase, messages, a token) is
        # dropped, so it can neither seed what the run reports nor store a token in clear.
        execution.ClearField("status")
        execution.api_version = API_VERSION
        execution.kind = type(request).__name__
        prefix = "aex" if kind is ExecutionKind.AGENT else "wex"
        execution.metadata.id = f"{prefix}_{uuid.uuid4().hex}"
        if key:
            execution.metadata.annotations[IDEMPOTENCY_ANNOTATION] = key
        set_phase(execution, PHASE_PENDING)

        try:
            row, created = await self._store.create(
                id=execution.metadata.id,
                kind=kind,
                execution=execution.SerializeToString(deterministic=True),
                callback_token=token,
                idempotency_key=key or None,
                owner=principal.name,
                request_digest=digest,
            )
        except IdempotencyConflictError as conflict:  # the same owner's key, another request
            await _abort(
                context,
                grpc.StatusCode.FAILED_PRECONDITION,
                f"idempotency key {key!r} refused: "
                f"{IDEMPOTENCY_CONFLICT_REASONS.get(conflict.reason, conflict.reason)}",
                reason=f"IDEMPOTENCY_CONFLICT_{conflict.reason.upper()}",
                log_note=(f" execution_id={conflict.execution_id} principal={principal.name}"),
            )
            raise
        if token:
            log_line(
                logger,
                _contract.LOG_CALLBACK_TOKEN_DETECTED,
                execution_id=row.id,
                token_preview=token_preview(token),
                token_digest=row.callback_token_short_digest,  # the stored token's, by the store
                token_length=len(token),
            )
            if not created:
                logger.info(
                    "Repeated idempotency key: callback token replaced execution_id=%s", row.id
                )
        # Started on every create, the repeated ones too: if an earlier create persisted but died
        # before starting, this starts it; a running workflow is kept (USE_EXISTING) and a closed
        # one is never run again (REJECT_DUPLICATE).
        try:
            await start_invoke(self._temporal, self._settings, kind, row.id, eager=eager)
        except temporalio.service.RPCError as error:
            # The execution is durable: the reconciler starts its workflow once Temporal answers
            # (service.workers). Refusing here would make a client retry persist another one.
            logger.warning(
                "Could not start the execution workflow yet, the reconciler will "
                "execution_id=%s error=%s",
                row.id,
                error.message,
            )
        if not created and token and row.completion_state is CompletionState.DELIVERED:
            # A retried caller whose execution already ended and was delivered (perhaps to an
            # attempt that had timed out): this attempt gets the same outcome.
            task = asyncio.create_task(self._redeliver(row.id))
            self._redeliveries.add(task)
            task.add_done_callback(self._redeliveries.discard)
        ack = decode(row)
        logger.info(
            "Execution accepted execution_id=%s created=%s ack_ms=%.1f",
            row.id,
            created,
            (time.perf_counter() - started) * 1000,
        )
        return ack

    async def _check_limits(
        self,
        principal: Principal,
        kind: ExecutionKind,
        key: str,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> None:
        """RESOURCE_EXHAUSTED (with ``ErrorInfo``) when the principal is over a quota.

        A repeated create of an execution already stored under the principal's key (a retried
        caller attempt) opens nothing, so the open-executions quota does not apply to it.
        """
        if not self._create_rate.allow(principal.name):
            await _abort(
                context,
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"create rate of {principal.name or 'the anonymous principal'} above "
                f"{self._settings.create_rate_per_principal:g}/s; retry later",
                reason=CREATE_RATE_REASON,
            )
        limit = self._settings.max_open_executions_per_principal
        if (
            limit > 0
            and await self._store.count_open(principal.name) >= limit
            and not (key and await self._store.has_key(kind, principal.name, key))
        ):
            await _abort(
                context,
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"{principal.name or 'the anonymous principal'} has {limit} open executions, "
                "its quota; retry once some have finished",
                reason=OPEN_EXECUTIONS_QUOTA_REASON,
            )

    async def _redeliver(self, execution_id: str) -> None:
        """Complete the newest token of a delivered execution with its recorded outcome
        (`Settlement.redeliver`: retried until delivered)."""
        await self._settlement.redeliver(execution_id)

    async def close(self) -> None:
        """Stop the redeliveries under way (their tokens stay stored; a caller that retries
        again gets its outcome from the next replica)."""
        for task in list(self._redeliveries):
            task.cancel()
        await asyncio.gather(*self._redeliveries, return_exceptions=True)

    async def _visible(
        self, execution_id: str, context: grpc.aio.ServicerContext[Any, Any]
    ) -> StoredExecution:
        """The execution if the caller may see it; NOT_FOUND alike when missing or another's."""
        if not execution_id:
            await _abort_invalid(context, [("value", "must not be empty")])
        row = await self._store.get(execution_id)
        if row is None or not current_principal().sees(row.owner):
            await _abort(context, grpc.StatusCode.NOT_FOUND, f"execution {execution_id} not found")
        assert row is not None
        return row

    async def get(
        self, execution_id: str, context: grpc.aio.ServicerContext[Any, Any]
    ) -> Execution:
        return decode(await self._visible(execution_id, context))

    async def cancel(
        self, execution_id: str, context: grpc.aio.ServicerContext[Any, Any]
    ) -> Execution:
        """Stop the run of an execution the caller created; the execution as it is then.

        NOT_FOUND, as ``get``, for an execution the caller may not see. Idempotent: a terminal
        execution is returned unchanged, a repeated cancel signals again. The request is first
        recorded in the store (`CANCEL_REQUESTED_ANNOTATION`, read by the workflow's begin step),
        then the execution's workflow is signalled (started with the signal if it never was);
        UNAVAILABLE when Temporal cannot take the signal now (the caller retries). The execution
        ends CANCELLED once the run has stopped, and its caller's activity is reported cancelled
        by the settlement.
        """
        row = await self._visible(execution_id, context)
        current = decode(row)
        if current.status.phase in TERMINAL_PHASES:
            return current

        def record(execution: Execution) -> None:
            if execution.status.phase not in TERMINAL_PHASES:
                execution.metadata.annotations[CANCEL_REQUESTED_ANNOTATION] = "true"

        execution = await self._updates.update(execution_id, record)
        if execution.status.phase in TERMINAL_PHASES:
            return execution
        try:
            signalled = await request_cancel(self._temporal, self._settings, row.kind, row.id)
        except temporalio.service.RPCError as error:
            await _abort(
                context,
                grpc.StatusCode.UNAVAILABLE,
                f"the cancel of {execution_id} is recorded but its run could not be stopped yet "
                f"({error.message}); retry",
            )
            raise
        logger.info(
            "Execution cancel requested execution_id=%s principal=%s signalled=%s",
            execution_id,
            current_principal().name,
            signalled,
        )
        return execution

    async def update_status(
        self, execution_id: str, status: object, context: grpc.aio.ServicerContext[Any, Any]
    ) -> Execution:
        if not execution_id:
            await _abort_invalid(context, [("execution_id", "must not be empty")])
        await self._visible(execution_id, context)
        principal = current_principal()
        if not principal.may(Role.RUNNER):
            await _abort(
                context,
                grpc.StatusCode.PERMISSION_DENIED,
                f"{principal.name} may not update status (role runner needed)",
            )

        def replace(execution: Execution) -> None:
            messages = list(getattr(execution.status, "messages", []))
            execution.status.CopyFrom(status)  # type: ignore[arg-type]
            clear_status_token(execution)  # never stored, returned or put into history
            if isinstance(execution, agent_api.AgentExecution):
                # Messages are appended: a runner reports what is new.
                new = list(execution.status.messages)
                del execution.status.messages[:]
                execution.status.messages.extend([*messages, *new])

        try:
            return await self._updates.update(execution_id, replace)
        except KeyError:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"execution {execution_id} not found")
            raise

    async def subscribe(
        self, execution_id: str, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[Execution]:
        await self._visible(execution_id, context)
        name = current_principal().name
        settings = self._settings
        if (
            self._subscriptions.get(name, 0) >= settings.max_subscriptions_per_principal
            or sum(self._subscriptions.values()) >= settings.max_subscriptions
        ):
            await _abort(
                context,
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                "too many open subscriptions (per principal "
                f"{settings.max_subscriptions_per_principal}, in all {settings.max_subscriptions})"
                "; close one or use get",
                reason=SUBSCRIPTION_LIMIT_REASON,
            )
        self._subscriptions[name] = self._subscriptions.get(name, 0) + 1
        try:
            async for execution in self._follow(execution_id, context):
                yield execution
        finally:
            remaining = self._subscriptions[name] - 1
            if remaining:
                self._subscriptions[name] = remaining
            else:
                del self._subscriptions[name]

    async def _follow(
        self, execution_id: str, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[Execution]:
        last: bytes | None = None
        while True:
            row = await self._store.get(execution_id)
            if row is None:
                await context.abort(
                    grpc.StatusCode.NOT_FOUND, f"execution {execution_id} not found"
                )
                return
            if row.execution != last:
                last = row.execution
                execution = decode(row)
                yield execution
                if execution.status.phase in TERMINAL_PHASES:
                    return
            await self._updates.wait_for_change(
                self._settings.subscribe_poll_interval.total_seconds()
            )


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


Context = grpc.aio.ServicerContext[Any, Any]


class AgentCommandController(agent_command.AgentExecutionCommandControllerServicer):
    """``ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController``."""

    def __init__(self, service: ExecutionService) -> None:
        self._service = service

    async def create(  # type: ignore[override]
        self, request: agent_api.AgentExecution, context: Context
    ) -> Execution:
        return await self._service.create(ExecutionKind.AGENT, request, context)

    async def updateStatus(  # type: ignore[override]
        self, request: agent_io.AgentExecutionUpdateStatusInput, context: Context
    ) -> Execution:
        return await self._service.update_status(request.execution_id, request.status, context)

    async def cancel(  # type: ignore[override]
        self, request: agent_io.AgentExecutionId, context: Context
    ) -> Execution:
        return await self._service.cancel(request.value, context)


class AgentQueryController(agent_query.AgentExecutionQueryControllerServicer):
    """``ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryController``."""

    def __init__(self, service: ExecutionService) -> None:
        self._service = service

    async def get(  # type: ignore[override]
        self, request: agent_io.AgentExecutionId, context: Context
    ) -> Execution:
        return await self._service.get(request.value, context)

    async def subscribe(  # type: ignore[override]
        self, request: agent_io.AgentExecutionId, context: Context
    ) -> AsyncIterator[Execution]:
        async for update in self._service.subscribe(request.value, context):
            yield update


class WorkflowCommandController(workflow_command.WorkflowExecutionCommandControllerServicer):
    """``ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController``."""

    def __init__(self, service: ExecutionService) -> None:
        self._service = service

    async def create(  # type: ignore[override]
        self, request: workflow_api.WorkflowExecution, context: Context
    ) -> Execution:
        return await self._service.create(ExecutionKind.WORKFLOW, request, context)

    async def updateStatus(  # type: ignore[override]
        self, request: workflow_io.WorkflowExecutionUpdateStatusInput, context: Context
    ) -> Execution:
        return await self._service.update_status(request.execution_id, request.status, context)

    async def cancel(  # type: ignore[override]
        self, request: workflow_io.WorkflowExecutionId, context: Context
    ) -> Execution:
        return await self._service.cancel(request.value, context)


class WorkflowQueryController(workflow_query.WorkflowExecutionQueryControllerServicer):
    """``ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryController``."""

    def __init__(self, service: ExecutionService) -> None:
        self._service = service

    async def get(  # type: ignore[override]
        self, request: workflow_io.WorkflowExecutionId, context: Context
    ) -> Execution:
        return await self._service.get(request.value, context)

    async def subscribe(  # type: ignore[override]
        self, request: workflow_io.WorkflowExecutionId, context: Context
    ) -> AsyncIterator[Execution]:
        async for update in self._service.subscribe(request.value, context):
            yield update


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
