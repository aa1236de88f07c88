"""Assemble and run the reference service: store, Temporal workers and the gRPC server.

Example:
    ```python
    config = ServiceConfig(temporal_address="127.0.0.1:7233", store_url="sqlite:///stigmer.db")
    async with StigmerService(config) as service:
        print("listening on", service.target)
        await service.wait_closed()
    ```
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta

import grpc
import grpc.aio
import temporalio.client
import temporalio.common
import temporalio.runtime
import temporalio.service
from temporalio.worker import Worker

from stigmer_sdk.errors import StigmerError
from stigmer_sdk.metrics import prometheus_runtime
from stigmer_sdk.service.auth import AuthConfig
from stigmer_sdk.service.config import (
    ServeSettings,
    ServiceSettings,
    first_line,
    parse_host_port,
    read_env,
    read_setting_file,
)
from stigmer_sdk.service.executions import ExecutionUpdates
from stigmer_sdk.service.health import ReplicaHealth
from stigmer_sdk.service.heartbeat_relay import HeartbeatRelay
from stigmer_sdk.service.instance import ExecutionService
from stigmer_sdk.service.leader import ReplicaLeadership
from stigmer_sdk.service.reconciler import run_reconciler
from stigmer_sdk.service.runner import (
    AGENT_RUNNER_TASK_QUEUE,
    RUNNER_CONTRACTS,
    WORKFLOW_RUNNER_TASK_QUEUE,
    Runner,
    ScriptedRunner,
)
from stigmer_sdk.service.scopes import TOKEN_CHECK_MODES, ScopePolicy
from stigmer_sdk.service.servicer import MAX_REQUEST_BYTES, EdgeInterceptor, add_controllers
from stigmer_sdk.service.store import (
    DEFAULT_STORE_URL,
    EncryptionKey,
    ExecutionStore,
    check_store_url,
    encryption_keys_from,
    open_store,
    plaintext_token_warning,
    store_url_in,
)
from stigmer_sdk.service.temporal_workers import colocated_runner_settings, service_workers
from stigmer_sdk.tracing import client_interceptors

logger = logging.getLogger("stigmer_sdk.service")

DEFAULT_LISTEN = "127.0.0.1:7234"


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
            # TracingInterceptor once stigmer_sdk.tracing is enabled (serve --otlp-endpoint).
            interceptors=client_interceptors(),
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
    #: A single token encryption key (key id ``default``); prefer ``encryption_keys``.
    token_encryption_key: bytes | None = None
    #: Token encryption keys, oldest first; the last one encrypts new writes.
    encryption_keys: tuple[EncryptionKey, ...] = ()
    #: Serve the built-in runner's activities (the scripted agents, or ``runner``).
    builtin_runner: bool = True
    #: ``host:port`` for a Prometheus ``/metrics`` endpoint (Temporal's and the runbook's metrics);
    #: off by default. Its own port, without authentication: bind it where only Prometheus
    #: reaches (loopback, the pod's IP behind a NetworkPolicy), not the callers' network.
    metrics_address: str | None = None
    #: ``host:port`` of a plaintext listener serving only ``grpc.health.v1.Health/Check``, for
    #: probes without TLS or credentials (the kubelet's); off by default.
    health_listen: str | None = None
    #: How often the pending-completions gauge is refreshed from the store.
    pending_metrics_interval: timedelta = timedelta(seconds=30)
    #: On stop (SIGTERM): how long in-flight calls and activities may run before they are
    #: cancelled (a cancelled activity is retried by Temporal on another replica).
    drain_grace: timedelta = timedelta(seconds=30)
    #: How often readiness (store, Temporal, workers) is re-checked.
    readiness_interval: timedelta = timedelta(seconds=5)
    settings: ServiceSettings = field(default_factory=ServiceSettings)
    #: Credentials the gRPC API accepts; none configured means every call is anonymous.
    auth: AuthConfig = field(default_factory=AuthConfig)
    #: Which workflows each principal may hand the service callback tokens for.
    scopes: ScopePolicy = field(default_factory=ScopePolicy)
    #: Serve without authentication on a non-loopback address (refused otherwise).
    insecure_no_auth: bool = False
    #: A development instance (``serve --dev``): no warning about plain-text tokens.
    development: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServiceConfig:
        """Read the environment variables of `ServeSettings` over the defaults.

        Raises:
            ValueError: a variable's value is invalid, or a file it names cannot be read.
        """
        env = os.environ if env is None else env
        return cls.from_settings(read_env(ServeSettings, env), environ=env)

    @classmethod
    def from_settings(
        cls, settings: ServeSettings, environ: Mapping[str, str] | None = None
    ) -> ServiceConfig:
        """Validate ``serve``'s settings and build the configuration: files read, addresses,
        modes and the store URL checked, authentication and scopes parsed.

        ``environ`` is where the encryption keys are read when ``settings`` names none
        (`encryption_keys_from`).

        Raises:
            ValueError: a setting is invalid, or a file it names cannot be read (the message
                names the option).
        """
        parse_host_port(settings.listen, "--listen")
        parse_host_port(settings.address, "--address")
        for option, address in (
            ("--metrics-address", settings.metrics_address),
            ("--health-listen", settings.health_listen),
        ):
            if address:
                parse_host_port(address, option)
        if bool(settings.listen_tls_cert) != bool(settings.listen_tls_key):
            raise ValueError("--listen-tls-cert and --listen-tls-key go together")
        if bool(settings.tls_cert) != bool(settings.tls_key):
            raise ValueError("--tls-cert and --tls-key go together")
        store_url = settings.store or store_url_in(settings.data_dir)
        try:
            check_store_url(store_url)
        except ValueError as error:
            raise ValueError(f"--store: {error}") from None
        service = settings.service
        if service.runner_contract not in RUNNER_CONTRACTS:
            raise ValueError(f"--runner-contract must be one of {', '.join(RUNNER_CONTRACTS)}")
        if service.runner_maximum_attempts < 0:
            raise ValueError("--runner-max-attempts must be 0 (until the deadline) or more")
        if service.verify_callback_tokens not in TOKEN_CHECK_MODES:
            raise ValueError(
                f"--verify-callback-tokens must be one of {', '.join(TOKEN_CHECK_MODES)}"
            )
        defaults = ServiceSettings()
        # A runner queue other than the default is where the built-in runner is expected.
        service = replace(
            service,
            colocate_builtin_runner=service.colocate_builtin_runner
            and service.agent_runner_task_queue == defaults.agent_runner_task_queue
            and service.workflow_runner_task_queue == defaults.workflow_runner_task_queue,
        )
        cert = read_setting_file(settings.listen_tls_cert, "--listen-tls-cert")
        key = read_setting_file(settings.listen_tls_key, "--listen-tls-key")
        try:
            auth = AuthConfig.from_options(
                api_keys_file=settings.api_keys_file,
                api_keys=settings.api_keys,
                jwt_jwks=settings.jwt_jwks,
                jwt_issuer=settings.jwt_issuer,
                jwt_audience=settings.jwt_audience,
                jwt_principal_claim=settings.jwt_principal_claim,
                jwt_roles_claim=settings.jwt_roles_claim,
                certificate_roles=settings.client_cert_role,
            )
        except (OSError, ValueError) as error:
            raise ValueError(f"authentication: {first_line(error)}") from None
        try:
            scopes = ScopePolicy.parse(settings.principal_scope)
        except ValueError as error:
            raise ValueError(f"--principal-scope: {first_line(error)}") from None
        try:
            keys = encryption_keys_from(settings.encryption_key, environ=environ)
        except ValueError as error:
            raise ValueError(f"--encryption-key: {error}") from None
        return cls(
            listen=settings.listen,
            listen_tls=(
                ListenerTLS(
                    cert, key, read_setting_file(settings.listen_client_ca, "--listen-client-ca")
                )
                if cert and key
                else None
            ),
            temporal=TemporalConnection(
                address=settings.address,
                namespace=settings.namespace,
                tls=settings.tls,
                tls_cert=read_setting_file(settings.tls_cert, "--tls-cert"),
                tls_key=read_setting_file(settings.tls_key, "--tls-key"),
                api_key=settings.api_key,
            ),
            store_url=store_url,
            encryption_keys=tuple(keys),
            auth=auth,
            scopes=scopes,
            insecure_no_auth=settings.insecure_no_auth,
            development=settings.dev,
            builtin_runner=settings.builtin_runner,
            metrics_address=settings.metrics_address,
            health_listen=settings.health_listen,
            pending_metrics_interval=settings.pending_metrics_interval,
            drain_grace=settings.drain_grace,
            readiness_interval=settings.readiness_interval,
            settings=service,
        )


class ServiceStartError(StigmerError):
    """The service refuses to start: unsafe configuration, or its address is in use."""


class AddressUnavailableError(ServiceStartError):
    """The listen address is in use by another process, or not available on this host."""


def is_loopback(listen: str) -> bool:
    """Whether ``host:port`` listens on loopback only (``localhost``, ``127.x``, ``[::1]``).

    Examples:
        >>> is_loopback("127.0.0.1:7234"), is_loopback("[::1]:0"), is_loopback("0.0.0.0:7234")
        (True, True, False)
    """
    host = listen.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(config: ServiceConfig) -> None:
    """Refuse an unauthenticated service on a non-loopback address unless told it is wanted.

    Raises:
        ServiceStartError: no credential is configured, the address is not loopback and
            ``insecure_no_auth`` is not set.
    """
    if is_loopback(config.listen):
        return
    if config.auth.enabled:
        if config.listen_tls is None and (config.auth.keys or config.auth.jwt is not None):
            logger.warning(
                "Serving %s without TLS: API keys and JWTs travel in clear text "
                "(--listen-tls-cert, --listen-tls-key)",
                config.listen,
            )
        return
    if config.insecure_no_auth:
        logger.warning(
            "Serving %s WITHOUT AUTHENTICATION (--insecure-no-auth): any client that reaches it "
            "can create, read and change every execution",
            config.listen,
        )
        return
    raise ServiceStartError(
        f"refusing to serve {config.listen} without authentication: configure API keys "
        "(--api-keys-file), JWTs (--jwt-jwks, --jwt-issuer, --jwt-audience) or client "
        "certificate roles (--client-cert-role), listen on loopback, or pass --insecure-no-auth"
    )


def verifies_callback_tokens(config: ServiceConfig) -> bool:
    """Whether ``create`` checks callback tokens for their principal (docs/security.md).

    Raises:
        ServiceStartError: an unknown `ServiceSettings.verify_callback_tokens` mode.
    """
    mode = config.settings.verify_callback_tokens
    if mode not in TOKEN_CHECK_MODES:
        raise ServiceStartError(
            f"verify_callback_tokens must be one of {', '.join(TOKEN_CHECK_MODES)}, got {mode!r}"
        )
    return mode == "always" or (mode == "auto" and config.auth.enabled)


def grpc_limits(settings: ServiceSettings) -> list[tuple[str, int]]:
    """The gRPC server options that bound a connection: HTTP/2 streams and keepalive pings.

    Examples:
        >>> dict(grpc_limits(ServiceSettings()))["grpc.max_concurrent_streams"]
        256
    """
    ping_ms = int(settings.keepalive_min_ping_interval.total_seconds() * 1000)
    return [
        ("grpc.max_concurrent_streams", settings.max_concurrent_streams),
        # A client pinging more often than this (with or without calls) gets a strike; after
        # two, GOAWAY: keepalive floods cost a connection, not the replica.
        ("grpc.http2.min_recv_ping_interval_without_data_ms", ping_ms),
        ("grpc.http2.min_ping_interval_without_data_ms", ping_ms),
        ("grpc.http2.max_ping_strikes", 2),
        ("grpc.keepalive_permit_without_calls", 0),
    ]


class StigmerService:
    """The running service: gRPC server, service worker and (optionally) the runner worker."""

    def __init__(self, config: ServiceConfig, runner: Runner | None = None) -> None:
        """``runner`` defaults to `ScriptedRunner` with the demo agents."""
        self.config = config
        self.runner: Runner | None = (runner or ScriptedRunner()) if config.builtin_runner else None
        self.store: ExecutionStore | None = None
        self.temporal_client: temporalio.client.Client | None = None
        self._server: grpc.aio.Server | None = None
        self._health_server: grpc.aio.Server | None = None
        #: Port of the health-only listener (``health_listen``), 0 without one.
        self.health_port = 0
        self._workers: list[Worker] = []
        self._worker_tasks: list[asyncio.Task[None]] = []
        self._background: list[asyncio.Task[None]] = []
        self._execution_service: ExecutionService | None = None
        self.health: ReplicaHealth | None = None
        self.port = 0

    @property
    def target(self) -> str:
        """``host:port`` the gRPC server listens on."""
        host = self.config.listen.rsplit(":", 1)[0]
        return f"{host}:{self.port}"

    async def start(self) -> StigmerService:
        """Bind the address, open the store, connect to Temporal, start the workers and the server.

        On failure everything started so far is stopped again.

        Raises:
            ServiceStartError: the configuration is unsafe (see `check_exposure`) or the
                address is already in use.
        """
        try:
            return await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> StigmerService:
        settings = colocated_runner_settings(self.config.settings, self.runner is not None)
        check_exposure(self.config)
        if verifies_callback_tokens(self.config) and not self.config.scopes.restricts:
            logger.warning(
                "No callback token scopes (--principal-scope): every caller may hand the service "
                "tokens for any workflow of namespace %s; a forged token then needs the "
                "victim's run id, which Temporal checks. Give each calling service its own "
                "workflow-id prefix and scope (docs/security.md)",
                self.config.temporal.namespace,
            )
        warning = plaintext_token_warning(
            self.config.store_url,
            self.config.encryption_keys or self.config.token_encryption_key,
            development=self.config.development,
        )
        if warning:
            logger.warning(warning)
        # Bound first, so that a second service on the same address fails before it starts any
        # worker. SO_REUSEPORT off: two services must never share a port (and its traffic).
        self._server = grpc.aio.server(
            interceptors=[
                EdgeInterceptor(
                    self.config.auth.authenticator() if self.config.auth.enabled else None
                )
            ],
            options=[
                ("grpc.so_reuseport", 0),
                ("grpc.max_receive_message_length", MAX_REQUEST_BYTES),
                *grpc_limits(settings),
            ],
            maximum_concurrent_rpcs=settings.max_concurrent_rpcs,
        )
        try:
            if self.config.listen_tls is not None:
                self.port = self._server.add_secure_port(
                    self.config.listen, self.config.listen_tls.credentials()
                )
            else:
                self.port = self._server.add_insecure_port(self.config.listen)
        except RuntimeError as error:
            self._server = None
            raise AddressUnavailableError(
                f"cannot listen on {self.config.listen}: the address is in use by another "
                f"process or not available here ({error})"
            ) from None
        if self.config.health_listen:
            self._health_server = grpc.aio.server(
                options=[("grpc.so_reuseport", 0), ("grpc.max_receive_message_length", 4096)]
            )
            try:
                self.health_port = self._health_server.add_insecure_port(self.config.health_listen)
            except RuntimeError as error:
                self._health_server = None
                raise AddressUnavailableError(
                    f"cannot listen on {self.config.health_listen} (health): the address is in "
                    f"use by another process or not available here ({error})"
                ) from None
        self.store = await open_store(
            self.config.store_url,
            encryption_key=self.config.token_encryption_key,
            encryption_keys=self.config.encryption_keys,
        )
        runtime = None
        if self.config.metrics_address:
            # Durations in seconds, with the handshake's histogram buckets (stigmer_sdk.metrics).
            runtime = prometheus_runtime(self.config.metrics_address)
        self.temporal_client = await self.config.temporal.connect(runtime)
        updates = ExecutionUpdates(self.store)
        self._workers = service_workers(
            self.temporal_client,
            self.store,
            updates,
            settings,
            self.runner,
            graceful_shutdown=self.config.drain_grace,
        )
        self._worker_tasks = [asyncio.create_task(worker.run()) for worker in self._workers]
        meter = (runtime or temporalio.runtime.Runtime.default()).metric_meter
        # One leader of all the replicas sharing the store: it relays heartbeats and counts.
        leadership = ReplicaLeadership(self.config.store_url)
        self._background += background_tasks(
            self.store, updates, self.temporal_client, settings, leadership
        )
        self._background.append(
            asyncio.create_task(
                publish_pending_metrics(
                    self.store,
                    meter,
                    self.config.pending_metrics_interval.total_seconds(),
                    leadership,
                    deadline=settings.runner_timeout,
                )
            )
        )

        self.health = ReplicaHealth(
            [
                ("store", self._check_store),
                ("temporal", self._check_temporal),
                ("workers", self._check_workers),
            ],
            interval=self.config.readiness_interval.total_seconds(),
        )
        self.health.add_to(self._server)
        if self._health_server is not None:
            self.health.add_check_only_to(self._health_server)
            await self._health_server.start()
        self._execution_service = ExecutionService(
            self.store,
            updates,
            self.temporal_client,
            self.runner,
            settings,
            scopes=self.config.scopes,
            verify_tokens=verifies_callback_tokens(self.config),
        )
        add_controllers(self._server, self._execution_service)
        await self._server.start()
        await self.health.start()
        logger.info(
            "Stigmer service listening on %s (Temporal %s, namespace %s, store %s, auth %s)",
            self.target,
            self.config.temporal.address,
            self.config.temporal.namespace,
            self.config.store_url.split("@")[-1],
            self.config.auth.describe(),
        )
        return self

    async def wait_closed(self) -> None:
        """Wait until the gRPC server or a worker stops."""
        assert self._server is not None
        waits = [asyncio.create_task(self._server.wait_for_termination()), *self._worker_tasks]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)

    async def _check_store(self) -> None:
        assert self.store is not None
        await self.store.get("stigmer-readiness-probe")

    async def _check_temporal(self) -> None:
        assert self.temporal_client is not None
        if not await self.temporal_client.service_client.check_health():
            raise RuntimeError("Temporal reports itself not serving")

    async def _check_workers(self) -> None:
        stopped = [task for task in self._worker_tasks if task.done()]
        if stopped:
            raise RuntimeError(f"{len(stopped)} of {len(self._worker_tasks)} workers stopped")

    async def stop(self) -> None:
        """Drain: report not ready, refuse new calls, let in-flight calls and activities finish
        within `ServiceConfig.drain_grace`, then close the store."""
        if self.health is not None:
            await self.health.drain()
        grace = self.config.drain_grace.total_seconds()
        for task in self._background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._background.clear()
        # New calls are refused at once; the workers stop polling at once and finish the tasks
        # they hold, both within the grace period.
        server_stopped = self._server.stop(grace=grace) if self._server is not None else None

        async def shutdown(worker: Worker) -> None:
            with contextlib.suppress(Exception):
                await worker.shutdown()

        await asyncio.gather(
            *(shutdown(worker) for worker in self._workers),
            *([server_stopped] if server_stopped is not None else []),
        )
        self._server = None
        if self._health_server is not None:  # last: probes see the drain until the end
            await self._health_server.stop(grace=None)
            self._health_server = None
        if self.health is not None:
            await self.health.stop()
            self.health = None
        for task in self._worker_tasks:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await task
        self._workers.clear()
        self._worker_tasks.clear()
        if self._execution_service is not None:  # after the server: no create starts another
            await self._execution_service.close()
            self._execution_service = None
        if self.store is not None:
            await self.store.close()
            self.store = None

    async def __aenter__(self) -> StigmerService:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


def background_tasks(
    store: ExecutionStore,
    updates: ExecutionUpdates,
    client: temporalio.client.Client,
    settings: ServiceSettings,
    leadership: ReplicaLeadership | None = None,
) -> list[asyncio.Task[None]]:
    """Start the heartbeat relay (on the leader, unless its budget is 0) and the reconciler
    (cancel the tasks to stop them)."""
    tasks = [
        asyncio.create_task(
            run_reconciler(
                store,
                updates,
                client,
                settings,
                interval=settings.reconcile_interval,
                older_than=settings.reconcile_older_than,
            )
        ),
    ]
    if settings.caller_heartbeat_budget > 0:
        relay = HeartbeatRelay(
            store,
            client,
            interval=settings.caller_heartbeat_interval,
            budget=settings.caller_heartbeat_budget,
            leadership=leadership,
        )
        tasks.insert(0, asyncio.create_task(relay.run()))
    return tasks


#: Age buckets of the pending-completions gauge, as the runbook's alerts use them.
PENDING_AGE_BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("0-1h", timedelta(hours=1)),
    ("1-4h", timedelta(hours=4)),
    ("4-12h", timedelta(hours=12)),
    ("12-24h", timedelta(hours=24)),
    ("24h+", None),
)
PENDING_METRIC = "stigmer_pending_external_activities"
#: Owed completions older than this share of the execution deadline are approaching it.
APPROACHING_TIMEOUT_FRACTION = 0.8
APPROACHING_TIMEOUT_METRIC = "stigmer_executions_approaching_timeout"


def pending_by_age(ages: list[timedelta]) -> dict[str, int]:
    """Count completions owed by age bucket (every bucket present, zeros included).

    Examples:
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
    store: ExecutionStore,
    meter: temporalio.common.MetricMeter,
    interval: float,
    leadership: ReplicaLeadership | None = None,
    *,
    deadline: timedelta | None = None,
) -> None:
    """Keep ``stigmer_pending_external_activities{age_bucket}`` current, from the store, and
    with ``deadline`` (the execution deadline) ``stigmer_executions_approaching_timeout``.

    With ``leadership``, only the leading replica exports the store's counts and the others
    export zeros, so that the sum over replicas counts each owed completion once.
    """
    service_meter = meter.with_additional_attributes({"service": "python"})
    gauge = service_meter.create_gauge(PENDING_METRIC, "Caller completions still owed, by age")
    approaching = service_meter.create_gauge(
        APPROACHING_TIMEOUT_METRIC,
        "Owed completions older than 0.8 of the execution deadline",
    )
    try:
        while True:
            try:
                if leadership is None or await leadership.is_leader():
                    # One aggregate in the store: no row sent back, no token decrypted.
                    bounds = [upper for _, upper in PENDING_AGE_BUCKETS if upper is not None]
                    by_age = await store.pending_age_counts(bounds)
                    counts = dict(
                        zip((name for name, _ in PENDING_AGE_BUCKETS), by_age, strict=True)
                    )
                    late = (
                        (await store.pending_age_counts([deadline * APPROACHING_TIMEOUT_FRACTION]))[
                            -1
                        ]
                        if deadline is not None
                        else 0
                    )
                else:
                    counts = pending_by_age([])
                    late = 0
                for bucket, count in counts.items():
                    gauge.set(count, {"age_bucket": bucket})
                if deadline is not None:
                    approaching.set(late)
            except Exception:
                logger.exception("Could not refresh the pending-completions gauge")
            await asyncio.sleep(interval)
    finally:
        if leadership is not None:
            await leadership.close()


def with_settings(config: ServiceConfig, **changes: object) -> ServiceConfig:
    """A copy of ``config`` with some `ServiceSettings` changed."""
    return replace(config, settings=replace(config.settings, **changes))  # type: ignore[arg-type]


__all__ = [
    "AGENT_RUNNER_TASK_QUEUE",
    "WORKFLOW_RUNNER_TASK_QUEUE",
    "ServiceConfig",
    "ServiceStartError",
    "StigmerService",
    "TemporalConnection",
    "with_settings",
]
