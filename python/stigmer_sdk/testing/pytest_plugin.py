"""pytest fixtures for Stigmer callers: a Temporal dev server and a fake Stigmer service.

Enable in a ``conftest.py``::

    pytest_plugins = ["stigmer_sdk.testing.pytest_plugin"]

Fixtures:

- ``dev_server`` (session): a :class:`~stigmer_sdk.testing.DevServer`; override
  ``stigmer_dev_server_namespaces`` to create more namespaces than ``default``;
- ``temporal_client`` (session): a client of its ``default`` namespace;
- ``stigmer_service``: a started :class:`~stigmer_sdk.testing.FakeStigmerService` bound to
  ``temporal_client``;
- ``stigmer_client``: a :class:`~stigmer_sdk.StigmerClient` of that fake service, with one
  attempt per call (a test that makes ``create`` fail sees it at once).

The async fixtures run on the session's event loop (pytest-asyncio).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest
import pytest_asyncio
import temporalio.client

from stigmer_sdk.client import NO_RETRY, ClientOptions, StigmerClient
from stigmer_sdk.converter import data_converter
from stigmer_sdk.testing import DevServer, FakeStigmerService


@pytest.fixture(scope="session")
def stigmer_dev_server_namespaces() -> Sequence[str]:
    """Namespaces the ``dev_server`` creates besides ``default``; override to add some."""
    return ()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def dev_server(stigmer_dev_server_namespaces: Sequence[str]) -> AsyncIterator[DevServer]:
    """A Temporal dev server for the whole session."""
    async with DevServer(namespaces=stigmer_dev_server_namespaces) as server:
        yield server


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def temporal_client(dev_server: DevServer) -> temporalio.client.Client:
    """A client of the dev server's ``default`` namespace, with the SDK's data converter (the
    SDK's messages live in a private descriptor pool that Temporal's default converter does not
    search; docs/handshake-contract.md)."""
    return await temporalio.client.Client.connect(dev_server.target, data_converter=data_converter)


@pytest_asyncio.fixture(loop_scope="session")
async def stigmer_service(
    temporal_client: temporalio.client.Client,
) -> AsyncIterator[FakeStigmerService]:
    """A fake Stigmer service, started, that finishes handshakes through ``temporal_client``."""
    async with FakeStigmerService(temporal_client) as service:
        yield service


@pytest_asyncio.fixture(loop_scope="session")
async def stigmer_client(stigmer_service: FakeStigmerService) -> AsyncIterator[StigmerClient]:
    """A client of ``stigmer_service`` that makes one attempt per call."""
    client = await StigmerClient.connect(stigmer_service.target, ClientOptions(retry=NO_RETRY))
    yield client
    await client.close()
