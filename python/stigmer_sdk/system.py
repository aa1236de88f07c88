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

from collections.abc import Callable, Sequence
from typing import Any

import temporalio.activity
import temporalio.client
import temporalio.exceptions

from stigmer_sdk.api.sdk.v1 import completion_pb2
from stigmer_sdk.completion import CompletionOutcome, complete_from_input

#: Name under which every Stigmer SDK registers the completion system activity.
SYSTEM_ACTIVITY_NAME = "stigmer/system/complete-external-activity"

#: Failure type of a transient completion error; Temporal retries it.
COMPLETION_TRANSIENT_TYPE = "STIGMER_COMPLETION_TRANSIENT"


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
        result = await complete_from_input(self._client, request)
        if result.outcome is CompletionOutcome.TRANSIENT:
            raise temporalio.exceptions.ApplicationError(
                result.message, type=COMPLETION_TRANSIENT_TYPE, non_retryable=False
            )
        return result.to_proto()

    def activities(self) -> Sequence[Callable[..., Any]]:
        """The activities to register on a worker."""
        return [self.complete_external_activity]
