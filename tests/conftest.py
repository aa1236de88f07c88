"""Shared fixtures: a real Temporal dev server, clients, and a recording Stigmer service."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import temporalio.client
from temporalio.worker import Worker

from stigmer_sdk.client import StigmerClient
from stigmer_sdk.converter import data_converter
from stigmer_sdk.system import SystemActivities
from stigmer_sdk.testing import DevServer
from stigmer_sdk.worker import sandboxed_workflow_runner

from workflows import (
    AgentCallerWorkflow,
    CallerActivities,
    InnerAgentWorkflow,
    InnerShapeCallerWorkflow,
)

# The SDK's own test kit provides dev_server, temporal_client, stigmer_service (the fake Stigmer
# service) and stigmer_client; the service fixtures (stores, a running service) are the suite's.
pytest_plugins = ("stigmer_sdk.testing.pytest_plugin", "service_fixtures")

OTHER_NAMESPACE = "stigmer-other"


@pytest.fixture(scope="session")
def stigmer_dev_server_namespaces() -> tuple[str, ...]:
    return (OTHER_NAMESPACE,)


@pytest.fixture(scope="session")
async def other_namespace_client(dev_server: DevServer) -> temporalio.client.Client:
    return await temporalio.client.Client.connect(
        dev_server.target, namespace=OTHER_NAMESPACE, data_converter=data_converter
    )


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4()}"


@pytest.fixture
async def worker(
    # A caller worker with ONE activity slot, on its own task queue.
    temporal_client: temporalio.client.Client,
    stigmer_client: StigmerClient,
    task_queue: str,
) -> AsyncIterator[Worker]:
    callers = CallerActivities(stigmer_client, temporal_client)
    async with Worker(
        temporal_client,
        task_queue=task_queue,
        workflows=[AgentCallerWorkflow, InnerShapeCallerWorkflow, InnerAgentWorkflow],
        activities=[
            callers.run_agent,
            callers.run_inner,
            *SystemActivities(temporal_client).activities(),
        ],
        max_concurrent_activities=1,
        workflow_runner=sandboxed_workflow_runner(),
    ) as running:
        yield running
