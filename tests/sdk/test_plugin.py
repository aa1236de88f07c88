"""StigmerPlugin's set-up, as a worker built from a plugged client sees it."""

from __future__ import annotations

import temporalio.client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from stigmer_sdk.converter import StigmerPayloadConverter
from stigmer_sdk.plugin import StigmerPlugin
from stigmer_sdk.sandbox import PASSTHROUGH_MODULES
from stigmer_sdk.system_activity import SYSTEM_ACTIVITY_NAME, SystemActivities
from stigmer_sdk.testing import CallerWorkflow, DevServer


def _names(worker: Worker) -> list[str]:
    return [
        activity.__temporal_activity_definition.name  # type: ignore[attr-defined]
        for activity in worker.config(active_config=True).get("activities") or ()
    ]


async def test_the_plugin_sets_the_converter_on_the_client(dev_server: DevServer) -> None:
    client = await temporalio.client.Client.connect(dev_server.target, plugins=[StigmerPlugin()])
    assert client.data_converter.payload_converter_class is StigmerPayloadConverter


async def test_the_plugin_keeps_the_users_sandbox_and_activities(dev_server: DevServer) -> None:
    client = await temporalio.client.Client.connect(dev_server.target, plugins=[StigmerPlugin()])
    own = SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules("my_company_models")
    )
    worker = Worker(
        client,
        task_queue="plugin-config",
        workflows=[CallerWorkflow],
        # The user already registered the system activity: it must not be registered twice.
        activities=SystemActivities(client).activities(),
        workflow_runner=own,
    )
    runner = worker.config(active_config=True)["workflow_runner"]
    assert isinstance(runner, SandboxedWorkflowRunner)
    assert {"my_company_models", *PASSTHROUGH_MODULES} <= runner.restrictions.passthrough_modules
    assert _names(worker) == [SYSTEM_ACTIVITY_NAME]


async def test_an_unsandboxed_runner_is_left_alone(dev_server: DevServer) -> None:
    plugin = StigmerPlugin(system_activities=False)
    client = await temporalio.client.Client.connect(dev_server.target, plugins=[plugin])
    worker = Worker(
        client,
        task_queue="plugin-config",
        workflows=[CallerWorkflow],
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    assert isinstance(
        worker.config(active_config=True)["workflow_runner"], UnsandboxedWorkflowRunner
    )
    assert _names(worker) == []
