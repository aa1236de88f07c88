"""The service's logic behind both controllers of both kinds, with no gRPC in it.

``create`` is a pipeline: it refuses a spec above the limit (`ResourceExhausted`), validates
the request as the deployed Stigmer service does (`InvalidRequest` with field violations,
nothing persisted), holds the principal to its quotas (`ResourceExhausted`), authorises the
callback token for the principal (`stigmer_sdk.service.scopes`), ignores the caller's status,
honours the idempotency key (unique per owner, bound to its request digest and caller activity:
`FailedPrecondition` on a conflict), persists the execution with its token before anything
else, starts the invoke workflow (its id derived from the execution id, so a repeated start is
harmless), and returns the ACK. ``get``, ``subscribe``, ``update_status`` and ``cancel`` raise
`NotFound` for an execution the caller may not see. ``cancel`` records the request, then
signals the execution's workflow to stop its run.

Every refusal is a `stigmer_sdk.service.refusals.Refusal`; the gRPC edge
(`stigmer_sdk.service.servicer`) turns it into a status. The caller's principal and the
idempotency keys it sent as metadata are arguments, so that the pipeline runs without a server.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence

import temporalio.client
import temporalio.service

from stigmer_sdk import _contract
from stigmer_sdk._execution import (
    API_VERSION,
    Execution,
    ExecutionKind,
    ExecutionPhase,
    clear_callback_tokens,
    is_terminal,
    set_phase,
)
from stigmer_sdk.api.agentic.agentexecution.v1 import api_pb2 as agent_api
from stigmer_sdk.api.agentic.agentexecution.v1 import spec_pb2 as agent_spec
from stigmer_sdk.create_rules import rule_violations
from stigmer_sdk.errors import TokenError
from stigmer_sdk.idempotency import IDEMPOTENCY_ANNOTATION, IDEMPOTENCY_METADATA_KEY
from stigmer_sdk.logs import log_line
from stigmer_sdk.service.auth import Principal, Role
from stigmer_sdk.service.config import ServiceSettings
from stigmer_sdk.service.executions import ExecutionUpdates, decode
from stigmer_sdk.service.invoke_workflow import CANCEL_REQUESTED_ANNOTATION
from stigmer_sdk.service.refusals import (
    FailedPrecondition,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unavailable,
)
from stigmer_sdk.service.runner import Runner
from stigmer_sdk.service.scopes import CallbackTokenAuthorizer, ScopePolicy
from stigmer_sdk.service.settlement import Settlement
from stigmer_sdk.service.start_invoke import request_cancel, start_invoke
from stigmer_sdk.service.store import (
    CompletionState,
    ExecutionStore,
    IdempotencyConflictError,
    StoredExecution,
    request_digest,
)
from stigmer_sdk.tokens import TaskToken, token_preview

logger = logging.getLogger("stigmer_sdk.service")

#: ``google.rpc.ErrorInfo`` reasons of the service's refusals.
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

#: Prefix of the execution ids the service assigns, by kind.
_ID_PREFIXES = {ExecutionKind.AGENT: "aex", ExecutionKind.WORKFLOW: "wex"}


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


def spec_size(request: Execution) -> int:
    """The spec's serialized size without its callback token."""
    token_bytes = len(request.spec.callback_token)
    # A bytes field costs its tag (1 byte), its length prefix and its bytes.
    overhead = 1 + len(_varint(token_bytes)) if token_bytes else 0
    return request.spec.ByteSize() - token_bytes - overhead


def idempotency_key_of(request: Execution, sent: Sequence[str]) -> str:
    """The key from metadata (``sent``: its values, once at most) or the annotation; the two
    must agree."""
    annotation = request.metadata.annotations.get(IDEMPOTENCY_ANNOTATION, "")
    if len(sent) > 1:
        raise InvalidRequest([(IDEMPOTENCY_METADATA_KEY, "sent more than once: send one key")])
    if sent and annotation and sent[0] != annotation:
        raise InvalidRequest(
            [
                (
                    f"metadata.annotations[{IDEMPOTENCY_ANNOTATION}]",
                    f"differs from the {IDEMPOTENCY_METADATA_KEY} metadata",
                )
            ]
        )
    return sent[0] if sent else annotation


def _anonymous_or(principal: Principal) -> str:
    return principal.name or "the anonymous principal"


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

    def _violations(self, request: Execution) -> list[tuple[str, str]]:
        """The create rules (declared on the protos, checked with protovalidate, as the SDKs
        check them) and what only this service refuses, with their field paths."""
        checked = request
        if not self._settings.require_resource_fields:
            # Lenient: what a caller left empty is what the SDKs would fill.
            checked = type(request)()
            checked.CopyFrom(request)  # type: ignore[arg-type]
            checked.api_version = checked.api_version or API_VERSION
            checked.kind = checked.kind or ExecutionKind.of(request).resource_kind
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

    def _check_known(self, request: Execution) -> None:
        """`NotFound` when the runner does not know the request's agent or workflow."""
        if self._runner is None:
            return
        if isinstance(request, agent_api.AgentExecution):
            agent_id = request.spec.agent_id
            if not self._runner.knows_agent(agent_id):
                raise NotFound(f"agent {agent_id!r} not found")
            return
        workflow_id = request.spec.workflow_id or request.spec.workflow_instance_id
        if not self._runner.knows_workflow(workflow_id):
            raise NotFound(f"workflow {workflow_id!r} not found")

    async def create(
        self,
        kind: ExecutionKind,
        request: Execution,
        *,
        principal: Principal,
        idempotency_keys_sent: Sequence[str] = (),
    ) -> Execution:
        """Accept ``request`` from ``principal``: the ACK (see the module documentation).

        ``idempotency_keys_sent``: the values of the ``stigmer-idempotency-key`` metadata.

        Raises:
            Refusal: a `stigmer_sdk.service.refusals` error; nothing is persisted.
        """
        began = time.monotonic()
        alone = (
            self._creates_in_flight == 0
            and began - self._last_create_began >= EAGER_START_QUIET_SECONDS
        )
        self._creates_in_flight += 1
        self._last_create_began = began
        try:
            return await self._create(kind, request, principal, idempotency_keys_sent, alone)
        finally:
            self._creates_in_flight -= 1

    async def _create(
        self,
        kind: ExecutionKind,
        request: Execution,
        principal: Principal,
        keys_sent: Sequence[str],
        eager: bool,
    ) -> Execution:
        started = time.perf_counter()
        if not principal.may(Role.CALLER):
            raise PermissionDenied(
                f"{principal.name} may not create executions (role caller needed)"
            )
        size = spec_size(request)
        if size > self._settings.max_spec_bytes:
            raise ResourceExhausted(
                f"spec is {size} bytes; the limit is {self._settings.max_spec_bytes} bytes",
                reason=SPEC_TOO_LARGE_REASON,
            )
        violations = self._violations(request)
        if violations:
            raise InvalidRequest(violations)
        self._check_known(request)
        key = idempotency_key_of(request, keys_sent)
        digest = request_digest(request.spec)  # the spec as meant, whichever attempt sent it
        token = request.spec.callback_token
        await self._check_limits(principal, kind, key)
        await self._tokens.check(principal, token, key)
        row, created = await self._persist(kind, request, principal, key, digest)
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
            # (service.reconciler). Refusing here would make a client retry persist another one.
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

    async def _persist(
        self,
        kind: ExecutionKind,
        request: Execution,
        principal: Principal,
        key: str,
        digest: str,
    ) -> tuple[StoredExecution, bool]:
        """Store the execution as the service owns it, with the caller's token beside it."""
        execution = type(request)()
        execution.CopyFrom(request)  # type: ignore[arg-type]
        execution.spec.ClearField("callback_token")
        # The service owns status: whatever a caller sends there (a phase, messages, a token) is
        # dropped, so it can neither seed what the run reports nor store a token in clear.
        execution.ClearField("status")
        execution.api_version = API_VERSION
        execution.kind = kind.resource_kind
        execution.metadata.id = f"{_ID_PREFIXES[kind]}_{uuid.uuid4().hex}"
        if key:
            execution.metadata.annotations[IDEMPOTENCY_ANNOTATION] = key
        set_phase(execution, ExecutionPhase.EXECUTION_PENDING)
        try:
            return await self._store.create(
                id=execution.metadata.id,
                kind=kind,
                execution=execution.SerializeToString(deterministic=True),
                callback_token=request.spec.callback_token,
                idempotency_key=key or None,
                owner=principal.name,
                request_digest=digest,
            )
        except IdempotencyConflictError as conflict:  # the same owner's key, another request
            raise FailedPrecondition(
                f"idempotency key {key!r} refused: "
                f"{IDEMPOTENCY_CONFLICT_REASONS.get(conflict.reason, conflict.reason)}",
                reason=f"IDEMPOTENCY_CONFLICT_{conflict.reason.upper()}",
                log_note=f" execution_id={conflict.execution_id} principal={principal.name}",
            ) from None

    async def _check_limits(self, principal: Principal, kind: ExecutionKind, key: str) -> None:
        """`ResourceExhausted` when the principal is over a quota.

        A repeated create of an execution already stored under the principal's key (a retried
        caller attempt) opens nothing, so the open-executions quota does not apply to it.
        """
        if not self._create_rate.allow(principal.name):
            raise ResourceExhausted(
                f"create rate of {_anonymous_or(principal)} above "
                f"{self._settings.create_rate_per_principal:g}/s; retry later",
                reason=CREATE_RATE_REASON,
            )
        limit = self._settings.max_open_executions_per_principal
        if (
            limit > 0
            and await self._store.count_open(principal.name) >= limit
            and not (key and await self._store.has_key(kind, principal.name, key))
        ):
            raise ResourceExhausted(
                f"{_anonymous_or(principal)} has {limit} open executions, "
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
        self, execution_id: str, principal: Principal, *, field: str = "value"
    ) -> StoredExecution:
        """The execution if the caller may see it; `NotFound` alike when missing or another's."""
        if not execution_id:
            raise InvalidRequest([(field, "must not be empty")])
        row = await self._store.get(execution_id)
        if row is None or not principal.sees(row.owner):
            raise NotFound(f"execution {execution_id} not found")
        return row

    async def get(self, execution_id: str, *, principal: Principal) -> Execution:
        """The execution as stored, if ``principal`` may see it."""
        return decode(await self._visible(execution_id, principal))

    async def cancel(self, execution_id: str, *, principal: Principal) -> Execution:
        """Stop the run of an execution the caller created; the execution as it is then.

        `NotFound`, as ``get``, for an execution the caller may not see. Idempotent: a terminal
        execution is returned unchanged, a repeated cancel signals again. The request is first
        recorded in the store (`CANCEL_REQUESTED_ANNOTATION`, read by the workflow's begin step),
        then the execution's workflow is signalled (started with the signal if it never was);
        `Unavailable` when Temporal cannot take the signal now (the caller retries). The
        execution ends CANCELLED once the run has stopped, and its caller's activity is reported
        cancelled by the settlement.
        """
        row = await self._visible(execution_id, principal)
        current = decode(row)
        if is_terminal(current):
            return current

        def record(execution: Execution) -> None:
            if not is_terminal(execution):
                execution.metadata.annotations[CANCEL_REQUESTED_ANNOTATION] = "true"

        execution = await self._updates.update(execution_id, record)
        if is_terminal(execution):
            return execution
        try:
            signalled = await request_cancel(self._temporal, self._settings, row.kind, row.id)
        except temporalio.service.RPCError as error:
            raise Unavailable(
                f"the cancel of {execution_id} is recorded but its run could not be stopped yet "
                f"({error.message}); retry"
            ) from None
        logger.info(
            "Execution cancel requested execution_id=%s principal=%s signalled=%s",
            execution_id,
            principal.name,
            signalled,
        )
        return execution

    async def update_status(
        self, execution_id: str, status: object, *, principal: Principal
    ) -> Execution:
        """Replace the execution's status (a runner reports); agent messages are appended."""
        await self._visible(execution_id, principal, field="execution_id")
        if not principal.may(Role.RUNNER):
            raise PermissionDenied(f"{principal.name} may not update status (role runner needed)")

        def replace(execution: Execution) -> None:
            messages = list(getattr(execution.status, "messages", []))
            execution.status.CopyFrom(status)  # type: ignore[arg-type]
            clear_callback_tokens(execution)  # never stored, returned or put into history
            if isinstance(execution, agent_api.AgentExecution):
                # Messages are appended: a runner reports what is new.
                new = list(execution.status.messages)
                del execution.status.messages[:]
                execution.status.messages.extend([*messages, *new])

        try:
            return await self._updates.update(execution_id, replace)
        except KeyError:
            raise NotFound(f"execution {execution_id} not found") from None

    async def subscribe(
        self, execution_id: str, *, principal: Principal
    ) -> AsyncIterator[Execution]:
        """The execution now and after each change, until it is terminal."""
        await self._visible(execution_id, principal)
        name = principal.name
        settings = self._settings
        if (
            self._subscriptions.get(name, 0) >= settings.max_subscriptions_per_principal
            or sum(self._subscriptions.values()) >= settings.max_subscriptions
        ):
            raise ResourceExhausted(
                "too many open subscriptions (per principal "
                f"{settings.max_subscriptions_per_principal}, in all {settings.max_subscriptions})"
                "; close one or use get",
                reason=SUBSCRIPTION_LIMIT_REASON,
            )
        self._subscriptions[name] = self._subscriptions.get(name, 0) + 1
        try:
            async for execution in self._follow(execution_id):
                yield execution
        finally:
            remaining = self._subscriptions[name] - 1
            if remaining:
                self._subscriptions[name] = remaining
            else:
                del self._subscriptions[name]

    async def _follow(self, execution_id: str) -> AsyncIterator[Execution]:
        last: bytes | None = None
        while True:
            row = await self._store.get(execution_id)
            if row is None:
                raise NotFound(f"execution {execution_id} not found")
            if row.execution != last:
                last = row.execution
                execution = decode(row)
                yield execution
                if is_terminal(execution):
                    return
            await self._updates.wait_for_change(
                self._settings.subscribe_poll_interval.total_seconds()
            )
