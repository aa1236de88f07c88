"""Typed errors of the Stigmer SDK.

Server errors arrive as `StigmerRPCError` subclasses chosen by gRPC status code, each
carrying the code, the server's message and any ``google.rpc.BadRequest`` field violations, in
the manner of Google's generated clients. Token problems are `TokenError` subclasses. No
error message ever contains a full task token, only its preview.

Examples:
    >>> error = StigmerRPCError.for_code(grpc.StatusCode.NOT_FOUND, "agent a-1 not found")
    >>> type(error).__name__, error.retryable
    ('NotFoundError', False)
    >>> str(error)
    'NOT_FOUND: agent a-1 not found'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, cast

import grpc
from google.rpc import error_details_pb2, status_pb2

#: Status codes worth retrying: the request may succeed if sent again. CANCELLED is one: a
#: cancelled RPC says nothing about the request (and when the caller's activity itself was
#: cancelled, Temporal does not retry it anyway).
TRANSIENT_CODES = frozenset(
    {
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
    }
)

#: ``google.rpc.ErrorInfo`` reasons (domain ``stigmer.ai``) of requests that cannot succeed
#: whatever the attempt, whatever their status code: a spec over the size limit (sent with
#: RESOURCE_EXHAUSTED, a code otherwise worth retrying) and an idempotency key bound to another
#: principal, request or caller activity. The same list in every SDK.
NON_RETRYABLE_REASONS = frozenset(
    {
        "SPEC_TOO_LARGE",
        "IDEMPOTENCY_CONFLICT_OWNER",
        "IDEMPOTENCY_CONFLICT_REQUEST",
        "IDEMPOTENCY_CONFLICT_ACTIVITY",
    }
)


class StigmerError(Exception):
    """Base of every error raised by the Stigmer SDK."""


class TokenError(StigmerError, ValueError):
    """A task token is unusable."""


class EmptyTokenError(TokenError):
    """The task token is empty: the code is not running in an activity, or nothing was sent."""


class TokenTooLargeError(TokenError):
    """The task token is longer than the configured limit."""


class MalformedTokenError(TokenError):
    """The task token is not Base64 (where text was expected) or not a Temporal token."""


@dataclass(frozen=True)
class FieldViolation:
    """One invalid field of a rejected request, from ``google.rpc.BadRequest``."""

    field: str
    description: str


class StigmerRPCError(StigmerError):
    """A Stigmer service answered a call with an error status."""

    #: The status code this class stands for (``None`` on the base class).
    status_code: ClassVar[grpc.StatusCode | None] = None

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        field_violations: Sequence[FieldViolation] = (),
        *,
        reason: str = "",
    ) -> None:
        """Create the error; prefer `for_code` or `from_grpc_error`."""
        super().__init__(f"{code.name}: {message}" + (f" (reason {reason})" if reason else ""))
        self.code = code
        self.message = message
        self.field_violations = tuple(field_violations)
        #: The ``google.rpc.ErrorInfo`` reason the service sent, if any (``SPEC_TOO_LARGE``...).
        self.reason = reason

    @property
    def retryable(self) -> bool:
        """Whether sending the same request again may succeed.

        False for a permanent status code, and for a transient one whose ``ErrorInfo`` reason
        says the request itself cannot succeed (``NON_RETRYABLE_REASONS``).
        """
        return self.code in TRANSIENT_CODES and self.reason not in NON_RETRYABLE_REASONS

    @property
    def invalid_request(self) -> bool:
        """The service refused the request itself: sending it again cannot succeed."""
        return self.reason in NON_RETRYABLE_REASONS

    @staticmethod
    def for_code(
        code: grpc.StatusCode,
        message: str,
        field_violations: Sequence[FieldViolation] = (),
        *,
        reason: str = "",
    ) -> StigmerRPCError:
        """Build the subclass that stands for ``code``."""
        cls = _ERROR_BY_CODE.get(code, StigmerRPCError)
        return cls(code, message, field_violations, reason=reason)

    @staticmethod
    def from_grpc_error(error: grpc.RpcError) -> StigmerRPCError:
        """Translate a grpc error, reading field violations and the ``ErrorInfo`` reason from its
        rich status, if any."""
        code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        message = error.details() if hasattr(error, "details") else str(error)
        violations, reason = _status_details(error)
        return StigmerRPCError.for_code(code, message or "", violations, reason=reason)


def _status_details(error: grpc.RpcError) -> tuple[list[FieldViolation], str]:
    """The ``BadRequest`` field violations and the ``ErrorInfo`` reason of a rich status."""
    trailers = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    for entry in trailers or ():
        # grpc.aio yields plain (key, value) tuples; the sync API yields named tuples.
        key, value = cast(tuple[str, str | bytes], tuple(cast(Any, entry)))
        if key != "grpc-status-details-bin" or not isinstance(value, bytes):
            continue
        status = status_pb2.Status.FromString(value)
        violations: list[FieldViolation] = []
        reason = ""
        for detail in status.details:
            bad_request = error_details_pb2.BadRequest()
            info = error_details_pb2.ErrorInfo()
            if detail.Unpack(bad_request):
                violations.extend(
                    FieldViolation(v.field, v.description) for v in bad_request.field_violations
                )
            elif detail.Unpack(info) and not reason:
                reason = info.reason
        return violations, reason
    return [], ""


class InvalidArgumentError(StigmerRPCError):
    """INVALID_ARGUMENT: the request is wrong; see `field_violations`."""

    status_code = grpc.StatusCode.INVALID_ARGUMENT


class NotFoundError(StigmerRPCError):
    """NOT_FOUND: the execution, agent or workflow does not exist."""

    status_code = grpc.StatusCode.NOT_FOUND


class AlreadyExistsError(StigmerRPCError):
    """ALREADY_EXISTS."""

    status_code = grpc.StatusCode.ALREADY_EXISTS


class FailedPreconditionError(StigmerRPCError):
    """FAILED_PRECONDITION: the system is not in a state that allows the call."""

    status_code = grpc.StatusCode.FAILED_PRECONDITION


class PermissionDeniedError(StigmerRPCError):
    """PERMISSION_DENIED."""

    status_code = grpc.StatusCode.PERMISSION_DENIED


class UnauthenticatedError(StigmerRPCError):
    """UNAUTHENTICATED: missing or invalid credentials."""

    status_code = grpc.StatusCode.UNAUTHENTICATED


class UnavailableError(StigmerRPCError):
    """UNAVAILABLE: the service could not be reached; safe to retry."""

    status_code = grpc.StatusCode.UNAVAILABLE


class DeadlineExceededError(StigmerRPCError):
    """DEADLINE_EXCEEDED: no answer within the call's deadline."""

    status_code = grpc.StatusCode.DEADLINE_EXCEEDED


class ResourceExhaustedError(StigmerRPCError):
    """RESOURCE_EXHAUSTED: rate limited or out of quota."""

    status_code = grpc.StatusCode.RESOURCE_EXHAUSTED


class InternalError(StigmerRPCError):
    """INTERNAL: the service failed."""

    status_code = grpc.StatusCode.INTERNAL


class UnimplementedError(StigmerRPCError):
    """UNIMPLEMENTED: the service does not offer this method."""

    status_code = grpc.StatusCode.UNIMPLEMENTED


_ERROR_BY_CODE: dict[grpc.StatusCode, type[StigmerRPCError]] = {
    cls.status_code: cls
    for cls in (
        InvalidArgumentError,
        NotFoundError,
        AlreadyExistsError,
        FailedPreconditionError,
        PermissionDeniedError,
        UnauthenticatedError,
        UnavailableError,
        DeadlineExceededError,
        ResourceExhaustedError,
        InternalError,
        UnimplementedError,
    )
    if cls.status_code is not None
}


class CompletionError(StigmerError):
    """Temporal rejected a completion for a reason outside the known outcomes.

    Known cases (already completed, invalid token, empty token, transient) are returned as
    outcomes instead; this is raised for the rest, such as PERMISSION_DENIED.
    """
