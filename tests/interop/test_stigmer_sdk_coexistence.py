"""The SDK installs and imports beside Stigmer's own Python SDK, from PyPI.

PyPI's ``stigmer-sdk`` is Stigmer's SDK (import package ``stigmer``); it depends on
``stigmer-apis``, Stigmer's generated stubs, which pin protobuf 6 and register proto files of
the same names as the SDK's, with other descriptors. A fresh virtual environment gets theirs and
this SDK's wheel: both stay installed, ``pip check`` is clean, and both import in either order
(``import stigmer`` loads their stubs into protobuf's default pool; ours use a private pool).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers.venvs import installed_packages

#: Stigmer's own SDK as published on PyPI when this SDK took its own distribution name.
STIGMER_SDK = "stigmer-sdk==0.1.0.dev0"

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def shared_venv(built_wheel: Path, fresh_venv: Callable[..., Path]) -> Path:
    return fresh_venv("beside-stigmer", [STIGMER_SDK, str(built_wheel)]) / "python"


def test_both_stay_installed_and_pip_check_is_clean(shared_venv: Path) -> None:
    installed = installed_packages(shared_venv)
    assert installed["stigmer-sdk"] == "0.1.0.dev0"
    assert "stigmer-apis" in installed
    assert "stigmer-handshake" in installed
    check = subprocess.run(
        [str(shared_venv), "-m", "pip", "check"], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize(
    "imports", ["import stigmer, stigmer_sdk", "import stigmer_sdk, stigmer"], ids=str
)
def test_both_import_in_either_order(shared_venv: Path, imports: str) -> None:
    # Importing stigmer loads Stigmer's stubs (ai.stigmer.*), the files the SDK also defines;
    # then one message of each is built and read back, so both sets of classes work.
    script = (
        f"{imports}\n"
        "import sys\n"
        "from google.protobuf import descriptor_pool\n"
        "theirs = [m for m in sys.modules if m.startswith('ai.stigmer.')]\n"
        "assert theirs, 'stigmer did not load its stubs'\n"
        "descriptor_pool.Default().FindFileByName('ai/stigmer/commons/apiresource/enum.proto')\n"
        "execution = stigmer_sdk.AgentExecution()\n"
        "execution.spec.message = 'hello'\n"
        "assert stigmer_sdk.AgentExecution.FromString(execution.SerializeToString()) == execution\n"
        "print('OK', len(theirs))\n"
    )
    result = subprocess.run(
        [str(shared_venv), "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("OK ")
