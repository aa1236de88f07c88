"""pytest fixtures for Stigmer callers: a Temporal dev server and a fake Stigmer service.

Installing ``stigmer-handshake[testing]`` enables the plugin (entry point ``pytest11``); nothing
to add to a ``conftest.py``. Where plugin autoloading is off (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``),
enable it in a ``conftest.py``:

```python
pytest_plugins = ["stigmer_sdk.testing.pytest_plugin"]
```

Fixtures:

- ``dev_server`` (session): a [`DevServer`][stigmer_sdk.testing.DevServer]; override
  ``stigmer_dev_server_namespaces`` to create more namespaces than ``default``;
- ``temporal_client`` (session): a client of its ``default`` namespace;
- ``stigmer_service``: a started [`FakeStigmerService`][stigmer_sdk.testing.FakeStigmerService]
  bound to ``temporal_client``;
- ``stigmer_client``: a [`StigmerClient`][stigmer_sdk.StigmerClient] of that fake service, with
  one attempt per call (a test that makes ``create`` fail sees it at once).

The fixtures work whatever the test's event loop (pytest-asyncio's ``loop_scope``, from the
``asyncio`` marker or ``asyncio_default_test_loop_scope``: function, module or session). The
session's dev server and Temporal client are not bound to a loop; the fake service and the
Stigmer client (``grpc.aio`` objects, bound to the loop that made them) are made on the loop of
the test that uses them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Sequence
from typing import Any

import pytest
import temporalio.client

from stigmer_sdk.client import NO_RETRY, ClientOptions, StigmerClient
from stigmer_sdk.converter import data_converter
from stigmer_sdk.testing import DevServer, FakeStigmerService

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - the core install has the entry point but no test kit
    pytest_asyncio = None  # type: ignore[assignment]

#: Fixtures made on the event loop of the test that requests them (their objects are loop-bound).
TEST_LOOP_FIXTURES = frozenset({"stigmer_service", "stigmer_client"})
_TESTING_EXTRA_HINT = (
    "the Stigmer test kit needs pytest-asyncio: pip install 'stigmer-handshake[testing]'"
)


def _test_loop_scope(item: pytest.Item) -> str:
    """The loop scope pytest-asyncio gives ``item``: its ``asyncio`` marker's, or the default."""
    marker = item.get_closest_marker("asyncio")
    if marker is not None:
        scope = marker.kwargs.get("loop_scope") or marker.kwargs.get("scope")
        if scope:
            return str(scope)
    return str(item.config.getini("asyncio_default_test_loop_scope") or "function")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
) -> Generator[None, object, object]:
    """Run the loop-bound fixtures on the loop of the test being set up.

    pytest-asyncio runs an async fixture on the loop its ``loop_scope`` names, fixed when it is
    declared; a ``grpc.aio`` object made there fails ("attached to a different loop") in a test
    on another loop. This sets that scope, per test, to the test's own (outside pytest-asyncio's
    own wrapper, which reads it).
    """
    if fixturedef.argname in TEST_LOOP_FIXTURES and isinstance(request.node, pytest.Item):
        # pytest-asyncio's mark of a fixture's loop scope (what its ``loop_scope=`` argument sets).
        fixture_function: Any = fixturedef.func
        fixture_function._loop_scope = _test_loop_scope(request.node)
    return (yield)


if pytest_asyncio is None:  # pragma: no cover

    @pytest.fixture(scope="session")
    def dev_server() -> DevServer:
        """Needs the ``testing`` extra."""
        raise pytest.UsageError(_TESTING_EXTRA_HINT)

else:

    @pytest.fixture(scope="session")
    def stigmer_dev_server_namespaces() -> Sequence[str]:
        """Namespaces the ``dev_server`` creates besides ``default``; override to add some."""
        return ()

    @pytest_asyncio.fixture(scope="session", loop_scope="session")
    async def dev_server(
        stigmer_dev_server_namespaces: Sequence[str],
    ) -> AsyncIterator[DevServer]:
        """A Temporal dev server for the whole session."""
        async with DevServer(namespaces=stigmer_dev_server_namespaces) as server:
            yield server

    @pytest_asyncio.fixture(scope="session", loop_scope="session")
    async def temporal_client(dev_server: DevServer) -> temporalio.client.Client:
        """A client of the dev server's ``default`` namespace (usable on any loop), with the SDK's
        data converter (the SDK's messages live in a private descriptor pool that Temporal's
        default converter does not search; docs/handshake-contract.md)."""
        return await temporalio.client.Client.connect(
            dev_server.target, data_converter=data_converter
        )

    @pytest_asyncio.fixture
    async def stigmer_service(
        temporal_client: temporalio.client.Client,
    ) -> AsyncIterator[FakeStigmerService]:
        """A fake Stigmer service, started, that finishes handshakes through ``temporal_client``."""
        async with FakeStigmerService(temporal_client) as service:
            yield service

    @pytest_asyncio.fixture
    async def stigmer_client(
        stigmer_service: FakeStigmerService,
    ) -> AsyncIterator[StigmerClient]:
        """A client of ``stigmer_service`` that makes one attempt per call."""
        client = await StigmerClient.connect(stigmer_service.target, ClientOptions(retry=NO_RETRY))
        yield client
        await client.close()
