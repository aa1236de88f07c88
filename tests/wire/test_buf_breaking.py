"""The committed baseline makes `buf breaking` catch a renumbered or removed callback_token."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.paths import ROOT

BASELINE = ROOT / "api-baseline" / "stigmer-api.binpb"
AGENT_SPEC = Path("proto/ai/stigmer/agentic/agentexecution/v1/spec.proto")
WORKFLOW_SPEC = Path("proto/ai/stigmer/agentic/workflowexecution/v1/spec.proto")

pytestmark = pytest.mark.integration


def _buf() -> str:
    candidate = Path(sys.executable).parent / "buf"
    found = str(candidate) if candidate.exists() else shutil.which("buf")
    assert found, "buf is not installed (pip install buf-bin)"
    return found


@pytest.fixture
def module_copy(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "buf.yaml", tmp_path / "buf.yaml")
    shutil.copytree(ROOT / "proto", tmp_path / "proto")
    shutil.copytree(ROOT / "proto-vendor", tmp_path / "proto-vendor")  # buf/validate
    return tmp_path


def _breaking(module: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # Our module only, as `make proto-check` runs it (proto-vendor is imported, not ours).
        [_buf(), "breaking", "proto", "--against", str(BASELINE)],
        cwd=module,
        capture_output=True,
        text=True,
        check=False,
    )


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


#: The callback token field of each spec, where the deployed service reads it.
EACH_CALLBACK_TOKEN_FIELD = pytest.mark.parametrize(
    ("spec", "field"),
    [(AGENT_SPEC, "bytes callback_token = 6;"), (WORKFLOW_SPEC, "bytes callback_token = 7;")],
)


def test_unchanged_copy_is_not_breaking(module_copy: Path) -> None:
    result = _breaking(module_copy)
    assert result.returncode == 0, result.stdout + result.stderr


@EACH_CALLBACK_TOKEN_FIELD
def test_renumbering_callback_token_is_breaking(module_copy: Path, spec: Path, field: str) -> None:
    _edit(module_copy / spec, field, "bytes callback_token = 10;")
    result = _breaking(module_copy)
    assert result.returncode != 0
    assert re.search(r'field "[67]" with name "callback_token" .* was deleted', result.stdout), (
        result.stdout
    )


@EACH_CALLBACK_TOKEN_FIELD
def test_removing_callback_token_is_breaking(module_copy: Path, spec: Path, field: str) -> None:
    _edit(module_copy / spec, field, "")
    result = _breaking(module_copy)
    assert result.returncode != 0
    assert "callback_token" in result.stdout, result.stdout
