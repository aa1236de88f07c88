"""Which activities a principal may hand the service a callback token for.

The service completes, fails and heartbeats a caller's activity with its own Temporal identity,
so a token it accepts from a principal is a token it will act on. Left unchecked, any principal
allowed to ``create`` could hand it a token forged for another caller's activity (a task token is
an unsigned protobuf) and the service would complete that activity: a confused deputy.

The model follows Temporal's own: the namespace is the trust boundary (Temporal's authorizer and
claim mapper scope principals to namespaces), and within it a principal is scoped to workflow-id
patterns. Before a ``create`` with a token is accepted, `CallbackTokenAuthorizer` checks

1. that the token carries every field a token Temporal issues for an activity task carries
   (namespace id, workflow id, run id, scheduled event id, attempt, activity id): a forged
   token that names an activity by its id alone is refused (INVALID_ARGUMENT);
2. that it is for the service's own namespace and a workflow id in the principal's
   `TokenScope`;
3. that an SDK idempotency key (``v1:...``) is the key of the token's own activity, so a key
   cannot be borrowed for another activity (INVALID_ARGUMENT);
4. with Temporal (``DescribeWorkflowExecution``) that the workflow run is running and the
   activity is pending, started, and at the token's attempt.

Checks 2 and 4 answer alike (PERMISSION_DENIED, reason ``CALLBACK_TOKEN_REFUSED``), so a
refused principal cannot tell another caller's running activity from a made-up one.

Scopes are configured per principal name (``serve --principal-scope``):

```python
key:billing=workflow:billing-*
jwt:svc-a=namespace:default,workflow:svc-a-*,workflow:shared-*
*=workflow:*          # principals not listed (the default)
```
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NoReturn

import temporalio.api.common.v1
import temporalio.api.enums.v1
import temporalio.api.workflowservice.v1
import temporalio.client
import temporalio.service

from stigmer_sdk.idempotency import IDEMPOTENCY_METADATA_KEY, idempotency_key
from stigmer_sdk.service.auth import AuthConfigError, Principal
from stigmer_sdk.service.refusals import InvalidRequest, PermissionDenied, Unavailable
from stigmer_sdk.tokens import TaskToken, TokenInfo, short_token_digest, token_preview

#: ``google.rpc.ErrorInfo`` reason of a token outside the principal's scope or not pending.
TOKEN_REFUSED_REASON = "CALLBACK_TOKEN_REFUSED"
#: The one message of such a refusal: it says nothing about the activity the token names.
TOKEN_REFUSED_MESSAGE = (
    "the callback token does not name a started, pending activity that this principal may "
    "complete (see docs/security.md, callback token scopes)"
)

#: When the service checks callback tokens: ``auto`` (when authentication is on), ``always``,
#: ``never``.
TOKEN_CHECK_MODES = ("auto", "always", "never")

#: Prefix of the idempotency keys the SDKs derive from their activity (`idempotency_key`).
SDK_KEY_PREFIX = "v1:"


@dataclass(frozen=True)
class TokenScope:
    """Namespaces and workflow-id patterns (``fnmatch`` globs) whose activities a principal may
    hand the service tokens for; ``*`` matches everything."""

    namespaces: frozenset[str] = frozenset({"*"})
    workflow_ids: tuple[str, ...] = ("*",)

    def allows(self, namespace: str, workflow_id: str) -> bool:
        """Whether a token of ``workflow_id`` in ``namespace`` is within the scope.

        Examples:
            >>> TokenScope(workflow_ids=("billing-*",)).allows("default", "billing-42")
            True
            >>> TokenScope(workflow_ids=("billing-*",)).allows("default", "shipping-1")
            False
        """
        in_namespace = "*" in self.namespaces or namespace in self.namespaces
        return in_namespace and any(
            fnmatch.fnmatchcase(workflow_id, pattern) for pattern in self.workflow_ids
        )


@dataclass(frozen=True)
class ScopePolicy:
    """The `TokenScope` of each principal name; `default` for the others."""

    scopes: Mapping[str, TokenScope] = field(default_factory=dict)
    default: TokenScope = TokenScope()

    @property
    def restricts(self) -> bool:
        """Whether any principal's scope is narrower than everything."""
        return bool(self.scopes) or self.default != TokenScope()

    def scope_of(self, principal: Principal) -> TokenScope:
        """The principal's scope."""
        return self.scopes.get(principal.name, self.default)

    @classmethod
    def parse(cls, specs: Iterable[str]) -> ScopePolicy:
        """``["key:alice=workflow:alice-*", "*=namespace:default"]`` → the policy.

        A spec is ``PRINCIPAL=RULE[,RULE...]``, a rule ``namespace:NAME`` or ``workflow:GLOB``;
        a principal given without one kind of rule is not limited by it. ``*`` as the principal
        sets the default scope. A principal may be given more than once (its rules add up).

        Examples:
            >>> policy = ScopePolicy.parse(["key:alice=workflow:alice-*,workflow:shared"])
            >>> policy.scopes["key:alice"].workflow_ids
            ('alice-*', 'shared')
        """
        rules: dict[str, tuple[set[str], list[str]]] = {}
        for spec in specs:
            principal, sep, text = spec.partition("=")
            principal = principal.strip()
            if not sep or not principal or not text.strip():
                raise AuthConfigError(
                    f"expected PRINCIPAL=namespace:NAME|workflow:GLOB[,...], got {spec!r}"
                )
            namespaces, workflows = rules.setdefault(principal, (set(), []))
            for rule in text.split(","):
                kind, colon, value = rule.strip().partition(":")
                if not colon or not value or kind not in ("namespace", "workflow"):
                    raise AuthConfigError(
                        f"scope rule {rule.strip()!r} of {principal!r}: expected "
                        "namespace:NAME or workflow:GLOB"
                    )
                if kind == "namespace":
                    namespaces.add(value)
                else:
                    workflows.append(value)
        scopes = {
            principal: TokenScope(
                frozenset(namespaces or {"*"}), tuple(workflows) if workflows else ("*",)
            )
            for principal, (namespaces, workflows) in rules.items()
        }
        default = scopes.pop("*", TokenScope())
        return cls(scopes, default)


def missing_token_fields(info: TokenInfo) -> list[str]:
    """The fields of ``temporal.server.api.token.v1.Task`` that every activity task token Temporal
    issues carries and ``info`` lacks (a token completing "by id" has no run id and scheduled
    event id 0).

    Examples:
        >>> missing_token_fields(TokenInfo(namespace_id="n", workflow_id="w", activity_id="1"))
        ['run_id', 'scheduled_event_id', 'attempt']
    """
    present = {
        "namespace_id": bool(info.namespace_id),
        "workflow_id": bool(info.workflow_id),
        "run_id": bool(info.run_id),
        "scheduled_event_id": info.scheduled_event_id > 0,
        "attempt": info.attempt > 0,
        "activity_id": bool(info.activity_id),
    }
    return [name for name, ok in present.items() if not ok]


class CallbackTokenAuthorizer:
    """Checks a ``create``'s callback token for its principal (see the module documentation)."""

    def __init__(
        self, client: temporalio.client.Client, policy: ScopePolicy, *, enabled: bool
    ) -> None:
        self._client = client
        self._policy = policy
        self.enabled = enabled
        self._namespace_id: str | None = None

    @property
    def namespace(self) -> str:
        """The namespace the service completes activities in (its Temporal client's)."""
        return self._client.namespace

    async def _own_namespace_id(self) -> str:
        if self._namespace_id is None:
            request = temporalio.api.workflowservice.v1.DescribeNamespaceRequest(
                namespace=self.namespace
            )
            response = await self._client.workflow_service.describe_namespace(request)
            self._namespace_id = response.namespace_info.id
        return self._namespace_id

    async def check(self, principal: Principal, token: bytes, key: str) -> None:
        """Accept ``token`` (and its idempotency ``key``) from ``principal``, or raise.

        Raises:
            InvalidRequest: not a genuine token, or a key of another activity.
            PermissionDenied: out of scope, or not a started pending activity.
            Unavailable: Temporal could not be asked (retryable).
        """
        if not self.enabled or not token:
            return
        info = TaskToken(token).inspect()
        missing = missing_token_fields(info) if info is not None else ["all"]
        if info is None or missing:
            raise InvalidRequest(
                [
                    (
                        "spec.callback_token",
                        f"lacks {', '.join(missing)}: not an activity task token Temporal issued",
                    )
                ]
            )
        try:
            namespace_id = await self._own_namespace_id()
        except temporalio.service.RPCError as error:
            raise self._unavailable(error) from None
        in_scope = self._policy.scope_of(principal).allows(self.namespace, info.workflow_id)
        if info.namespace_id != namespace_id or not in_scope:
            self._refuse(principal, token, "outside the principal's scope")
        if key.startswith(SDK_KEY_PREFIX):
            expected = idempotency_key(
                self.namespace, info.workflow_id, info.run_id, info.activity_id
            )
            if key != expected:
                raise InvalidRequest(
                    [
                        (
                            IDEMPOTENCY_METADATA_KEY,
                            "is not the key of the callback token's activity (namespace, "
                            "workflow id, run id, activity id)",
                        )
                    ]
                )
        await self._check_pending(principal, token, info)

    async def _check_pending(self, principal: Principal, token: bytes, info: TokenInfo) -> None:
        request = temporalio.api.workflowservice.v1.DescribeWorkflowExecutionRequest(
            namespace=self.namespace,
            execution=temporalio.api.common.v1.WorkflowExecution(
                workflow_id=info.workflow_id, run_id=info.run_id
            ),
        )
        try:
            described = await self._client.workflow_service.describe_workflow_execution(request)
        except temporalio.service.RPCError as error:
            if error.status in (
                temporalio.service.RPCStatusCode.NOT_FOUND,
                temporalio.service.RPCStatusCode.INVALID_ARGUMENT,
            ):
                self._refuse(principal, token, "no such workflow run")
            raise self._unavailable(error) from None
        states = temporalio.api.enums.v1.PendingActivityState
        running = temporalio.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
        if described.workflow_execution_info.status != running:
            self._refuse(principal, token, "the workflow run is closed")
        for pending in described.pending_activities:
            started = pending.state == states.PENDING_ACTIVITY_STATE_STARTED or (
                pending.state == states.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED
                and pending.HasField("last_started_time")
            )
            if (
                pending.activity_id == info.activity_id
                and started
                and pending.attempt == info.attempt
                and (not info.activity_type or pending.activity_type.name == info.activity_type)
            ):
                return
        self._refuse(principal, token, "the activity is not pending and started at that attempt")

    def _refuse(self, principal: Principal, token: bytes, why: str) -> NoReturn:
        # The log line says why; the answer does not (no oracle for another caller's activities).
        raise PermissionDenied(
            TOKEN_REFUSED_MESSAGE,
            reason=TOKEN_REFUSED_REASON,
            log_note=(
                f" principal={principal.name} token_preview={token_preview(token)} "
                f"token_digest={short_token_digest(token)} why={why}"
            ),
        )

    @staticmethod
    def _unavailable(error: temporalio.service.RPCError) -> Unavailable:
        return Unavailable(
            f"cannot check the callback token with Temporal yet: {error.message}",
        )
