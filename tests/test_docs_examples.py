"""The Python SDK guide's examples are real code: they type-check under ``mypy --strict``, and the
guide's test of its own caller passes against a real dev server with the SDK's test kit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "python-sdk.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)

pytestmark = pytest.mark.integration


def _block(containing: str) -> str:
    (block,) = (b for b in BLOCK.findall(GUIDE.read_text()) if containing in b)
    return block


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's project made of the guide's code blocks."""
    root = tmp_path_factory.mktemp("guide")
    (root / "support_app.py").write_text(_block("class Support"))
    (root / "test_support.py").write_text(_block("async def test_support_answers"))
    (root / "conftest.py").write_text(_block("pytest_plugins"))
    (root / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = auto\n"
        "asyncio_default_fixture_loop_scope = session\n"
        "asyncio_default_test_loop_scope = session\n"
    )
    return root


def test_the_guides_examples_type_check_strictly(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "."],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_guides_test_of_its_caller_passes(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_support.py"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "PYTHONPATH": str(project)},
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "1 passed" in result.stdout
