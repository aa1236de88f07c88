"""Metrics of the token handshake: names, histogram buckets and the Prometheus exporter.

Every metric goes through Temporal's metric meters, so it is exported by the worker's runtime
alongside Temporal's own metrics. A runtime made by `prometheus_runtime` serves them on
``/metrics`` with durations in seconds and the handshake's histogram buckets.

Service side (the runbook's metrics, recorded by `stigmer_sdk.system_activity` and the service):
``stigmer_external_activity_completions_total{status}``,
``stigmer_external_activity_completion_duration_seconds{status}``,
``stigmer_external_activity_errors_total{error_type}`` and
``stigmer_pending_external_activities{age_bucket}``.

Caller side (recorded by `stigmer_sdk.caller` and `stigmer_sdk.in_workflow`):
``stigmer_caller_handshakes_started_total`` and ``stigmer_caller_handshakes_pending_total`` from
the caller's activity, ``stigmer_caller_handshakes_total{outcome}`` and
``stigmer_caller_handshake_duration_seconds{outcome}`` from the caller's workflow.

Example:
    ```python
    runtime = prometheus_runtime("0.0.0.0:9464")
    client = await Client.connect("temporal:7233", runtime=runtime)
    # workers on `client` export the caller metrics on http://host:9464/metrics
    ```
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

import temporalio.activity
import temporalio.common
import temporalio.runtime
import temporalio.workflow
from temporalio.exceptions import ActivityError, CancelledError, TimeoutError

from stigmer_sdk import _contract
from stigmer_sdk.system_activity import COMPLETION_DURATION_METRIC
from stigmer_sdk.tracing import OUTCOME_ATTRIBUTE, RESUMED_SPAN, workflow_span

#: Upper bounds (seconds) of every duration histogram of the SDK, in all three languages. The
#: runbook's thresholds (50 ms, 200 ms, 500 ms) are edges; the long end covers agents that run
#: for hours.
DURATION_BUCKETS_SECONDS: tuple[float, ...] = _contract.DURATION_BUCKETS_SECONDS

#: Caller activity: a ``create`` attempt was made (one per activity attempt).
CALLER_STARTED_METRIC = _contract.METRIC_CALLER_STARTED.name
#: Caller activity: the service ACKed and the activity went pending.
CALLER_PENDING_METRIC = _contract.METRIC_CALLER_PENDING.name
#: Caller workflow: the handshake activity resolved, by ``outcome``.
CALLER_HANDSHAKES_METRIC = _contract.METRIC_CALLER_HANDSHAKES.name
#: Caller workflow: seconds from scheduling the handshake activity to its resolution, by outcome.
CALLER_DURATION_METRIC = _contract.METRIC_CALLER_DURATION.name

#: The ``service`` label of every metric this SDK records (Go and Java record "go" and "java").
SERVICE_LABEL = {_contract.METRIC_SERVICE_LABEL: _contract.METRIC_SERVICE_PYTHON}

#: Every histogram of the SDK and the buckets it is exported with.
HISTOGRAM_BUCKETS: Mapping[str, Sequence[float]] = {
    COMPLETION_DURATION_METRIC: DURATION_BUCKETS_SECONDS,
    CALLER_DURATION_METRIC: DURATION_BUCKETS_SECONDS,
}


def prometheus_config(bind_address: str) -> temporalio.runtime.PrometheusConfig:
    """Temporal's Prometheus exporter on ``bind_address`` (``host:port``), durations in seconds.

    Temporal's own duration histograms are exported in seconds too, and the SDK's histograms get
    `DURATION_BUCKETS_SECONDS` instead of the exporter's millisecond defaults.
    """
    return temporalio.runtime.PrometheusConfig(
        bind_address=bind_address,
        durations_as_seconds=True,
        histogram_bucket_overrides=HISTOGRAM_BUCKETS,
    )


def prometheus_runtime(bind_address: str) -> temporalio.runtime.Runtime:
    """A Temporal runtime that serves ``/metrics`` on ``bind_address``; see
    `prometheus_config`. Connect the client of the workers to observe with it."""
    return temporalio.runtime.Runtime(
        telemetry=temporalio.runtime.TelemetryConfig(metrics=prometheus_config(bind_address))
    )


_T = TypeVar("_T")


class HandshakeOutcome(enum.Enum):
    """How a handshake activity resolved, as the caller's workflow saw it (label ``outcome``)."""

    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"

    @classmethod
    def of(cls, error: BaseException) -> HandshakeOutcome:
        """The outcome an activity's error stands for.

        Examples:
            >>> HandshakeOutcome.of(ValueError("boom")).value
            'failed'
        """
        cause: BaseException | None = error
        while cause is not None:
            if isinstance(cause, TimeoutError):
                return cls.TIMED_OUT
            if isinstance(cause, (CancelledError, asyncio.CancelledError)):
                return cls.CANCELLED
            cause = cause.cause if isinstance(cause, ActivityError) else None
        return cls.FAILED


def record_handshake_started() -> None:
    """Count a ``create`` attempt of the running caller activity (activity metric meter)."""
    _activity_meter().create_counter(
        CALLER_STARTED_METRIC, "Handshake create attempts made by caller activities"
    ).add(1)


def record_handshake_pending() -> None:
    """Count a caller activity that the service ACKed and that went pending."""
    _activity_meter().create_counter(
        CALLER_PENDING_METRIC, "Caller activities ACKed by the service and left pending"
    ).add(1)


def record_handshake_outcome(outcome: HandshakeOutcome, seconds: float) -> None:
    """Count one resolved handshake on the caller workflow's metric meter (not during replay)."""
    meter = temporalio.workflow.metric_meter().with_additional_attributes(SERVICE_LABEL)
    labels = {"outcome": outcome.value}
    meter.create_counter(CALLER_HANDSHAKES_METRIC, "Handshakes resolved, by outcome").add(1, labels)
    meter.create_histogram_float(
        CALLER_DURATION_METRIC,
        "Seconds from scheduling the handshake activity to its resolution",
        "s",
    ).record(seconds, labels)


async def observe_handshake(activity: Awaitable[_T]) -> _T:
    """Await a handshake activity in a workflow; record its outcome, duration and, when tracing
    is on, a ``StigmerHandshakeResumed`` span (`stigmer_sdk.tracing`).

    ``activity`` is the not-yet-awaited ``workflow.execute_activity(...)`` call; the duration runs
    from now (workflow time, so replay-safe) to its resolution. Errors are re-raised unchanged.

    Example:
        ```python
        result = await observe_handshake(
            workflow.execute_activity(run_agent, request, **handshake_activity_options()))
        ```
    """
    started = temporalio.workflow.now()
    try:
        result = await activity
    except BaseException as error:
        _resolved(HandshakeOutcome.of(error), started)
        raise
    _resolved(HandshakeOutcome.COMPLETED, started)
    return result


def _resolved(outcome: HandshakeOutcome, started: datetime) -> None:
    record_handshake_outcome(outcome, _since(started))
    workflow_span(RESUMED_SPAN, {OUTCOME_ATTRIBUTE: outcome.value})


def _since(started: datetime) -> float:
    return max(0.0, (temporalio.workflow.now() - started).total_seconds())


def _activity_meter() -> temporalio.common.MetricMeter:
    return temporalio.activity.metric_meter().with_additional_attributes(SERVICE_LABEL)
