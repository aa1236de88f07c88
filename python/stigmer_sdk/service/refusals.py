"""Why the service refuses a call: the typed errors of its logic, with no gRPC in them.

The logic (`stigmer_sdk.service.instance`, the token checks of `stigmer_sdk.service.scopes`)
raises one of these; the gRPC edge (`stigmer_sdk.service.servicer`) maps each class to its
status code in one table and answers with the same ``google.rpc`` details as the deployed
service: ``BadRequest`` field violations for `InvalidRequest`, an ``ErrorInfo`` when a refusal
has a ``reason``.
"""

from __future__ import annotations

from collections.abc import Sequence


class Refusal(Exception):
    """A call the service answers with an error; the subclass says which."""

    def __init__(self, message: str, *, reason: str = "", log_note: str = "") -> None:
        super().__init__(message)
        #: What the refused client reads.
        self.message = message
        #: ``google.rpc.ErrorInfo`` reason (none when empty).
        self.reason = reason
        #: For the service's log line only: what the refused client must not learn.
        self.log_note = log_note


class InvalidRequest(Refusal):
    """The request breaks a rule: each violation is a field path and what is wrong with it."""

    def __init__(self, violations: Sequence[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {description}" for field, description in violations))
        self.violations = tuple(violations)


class NotFound(Refusal):
    """No such execution (or agent, workflow) for this caller."""


class PermissionDenied(Refusal):
    """The caller may not do this."""


class ResourceExhausted(Refusal):
    """A limit is reached (a quota, a rate, a size)."""


class FailedPrecondition(Refusal):
    """The request conflicts with what is stored (an idempotency key bound to another)."""


class Unavailable(Refusal):
    """Something the service depends on cannot answer now; the caller retries."""
