"""The quick start and the guide's test run as written, in a user's project outside this repository.

A fresh virtual environment gets the wheel with the extras the guide names; the quick start's
commands and program run there (``stigmer-sdk serve --dev``, then ``python support_app.py``), and
the guide's test runs with plain ``pytest`` in a scratch project: no ``conftest.py``, no pytest
configuration, the test kit found through its ``pytest11`` entry point, whatever the loop scope.
The only change to the guide's text is the two addresses, so that the test does not take the
machine's well-known ports. Every block of the guides also type-checks
(scripts/check_doc_examples.py, run by ``make docs``).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stigmer_sdk.testing import free_port

from helpers.paths import ROOT

GUIDE = ROOT / "docs" / "python-sdk.md"
README = ROOT / "README.md"
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)

pytestmark = pytest.mark.integration


def _blocks(path: Path, language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(path.read_text()) if lang == language]


def _block(path: Path, language: str, containing: str) -> str:
    (block,) = (b for b in _blocks(path, language) if containing in b)
    return block


def _quick_start_commands(path: Path) -> list[str]:
    """The quick start's shell commands, comments dropped."""
    block = _block(path, "sh", "python3 -m venv")
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def _user_env() -> dict[str, str]:
    """The environment of a user's shell: nothing of this repository's test run."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STIGMER_", "PYTEST_", "PYTHON"))
    }
    return {**env, "NO_COLOR": "1", "COLUMNS": "200"}


def _run_as_user(command: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in the user's virtual environment, as the guide's reader would."""
    return subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_user_env(),
        check=False,
    )


@pytest.fixture(scope="module")
def user_venv(built_wheel: Path, fresh_venv: Callable[..., Path]) -> Path:
    """A fresh venv with the wheel and the extras the guide installs: its ``bin`` directory."""
    # The guide's two installs: the quick start's extras, then the test kit's.
    return fresh_venv(
        "newcomer", [f"{built_wheel}[service,devserver]"], [f"{built_wheel}[testing]"]
    )


def test_the_readme_quick_start_is_the_guides() -> None:
    assert _quick_start_commands(README) == _quick_start_commands(GUIDE)
    assert _block(README, "python", "class Support") == _block(GUIDE, "python", "class Support")


def test_the_quick_start_names_only_agents_the_dev_service_has() -> None:
    from stigmer_sdk.service.runner import DEMO_SCRIPTS

    for path in (GUIDE, README):
        for agent in re.findall(r'agent_id="([^"]+)"', path.read_text()):
            assert agent in DEMO_SCRIPTS, f"{path.name}: agent {agent!r} is unknown to serve --dev"
        for agent in DEMO_SCRIPTS:
            assert f"`{agent}`" in path.read_text()


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"serve --dev did not listen on {port}: {log.read_text()[-3000:]}")


@pytest.fixture
def serve_dev(user_venv: Path, tmp_path: Path) -> Iterator[tuple[int, int]]:
    """The quick start's ``stigmer-sdk serve --dev``, on free ports: (service port, Temporal)."""
    *_, serve = _quick_start_commands(GUIDE)
    program, *args = serve.split()
    assert program == "stigmer-sdk"
    listen = free_port()
    temporal = free_port()
    while temporal == listen:  # a port freed by the first probe may come back at once
        temporal = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                *(str(user_venv / program), *args),
                *("--listen", f"127.0.0.1:{listen}", "--address", f"127.0.0.1:{temporal}"),
            ],
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=_user_env(),
            start_new_session=True,
        )
    try:
        _wait_for_port(listen, process, log)
        yield listen, temporal
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_the_quick_start_prints_the_agents_reply(
    user_venv: Path, serve_dev: tuple[int, int], tmp_path: Path
) -> None:
    listen, temporal = serve_dev
    program = _block(GUIDE, "python", "class Support")
    program = program.replace('"localhost:7234"', f'"127.0.0.1:{listen}"')
    program = program.replace('"localhost:7233"', f'"127.0.0.1:{temporal}"')
    (tmp_path / "support_app.py").write_text(program)
    result = _run_as_user([str(user_venv / "python"), "support_app.py"], tmp_path, 120)
    served = (tmp_path / "serve.log").read_text(errors="replace")[-3000:]
    assert result.returncode == 0, result.stderr[-3000:] + "\nserve --dev:\n" + served
    assert result.stdout == "Done: What is the token handshake?\n"


@pytest.mark.parametrize(
    "pytest_options",
    [
        pytest.param([], id="no-configuration"),
        pytest.param(
            [
                *("-o", "asyncio_default_test_loop_scope=session"),
                *("-o", "asyncio_default_fixture_loop_scope=session"),
            ],
            id="session-loop",
        ),
        pytest.param(["-o", "asyncio_mode=auto"], id="auto-mode"),
    ],
)
def test_the_guides_test_passes_in_a_scratch_project(
    user_venv: Path, tmp_path: Path, pytest_options: list[str]
) -> None:
    (tmp_path / "support_app.py").write_text(_block(GUIDE, "python", "class Support"))
    (tmp_path / "test_support.py").write_text(
        _block(GUIDE, "python", "async def test_support_answers")
    )
    # A pytest.ini of its own, empty, so that pytest looks no further up for a configuration.
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    result = _run_as_user([str(user_venv / "pytest"), "-q", *pytest_options], tmp_path, 240)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "1 passed" in result.stdout


def test_every_python_block_of_the_guides_type_checks() -> None:
    from check_doc_examples import check

    assert check([README, *sorted((ROOT / "docs").glob("*.md"))]) == []


def test_the_block_check_reports_a_broken_block_at_its_line(tmp_path: Path) -> None:
    from check_doc_examples import check

    guide = tmp_path / "guide.md"
    guide.write_text(
        "# Guide\n\n<!-- fragment: client: temporalio.client.Client -->\n```python\n"
        "from stigmer_sdk import complete_external_activity\n\n"
        "await complete_external_activity(client)\n```\n\n"
        "```python\nx: int = 'text'\n```\n"
    )
    problems = check([guide])
    assert any(p.startswith("guide.md:7: error: Missing positional argument") for p in problems), (
        problems
    )
    assert any(p.startswith("guide.md:11: error: Incompatible types") for p in problems), problems
