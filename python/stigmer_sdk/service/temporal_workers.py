"""The service's Temporal workers: the service worker and the runner workers.

The service worker runs the invoke workflows, their bookkeeping activities and the system
activity; with the built-in runner, runner workers serve the runner activities (or the service
worker does, when colocated). They poll on a client with
`stigmer_sdk.service.codec.service_data_converter`, so the workflows' I/O is binary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import temporalio.client
import temporalio.service
from temporalio.worker import Worker

from stigmer_sdk.sandbox import sandboxed_workflow_runner
from stigmer_sdk.service.activities import ServiceActivities
from stigmer_sdk.service.codec import service_data_converter
from stigmer_sdk.service.config import ServiceSettings
from stigmer_sdk.service.executions import ExecutionUpdates
from stigmer_sdk.service.invoke_workflow import (
    InvokeAgentExecutionWorkflow,
    InvokeWorkflowExecutionWorkflow,
)
from stigmer_sdk.service.runner import RUNNER_CONTRACT_SDK, Runner, RunnerActivities
from stigmer_sdk.service.store import ExecutionStore
from stigmer_sdk.system_activity import SystemActivities, log_registered

#: How often runner heartbeats may reach Temporal, so that a cancel request reaches the run soon.
_RUNNER_HEARTBEAT_THROTTLE = timedelta(seconds=1)


def worker_client(client: temporalio.client.Client) -> temporalio.client.Client:
    """A client on ``client``'s connection with the service's binary data converter."""
    config = client.config()
    config["data_converter"] = service_data_converter(config["data_converter"].payload_codec)
    return temporalio.client.Client(**config)


def service_workers(
    client: temporalio.client.Client,
    store: ExecutionStore,
    updates: ExecutionUpdates,
    settings: ServiceSettings,
    runner: Runner | None,
    *,
    graceful_shutdown: timedelta = timedelta(0),
) -> list[Worker]:
    """The service worker, and the runner workers when ``runner`` is given.

    ``client`` is the service's client: callers are completed through it (their results are
    written as binary protobuf either way); the workers poll through `worker_client`. On
    shutdown each worker lets the tasks it holds run for up to ``graceful_shutdown`` (a replica's
    drain) before they are cancelled and retried elsewhere.
    """
    polling = worker_client(client)
    service_activities = ServiceActivities(store, updates, client)
    # Runner activities on the service's own queue (colocated_runner_settings) are served by the
    # service worker, so that they are dispatched eagerly; the others by runner workers.
    runner_queues: dict[str, list[Callable[..., Any]]] = {}
    if runner is not None:
        runner_activities = RunnerActivities(runner, on_progress=service_activities.record_progress)
        runner_queues.setdefault(settings.agent_runner_task_queue, []).extend(
            [runner_activities.run_agent, *runner_activities.deployed_activities()]
        )
        runner_queues.setdefault(settings.workflow_runner_task_queue, []).append(
            runner_activities.run_workflow
        )
    colocated = runner_queues.pop(settings.service_task_queue, [])
    workers = [
        Worker(
            polling,
            task_queue=settings.service_task_queue,
            workflows=[InvokeAgentExecutionWorkflow, InvokeWorkflowExecutionWorkflow],
            activities=[
                *service_activities.activities(),
                *SystemActivities(client).activities(),
                *colocated,
            ],
            workflow_runner=sandboxed_workflow_runner(),
            max_cached_workflows=settings.max_cached_workflows,
            graceful_shutdown_timeout=graceful_shutdown,
            # As on a runner worker: heartbeats of colocated runs reach Temporal soon enough for
            # a cancel to reach them (the service's own activities do not heartbeat).
            max_heartbeat_throttle_interval=_RUNNER_HEARTBEAT_THROTTLE,
            default_heartbeat_throttle_interval=_RUNNER_HEARTBEAT_THROTTLE,
        )
    ]
    log_registered(settings.service_task_queue)
    workers += [
        runner_worker(polling, queue, activities, graceful_shutdown=graceful_shutdown)
        for queue, activities in runner_queues.items()
    ]
    return workers


def colocated_runner_settings(settings: ServiceSettings, builtin_runner: bool) -> ServiceSettings:
    """``settings`` with the runner queues moved onto the service's own queue, when it applies.

    It applies with the built-in runner on the SDK's contract and ``colocate_builtin_runner``: a
    deployed-contract runner keeps the deployed queue names, and an external runner polls its own.
    """
    if not (
        builtin_runner
        and settings.colocate_builtin_runner
        and settings.runner_contract == RUNNER_CONTRACT_SDK
    ):
        return settings
    return replace(
        settings,
        agent_runner_task_queue=settings.service_task_queue,
        workflow_runner_task_queue=settings.service_task_queue,
    )


def runner_worker(
    client: temporalio.client.Client,
    task_queue: str,
    activities: Sequence[Callable[..., Any]],
    *,
    graceful_shutdown: timedelta = timedelta(0),
) -> Worker:
    """A worker serving runner activities, its heartbeats sent soon enough for cancellation.

    Also the stand-in for a deployed Stigmer service's agent runner:

    ```python
    activities = RunnerActivities(ScriptedRunner()).deployed_activities()
    worker = runner_worker(client, AGENT_RUNNER_TASK_QUEUE, activities)
    ```

    It polls through `worker_client` (``client`` may be any client): the deployed service
    sends the execution as ``json/protobuf`` with fields this SDK may not know, which the
    default converter refuses and the service's converter ignores.
    """
    return Worker(
        worker_client(client),
        task_queue=task_queue,
        activities=activities,
        max_heartbeat_throttle_interval=_RUNNER_HEARTBEAT_THROTTLE,
        default_heartbeat_throttle_interval=_RUNNER_HEARTBEAT_THROTTLE,
        graceful_shutdown_timeout=graceful_shutdown,
    )
