"""Shared fixtures: a real Temporal dev server, clients, and a recording Stigmer service."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import temporalio.client
from recording_service import RecordingStigmerService

from stigmer_sdk.client import NO_RETRY, ClientOptions, StigmerClient
from stigmer_sdk.testing import DevServer

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
