"""The official Temporal server as a real cluster on loopback, on PostgreSQL.

Unlike ``temporal server start-dev`` (one process, SQLite), this runs the server built from the Go
module ``go.temporal.io/server`` at a pinned version, with its frontend, history and matching
services as separate processes, several history shards, and PostgreSQL persistence set up by the
server's own schema tool (``temporal-sql-tool``). The scale tests use it, and ``make cluster``
starts one for users.

The build is cached (``$STIGMER_TEMPORAL_SERVER_CACHE``, default
``~/.cache/stigmer/temporal-server/<version>``). The server needs Go 1.26.10 or later, so the
build uses ``GOTOOLCHAIN=go1.27.3``, which the Go module proxy serves.

Usage::

    python scripts/temporal_cluster.py --postgres-url postgresql://user:pw@127.0.0.1:5432/db
    python scripts/temporal_cluster.py --build-only
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

from stigmer_sdk.testing import FAST_PATH_DYNAMIC_CONFIG

#: The pinned server release, and the Go toolchain it needs (newer than the machine's Go).
TEMPORAL_SERVER_VERSION = "v1.32.2"
GO_TOOLCHAIN = "go1.27.3"
#: Services started as separate processes (the worker service runs only system workflows that
#: the handshake does not use).
DEFAULT_SERVICES = ("frontend", "history", "matching")
CACHE_ENV = "STIGMER_TEMPORAL_SERVER_CACHE"
SQL_PLUGIN = "postgres12"


@dataclass(frozen=True)
class ServerBinaries:
    """The built ``temporal-server`` and ``temporal-sql-tool``."""

    server: Path
    sql_tool: Path


def cache_dir(version: str = TEMPORAL_SERVER_VERSION) -> Path:
    """Where the build of ``version`` is kept."""
    root = os.environ.get(CACHE_ENV) or str(Path.home() / ".cache" / "stigmer" / "temporal-server")
    return Path(root) / version


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    # Two test sessions building at once must not race on the same GOBIN.
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_built(version: str = TEMPORAL_SERVER_VERSION) -> ServerBinaries:
    """Build the server and its SQL tool from the Go module proxy, once per version."""
    target = cache_dir(version)
    bin_dir = target / "bin"
    binaries = ServerBinaries(bin_dir / "temporal-server", bin_dir / "temporal-sql-tool")
    if binaries.server.is_file() and binaries.sql_tool.is_file():
        return binaries
    with _file_lock(target / ".build.lock"):
        if binaries.server.is_file() and binaries.sql_tool.is_file():
            return binaries
        if shutil.which("go") is None:
            raise RuntimeError("building the Temporal server needs the go command on PATH")
        gobin = target / "gobin"
        env = {
            **os.environ,
            "GOTOOLCHAIN": GO_TOOLCHAIN,
            "GOBIN": str(gobin),
            "GOFLAGS": "-mod=mod",
            "CGO_ENABLED": "0",
        }
        print(
            f"building the Temporal server {version} (GOTOOLCHAIN={GO_TOOLCHAIN}); "
            "the first build takes several minutes",
            file=sys.stderr,
        )
        with tempfile.TemporaryDirectory() as outside_any_module:
            subprocess.run(
                [
                    "go",
                    "install",
                    f"go.temporal.io/server/cmd/server@{version}",
                    f"go.temporal.io/server/cmd/tools/sql@{version}",
                ],
                cwd=outside_any_module,
                env=env,
                check=True,
            )
        binaries.server.parent.mkdir(parents=True, exist_ok=True)
        os.replace(gobin / "sql", binaries.sql_tool)
        os.replace(gobin / "server", binaries.server)
    return binaries


def free_port(below: int | None = None) -> int:
    """A TCP port free on loopback right now (under ``below`` when given)."""
    candidates = iter(random.sample(range(20000, below), below - 20000)) if below else None
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", next(candidates) if candidates else 0))
            except OSError:
                continue
            port: int = sock.getsockname()[1]
            return port


#: The server records membership ports in a PostgreSQL smallint column.
MEMBERSHIP_PORT_LIMIT = 32768


@dataclass(frozen=True)
class _Postgres:
    host: str
    port: int
    user: str
    password: str

    @classmethod
    def from_url(cls, url: str) -> _Postgres:
        parts = urlsplit(url)
        if parts.scheme not in {"postgresql", "postgres"} or not parts.hostname:
            raise ValueError(f"not a PostgreSQL URL: {parts.scheme}://{parts.hostname}")
        return cls(
            host=parts.hostname,
            port=parts.port or 5432,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
        )


@dataclass(frozen=True)
class _Ports:
    grpc: int
    membership: int
    http: int = 0


class TemporalCluster:
    """A Temporal cluster of separate service processes on loopback, persisted in PostgreSQL.

    Args:
        postgres_url: a PostgreSQL role allowed to create databases.
        history_shards: the cluster's shard count (fixed for the life of its databases).
        services: the server services to run, one process each.
        namespaces: namespaces to register (``default`` always is).
        database_prefix: prefix of the two databases (default and visibility); unique by default.
        keep_databases: do not drop the databases on exit.
        workdir: where configs and logs go; a temporary directory by default.
    """

    def __init__(
        self,
        postgres_url: str,
        *,
        history_shards: int = 4,
        services: Sequence[str] = DEFAULT_SERVICES,
        namespaces: Sequence[str] = (),
        database_prefix: str | None = None,
        keep_databases: bool = False,
        workdir: Path | None = None,
        frontend_port: int | None = None,
    ) -> None:
        self._postgres = _Postgres.from_url(postgres_url)
        self.history_shards = history_shards
        self.services = tuple(services)
        self.namespaces = ("default", *(n for n in namespaces if n != "default"))
        prefix = database_prefix or f"temporal_{uuid.uuid4().hex[:8]}"
        self.database = prefix
        self.visibility_database = f"{prefix}_visibility"
        self.keep_databases = keep_databases
        self._own_workdir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="stigmer-temporal-cluster-"))
        self._ports = {
            service: _Ports(
                grpc=frontend_port if service == "frontend" and frontend_port else free_port(),
                membership=free_port(below=MEMBERSHIP_PORT_LIMIT),
                http=free_port() if service == "frontend" else 0,
            )
            for service in (*self.services, "worker")
        }
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self.binaries: ServerBinaries | None = None

    @property
    def target(self) -> str:
        """The frontend's ``host:port``, for Temporal clients."""
        return f"127.0.0.1:{self._ports['frontend'].grpc}"

    def log_path(self, service: str) -> Path:
        """The log file of one service process."""
        return self.workdir / f"{service}.log"

    def pid(self, service: str) -> int:
        """The process id of a running service."""
        return self._processes[service].pid

    async def start(self, startup_timeout: float = 180.0) -> TemporalCluster:
        """Build if needed, set up the schema, start every service, register the namespaces."""
        self.binaries = await asyncio.to_thread(ensure_built)
        await asyncio.to_thread(self._setup_schema)
        self._write_dynamic_config()
        deadline = time.monotonic() + startup_timeout
        # One at a time: services starting together on fresh databases race to write the
        # cluster metadata, and the losers exit.
        for service in self.services:
            self.start_service(service)
            await self._wait_port(service, deadline)
        await self._wait_ready(deadline)
        return self

    def start_service(self, service: str) -> None:
        """Start (or restart) one service process."""
        assert self.binaries is not None
        config = self.workdir / f"{service}.yaml"
        config.write_text(self._config(service))
        log = self.log_path(service).open("ab")
        self._processes[service] = subprocess.Popen(
            [
                str(self.binaries.server),
                "--config-file",
                str(config),
                "--allow-no-auth",
                "start",
                "--service",
                service,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()

    def stop_service(self, service: str, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
        """Stop one service process (SIGTERM, then SIGKILL after ``timeout``)."""
        process = self._processes.pop(service, None)
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    async def stop(self) -> None:
        """Stop every service and, unless kept, drop the databases."""
        for service in reversed(list(self._processes)):
            await asyncio.to_thread(self.stop_service, service)
        if not self.keep_databases and self.binaries is not None:
            for database in (self.database, self.visibility_database):
                with contextlib.suppress(subprocess.CalledProcessError):
                    self._sql_tool(database, "drop-database", "--force")
        if self._own_workdir and not os.environ.get("STIGMER_KEEP_CLUSTER_LOGS"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    async def __aenter__(self) -> TemporalCluster:
        try:
            return await self.start()
        except BaseException:
            await self.stop()
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def _sql_tool(self, database: str, *command: str, tolerate: str = "") -> None:
        assert self.binaries is not None
        pg = self._postgres
        result = subprocess.run(
            [
                str(self.binaries.sql_tool),
                "--plugin",
                SQL_PLUGIN,
                "--ep",
                pg.host,
                "--port",
                str(pg.port),
                "--user",
                pg.user,
                "--password",
                pg.password,
                "--db",
                database,
                *command,
            ],
            check=False,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0 and not (tolerate and tolerate in result.stdout + result.stderr):
            raise subprocess.CalledProcessError(
                result.returncode, result.args, result.stdout, result.stderr
            )

    def _setup_schema(self) -> None:
        for database, schema in (
            (self.database, "postgresql/v12/temporal"),
            (self.visibility_database, "postgresql/v12/visibility"),
        ):
            # A kept database (make cluster, run again) is brought up to date, not recreated.
            self._sql_tool(database, "create-database", tolerate="already exists")
            self._sql_tool(database, "setup-schema", "-v", "0.0", tolerate="already exists")
            self._sql_tool(database, "update-schema", "--schema-name", schema)

    def _write_dynamic_config(self) -> None:
        # Loopback test cluster: a new namespace must be usable at once, not after the default
        # 10 s namespace-cache refresh. With few shards the history queue processors' per-shard
        # read limit (20/s) would add up to 50 ms to each dispatch, as on the dev server
        # (stigmer_sdk.testing.FAST_PATH_DYNAMIC_CONFIG).
        values: dict[str, object] = {
            "system.namespaceCacheRefreshInterval": "1s",
            "frontend.enableUpdateWorkflowExecution": True,
            **FAST_PATH_DYNAMIC_CONFIG,
        }
        (self.workdir / "dynamicconfig.yaml").write_text(
            "".join(f"{key}:\n  - value: {json.dumps(value)}\n" for key, value in values.items())
        )

    def _config(self, service: str) -> str:
        pg = self._postgres
        datastore = """      sql:
        pluginName: "{plugin}"
        databaseName: "{database}"
        connectAddr: "{host}:{port}"
        connectProtocol: "tcp"
        user: "{user}"
        password: "{password}"
        maxConns: {conns}
        maxIdleConns: {conns}
        maxConnLifetime: "1h"
"""
        services = "".join(
            f"""  {name}:
    rpc:
      grpcPort: {ports.grpc}
      membershipPort: {ports.membership}
      bindOnLocalHost: true
{f"      httpPort: {ports.http}" + chr(10) if ports.http else ""}"""
            for name, ports in self._ports.items()
        )
        frontend = self._ports["frontend"]
        return f"""log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: {self.history_shards}
  datastores:
    default:
{
            datastore.format(
                plugin=SQL_PLUGIN,
                database=self.database,
                host=pg.host,
                port=pg.port,
                user=pg.user,
                password=pg.password,
                conns=10,
            )
        }    visibility:
{
            datastore.format(
                plugin=SQL_PLUGIN,
                database=self.visibility_database,
                host=pg.host,
                port=pg.port,
                user=pg.user,
                password=pg.password,
                conns=2,
            )
        }global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
services:
{services}clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:{frontend.grpc}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "{self.workdir / "dynamicconfig.yaml"}"
  pollInterval: "10s"
"""

    async def _wait_port(self, service: str, deadline: float) -> None:
        port = self._ports[service].grpc
        while True:
            self._check_alive()
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(self._timeout_message(f"the {service} port")) from None
                await asyncio.sleep(0.2)

    async def _wait_ready(self, deadline: float) -> None:
        import temporalio.api.common.v1 as common
        import temporalio.api.workflowservice.v1 as workflowservice
        import temporalio.client
        from google.protobuf.duration_pb2 import Duration
        from temporalio.service import RPCError, RPCStatusCode

        client: temporalio.client.Client | None = None
        while client is None:
            self._check_alive()
            try:
                client = await temporalio.client.Client.connect(self.target)
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise TimeoutError(self._timeout_message("the frontend")) from None
                await asyncio.sleep(0.5)
        for namespace in self.namespaces:
            while True:
                self._check_alive()
                try:
                    await client.workflow_service.register_namespace(
                        workflowservice.RegisterNamespaceRequest(
                            namespace=namespace,
                            workflow_execution_retention_period=Duration(seconds=86400),
                        )
                    )
                    break
                except RPCError as error:
                    if error.status == RPCStatusCode.ALREADY_EXISTS:
                        break
                    if time.monotonic() > deadline:
                        what = f"namespace {namespace}"
                        raise TimeoutError(self._timeout_message(what)) from None
                    await asyncio.sleep(0.5)
        # History and matching must have joined the ring: a workflow listing answers only then.
        for namespace in self.namespaces:
            while True:
                self._check_alive()
                try:
                    await client.workflow_service.describe_namespace(
                        workflowservice.DescribeNamespaceRequest(namespace=namespace)
                    )
                    await client.workflow_service.get_workflow_execution_history(
                        workflowservice.GetWorkflowExecutionHistoryRequest(
                            namespace=namespace,
                            execution=common.WorkflowExecution(
                                workflow_id="stigmer-cluster-readiness-probe"
                            ),
                        )
                    )
                except RPCError as error:
                    if error.status == RPCStatusCode.NOT_FOUND and "workflow" in str(error).lower():
                        break
                    if time.monotonic() > deadline:
                        what = f"history of {namespace}"
                        raise TimeoutError(self._timeout_message(what)) from None
                    await asyncio.sleep(0.5)

    def _check_alive(self) -> None:
        for service, process in self._processes.items():
            if process.poll() is not None:
                raise RuntimeError(
                    f"the Temporal {service} service exited with {process.returncode}; "
                    f"log:\n{self._tail(service)}"
                )

    def _timeout_message(self, what: str) -> str:
        tails = "\n".join(f"--- {service}\n{self._tail(service)}" for service in self._processes)
        return f"the Temporal cluster did not get {what} ready in time\n{tails}"

    def _tail(self, service: str, lines: int = 30) -> str:
        path = self.log_path(service)
        if not path.is_file():
            return "(no log)"
        tail = path.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(line[:400] for line in tail)


async def _serve(args: argparse.Namespace) -> None:
    cluster = TemporalCluster(
        args.postgres_url,
        history_shards=args.history_shards,
        database_prefix=args.database_prefix,
        keep_databases=True,
        workdir=Path(args.workdir).resolve() if args.workdir else None,
        frontend_port=args.port,
    )
    async with cluster:
        print(f"Temporal cluster {TEMPORAL_SERVER_VERSION} ready at {cluster.target}")
        print(f"  services: {', '.join(cluster.services)} (one process each)")
        print(f"  history shards: {cluster.history_shards}")
        print(f"  databases: {cluster.database}, {cluster.visibility_database}")
        print(f"  logs: {cluster.workdir}")
        print("Ctrl-C stops it (the databases are kept).")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", default=os.environ.get("STIGMER_TEST_POSTGRES_URL"))
    parser.add_argument("--port", type=int, default=7233, help="frontend gRPC port")
    parser.add_argument("--history-shards", type=int, default=4)
    parser.add_argument("--database-prefix", default="temporal_stigmer_cluster")
    parser.add_argument("--workdir", default=None, help="configs and logs (default: a temp dir)")
    parser.add_argument("--build-only", action="store_true", help="build (or find) and exit")
    args = parser.parse_args(argv)
    binaries = ensure_built()
    if args.build_only:
        print(binaries.server)
        return 0
    if not args.postgres_url:
        parser.error("--postgres-url (or STIGMER_TEST_POSTGRES_URL) is required")
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
