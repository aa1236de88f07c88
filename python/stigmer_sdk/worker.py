"""Worker set-up helpers.

:class:`StigmerPlugin` is the one-line set-up of a caller: pass it to ``Client.connect(...,
plugins=[StigmerPlugin(stigmer_client)])`` and the client decodes every completion shape
(:mod:`stigmer_sdk.converter`), and every worker created from it also runs
``stigmer/caller/get-execution`` (for :func:`stigmer_sdk.workflow.execute_to_terminal`).

Temporal's workflow sandbox re-imports workflow modules for isolation. Protobuf classes must not
be re-imported (the sandbox's copy would not be the class the data converter creates), so
workflows that use Stigmer messages need ``stigmer_sdk`` and ``google.protobuf`` passed through.
:func:`sandboxed_workflow_runner` does that.

Example::

    worker = Worker(
        client,
        task_queue="my-queue",
        workflows=[MyWorkflow],
        activities=[run_agent, *SystemActivities(client).activities()],
        workflow_runner=sandboxed_workflow_runner(),
    )
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import temporalio.converter
from temporalio.plugin import SimplePlugin
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from stigmer_sdk.caller import GetExecutionActivity
from stigmer_sdk.client import StigmerClient
from stigmer_sdk.converter import with_stigmer_payloads

#: Modules the sandbox must pass through for Stigmer workflows.
PASSTHROUGH_MODULES = ("stigmer_sdk", "google.protobuf", "grpc")


def sandboxed_workflow_runner(*extra_passthrough: str) -> SandboxedWorkflowRunner:
    """The default sandbox, with :data:`PASSTHROUGH_MODULES` and ``extra_passthrough`` passed
    through."""
    restrictions = SandboxRestrictions.default.with_passthrough_modules(
        *PASSTHROUGH_MODULES, *extra_passthrough
    )
    return SandboxedWorkflowRunner(restrictions=restrictions)


def _stigmer_payloads(
    existing: temporalio.converter.DataConverter | None,
) -> temporalio.converter.DataConverter:
    return with_stigmer_payloads(existing or temporalio.converter.DataConverter.default)


class StigmerPlugin(SimplePlugin):
    """A Temporal plugin for Stigmer callers (client and worker).

    - data converter: the client's own, with :class:`stigmer_sdk.converter.StigmerPayloadConverter`
      as its payload converter (its codec and failure converter kept);
    - activities: with ``stigmer``, :class:`stigmer_sdk.caller.GetExecutionActivity` on every
      worker.
    """

    def __init__(self, stigmer: StigmerClient | None = None) -> None:
        """``stigmer`` is the client the get-execution activity polls through."""
        activities: Sequence[Callable[..., Any]] | None = (
            GetExecutionActivity(stigmer).activities() if stigmer is not None else None
        )
        super().__init__(
            "stigmer.StigmerPlugin", data_converter=_stigmer_payloads, activities=activities
        )
