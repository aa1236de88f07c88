"""The ``stigmer-sdk`` command line.

Commands: ``serve`` (the reference service), ``demo`` (the handshake end to end), ``token inspect``,
``complete`` (manual completion, replacing the runbook's tctl step) and ``pending`` (executions
whose completion is still owed). Run ``stigmer-sdk COMMAND --help`` for each; docs/operations.md
is the operator's guide.

Results go to standard output (``--json``: one JSON object per line); logs and error messages go
to standard error, so output stays parseable. A mistake (a bad option, an unreachable server, a
missing store) is reported in one line, never as a traceback.

Exit codes (every command):

== ==========================================================================================
0  success
1  unexpected failure (a bug: please report it; ``STIGMER_DEBUG=1`` shows the traceback)
2  bad usage: an unknown or invalid option, argument or combination
3  ALREADY_COMPLETED: the activity was completed, failed, cancelled or timed out before
4  INVALID_TOKEN: the token is not a Temporal task token (or not of this namespace)
5  EMPTY_TOKEN: the token is empty
6  TRANSIENT: Temporal did not answer in time; retry
7  NOT_FOUND: no such workflow or activity (``complete``), no store at that URL (``pending``)
8  UNAVAILABLE: cannot reach Temporal or the database, or cannot listen on the address
== ==========================================================================================
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import enum
import json
import logging
import os
import re
import shlex
import signal
import sqlite3
import sys
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from google.protobuf import json_format
from rich.console import Console
from rich.table import Table

from stigmer_sdk.api.sdk.v1 import completion_pb2
from stigmer_sdk.completion import (
    ActivityById,
    ActivityTarget,
    CompletionOutcome,
    CompletionResult,
    complete_external_activity,
    message_class,
    report_external_cancellation,
)
from stigmer_sdk.errors import EmptyTokenError, MalformedTokenError, TokenError
from stigmer_sdk.logs import KeyValueFormatter
from stigmer_sdk.service.store.commands import store_app
from stigmer_sdk.tokens import TaskToken, short_token_digest, token_preview

if TYPE_CHECKING:
    import temporalio.client

    from stigmer_sdk.service.app import ServiceConfig, StigmerService, TemporalConnection
    from stigmer_sdk.service.store import EncryptionKey, StoredExecution
    from stigmer_sdk.testing import DevServer

app = typer.Typer(
    name="stigmer-sdk",
    help=(
        "Temporal token handshake for Stigmer executions: the reference service, a demo and "
        "operator tools. Exit codes: 0 ok, 1 unexpected, 2 usage, 3 already completed, "
        "4 invalid token, 5 empty token, 6 transient, 7 not found, 8 unavailable."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain help: wrapped at 80 columns, nothing cut off.
    rich_markup_mode=None,
    context_settings={"max_content_width": 80},
)
token_app = typer.Typer(help="Task token tools.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(token_app, name="token")
app.add_typer(store_app, name="store")
logger = logging.getLogger("stigmer_sdk.cli")
#: Results (standard output) and messages (standard error).
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

_T = TypeVar("_T")


# --- Exit codes and user errors -------------------------------------------------------------------


class ExitCode(enum.IntEnum):
    """The exit codes of every command (see the module documentation)."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    ALREADY_COMPLETED = 3
    INVALID_TOKEN = 4
    EMPTY_TOKEN = 5
    TRANSIENT = 6
    NOT_FOUND = 7
    UNAVAILABLE = 8


#: The exit code of each completion outcome.
EXIT_CODES = {
    CompletionOutcome.COMPLETED: ExitCode.OK,
    CompletionOutcome.ALREADY_COMPLETED: ExitCode.ALREADY_COMPLETED,
    CompletionOutcome.INVALID_TOKEN: ExitCode.INVALID_TOKEN,
    CompletionOutcome.EMPTY_TOKEN: ExitCode.EMPTY_TOKEN,
    CompletionOutcome.TRANSIENT: ExitCode.TRANSIENT,
}


class UserError(Exception):
    """A mistake or condition the user can fix: reported in one line, with its exit code."""

    def __init__(self, message: str, code: ExitCode = ExitCode.USAGE) -> None:
        super().__init__(message)
        self.code = code


def _run(main: Coroutine[Any, Any, _T]) -> _T:
    """Run a command's coroutine; a `UserError` becomes its message and exit code."""
    try:
        return asyncio.run(main)
    except UserError as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False)
        raise typer.Exit(error.code) from None


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, option: str = "duration") -> timedelta:
    """Parse ``90s``, ``5m``, ``1h``, ``2d`` or ``250ms``.

    Examples:
        >>> parse_duration("90s")
        datetime.timedelta(seconds=90)
    """
    match = _DURATION.match(text.strip())
    if not match:
        raise UserError(f"{option} {text!r} is not a duration such as 30s, 5m, 1h or 2d")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def parse_host_port(text: str, option: str) -> tuple[str, int]:
    """Split ``host:port``; raise `UserError` (usage) when it is not one.

    Examples:
        >>> parse_host_port("127.0.0.1:7233", "--address")
        ('127.0.0.1', 7233)
    """
    host, colon, port = text.rpartition(":")
    if not colon or not host or not port.isdigit() or int(port) > 65535 or " " in host:
        raise UserError(f"{option} must be host:port, such as 127.0.0.1:7233; got {text!r}")
    return host.strip("[]"), int(port)


def _configure_logging(verbose: bool) -> None:
    """Logs go to standard error only, never into a command's output."""
    handler = logging.StreamHandler(sys.stderr)
    # The contract lines' fields (structured on the record) as key=value after the message.
    handler.setFormatter(KeyValueFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])


def _read_file(path: Path | None, option: str) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as error:
        raise UserError(f"{option}: cannot read {path}: {error.strerror}") from None


def _encryption_keys(texts: Sequence[str] | None) -> list[EncryptionKey]:
    """The token encryption keys of ``--encryption-key`` (repeatable), else of the environment."""
    from stigmer_sdk.service.store import encryption_keys_from

    try:
        return encryption_keys_from(texts or ())
    except ValueError as error:
        raise UserError(f"--encryption-key: {error}") from None


def _emit(as_json: bool, record: dict[str, Any], text: str) -> None:
    """Print one result: a JSON line, or the human text."""
    if as_json:
        typer.echo(json.dumps(record))
    else:
        console.print(text, highlight=False)


# --- Shared options -------------------------------------------------------------------------------

# Temporal connection (serve and complete).
AddressOption = Annotated[
    str, typer.Option("--address", envvar="TEMPORAL_ADDRESS", help="Temporal frontend host:port.")
]
NamespaceOption = Annotated[
    str, typer.Option("--namespace", envvar="TEMPORAL_NAMESPACE", help="Temporal namespace.")
]
TlsOption = Annotated[
    bool, typer.Option("--tls/--no-tls", envvar="TEMPORAL_TLS", help="TLS to Temporal.")
]
TlsCertOption = Annotated[
    Path | None, typer.Option(envvar="TEMPORAL_TLS_CERT", help="mTLS client certificate (PEM).")
]
TlsKeyOption = Annotated[
    Path | None, typer.Option(envvar="TEMPORAL_TLS_KEY", help="mTLS client key (PEM).")
]
ApiKeyOption = Annotated[
    str | None,
    typer.Option("--api-key", envvar="TEMPORAL_API_KEY", help="Temporal Cloud API key."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON lines.")]


def temporal_connection(
    address: str,
    namespace: str,
    tls: bool,
    tls_cert: Path | None,
    tls_key: Path | None,
    api_key: str | None,
) -> TemporalConnection:
    """The Temporal connection the options describe (validated)."""
    from stigmer_sdk.service.app import TemporalConnection

    parse_host_port(address, "--address")
    if bool(tls_cert) != bool(tls_key):
        raise UserError("--tls-cert and --tls-key go together")
    return TemporalConnection(
        address=address,
        namespace=namespace,
        tls=tls,
        tls_cert=_read_file(tls_cert, "--tls-cert"),
        tls_key=_read_file(tls_key, "--tls-key"),
        api_key=api_key,
    )


async def connect_temporal(
    connection: TemporalConnection, runtime: Any = None
) -> temporalio.client.Client:
    """Connect, turning a failure into a `UserError` (unavailable)."""
    import temporalio.service

    try:
        return await connection.connect(runtime)
    except (RuntimeError, OSError, ValueError, temporalio.service.RPCError) as error:
        raise UserError(
            f"cannot connect to Temporal at {connection.address} "
            f"(namespace {connection.namespace}): {_first_line(error)}",
            ExitCode.UNAVAILABLE,
        ) from None


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


# --- serve: options -------------------------------------------------------------------------------
# A new serve option: (1) a parameter of serve() below, (2) a field of ServeOptions, set in serve(),
# (3) its use in serve_config(), which validates it (raise UserError) and builds ServiceConfig.


@dataclass(frozen=True)
class ServeOptions:
    """``serve``'s command-line options, as given. New options go here and in `serve`."""

    listen: str
    listen_tls_cert: Path | None
    listen_tls_key: Path | None
    listen_client_ca: Path | None
    temporal: TemporalConnection
    store: str | None
    encryption_key: Sequence[str]
    dev: bool
    data_dir: Path
    builtin_runner: bool
    caller_heartbeat: str
    runner_heartbeat_timeout: str
    metrics_address: str | None
    otlp_endpoint: str | None
    task_queue: str | None
    agent_runner_task_queue: str | None
    workflow_runner_task_queue: str | None
    #: Print the summary as one JSON line instead of a table.
    as_json: bool = False
    pending_metrics_interval: str = "30s"
    drain_grace: str = "30s"
    api_keys_file: Path | None = None
    jwt_jwks: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_roles_claim: str = "roles"
    client_cert_role: Sequence[str] = ()
    insecure_no_auth: bool = False
    runner_max_attempts: int = 0
    runner_contract: str = "stigmer"
    max_cached_workflows: int = 1000
    # Callback token scopes and limits (docs/security.md).
    principal_scope: Sequence[str] = ()
    verify_callback_tokens: str = "auto"
    max_open_executions_per_principal: int = 0
    create_rate_per_principal: float = 0.0
    create_burst_per_principal: int = 20
    # Caller-heartbeat relay (docs/service-workflow.md).
    caller_heartbeat_budget: float = 100.0
    max_subscriptions_per_principal: int = 64
    max_subscriptions: int = 1024
    max_concurrent_rpcs: int = 4096
    health_listen: str | None = None


@app.command()
def serve(
    listen: Annotated[
        str, typer.Option(envvar="STIGMER_LISTEN", help="gRPC listen address.")
    ] = "127.0.0.1:7234",
    listen_tls_cert: Annotated[
        Path | None,
        typer.Option(envvar="STIGMER_TLS_CERT", help="Serve gRPC over TLS with this certificate."),
    ] = None,
    listen_tls_key: Annotated[
        Path | None, typer.Option(envvar="STIGMER_TLS_KEY", help="Private key of that certificate.")
    ] = None,
    listen_client_ca: Annotated[
        Path | None,
        typer.Option(envvar="STIGMER_TLS_CLIENT_CA", help="Require client certificates (mTLS)."),
    ] = None,
    address: AddressOption = "127.0.0.1:7233",
    namespace: NamespaceOption = "default",
    tls: TlsOption = False,
    tls_cert: TlsCertOption = None,
    tls_key: TlsKeyOption = None,
    api_key: ApiKeyOption = None,
    store: Annotated[
        str | None,
        typer.Option(
            envvar="STIGMER_STORE_URL", help="sqlite:///path or postgresql://user:pw@host/db."
        ),
    ] = None,
    encryption_key: Annotated[
        list[str] | None,
        typer.Option(
            help=(
                "kid:base64 of 32 bytes, once per key, oldest first (the last encrypts new "
                "writes): tokens at rest are AES-GCM encrypted. Default: "
                "STIGMER_ENCRYPTION_KEYS, after a bare STIGMER_TOKEN_ENCRYPTION_KEY."
            ),
        ),
    ] = None,
    dev: Annotated[
        bool, typer.Option(help="Start an embedded Temporal dev server and use SQLite.")
    ] = False,
    data_dir: Annotated[
        Path, typer.Option(help="Where --dev keeps Temporal's and the store's files.")
    ] = Path(".stigmer"),
    builtin_runner: Annotated[
        bool,
        typer.Option(help="Serve the built-in scripted runner (off: your worker serves it)."),
    ] = True,
    caller_heartbeat: Annotated[
        str, typer.Option(help="How often the caller's token is heartbeated.")
    ] = "30s",
    caller_heartbeat_budget: Annotated[
        float,
        typer.Option(
            envvar="STIGMER_CALLER_HEARTBEAT_BUDGET",
            help="Caller heartbeats a second the leading replica may send to Temporal, spread "
            "over the interval (0: no relay).",
            min=0,
        ),
    ] = 100.0,
    runner_heartbeat_timeout: Annotated[
        str, typer.Option(help="A runner silent this long is retried (after a crash, say).")
    ] = "30s",
    max_cached_workflows: Annotated[
        int,
        typer.Option(
            envvar="STIGMER_MAX_CACHED_WORKFLOWS",
            help="Execution workflows kept in memory; a parked one beyond it is replayed when "
            "it resumes (bounds memory with many long runs).",
            min=0,
        ),
    ] = 1000,
    runner_max_attempts: Annotated[
        int,
        typer.Option(
            envvar="STIGMER_RUNNER_MAX_ATTEMPTS",
            help="Run attempts of an execution (0: retry with backoff until its deadline).",
        ),
    ] = 0,
    runner_contract: Annotated[
        str,
        typer.Option(
            envvar="STIGMER_RUNNER_CONTRACT",
            help="stigmer (the SDK's runner activity) or deployed (EnsureThread, ExecuteGraphton).",
        ),
    ] = "stigmer",
    metrics_address: Annotated[
        str | None,
        typer.Option(
            envvar="STIGMER_METRICS_ADDRESS",
            help="host:port of a Prometheus /metrics endpoint, unauthenticated (default: off; "
            "bind it where only Prometheus reaches, e.g. 127.0.0.1:9464).",
        ),
    ] = None,
    health_listen: Annotated[
        str | None,
        typer.Option(
            envvar="STIGMER_HEALTH_LISTEN",
            help="host:port of a plaintext listener for grpc.health.v1.Health/Check only, for "
            "probes without TLS or credentials (default: off).",
        ),
    ] = None,
    otlp_endpoint: Annotated[
        str | None,
        typer.Option(
            envvar="OTEL_EXPORTER_OTLP_ENDPOINT",
            help="Export traces over OTLP/gRPC to this endpoint (needs the [otel] extra).",
        ),
    ] = None,
    task_queue: Annotated[
        str | None,
        typer.Option(
            envvar="STIGMER_TASK_QUEUE",
            help=(
                "Task queue of the invoke workflows; one per store "
                "(default agent_execution_stigmer)."
            ),
        ),
    ] = None,
    agent_runner_task_queue: Annotated[
        str | None,
        typer.Option(
            envvar="STIGMER_AGENT_RUNNER_TASK_QUEUE",
            help="Task queue of agent runs (default agent_execution_runner).",
        ),
    ] = None,
    workflow_runner_task_queue: Annotated[
        str | None,
        typer.Option(
            envvar="STIGMER_WORKFLOW_RUNNER_TASK_QUEUE",
            help="Task queue of workflow runs (default workflow_execution_runner).",
        ),
    ] = None,
    api_keys_file: Annotated[
        Path | None,
        typer.Option(
            envvar="STIGMER_API_KEYS_FILE",
            help="Accept these API keys: lines 'sha256:<salt>:<hex of salt+key> NAME [ROLES]'.",
        ),
    ] = None,
    jwt_jwks: Annotated[
        str | None,
        typer.Option(envvar="STIGMER_JWT_JWKS", help="Accept JWTs signed by this JWKS (file/URL)."),
    ] = None,
    jwt_issuer: Annotated[
        str | None, typer.Option(envvar="STIGMER_JWT_ISSUER", help="Required JWT issuer (iss).")
    ] = None,
    jwt_audience: Annotated[
        str | None, typer.Option(envvar="STIGMER_JWT_AUDIENCE", help="Required JWT audience.")
    ] = None,
    jwt_roles_claim: Annotated[
        str, typer.Option(envvar="STIGMER_JWT_ROLES_CLAIM", help="JWT claim with the roles.")
    ] = "roles",
    client_cert_role: Annotated[
        list[str] | None,
        typer.Option(
            help="mTLS identity (SAN or CN, '*' for any) and its roles: IDENTITY=caller,runner."
        ),
    ] = None,
    insecure_no_auth: Annotated[
        bool,
        typer.Option(help="Serve a non-loopback address without authentication (unsafe)."),
    ] = False,
    pending_metrics_interval: Annotated[
        str, typer.Option(help="How often the pending gauge is refreshed from the store.")
    ] = "30s",
    drain_grace: Annotated[
        str,
        typer.Option(
            envvar="STIGMER_DRAIN_GRACE",
            help="On SIGTERM: how long in-flight work may finish before the exit.",
        ),
    ] = "30s",
    principal_scope: Annotated[
        list[str] | None,
        typer.Option(
            help="Workflows a principal may hand callback tokens for: "
            "PRINCIPAL=workflow:GLOB,namespace:NAME ('*' as PRINCIPAL: everyone else). "
            "Default: STIGMER_PRINCIPAL_SCOPES (';' between specs).",
        ),
    ] = None,
    verify_callback_tokens: Annotated[
        str,
        typer.Option(
            envvar="STIGMER_VERIFY_CALLBACK_TOKENS",
            help="Check each callback token (scope, genuine fields, pending in Temporal): "
            "auto (when authentication is on), always or never.",
        ),
    ] = "auto",
    max_open_executions_per_principal: Annotated[
        int,
        typer.Option(
            envvar="STIGMER_MAX_OPEN_EXECUTIONS_PER_PRINCIPAL",
            help="Open executions a principal may have (0: no limit); beyond: RESOURCE_EXHAUSTED.",
            min=0,
        ),
    ] = 0,
    create_rate_per_principal: Annotated[
        float,
        typer.Option(
            envvar="STIGMER_CREATE_RATE_PER_PRINCIPAL",
            help="Creates per second per principal and replica (0: no limit).",
            min=0,
        ),
    ] = 0.0,
    create_burst_per_principal: Annotated[
        int, typer.Option(help="Creates a principal may send at once above its rate.", min=1)
    ] = 20,
    max_subscriptions_per_principal: Annotated[
        int, typer.Option(help="Open subscribe streams per principal and replica.", min=1)
    ] = 64,
    max_subscriptions: Annotated[
        int, typer.Option(help="Open subscribe streams per replica.", min=1)
    ] = 1024,
    max_concurrent_rpcs: Annotated[
        int, typer.Option(help="gRPC calls served at once per replica.", min=1)
    ] = 4096,
    verbose: Annotated[bool, typer.Option("--verbose/--quiet", help="INFO logs.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Run the reference Stigmer service and its Temporal workers.

    Roles: caller (create; read its own executions), runner (read and update the status of any
    execution), admin (everything). Without credentials the service only listens on loopback.
    create refuses a spec above 1 MiB (1048576 bytes, without its callback token) with
    RESOURCE_EXHAUSTED. Stops cleanly on SIGINT or SIGTERM (draining first). The summary goes to
    standard output, logs to standard error.
    """
    _configure_logging(verbose)

    async def run() -> None:
        options = ServeOptions(
            listen=listen,
            listen_tls_cert=listen_tls_cert,
            listen_tls_key=listen_tls_key,
            listen_client_ca=listen_client_ca,
            temporal=temporal_connection(address, namespace, tls, tls_cert, tls_key, api_key),
            store=store,
            encryption_key=encryption_key or (),
            dev=dev,
            data_dir=data_dir,
            builtin_runner=builtin_runner,
            caller_heartbeat=caller_heartbeat,
            caller_heartbeat_budget=caller_heartbeat_budget,
            runner_heartbeat_timeout=runner_heartbeat_timeout,
            metrics_address=metrics_address,
            otlp_endpoint=otlp_endpoint,
            task_queue=task_queue,
            agent_runner_task_queue=agent_runner_task_queue,
            workflow_runner_task_queue=workflow_runner_task_queue,
            as_json=as_json,
            pending_metrics_interval=pending_metrics_interval,
            drain_grace=drain_grace,
            api_keys_file=api_keys_file,
            jwt_jwks=jwt_jwks,
            jwt_issuer=jwt_issuer,
            jwt_audience=jwt_audience,
            jwt_roles_claim=jwt_roles_claim,
            client_cert_role=client_cert_role or (),
            insecure_no_auth=insecure_no_auth,
            runner_max_attempts=runner_max_attempts,
            runner_contract=runner_contract,
            max_cached_workflows=max_cached_workflows,
            principal_scope=principal_scope or (),
            verify_callback_tokens=verify_callback_tokens,
            max_open_executions_per_principal=max_open_executions_per_principal,
            create_rate_per_principal=create_rate_per_principal,
            create_burst_per_principal=create_burst_per_principal,
            max_subscriptions_per_principal=max_subscriptions_per_principal,
            max_subscriptions=max_subscriptions,
            max_concurrent_rpcs=max_concurrent_rpcs,
            health_listen=health_listen,
        )
        await run_service(options, serve_config(options))

    _run(run())


# --- serve: config --------------------------------------------------------------------------------


def serve_config(options: ServeOptions) -> ServiceConfig:
    """Validate ``serve``'s options and build the service configuration.

    Raises:
        UserError: an option is invalid (usage) or a file cannot be read.
    """
    from stigmer_sdk.service.app import ListenerTLS, ServiceConfig
    from stigmer_sdk.service.auth import AuthConfig
    from stigmer_sdk.service.runner import RUNNER_CONTRACTS
    from stigmer_sdk.service.scopes import TOKEN_CHECK_MODES, ScopePolicy
    from stigmer_sdk.service.server import ServiceSettings

    parse_host_port(options.listen, "--listen")
    if options.metrics_address:
        parse_host_port(options.metrics_address, "--metrics-address")
    if options.health_listen:
        parse_host_port(options.health_listen, "--health-listen")
    if bool(options.listen_tls_cert) != bool(options.listen_tls_key):
        raise UserError("--listen-tls-cert and --listen-tls-key go together")
    store_url = options.store or f"sqlite:///{options.data_dir / 'stigmer.db'}"
    scheme = store_url.partition("://")[0].lower() if "://" in store_url else ""
    if scheme not in ("sqlite", "postgresql", "postgres"):
        raise UserError(
            f"--store: unsupported URL scheme {scheme!r}: use sqlite:///path/to/file.db or "
            "postgresql://user:password@host:port/database"
        )
    listen_tls = None
    cert = _read_file(options.listen_tls_cert, "--listen-tls-cert")
    key = _read_file(options.listen_tls_key, "--listen-tls-key")
    if cert and key:
        listen_tls = ListenerTLS(
            cert, key, _read_file(options.listen_client_ca, "--listen-client-ca")
        )
    try:
        auth = AuthConfig.from_options(
            api_keys_file=options.api_keys_file,
            api_keys=os.environ.get("STIGMER_API_KEYS"),
            jwt_jwks=options.jwt_jwks,
            jwt_issuer=options.jwt_issuer,
            jwt_audience=options.jwt_audience,
            jwt_roles_claim=options.jwt_roles_claim,
            certificate_roles=options.client_cert_role,
        )
    except (OSError, ValueError) as error:
        raise UserError(f"authentication: {_first_line(error)}") from None
    if options.runner_contract not in RUNNER_CONTRACTS:
        raise UserError(f"--runner-contract must be one of {', '.join(RUNNER_CONTRACTS)}")
    if options.runner_max_attempts < 0:
        raise UserError("--runner-max-attempts must be 0 (until the deadline) or more")
    defaults = ServiceSettings()
    settings = ServiceSettings(
        service_task_queue=options.task_queue or defaults.service_task_queue,
        agent_runner_task_queue=options.agent_runner_task_queue or defaults.agent_runner_task_queue,
        workflow_runner_task_queue=(
            options.workflow_runner_task_queue or defaults.workflow_runner_task_queue
        ),
        caller_heartbeat_interval=parse_duration(options.caller_heartbeat, "--caller-heartbeat"),
        caller_heartbeat_budget=options.caller_heartbeat_budget,
        runner_heartbeat_timeout=parse_duration(
            options.runner_heartbeat_timeout, "--runner-heartbeat-timeout"
        ),
        runner_maximum_attempts=options.runner_max_attempts,
        runner_contract=options.runner_contract,
        max_cached_workflows=options.max_cached_workflows,
        # A runner queue named on the command line is where the built-in runner is expected.
        colocate_builtin_runner=not (
            options.agent_runner_task_queue or options.workflow_runner_task_queue
        ),
        verify_callback_tokens=options.verify_callback_tokens,
        max_open_executions_per_principal=options.max_open_executions_per_principal,
        create_rate_per_principal=options.create_rate_per_principal,
        create_burst_per_principal=options.create_burst_per_principal,
        max_subscriptions_per_principal=options.max_subscriptions_per_principal,
        max_subscriptions=options.max_subscriptions,
        max_concurrent_rpcs=options.max_concurrent_rpcs,
    )
    if options.verify_callback_tokens not in TOKEN_CHECK_MODES:
        raise UserError(f"--verify-callback-tokens must be one of {', '.join(TOKEN_CHECK_MODES)}")
    try:
        scopes = ScopePolicy.parse(
            [
                *options.principal_scope,
                *(s for s in os.environ.get("STIGMER_PRINCIPAL_SCOPES", "").split(";") if s),
            ]
        )
    except ValueError as error:
        raise UserError(f"--principal-scope: {_first_line(error)}") from None
    return ServiceConfig(
        listen=options.listen,
        listen_tls=listen_tls,
        temporal=options.temporal,
        store_url=store_url,
        encryption_keys=tuple(_encryption_keys(options.encryption_key)),
        auth=auth,
        scopes=scopes,
        insecure_no_auth=options.insecure_no_auth,
        development=options.dev,
        builtin_runner=options.builtin_runner,
        metrics_address=options.metrics_address,
        health_listen=options.health_listen,
        pending_metrics_interval=parse_duration(
            options.pending_metrics_interval, "--pending-metrics-interval"
        ),
        drain_grace=parse_duration(options.drain_grace, "--drain-grace"),
        settings=settings,
    )


# --- serve: lifecycle -----------------------------------------------------------------------------


async def run_service(options: ServeOptions, config: ServiceConfig) -> None:
    """Start the dev server (``--dev``), tracing and the service; run until SIGINT or SIGTERM."""
    from stigmer_sdk.service.app import StigmerService

    stop = _stop_on_signals()  # first: a SIGTERM during start-up still stops cleanly
    dev_server = await _start_dev_server(options) if options.dev else None
    tracing: Callable[[], None] | None = None
    try:
        if dev_server is not None:
            config = replace(config, temporal=replace(config.temporal, address=dev_server.target))
        tracing = _start_tracing(options.otlp_endpoint)
        service = StigmerService(config)
        await _start(service, config)
        try:
            _print_summary(_summary(service, config, dev_server, options), options.as_json)
            await _until_stopped(service, stop)
        finally:
            await service.stop()
    finally:
        if tracing is not None:
            tracing()
        if dev_server is not None:
            await dev_server.stop()


def _print_summary(summary: dict[str, str], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary))
        return
    table = Table(title="Stigmer service", show_header=False)
    for name, value in summary.items():
        table.add_row(name.replace("_", " "), value)
    console.print(table)


async def _start_dev_server(options: ServeOptions) -> DevServer:
    from stigmer_sdk.testing import DevServer

    host, port = parse_host_port(options.temporal.address, "--address")
    server = DevServer(ip=host, port=port, ui=True, db_filename=options.data_dir / "temporal.db")
    try:
        await server.start()
    except (RuntimeError, OSError, TimeoutError) as error:
        raise UserError(
            f"cannot start the Temporal dev server on {options.temporal.address}: "
            f"{_first_line(error)}",
            ExitCode.UNAVAILABLE,
        ) from None
    return server


def _start_tracing(endpoint: str | None) -> Callable[[], None] | None:
    if not endpoint:
        return None
    try:
        from stigmer_sdk.tracing import configure_otlp
    except ImportError:
        raise UserError(
            "--otlp-endpoint needs OpenTelemetry: pip install 'stigmer-handshake[otel]'"
        ) from None
    return configure_otlp(endpoint, service_name="stigmer-service")


async def _start(service: StigmerService, config: ServiceConfig) -> None:
    """Start the service; what the operator can fix becomes a `UserError`."""
    from stigmer_sdk.service.app import AddressUnavailableError, ServiceStartError
    from stigmer_sdk.service.store import StoreError

    try:
        await service.start()
    except BaseException as error:
        with contextlib.suppress(Exception):
            await service.stop()
        if isinstance(error, AddressUnavailableError):
            raise UserError(str(error), ExitCode.UNAVAILABLE) from None
        if isinstance(error, ServiceStartError):  # an unsafe configuration
            raise UserError(str(error), ExitCode.USAGE) from None
        if isinstance(error, StoreError | ValueError):
            raise UserError(
                f"store {_redacted(config.store_url)}: {_first_line(error)}",
                ExitCode.UNAVAILABLE if isinstance(error, StoreError) else ExitCode.USAGE,
            ) from None
        text = str(error)
        if "client connect" in text.lower():
            raise UserError(
                f"cannot connect to Temporal at {config.temporal.address}: {_first_line(error)}",
                ExitCode.UNAVAILABLE,
            ) from None
        if isinstance(error, RuntimeError) and "bind" in text.lower():
            raise UserError(
                f"cannot listen on {config.listen}: the address is in use or not available",
                ExitCode.UNAVAILABLE,
            ) from None
        raise


def _stop_on_signals() -> asyncio.Event:
    """An event that SIGINT and SIGTERM set."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def _until_stopped(service: StigmerService, stop: asyncio.Event) -> None:
    closed = asyncio.create_task(service.wait_closed())
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait([closed, stopped], return_when=asyncio.FIRST_COMPLETED)
    for task in (closed, stopped):
        task.cancel()


def _redacted(url: str) -> str:
    """A store URL without its credentials."""
    return url.split("@")[-1] if "@" in url else url


def _summary(
    service: StigmerService,
    config: ServiceConfig,
    dev_server: DevServer | None,
    options: ServeOptions,
) -> dict[str, str]:
    """What ``serve`` prints once it is up (never a credential)."""
    tls_mode = "plaintext"
    if config.listen_tls is not None:
        tls_mode = "mTLS" if config.listen_tls.client_ca else "TLS"
    summary = {
        "gRPC": f"{service.target} ({tls_mode})",
        "Temporal": f"{config.temporal.address} ({config.temporal.namespace})",
    }
    if dev_server is not None:
        summary["Temporal_UI"] = dev_server.ui_url or ""
    summary.update(
        store=_redacted(config.store_url),
        task_queue=config.settings.service_task_queue,
        tokens_at_rest=(
            f"encrypted (key {config.encryption_keys[-1].kid})"
            if config.encryption_keys
            else "plain"
        ),
        authentication=config.auth.describe(),
        runner=_runner_summary(config),
    )
    if config.metrics_address:
        summary["metrics"] = f"http://{config.metrics_address}/metrics"
    if config.health_listen:
        summary["health"] = f"{config.health_listen} (Health/Check, plaintext)"
    if options.otlp_endpoint:
        summary["traces"] = f"OTLP {options.otlp_endpoint}"
    return summary


def _runner_summary(config: ServiceConfig) -> str:
    from stigmer_sdk.service.workers import colocated_runner_settings

    if not config.builtin_runner:
        return "external"
    settings = colocated_runner_settings(config.settings, builtin_runner=True)
    return f"built-in scripted (task queue {settings.agent_runner_task_queue})"


# --- demo -----------------------------------------------------------------------------------------


@app.command()
def demo(
    agent: Annotated[str, typer.Option(help="Scripted agent to call.")] = "research-assistant",
    message: Annotated[
        str, typer.Option(help="What to ask it.")
    ] = "the history of the token handshake",
    as_json: JsonOption = False,
) -> None:
    """Run the whole handshake on embedded defaults and show each step."""
    from stigmer_sdk.demo import run_demo

    result = _run(run_demo(agent_id=agent, message=message, console=console, as_json=as_json))
    if not result.metadata.id:
        raise typer.Exit(ExitCode.FAILURE)


# --- token inspect --------------------------------------------------------------------------------


def _read_token(argument: str, option: str = "token") -> TaskToken:
    try:
        return TaskToken.from_argument(argument)
    except MalformedTokenError as error:
        raise UserError(f"{option}: {error}", ExitCode.INVALID_TOKEN) from None
    except OSError as error:
        raise UserError(f"{option}: cannot read {argument[1:]}: {error.strerror}") from None


@token_app.command("inspect")
def token_inspect(
    token: Annotated[str, typer.Argument(help="The token in Base64, or @file (raw or Base64).")],
    as_json: JsonOption = False,
) -> None:
    """Show what a task token says (never the token itself).

    Exits 0 for a well-formed token, 4 for an invalid one, 5 for an empty one.
    """

    async def run() -> ExitCode:
        parsed = _read_token(token)
        record: dict[str, Any] = {
            "token_preview": parsed.preview(),
            "token_digest": short_token_digest(parsed.raw),
            "length": len(parsed),
        }
        code = ExitCode.OK
        try:
            parsed.validate()
            record["valid"] = True
        except TokenError as problem:
            record.update(valid=False, error=str(problem))
            empty = isinstance(problem, EmptyTokenError)
            code = ExitCode.EMPTY_TOKEN if empty else ExitCode.INVALID_TOKEN
        info = parsed.inspect()
        if info is not None and parsed:
            record.update(vars(info))
        if as_json:
            typer.echo(json.dumps(record))
        else:
            table = Table(title="Task token", show_header=False)
            table.add_row("preview", record["token_preview"])
            table.add_row("token_digest", record["token_digest"])
            table.add_row("length", f"{len(parsed)} bytes")
            table.add_row("valid", "yes" if record["valid"] else f"no: {record['error']}")
            for name, value in record.items():
                if name not in ("token_preview", "token_digest", "length", "valid", "error"):
                    table.add_row(name, str(value))
            console.print(table)
        return code

    raise typer.Exit(_run(run()))


# --- complete -------------------------------------------------------------------------------------


def _result_message(text: str, type_name: str) -> Any:
    try:
        result = message_class(type_name)()
    except KeyError:
        raise UserError(f"--result-type: unknown message type {type_name}") from None
    try:
        json_format.Parse(text, result)
    except json_format.ParseError as error:
        raise UserError(f"--result is not a {type_name} in JSON: {error}") from None
    return result


def _completion_target(
    token: str | None, workflow_id: str | None, run_id: str, activity_id: str | None
) -> ActivityTarget:
    if token is not None and (workflow_id or activity_id):
        raise UserError("give --token, or --workflow-id with --activity-id, not both")
    if token is not None:
        return _read_token(token, "--token")
    if workflow_id and activity_id:
        return ActivityById(workflow_id, activity_id, run_id)
    raise UserError("give --token, or --workflow-id with --activity-id")


#: Outcomes after which the stored token can no longer be delivered: ``complete`` records them.
_FINAL_OUTCOMES = frozenset(
    {
        CompletionOutcome.COMPLETED.name,
        CompletionOutcome.ALREADY_COMPLETED.name,
        CompletionOutcome.INVALID_TOKEN.name,
    }
)


def _names_target(row: StoredExecution, target: ActivityTarget) -> bool:
    """Whether the row's stored token is the one ``target`` gives, or names its activity."""
    if not row.callback_token:
        return False
    if isinstance(target, ActivityById):
        info = TaskToken(row.callback_token).inspect()
        return (
            info is not None
            and (info.workflow_id, info.activity_id) == (target.workflow_id, target.activity_id)
            and (not target.run_id or info.run_id == target.run_id)
        )
    raw = target.raw if isinstance(target, TaskToken) else bytes(target)
    return raw == row.callback_token


async def _record_outcome(
    url: str,
    keys: Sequence[EncryptionKey],
    execution_id: str,
    target: ActivityTarget,
    outcome: str,
) -> bool:
    """Record a manual completion's final outcome on the execution, as the service's own finish
    step does (the token is erased, its digest kept), so that ``pending`` agrees. Only while the
    stored token is the one completed: a retried caller's newer token stays owed."""
    from stigmer_sdk.service.store import StoreError, open_store
    from stigmer_sdk.tokens import token_digest

    await require_existing_store(url)
    try:
        opened = await open_store(url, encryption_keys=keys)
    except (StoreError, ValueError) as error:
        raise UserError(f"store {_redacted(url)}: {error}", ExitCode.UNAVAILABLE) from None
    try:
        row = await opened.get(execution_id)
        if row is None:
            raise UserError(
                f"the outcome was delivered, but the store has no execution {execution_id}",
                ExitCode.NOT_FOUND,
            )
        if not _names_target(row, target):
            logger.warning(
                "Manual completion not recorded execution_id=%s: its stored token is another "
                "activity's, or none, or unreadable (--encryption-key)",
                execution_id,
            )
            return False
        digest = token_digest(row.callback_token)
        marked = await opened.mark_completion(execution_id, outcome, token_digest=digest)
    finally:
        await opened.close()
    logger.info("Manual completion recorded execution_id=%s outcome=%s", execution_id, outcome)
    return marked.completion_outcome == outcome


def _target_preview(target: ActivityTarget) -> str:
    """How logs name a completion's target: its ids, or its token's preview."""
    if isinstance(target, ActivityById):
        return target.describe()
    return token_preview(target.raw if isinstance(target, TaskToken) else bytes(target))


async def not_found_reason(client: temporalio.client.Client, target: ActivityTarget) -> str | None:
    """Why Temporal answered NOT_FOUND, when the activity never existed: ``None`` when it did
    (it was completed, failed, cancelled or timed out: ALREADY_COMPLETED)."""
    import temporalio.service

    if isinstance(target, ActivityById):
        workflow_id, run_id, activity_id = target.workflow_id, target.run_id, target.activity_id
    else:
        info = (TaskToken(target) if isinstance(target, bytes) else target).inspect()
        if info is None or not info.workflow_id:
            return None
        workflow_id, run_id, activity_id = info.workflow_id, info.run_id, info.activity_id
    handle = client.get_workflow_handle(workflow_id, run_id=run_id or None)
    try:
        async for event in handle.fetch_history_events():
            scheduled = event.activity_task_scheduled_event_attributes
            if event.HasField("activity_task_scheduled_event_attributes") and (
                scheduled.activity_id == activity_id
            ):
                return None
    except temporalio.service.RPCError as error:
        if error.status is temporalio.service.RPCStatusCode.NOT_FOUND:
            run = f" run {run_id}" if run_id else ""
            return f"no workflow {workflow_id!r}{run} in namespace {client.namespace}"
        return None
    return f"workflow {workflow_id!r} has no activity {activity_id!r}"


@app.command()
def complete(
    token: Annotated[
        str | None, typer.Option(help="Task token in Base64, or @file (raw or Base64).")
    ] = None,
    workflow_id: Annotated[str | None, typer.Option(help="Caller's workflow id.")] = None,
    run_id: Annotated[str, typer.Option(help="Caller's run id (default: latest).")] = "",
    activity_id: Annotated[str | None, typer.Option(help="Caller's activity id.")] = None,
    result: Annotated[
        str | None, typer.Option(help="Result as proto JSON of --result-type.")
    ] = None,
    result_type: Annotated[
        str, typer.Option(help="Full proto name of the result.")
    ] = "ai.stigmer.agentic.agentexecution.v1.AgentExecution",
    plain_json: Annotated[
        bool, typer.Option(help="Send --result as plain JSON instead of a proto message.")
    ] = False,
    error: Annotated[str | None, typer.Option(help="Fail the activity with this message.")] = None,
    error_type: Annotated[str, typer.Option("--type", help="Failure type.")] = "MANUAL_COMPLETION",
    non_retryable: Annotated[bool, typer.Option(help="Mark the failure non-retryable.")] = False,
    cancel: Annotated[bool, typer.Option(help="Report the activity cancelled.")] = False,
    execution_id: Annotated[
        str | None,
        typer.Option(
            help="The execution whose caller this is (as `pending` prints it): the outcome is "
            "recorded in --store, so that `pending` no longer lists it."
        ),
    ] = None,
    store: Annotated[
        str, typer.Option(envvar="STIGMER_STORE_URL", help="The service's store URL.")
    ] = "sqlite:///.stigmer/stigmer.db",
    encryption_key: Annotated[
        list[str] | None,
        typer.Option(help="The service's token encryption keys, as for `pending`."),
    ] = None,
    address: AddressOption = "127.0.0.1:7233",
    namespace: NamespaceOption = "default",
    tls: TlsOption = False,
    tls_cert: TlsCertOption = None,
    tls_key: TlsKeyOption = None,
    api_key: ApiKeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Complete, fail or cancel a pending caller activity by hand.

    Give the activity by --token, or by --workflow-id and --activity-id (as `pending` prints
    them), and exactly one outcome: --result, --error or --cancel. With --execution-id the
    outcome is also recorded in the service's store (--store). Exit codes: 0 delivered,
    3 already completed, 4 invalid token, 5 empty token, 6 transient, 7 not found.
    """

    async def run() -> ExitCode:
        target = _completion_target(token, workflow_id, run_id, activity_id)
        if sum((result is not None, error is not None, cancel)) != 1:
            raise UserError(
                "give exactly one of --result, --error and --cancel: complete never delivers "
                "an empty result by default (for one, pass --plain-json --result null)"
            )
        value: Any = None
        if result is not None:
            if plain_json:
                try:
                    value = json.loads(result)
                except json.JSONDecodeError as problem:
                    raise UserError(f"--result is not JSON: {problem}") from None
            else:
                value = _result_message(result, result_type)
        connection = temporal_connection(address, namespace, tls, tls_cert, tls_key, api_key)
        client = await connect_temporal(connection)
        # An activity that never existed is NOT_FOUND before anything is sent, so that the
        # completion's own log line (Temporal's NOT_FOUND reads ALREADY_COMPLETED there) and
        # the exit code never disagree.
        reason = await not_found_reason(client, target)
        if reason is not None:
            name, code, message = "NOT_FOUND", ExitCode.NOT_FOUND, reason
            preview = _target_preview(target)
            logger.warning(
                "Manual completion not sent outcome=NOT_FOUND target=%s %s", preview, reason
            )
        else:
            outcome = await _deliver(client, target, value)
            name, code = outcome.outcome.name, EXIT_CODES[outcome.outcome]
            message, preview = outcome.message, outcome.token_preview
        record: dict[str, Any] = {"outcome": name, "token_preview": preview, "message": message}
        if execution_id and name in _FINAL_OUTCOMES:
            record["recorded"] = await _record_outcome(
                store, _encryption_keys(encryption_key), execution_id, target, name
            )
        if isinstance(target, TaskToken):
            record["token_digest"] = short_token_digest(target.raw)
        colour = "green" if code is ExitCode.OK else "yellow"
        _emit(as_json, record, f"[{colour}]{name}[/{colour}] {preview} {message}")
        return code

    async def _deliver(
        client: temporalio.client.Client, target: ActivityTarget, value: Any
    ) -> CompletionResult:
        if cancel:
            return await report_external_cancellation(client, target)
        if error is not None:
            failure = completion_pb2.ActivityFailure(
                message=error, type=error_type, non_retryable=non_retryable
            )
            return await complete_external_activity(client, target, failure=failure)
        return await complete_external_activity(client, target, result=value)

    raise typer.Exit(_run(run()))


# --- pending --------------------------------------------------------------------------------------


async def require_existing_store(url: str) -> None:
    """Raise `UserError` (not found) unless ``url`` names an existing store; never creates
    one (``open_store`` would)."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme == "sqlite":
        path = url[len("sqlite://") :].removeprefix("/")
        if path in ("", ":memory:") or not Path(path).is_file():
            raise UserError(
                f"no store at {url}: the file does not exist; give the service's store with "
                "--store or STIGMER_STORE_URL",
                ExitCode.NOT_FOUND,
            )
        try:
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
                found = db.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'executions'"
                ).fetchone()
        except sqlite3.Error as error:
            raise UserError(f"store {url}: {error}", ExitCode.UNAVAILABLE) from None
    elif scheme in ("postgresql", "postgres"):
        import psycopg

        try:
            async with await psycopg.AsyncConnection.connect(url, connect_timeout=10) as db:
                cursor = await db.execute("SELECT to_regclass('executions') IS NOT NULL")
                row = await cursor.fetchone()
                found = row[0] if row else None
        except psycopg.Error as error:
            raise UserError(
                f"store {_redacted(url)}: {_first_line(error)}", ExitCode.UNAVAILABLE
            ) from None
    else:
        raise UserError(
            f"--store: unsupported URL scheme {scheme!r}: use sqlite:///path/to/file.db or "
            "postgresql://user:password@host:port/database"
        )
    if not found:
        raise UserError(
            f"no store at {_redacted(url)}: it has no executions table", ExitCode.NOT_FOUND
        )


def _phase_name(execution: Any) -> str:
    field = execution.status.DESCRIPTOR.fields_by_name["phase"]
    value = field.enum_type.values_by_number.get(execution.status.phase)
    return value.name if value is not None else str(execution.status.phase)


def pending_record(row: StoredExecution, now: datetime) -> dict[str, Any]:
    """What ``pending`` shows of one row: ids, age, phase, the caller's ids and the command."""
    from stigmer_sdk.service.activities import decode

    execution = decode(row)
    spec: Any = execution.spec
    record: dict[str, Any] = {
        "execution_id": row.id,
        "kind": row.kind.value,
        "target": getattr(spec, "agent_id", "") or getattr(spec, "workflow_id", ""),
        "phase": _phase_name(execution),
        "age_seconds": round((now - row.created_at).total_seconds(), 3),
        "token_preview": row.callback_token_preview,
        "token_digest": short_token_digest(row.callback_token) if row.callback_token else "",
    }
    if row.callback_token_error:
        record["token_error"] = row.callback_token_error
    info = TaskToken(row.callback_token).inspect() if row.callback_token else None
    if info is not None and info.workflow_id and info.activity_id:
        record.update(
            workflow_id=info.workflow_id, run_id=info.run_id, activity_id=info.activity_id
        )
        record["complete_command"] = shlex.join(
            [
                "stigmer-sdk",
                "complete",
                "--workflow-id",
                info.workflow_id,
                "--run-id",
                info.run_id,
                "--activity-id",
                info.activity_id,
                "--error",
                f"completed by hand: execution {row.id}",
                "--type",
                "MANUAL_COMPLETION",
                "--execution-id",
                row.id,
            ]
        )
    return record


#: What ``pending --show-token`` says first, on standard error.
SHOW_TOKEN_WARNING = (
    "[yellow]warning:[/yellow] --show-token prints bearer credentials: whoever holds a token can "
    "complete, fail or cancel its caller's activity. Keep them out of tickets, chats and logs."
)


def _pending_text(record: dict[str, Any]) -> str:
    age = _human(timedelta(seconds=record["age_seconds"]))
    lines = [
        f"[bold]{record['execution_id']}[/bold]  {record['kind']} {record['target']}  "
        f"{record['phase']}  age {age}"
    ]
    if "workflow_id" in record:
        lines.append(
            f"  caller    workflow {record['workflow_id']}  run {record['run_id']}  "
            f"activity {record['activity_id']}"
        )
    lines.append(f"  token     {record['token_preview']}  digest {record['token_digest'] or '-'}")
    if "token_error" in record:
        lines.append(f"  [yellow]cannot read the token:[/yellow] {record['token_error']}")
    if "complete_command" in record:
        lines.append(f"  complete  {record['complete_command']}")
    if "token" in record:
        lines.append(f"  full token {record['token']}")
    return "\n".join(lines)


@app.command()
def pending(
    store: Annotated[
        str, typer.Option(envvar="STIGMER_STORE_URL", help="The service's store URL.")
    ] = "sqlite:///.stigmer/stigmer.db",
    older_than: Annotated[
        str | None, typer.Option(help="Only those pending longer than this, e.g. 1h.")
    ] = None,
    encryption_key: Annotated[
        list[str] | None,
        typer.Option(
            help=(
                "The service's token encryption keys (kid:base64, repeatable). Default: "
                "STIGMER_ENCRYPTION_KEYS, after a bare STIGMER_TOKEN_ENCRYPTION_KEY."
            )
        ),
    ] = None,
    show_token: Annotated[
        bool,
        typer.Option(
            help="Also print each full token (Base64): a bearer credential, for `token inspect` "
            "or `complete --token`; the ids and the printed command need none."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List executions whose caller completion is still owed, oldest first (read-only).

    Each shows the caller's workflow, run and activity ids, and the `complete` command that
    fails the caller by hand (edit its outcome first). Exit codes: 0 listed (maybe none),
    7 no store at that URL, 8 the database is unreachable.
    """
    from stigmer_sdk.service.store import StoreError, open_store

    async def run() -> None:
        threshold = parse_duration(older_than, "--older-than") if older_than else None
        keys = _encryption_keys(encryption_key)
        await require_existing_store(store)
        try:
            opened = await open_store(store, encryption_keys=keys)
        except (StoreError, ValueError) as error:
            raise UserError(f"store {_redacted(store)}: {error}", ExitCode.UNAVAILABLE) from None
        try:
            rows = await opened.list_pending(older_than=threshold)
        finally:
            await opened.close()
        now = datetime.now(UTC)
        records = [pending_record(row, now) for row in rows]
        if show_token:
            errors.print(SHOW_TOKEN_WARNING, highlight=False)
            for record, row in zip(records, rows, strict=True):
                if row.callback_token:
                    record["token"] = base64.b64encode(row.callback_token).decode()
        if as_json:
            for record in records:
                typer.echo(json.dumps(record))
            return
        console.print(f"Completions owed: {len(records)} (oldest first)", highlight=False)
        for record in records:
            console.print("\n" + _pending_text(record), highlight=False)

    _run(run())


def _human(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


def main() -> None:
    """Console-script entry point: no traceback for an interrupt or a user's mistake."""
    code: int = ExitCode.OK
    try:
        app()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else ExitCode.FAILURE
    except KeyboardInterrupt:
        code = 130
    except Exception as error:  # a bug: one line, the traceback on request
        if os.environ.get("STIGMER_DEBUG"):
            raise
        print(
            f"error: unexpected {type(error).__name__}: {_first_line(error)} "
            "(STIGMER_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        code = ExitCode.FAILURE
    # Exit without interpreter finalization: Temporal's core threads may still hold the GIL
    # machinery then, and Python aborts ("PyGILState_Release ... finalizing", SIGABRT) instead
    # of returning the command's exit code. Everything worth keeping is flushed first.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


__all__ = ["EXIT_CODES", "ExitCode", "UserError", "app", "main"]
