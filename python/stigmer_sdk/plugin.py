"""``StigmerPlugin``: one object that sets a Temporal client and worker up for Stigmer.

A caller's worker needs four things wired up by hand without it:

- the data converter that decodes every completion a Stigmer service sends
  (`stigmer_sdk.converter`: binary/protobuf, json/protobuf, and the deployed Go service's
  json/plain);
- the workflow sandbox's passthrough of protobuf and the SDK (`stigmer_sdk.sandbox`);
- the activities ``stigmer/caller/get-execution`` and ``stigmer/caller/watch-execution``, which
  `stigmer_sdk.in_workflow.execute_to_terminal` runs when a service delivers a non-terminal
  execution, and while a handshake stays pending (registered when a `StigmerClient` is given);
- for workers that complete callers, the system activity
  ``stigmer/system/complete-external-activity`` (`SystemActivities`).

The plugin is a temporalio plugin (``temporalio.plugin.SimplePlugin``): put it on the client and
every worker built from that client gets it too.

Example:
    ```python
    stigmer = await StigmerClient.connect("stigmer.example.com:443")
    client = await Client.connect("localhost:7233", plugins=[StigmerPlugin(stigmer=stigmer)])
    worker = Worker(client, task_queue="callers", workflows=[AskAgent], activities=[ask_agent])
    ```
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import temporalio.client
import temporalio.converter
import temporalio.plugin
import temporalio.worker
from temporalio.worker import WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from stigmer_sdk import _contract
from stigmer_sdk.caller import GetExecutionActivity
from stigmer_sdk.client import StigmerClient
from stigmer_sdk.converter import with_stigmer_payloads
from stigmer_sdk.sandbox import PASSTHROUGH_MODULES, sandboxed_workflow_runner
from stigmer_sdk.system_activity import SYSTEM_ACTIVITY_NAME, SystemActivities, log_registered

#: The plugin's name, as temporalio reports it.
PLUGIN_NAME = _contract.PLUGIN_NAME


def _data_converter(
    existing: temporalio.converter.DataConverter | None,
) -> temporalio.converter.DataConverter:
    return with_stigmer_payloads(existing or temporalio.converter.DataConverter.default)


def _workflow_runner(existing: WorkflowRunner | None) -> WorkflowRunner:
    if existing is None:
        return sandboxed_workflow_runner()
    if isinstance(existing, SandboxedWorkflowRunner):
        # Keep the user's own restrictions; only add what Stigmer messages need.
        restrictions = existing.restrictions.with_passthrough_modules(*PASSTHROUGH_MODULES)
        return dataclasses.replace(existing, restrictions=restrictions)
    return existing  # unsandboxed: nothing to pass through


class StigmerPlugin(temporalio.plugin.SimplePlugin):
    """Sets a Temporal client and its workers up for Stigmer handshakes.

    Args:
        stigmer: the Stigmer client that the ``stigmer/caller/get-execution``,
            ``stigmer/caller/watch-execution`` and ``stigmer/caller/cancel-execution`` activities
            call; without one, they are not registered.
        system_activities: register the completion system activity on workers (services and
            workers that complete callers want it; pure callers may turn it off).
        tracing: add temporalio's OpenTelemetry ``TracingInterceptor``, so one trace follows a
            handshake across workflows and activities (needs ``stigmer-handshake[otel]``).
        interceptors: more client or worker interceptors.
    """

    def __init__(
        self,
        stigmer: StigmerClient | None = None,
        *,
        system_activities: bool = True,
        tracing: bool = False,
        interceptors: Sequence[temporalio.client.Interceptor | temporalio.worker.Interceptor]
        | None = None,
    ) -> None:
        all_interceptors = list(interceptors or ())
        if tracing:
            from temporalio.contrib.opentelemetry import TracingInterceptor

            all_interceptors.append(TracingInterceptor())
        super().__init__(
            PLUGIN_NAME,
            data_converter=_data_converter,
            workflow_runner=_workflow_runner,
            interceptors=all_interceptors or None,
        )
        self._stigmer = stigmer
        self._system_activities = system_activities

    def configure_worker(
        self, config: temporalio.worker.WorkerConfig
    ) -> temporalio.worker.WorkerConfig:
        """Add the Stigmer activities (they need the worker's own client) to the rest."""
        config = super().configure_worker(config)
        added: list[Callable[..., Any]] = []
        if self._system_activities:
            added += SystemActivities(config["client"]).activities()
        if self._stigmer is not None:
            added += GetExecutionActivity(self._stigmer).activities()
        registered = {_activity_name(activity) for activity in config.get("activities") or ()}
        config["activities"] = [
            *(config.get("activities") or ()),
            *(activity for activity in added if _activity_name(activity) not in registered),
        ]
        if self._system_activities or SYSTEM_ACTIVITY_NAME in registered:
            log_registered(config.get("task_queue") or "")
        return config


def _activity_name(activity: Callable[..., Any]) -> str | None:
    definition = getattr(activity, "__temporal_activity_definition", None)
    return getattr(definition, "name", None)


__all__ = ["PLUGIN_NAME", "StigmerPlugin"]
