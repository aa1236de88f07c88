"""Running the ``stigmer-sdk`` console script as a user would."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import grpc.aio

CONSOLE_SCRIPT = Path(sys.executable).parent / "stigmer-sdk"


def cli_env(columns: int = 200) -> dict[str, str]:
    # A wide terminal by default, so rich does not wrap what the assertions look for.
    return {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1", "TERM": "dumb"}


def run_cli(
    *args: str, timeout: float = 120, columns: int = 200
) -> subprocess.CompletedProcess[str]:
    assert CONSOLE_SCRIPT.is_file(), f"{CONSOLE_SCRIPT} missing: pip install -e ."
    return subprocess.run(
        [str(CONSOLE_SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=cli_env(columns),
        check=False,
    )


def serve_args(listen: str, temporal: str, store: str, *, queues: str) -> list[str]:
    """``serve``'s address, Temporal, store and task-queue options. A long-lived dev server is
    shared between tests: queues of their own (suffix ``queues``) keep other tests' leftover
    workflows, with rows in other stores, away from this service."""
    return [
        "--listen",
        listen,
        "--address",
        temporal,
        "--store",
        store,
        "--task-queue",
        f"svc-{queues}",
        "--agent-runner-task-queue",
        f"agent-runner-{queues}",
        "--workflow-runner-task-queue",
        f"workflow-runner-{queues}",
    ]


class ServeProcess:
    """``stigmer-sdk serve`` in its own process group, so it can be killed like a crash."""

    def __init__(self, *args: str, log_path: Path) -> None:
        self.args = [str(CONSOLE_SCRIPT), "serve", *args]
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *self.args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                env=cli_env(),
            )

    async def kill(self, signum: int = signal.SIGKILL) -> None:
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signum)
            await process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


async def wait_serving(target: str, timeout: float = 90) -> None:
    """Return once a gRPC server answers on ``target`` (a started ``serve``, say)."""
    async with grpc.aio.insecure_channel(target) as channel:
        await asyncio.wait_for(channel.channel_ready(), timeout)
