"""Assemble and run the reference service: store, Temporal workers and the gRPC server.

Example::

    config = ServiceConfig(temporal_address="127.0.0.1:7233", store_url="sqlite:///stigmer.db")
    async with StigmerService(config) as service:
        print("listening on", service.target)
        await service.wait_closed()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

import grpc
import grpc.aio
import temporalio.client
import temporalio.common
import temporalio.runtime
import temporalio.service
from temporalio.worker import Worker

from stigmer_sdk.service.activities import ExecutionUpdates
from stigmer_sdk.service.runner import (
    AGENT_RUNNER_TASK_QUEUE,
    WORKFLOW_RUNNER_TASK_QUEUE,
    Runner,
    ScriptedRunner,
)
from stigmer_sdk.service.server import ExecutionService, ServiceSettings, add_controllers
from stigmer_sdk.service.store import ExecutionStore, load_encryption_key, open_store
from stigmer_sdk.service.workers import background_tasks, service_workers

logger = logging.getLogger("stigmer_sdk.service")

DEFAULT_LISTEN = "127.0.0.1:7234"
DEFAULT_STORE_URL = "sqlite:///.stigmer/stigmer.db"


@dataclass(frozen=True)
class TemporalConnection:
    """How the service reaches Temporal."""

    address: str = "127.0.0.1:7233"
    namespace: str = "default"
    #: TLS to Temporal (Temporal Cloud needs it); optional PEM client cert and key for mTLS.
    tls: bool = False
    tls_cert: bytes | None = None
    tls_key: bytes | None = None
    #: API key (Temporal Cloud), sent as a bearer token.
    api_key: str | None = None

    async def connect(
        self, runtime: temporalio.runtime.Runtime | None = None
    ) -> temporalio.client.Client:
        """Connect a Temporal client (on ``runtime``, for its metrics exporter)."""
        tls: bool | temporalio.service.TLSConfig = self.tls
        if self.tls_cert or self.tls_key:
            tls = temporalio.service.TLSConfig(
                client_cert=self.tls_cert, client_private_key=self.tls_key
            )
        return await temporalio.client.Client.connect(
            self.address,
            namespace=self.namespace,
            tls=tls or bool(self.api_key),
            api_key=self.api_key,
            runtime=runtime,
        )


@dataclass(frozen=True)
class ListenerTLS:
    """TLS on the service's gRPC listener; mutual TLS when ``client_ca`` is given (PEM bytes)."""

    cert_chain: bytes
    private_key: bytes
    #: CA that client certificates must chain to; ``None`` accepts clients without one.
    client_ca: bytes | None = None

    def credentials(self) -> grpc.ServerCredentials:
        """The gRPC server credentials for this configuration."""
        return grpc.ssl_server_credentials(
            [(self.private_key, self.cert_chain)],
            root_certificates=self.client_ca,
            require_client_auth=self.client_ca is not None,
        )


@dataclass(frozen=True)
class ServiceConfig:
    """Configuration of the reference service; see ``docs/service.md`` for each setting."""

    listen: str = DEFAULT_LISTEN
    #: TLS (or mTLS) on the gRPC listener; plaintext when ``None``.
    listen_tls: ListenerTLS | None = None
    temporal: TemporalConnection = field(default_factory=TemporalConnection)
    store_url: str = DEFAULT_STORE_URL
    token_encryption_key: bytes | None = None
    #: Serve the built-in runner's activities (the scripted agents, or ``runner``).
    builtin_runner: bool = True
    #: ``host:port`` for a Prometheus ``/metrics`` endpoint (Temporal's and the runbook's metrics).
    metrics_address: str | None = None
    #: How often the pending-completions gauge is refreshed from the store.
    pending_metrics_interval: timedelta = timedelta(seconds=30)
    settings: ServiceSettings = field(default_factory=ServiceSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServiceConfig:
        """Read ``STIGMER_*`` and ``TEMPORAL_*`` environment variables over the defaults."""
        env = os.environ if env is None else env
        temporal = TemporalConnection(
            address=env.get("TEMPORAL_ADDRESS", TemporalConnection.address),
            namespace=env.get("TEMPORAL_NAMESPACE", TemporalConnection.namespace),
            tls=env.get("TEMPORAL_TLS", "").lower() in {"1", "true", "yes"},
            tls_cert=_read(env.get("TEMPORAL_TLS_CERT")),
            tls_key=_read(env.get("TEMPORAL_TLS_KEY")),
            api_key=env.get("TEMPORAL_API_KEY") or None,
        )
        key = env.get("STIGMER_TOKEN_ENCRYPTION_KEY")
        cert, private_key = _read(env.get("STIGMER_TLS_CERT")), _read(env.get("STIGMER_TLS_KEY"))
        return cls(
            listen=env.get("STIGMER_LISTEN", DEFAULT_LISTEN),
            listen_tls=(
                ListenerTLS(cert, private_key, _read(env.get("STIGMER_TLS_CLIENT_CA")))
                if cert and private_key
                else None
            ),
            metrics_address=env.get("STIGMER_METRICS_ADDRESS") or None,
            temporal=temporal,
            store_url=env.get("STIGMER_STORE_URL", DEFAULT_STORE_URL),
            token_encryption_key=load_encryption_key(key) if key else None,
        )


def _read(path: str | None) -> bytes | None:
    return Path(path).read_bytes() if path else None


class StigmerService:
    """The running service: gRPC server, service worker and (optionally) the runner worker."""

    def __init__(self, config: ServiceConfig, runner: Runner | None = None) -> None:
        """``runner`` defaults to :class:`ScriptedRunner` with the demo agents."""
        self.config = config
        self.runner: Runner | None = (runner or ScriptedRunner()) if config.builtin_runner else None
        self.store: ExecutionStore | None = None
        self.temporal_client: temporalio.client.Client | None = None
        self._server: grpc.aio.Server | None = None
        self._workers: list[Worker] = []
        self._worker_tasks: list[asyncio.Task[None]] = []
        self._background: list[asyncio.Task[None]] = []
        self.port = 0

    @property
    def target(self) -> str:
        """``host:port`` the gRPC server listens on."""
        host = self.config.listen.rsplit(":", 1)[0]
        return f"{host}:{self.port}"

    async def start(self) -> StigmerService:
        """Open the store, connect to Temporal, start the workers and the gRPC server."""
        settings = self.config.settings
        self.store = await open_store(
            self.config.store_url, encryption_key=self.config.token_encryption_key
        )
        runtime = None
        if self.config.metrics_address:
            runtime = temporalio.runtime.Runtime(
                telemetry=temporalio.runtime.TelemetryConfig(
                    metrics=temporalio.runtime.PrometheusConfig(
                        bind_address=self.config.metrics_address
                    )
                )
            )
        self.temporal_client = await self.config.temporal.connect(runtime)
        updates = ExecutionUpdates(self.store)
        self._workers = service_workers(
            self.temporal_client, self.store, updates, settings, self.runner
        )
        self._worker_tasks = [asyncio.create_task(worker.run()) for worker in self._workers]
        meter = (runtime or temporalio.runtime.Runtime.default()).metric_meter
        self._background += background_tasks(self.store, updates, self.temporal_client, settings)
        self._background.append(
            asyncio.create_task(
                publish_pending_metrics(
                    self.store, meter, self.config.pending_metrics_interval.total_seconds()
                )
            )
        )

        self._server = grpc.aio.server()
        add_controllers(
            self._server,
            ExecutionService(self.store, updates, self.temporal_client, self.runner, settings),
        )
        if self.config.listen_tls is not None:
            self.port = self._server.add_secure_port(
                self.config.listen, self.config.listen_tls.credentials()
            )
        else:
            self.port = self._server.add_insecure_port(self.config.listen)
        await self._server.start()
        logger.info(
            "Stigmer service listening on %s (Temporal %s, namespace %s, store %s)",
            self.target,
            self.config.temporal.address,
            self.config.temporal.namespace,
            self.config.store_url.split("@")[-1],
        )
        return self

    async def wait_closed(self) -> None:
        """Wait until the gRPC server or a worker stops."""
        assert self._server is not None
        waits = [asyncio.create_task(self._server.wait_for_termination()), *self._worker_tasks]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)

    async def stop(self) -> None:
        """Stop serving, let workers finish their tasks, close the store."""
        for task in self._background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._background.clear()
        if self._server is not None:
            await self._server.stop(grace=2)
            self._server = None
        for worker in self._workers:
            with contextlib.suppress(Exception):
                await worker.shutdown()
        for task in self._worker_tasks:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await task
        self._workers.clear()
        self._worker_tasks.clear()
        if self.store is not None:
            await self.store.close()
            self.store = None

    async def __aenter__(self) -> StigmerService:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


#: Age buckets of the pending-completions gauge, as the runbook's alerts use them.
PENDING_AGE_BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("0-1h", timedelta(hours=1)),
    ("1-4h", timedelta(hours=4)),
    ("4-12h", timedelta(hours=12)),
    ("12-24h", timedelta(hours=24)),
    ("24h+", None),
)
PENDING_METRIC = "stigmer_pending_external_activities"


def pending_by_age(ages: list[timedelta]) -> dict[str, int]:
    """Count completions owed by age bucket (every bucket present, zeros included).

    Example:
        >>> pending_by_age([timedelta(minutes=5), timedelta(hours=30)])["24h+"]
        1
    """
    counts = dict.fromkeys((name for name, _ in PENDING_AGE_BUCKETS), 0)
    for age in ages:
        for name, upper in PENDING_AGE_BUCKETS:
            if upper is None or age < upper:
                counts[name] += 1
                break
    return counts


async def publish_pending_metrics(
    store: ExecutionStore, meter: temporalio.common.MetricMeter, interval: float
) -> None:
    """Keep ``stigmer_pending_external_activities{age_bucket}`` current, from the store."""
    gauge = meter.with_additional_attributes({"service": "python"}).create_gauge(
        PENDING_METRIC, "Caller completions still owed, by age"
    )
    while True:
        try:
            rows = await store.list_pending()
            now = datetime.now(UTC)
            for bucket, count in pending_by_age([now - row.created_at for row in rows]).items():
                gauge.set(count, {"age_bucket": bucket})
        except Exception:
            logger.exception("Could not refresh the pending-completions gauge")
        await asyncio.sleep(interval)


def with_settings(config: ServiceConfig, **changes: object) -> ServiceConfig:
    """A copy of ``config`` with some :class:`ServiceSettings` changed."""
    return replace(config, settings=replace(config.settings, **changes))  # type: ignore[arg-type]


__all__ = [
    "AGENT_RUNNER_TASK_QUEUE",
    "WORKFLOW_RUNNER_TASK_QUEUE",
    "ServiceConfig",
    "StigmerService",
    "TemporalConnection",
    "with_settings",
]
