"""Shared fixtures: a real Temporal dev server, clients, and a recording Stigmer service."""

from __future__ import annotations

import subprocess
import sys
import uuid
import venv
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import temporalio.client
from temporalio.worker import Worker

from stigmer_sdk.client import StigmerClient
from stigmer_sdk.converter import data_converter
from stigmer_sdk.system import SystemActivities
from stigmer_sdk.testing import CallerWorkflow, DevServer, FakeStigmerService

from helpers.callers import PendingCaller, start_pending_caller
from helpers.fixtures import caller_worker
from helpers.workflows import CallerActivities, InnerAgentWorkflow, InnerShapeCallerWorkflow

# The SDK's own test kit provides dev_server, temporal_client, stigmer_service (the fake Stigmer
# service) and stigmer_client; the service fixtures (stores, a running service) are the suite's.
pytest_plugins = ("stigmer_sdk.testing.pytest_plugin", "helpers.fixtures")

OTHER_NAMESPACE = "stigmer-other"


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's wheel, built once for the session's fresh-venv tests."""
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("*.whl")
    return wheel


@pytest.fixture(scope="session")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Makes a fresh virtual environment named ``name`` and pip-installs ``requirements`` into
    it, as a user would (each argument one ``pip install``); returns its ``bin`` directory."""

    def make(name: str, *requirements: list[str]) -> Path:
        root = tmp_path_factory.mktemp(name)
        venv.create(root / "venv", with_pip=True)
        bin_dir = root / "venv" / "bin"
        for requirement in requirements:
            install = subprocess.run(
                [str(bin_dir / "python"), "-m", "pip", "install", "-q", *requirement],
                capture_output=True,
                text=True,
                check=False,
            )
            assert install.returncode == 0, install.stderr[-3000:]
        return bin_dir

    return make


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
    async with caller_worker(
        temporal_client,
        stigmer_client,
        task_queue,
        CallerWorkflow,
        InnerShapeCallerWorkflow,
        InnerAgentWorkflow,
        activities=[
            CallerActivities(stigmer_client, temporal_client).run_inner,
            *SystemActivities(temporal_client).activities(),
        ],
        max_concurrent_activities=1,
    ) as callers:
        yield callers.worker


@pytest.fixture
async def pending_caller(
    worker: Worker,
    temporal_client: temporalio.client.Client,
    stigmer_service: FakeStigmerService,
    task_queue: str,
) -> PendingCaller:
    """A caller on ``worker`` whose handshake pends on the fake service, with its token."""
    return await start_pending_caller(temporal_client, stigmer_service, task_queue)
