"""The completion system activity, ``stigmer/system/complete-external-activity``.

Workflow code must stay deterministic, so a service's workflow cannot call the Temporal client to
complete its caller. It schedules this activity instead, with a ``CompleteExternalActivityInput``.
The input and result are proto messages, so a workflow in one language can schedule the activity
on a worker in another (the Go and Java adapters register the same name).

Example::

    def make_worker(client: Client) -> Worker:
        return Worker(client, task_queue="stigmer-system",
                      activities=SystemActivities(client).activities())
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import temporalio.activity
import temporalio.client
import temporalio.exceptions

from stigmer_sdk.api.sdk.v1 import completion_pb2
from stigmer_sdk.completion import CompletionOutcome, CompletionResult, complete_from_input

#: Name under which every Stigmer SDK registers the completion system activity.
SYSTEM_ACTIVITY_NAME = "stigmer/system/complete-external-activity"

#: Failure type of a transient completion error; Temporal retries it.
COMPLETION_TRANSIENT_TYPE = "STIGMER_COMPLETION_TRANSIENT"

# Metric names of the operator runbook. Labels carry outcomes only, never a token or its preview.
COMPLETIONS_METRIC = "stigmer_external_activity_completions_total"
COMPLETION_DURATION_METRIC = "stigmer_external_activity_completion_duration_seconds"
ERRORS_METRIC = "stigmer_external_activity_errors_total"


def record_completion_metrics(result: CompletionResult, seconds: float) -> None:
    """Count one completion on the running activity's metric meter (Temporal's exporter).

    ``status`` is the outcome in lower case (``completed``, ``already_completed``, ...), as in the
    Go and Java SDKs; every outcome but ``completed`` also counts as an error of that type.
    """
    meter = temporalio.activity.metric_meter().with_additional_attributes({"service": "python"})
    status = result.outcome.name.lower()
    meter.create_counter(COMPLETIONS_METRIC, "External activity completions, by outcome").add(
        1, {"status": status}
    )
    meter.create_histogram_float(
        COMPLETION_DURATION_METRIC, "Time to complete an external activity", "s"
    ).record(seconds, {"status": status})
    if result.outcome is not CompletionOutcome.COMPLETED:
        meter.create_counter(ERRORS_METRIC, "External activity completion errors, by type").add(
            1, {"error_type": status}
        )


class SystemActivities:
    """Holds the Temporal client the system activity completes callers with."""

    def __init__(self, client: temporalio.client.Client) -> None:
        """``client`` must be connected to the callers' namespace."""
        self._client = client

    @temporalio.activity.defn(name=SYSTEM_ACTIVITY_NAME)
    async def complete_external_activity(
        self, request: completion_pb2.CompleteExternalActivityInput
    ) -> completion_pb2.CompleteExternalActivityResult:
        """Complete, fail or cancel the caller's activity; raise only on transient errors."""
        started = time.monotonic()
        result = await complete_from_input(self._client, request)
        record_completion_metrics(result, time.monotonic() - started)
        if result.outcome is CompletionOutcome.TRANSIENT:
            raise temporalio.exceptions.ApplicationError(
                result.message, type=COMPLETION_TRANSIENT_TYPE, non_retryable=False
            )
        return result.to_proto()

    def activities(self) -> Sequence[Callable[..., Any]]:
        """The activities to register on a worker."""
        return [self.complete_external_activity]
