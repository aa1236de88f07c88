"""The suite's session fixtures: fresh virtual environments, another namespace, a task queue.
The test kit's plugin and helpers/fixtures.py hold the others."""

from __future__ import annotations

import subprocess
import sys
import uuid
import venv
from collections.abc import Callable
from pathlib import Path

import pytest
import temporalio.client

from stigmer_sdk.converter import data_converter
from stigmer_sdk.testing import DevServer

from helpers.paths import ROOT

# The SDK's own test kit provides dev_server, temporal_client, stigmer_service (the fake Stigmer
# service) and stigmer_client; the service fixtures (stores, a running service) are the suite's.
pytest_plugins = ("stigmer_sdk.testing.pytest_plugin", "helpers.fixtures")

OTHER_NAMESPACE = "stigmer-other"


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
