"""Temporal retry policies built from the contract's (`stigmer_sdk._contract.RETRY_*`)."""

from __future__ import annotations

import temporalio.common

from stigmer_sdk._contract import RetryPolicySpec


def retry_policy(
    spec: RetryPolicySpec, *, maximum_attempts: int | None = None
) -> temporalio.common.RetryPolicy:
    """The Temporal retry policy of the contract's ``spec`` (``maximum_attempts`` overrides it).

    Examples:
        >>> from stigmer_sdk import _contract
        >>> retry_policy(_contract.RETRY_SYSTEM_ACTIVITY).non_retryable_error_types
        ['STIGMER_COMPLETION_INVALID_INPUT']
    """
    return temporalio.common.RetryPolicy(
        initial_interval=spec.initial_interval,
        backoff_coefficient=spec.backoff,
        maximum_interval=spec.maximum_interval,
        maximum_attempts=spec.maximum_attempts if maximum_attempts is None else maximum_attempts,
        non_retryable_error_types=list(spec.non_retryable),
    )
