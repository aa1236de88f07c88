"""Shared fixtures: a real Temporal dev server, clients, and a recording Stigmer service."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import temporalio.client
from temporalio.worker import Worker

from stigmer_sdk.client import NO_RETRY, ClientOptions, StigmerClient
from stigmer_sdk.system import SystemActivities
from stigmer_sdk.testing import DevServer
from stigmer_sdk.worker import sandboxed_workflow_runner

from recording_service import RecordingStigmerService
from workflows import (
    AgentCallerWorkflow,
    CallerActivities,
    InnerAgentWorkflow,
    InnerShapeCallerWorkflow,
)

# Service fixtures (stores on SQLite and PostgreSQL, a running service) live in their own module.
pytest_plugins = ("service_fixtures",)

OTHER_NAMESPACE = "stigmer-other"


@pytest.fixture(scope="session")
async def dev_server() -> AsyncIterator[DevServer]:
    async with DevServer(namespaces=[OTHER_NAMESPACE]) as server:
        yield server


@pytest.fixture(scope="session")
async def temporal_client(dev_server: DevServer) -> temporalio.client.Client:
    return await temporalio.client.Client.connect(dev_server.target)


@pytest.fixture(scope="session")
async def other_namespace_client(dev_server: DevServer) -> temporalio.client.Client:
    return await temporalio.client.Client.connect(dev_server.target, namespace=OTHER_NAMESPACE)


@pytest.fixture
async def stigmer_service() -> AsyncIterator[RecordingStigmerService]:
    service = await RecordingStigmerService().start()
    yield service
    await service.stop()


@pytest.fixture
async def stigmer_client(stigmer_service: RecordingStigmerService) -> AsyncIterator[StigmerClient]:
    # One attempt: a test that makes create fail sees the failure at once.
    client = await StigmerClient.connect(stigmer_service.target, ClientOptions(retry=NO_RETRY))
    yield client
    await client.close()


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
