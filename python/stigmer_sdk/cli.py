"""The ``stigmer-sdk`` command line.

Commands: ``serve`` (the reference service), ``demo`` (the handshake end to end), ``token inspect``,
``complete`` (manual completion, replacing the runbook's tctl step) and ``pending`` (executions
whose completion is still owed). Run ``stigmer-sdk COMMAND --help`` for each.

Exit codes of ``complete``: 0 completed, 3 already completed, 4 invalid token, 5 empty token,
6 transient (retry), 2 bad usage.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import signal
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import temporalio.client
import typer
from google.protobuf import json_format
from rich.console import Console
from rich.table import Table

from stigmer_sdk.api.sdk.v1 import completion_pb2
from stigmer_sdk.completion import (
    ActivityById,
    ActivityTarget,
    CompletionOutcome,
    complete_external_activity,
    message_class,
    report_external_cancellation,
)
from stigmer_sdk.errors import MalformedTokenError, TokenError
from stigmer_sdk.service.store.commands import store_app
from stigmer_sdk.tokens import TaskToken

app = typer.Typer(
    name="stigmer-sdk",
    help="Temporal token handshake for Stigmer executions: service, demo and operator tools.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
token_app = typer.Typer(help="Task token tools.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(store_app, name="store")
console = Console()
errors = Console(stderr=True)

EXIT_CODES = {
    CompletionOutcome.COMPLETED: 0,
    CompletionOutcome.ALREADY_COMPLETED: 3,
    CompletionOutcome.INVALID_TOKEN: 4,
    CompletionOutcome.EMPTY_TOKEN: 5,
    CompletionOutcome.TRANSIENT: 6,
}

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """Parse ``90s``, ``5m``, ``1h``, ``2d`` or ``250ms``."""
    match = _DURATION.match(text.strip())
    if not match:
        raise typer.BadParameter(f"{text!r} is not a duration such as 30s, 5m, 1h or 2d")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )


# Shared Temporal connection options.
AddressOption = Annotated[
    str, typer.Option("--address", envvar="TEMPORAL_ADDRESS", help="Temporal frontend host:port.")
]
NamespaceOption = Annotated[
    str, typer.Option("--namespace", envvar="TEMPORAL_NAMESPACE", help="Temporal namespace.")
]
TlsOption = Annotated[
    bool, typer.Option("--tls/--no-tls", envvar="TEMPORAL_TLS", help="TLS to Temporal.")
]
ApiKeyOption = Annotated[
    str | None,
    typer.Option("--api-key", envvar="TEMPORAL_API_KEY", help="Temporal Cloud API key."),
]


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
    tls_cert: Annotated[
        Path | None, typer.Option(envvar="TEMPORAL_TLS_CERT", help="mTLS client certificate.")
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option(envvar="TEMPORAL_TLS_KEY", help="mTLS client key.")
    ] = None,
    api_key: ApiKeyOption = None,
    store: Annotated[
        str | None,
        typer.Option(
            envvar="STIGMER_STORE_URL", help="sqlite:///path or postgresql://user:pw@host/db."
        ),
    ] = None,
    encryption_key: Annotated[
        str | None,
        typer.Option(
            envvar="STIGMER_TOKEN_ENCRYPTION_KEY",
            help="Base64 of 32 bytes: encrypt tokens at rest (AES-GCM).",
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
    runner_heartbeat_timeout: Annotated[
        str, typer.Option(help="A runner silent this long is retried (after a crash, say).")
    ] = "30s",
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
            envvar="STIGMER_METRICS_ADDRESS", help="host:port of a Prometheus /metrics endpoint."
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
    verbose: Annotated[bool, typer.Option("--verbose/--quiet")] = True,
) -> None:
    """Run the reference Stigmer service and its Temporal workers."""
    from stigmer_sdk.service.app import (
        ListenerTLS,
        ServiceConfig,
        StigmerService,
        TemporalConnection,
    )
    from stigmer_sdk.service.runner import RUNNER_CONTRACTS
    from stigmer_sdk.service.server import ServiceSettings
    from stigmer_sdk.service.store import load_encryption_key
    from stigmer_sdk.testing import DevServer

    _configure_logging(verbose)

    async def run() -> None:
        dev_server: DevServer | None = None
        temporal = TemporalConnection(
            address=address,
            namespace=namespace,
            tls=tls,
            tls_cert=tls_cert.read_bytes() if tls_cert else None,
            tls_key=tls_key.read_bytes() if tls_key else None,
            api_key=api_key,
        )
        store_url = store or f"sqlite:///{data_dir / 'stigmer.db'}"
        defaults = ServiceSettings()
        if dev:
            host, _, port = address.rpartition(":")
            dev_server = DevServer(
                ip=host or "127.0.0.1",
                port=int(port),
                ui=True,
                db_filename=data_dir / "temporal.db",
            )
            await dev_server.start()
            temporal = replace(temporal, address=dev_server.target)
        if runner_contract not in RUNNER_CONTRACTS:
            raise typer.BadParameter(f"--runner-contract must be one of {RUNNER_CONTRACTS}")
        if bool(listen_tls_cert) != bool(listen_tls_key):
            raise typer.BadParameter("--listen-tls-cert and --listen-tls-key go together")
        config = ServiceConfig(
            listen=listen,
            listen_tls=(
                ListenerTLS(
                    listen_tls_cert.read_bytes(),
                    listen_tls_key.read_bytes(),
                    listen_client_ca.read_bytes() if listen_client_ca else None,
                )
                if listen_tls_cert and listen_tls_key
                else None
            ),
            temporal=temporal,
            store_url=store_url,
            token_encryption_key=load_encryption_key(encryption_key) if encryption_key else None,
            builtin_runner=builtin_runner,
            metrics_address=metrics_address,
            settings=ServiceSettings(
                service_task_queue=task_queue or defaults.service_task_queue,
                agent_runner_task_queue=agent_runner_task_queue or defaults.agent_runner_task_queue,
                workflow_runner_task_queue=(
                    workflow_runner_task_queue or defaults.workflow_runner_task_queue
                ),
                caller_heartbeat_interval=parse_duration(caller_heartbeat),
                runner_heartbeat_timeout=parse_duration(runner_heartbeat_timeout),
                runner_maximum_attempts=runner_max_attempts,
                runner_contract=runner_contract,
            ),
        )
        try:
            async with StigmerService(config) as service:
                table = Table(title="Stigmer service", show_header=False)
                tls_mode = "plaintext"
                if config.listen_tls is not None:
                    tls_mode = "mTLS" if config.listen_tls.client_ca else "TLS"
                table.add_row("gRPC", f"{service.target} ({tls_mode})")
                table.add_row("Temporal", f"{temporal.address} ({temporal.namespace})")
                if dev_server is not None:
                    table.add_row("Temporal UI", dev_server.ui_url or "")
                table.add_row("store", store_url.split("@")[-1])
                table.add_row("task queue", config.settings.service_task_queue)
                table.add_row("tokens at rest", "encrypted" if encryption_key else "plain")
                table.add_row("runner", "built-in scripted" if builtin_runner else "external")
                if metrics_address:
                    table.add_row("metrics", f"http://{metrics_address}/metrics")
                console.print(table)
                stop = asyncio.Event()
                loop = asyncio.get_running_loop()
                for signum in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(signum, stop.set)
                closed = asyncio.create_task(service.wait_closed())
                await asyncio.wait(
                    [closed, asyncio.create_task(stop.wait())],
                    return_when=asyncio.FIRST_COMPLETED,
                )
        finally:
            if dev_server is not None:
                await dev_server.stop()

    asyncio.run(run())


@app.command()
def demo(
    agent: Annotated[str, typer.Option(help="Scripted agent to call.")] = "research-assistant",
    message: Annotated[
        str, typer.Option(help="What to ask it.")
    ] = "the history of the token handshake",
) -> None:
    """Run the whole handshake on embedded defaults and show each step."""
    from stigmer_sdk.demo import run_demo

    result = asyncio.run(run_demo(agent_id=agent, message=message, console=console))
    if not result.metadata.id:
        raise typer.Exit(1)


@token_app.command("inspect")
def token_inspect(
    token: Annotated[str, typer.Argument(help="The token in Base64, or @file (raw or Base64).")],
) -> None:
    """Show what a task token says (never the token itself)."""
    try:
        parsed = TaskToken.from_argument(token)
    except (MalformedTokenError, OSError) as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    table = Table(title="Task token", show_header=False)
    table.add_row("preview", parsed.preview())
    table.add_row("length", f"{len(parsed)} bytes")
    try:
        parsed.validate()
        table.add_row("valid", "yes")
    except TokenError as error:
        table.add_row("valid", f"no: {error}")
    info = parsed.inspect()
    if info is not None:
        for name, value in vars(info).items():
            table.add_row(name, str(value))
    console.print(table)


def _result_message(text: str, type_name: str) -> Any:
    try:
        result = message_class(type_name)()
    except KeyError:
        raise typer.BadParameter(f"unknown message type {type_name}") from None
    try:
        json_format.Parse(text, result)
    except json_format.ParseError as error:
        raise typer.BadParameter(f"--result is not a {type_name} in JSON: {error}") from None
    return result


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
    address: AddressOption = "127.0.0.1:7233",
    namespace: NamespaceOption = "default",
    tls: TlsOption = False,
    api_key: ApiKeyOption = None,
) -> None:
    """Complete, fail or cancel a pending caller activity by hand."""
    target: ActivityTarget
    if token is not None and (workflow_id or activity_id):
        raise typer.BadParameter("give --token, or --workflow-id with --activity-id, not both")
    if token is not None:
        try:
            target = TaskToken.from_argument(token)
        except (MalformedTokenError, OSError) as problem:
            raise typer.BadParameter(str(problem)) from None
    elif workflow_id and activity_id:
        target = ActivityById(workflow_id, activity_id, run_id)
    else:
        raise typer.BadParameter("give --token, or --workflow-id with --activity-id")
    if sum((result is not None, error is not None, cancel)) > 1:
        raise typer.BadParameter("give at most one of --result, --error and --cancel")
    value: Any = None
    if result is not None:
        value = json.loads(result) if plain_json else _result_message(result, result_type)

    async def run() -> CompletionOutcome:
        client = await temporalio.client.Client.connect(
            address, namespace=namespace, tls=tls or bool(api_key), api_key=api_key
        )
        if cancel:
            outcome = await report_external_cancellation(client, target)
        elif error is not None:
            failure = completion_pb2.ActivityFailure(
                message=error, type=error_type, non_retryable=non_retryable
            )
            outcome = await complete_external_activity(client, target, failure=failure)
        else:
            outcome = await complete_external_activity(client, target, result=value)
        colour = "green" if outcome.delivered else "yellow"
        console.print(
            f"[{colour}]{outcome.outcome.name}[/{colour}] {outcome.token_preview} {outcome.message}"
        )
        return outcome.outcome

    raise typer.Exit(EXIT_CODES[asyncio.run(run())])


@app.command()
def pending(
    store: Annotated[
        str, typer.Option(envvar="STIGMER_STORE_URL", help="The service's store URL.")
    ] = "sqlite:///.stigmer/stigmer.db",
    older_than: Annotated[
        str | None, typer.Option(help="Only those pending longer than this, e.g. 1h.")
    ] = None,
    encryption_key: Annotated[
        str | None, typer.Option(envvar="STIGMER_TOKEN_ENCRYPTION_KEY", hidden=True)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List executions whose caller completion is still owed, oldest first."""
    from stigmer_sdk.service.activities import decode
    from stigmer_sdk.service.store import load_encryption_key, open_store

    async def run() -> None:
        opened = await open_store(
            store, encryption_key=load_encryption_key(encryption_key) if encryption_key else None
        )
        try:
            rows = await opened.list_pending(
                older_than=parse_duration(older_than) if older_than else None
            )
        finally:
            await opened.close()
        now = datetime.now(UTC)
        table = Table(title=f"Completions owed: {len(rows)}")
        for column in ("execution", "kind", "target", "phase", "age", "token"):
            table.add_column(column)
        for row in rows:
            execution = decode(row)
            spec: Any = execution.spec
            what = getattr(spec, "agent_id", "") or getattr(spec, "workflow_id", "")
            age = now - row.created_at
            phase = execution.status.phase
            if as_json:
                typer.echo(
                    json.dumps(
                        {
                            "execution_id": row.id,
                            "kind": row.kind.value,
                            "target": what,
                            "phase": int(phase),
                            "age_seconds": round(age.total_seconds(), 3),
                            "token_preview": row.callback_token_preview,
                            **(
                                {"token_error": row.callback_token_error}
                                if row.callback_token_error
                                else {}
                            ),
                        }
                    )
                )
            table.add_row(
                row.id,
                row.kind.value,
                what,
                str(phase),
                _human(age),
                row.callback_token_preview,
            )
        if not as_json:
            console.print(table)

    asyncio.run(run())


def _human(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h"
    if hours:
        return f"{hours}h{minutes}m"
    return f"{minutes}m{seconds}s" if minutes else f"{seconds}s"


def main() -> None:
    """Console-script entry point."""
    with contextlib.suppress(KeyboardInterrupt):
        app()
