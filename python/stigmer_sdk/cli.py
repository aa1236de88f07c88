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
import inspect
import json
import logging
import os
import shlex
import signal
import sqlite3
import sys
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
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
from stigmer_sdk.service import config
from stigmer_sdk.service.config import (
    ServeSettings,
    SettingField,
    first_line,
    format_duration,
    is_repeatable,
    parse_value,
    read_setting_file,
    setting_fields,
    settings_from_values,
)
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
_S = TypeVar("_S")


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


def parse_duration(text: str, option: str = "duration") -> timedelta:
    """Parse ``90s``, ``5m``, ``1h``, ``2d`` or ``250ms``; raise `UserError` (usage) when it is
    not a duration.

    Examples:
        >>> parse_duration("90s")
        datetime.timedelta(seconds=90)
    """
    try:
        return config.parse_duration(text, option)
    except ValueError as error:
        raise UserError(str(error)) from None


def parse_host_port(text: str, option: str) -> tuple[str, int]:
    """Split ``host:port``; raise `UserError` (usage) when it is not one.

    Examples:
        >>> parse_host_port("127.0.0.1:7233", "--address")
        ('127.0.0.1', 7233)
    """
    try:
        return config.parse_host_port(text, option)
    except ValueError as error:
        raise UserError(str(error)) from None


def _configure_logging(verbose: bool) -> None:
    """Logs go to standard error only, never into a command's output."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )


def _read_file(path: Path | None, option: str) -> bytes | None:
    try:
        return read_setting_file(path, option)
    except ValueError as error:
        raise UserError(str(error)) from None


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
            f"(namespace {connection.namespace}): {first_line(error)}",
            ExitCode.UNAVAILABLE,
        ) from None


# --- serve: options, derived from the settings ---------------------------------------------
# A new serve option is a field of ServeSettings or ServiceSettings (stigmer_sdk.service.config):
# its option, environment variable and docs row follow from it.


def _cli_type(item: SettingField) -> tuple[Any, Any]:
    """The command-line type and default of a setting (durations as text, repeatables as lists)."""
    if item.type is timedelta:
        return str, format_duration(item.default)
    if is_repeatable(item.type):
        return list[str] | None, None
    return item.type, item.default


def serve_parameters(cls: type = ServeSettings) -> list[inspect.Parameter]:
    """``serve``'s options: one per setting of ``cls`` that has one."""
    parameters = []
    for item in setting_fields(cls):
        if item.setting.flag is None:
            continue
        type_, default = _cli_type(item)
        option = typer.Option(
            item.setting.flag,
            envvar=item.setting.env,
            help=item.setting.help,
            min=item.setting.minimum,
        )
        parameters.append(
            inspect.Parameter(
                item.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[type_, option],
                default=default,
            )
        )
    return parameters


def settings_from_options(cls: type[_S], values: dict[str, Any]) -> _S:
    """The settings ``serve``'s parsed options give.

    Raises:
        ValueError: a duration that is not one.
    """
    converted: dict[str, Any] = {}
    for item in setting_fields(cls):
        if item.name not in values:
            continue
        value = values[item.name]
        if item.type is timedelta:
            value = parse_value(timedelta, value, item.setting.names[0])
        elif is_repeatable(item.type):
            # An environment variable's items are separated by ';', as for the environment reader.
            value = tuple(part for text in value or () for part in parse_value(item.type, text))
        converted[item.name] = value
    return settings_from_values(cls, converted)


def serve_command(cls: type[ServeSettings] = ServeSettings) -> Callable[..., None]:
    """The ``serve`` command for the settings ``cls`` (a subclass adds options)."""

    def serve(**values: Any) -> None:
        verbose, as_json = values.pop("verbose"), values.pop("as_json")
        _configure_logging(verbose)

        async def run() -> None:
            from stigmer_sdk.service.app import ServiceConfig

            try:
                settings = settings_from_options(cls, values)
                service_config = ServiceConfig.from_settings(settings)
            except ValueError as error:
                raise UserError(str(error)) from None
            await run_service(settings, service_config, as_json=as_json)

        _run(run())

    extra = [
        inspect.Parameter(
            "verbose",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[bool, typer.Option("--verbose/--quiet", help="INFO logs.")],
            default=True,
        ),
        inspect.Parameter(
            "as_json",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")],
            default=False,
        ),
    ]
    parameters = [*serve_parameters(cls), *extra]
    serve.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    serve.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
    serve.__doc__ = """Run the reference Stigmer service and its Temporal workers.

    Roles: caller (create; read its own executions), runner (read and update the status of any
    execution), admin (everything). Without credentials the service only listens on loopback.
    create refuses a spec above 1 MiB (1048576 bytes, without its callback token) with
    RESOURCE_EXHAUSTED. Stops cleanly on SIGINT or SIGTERM (draining first). The summary goes to
    standard output, logs to standard error. Every option is also an environment variable
    (docs/configuration.md).
    """
    return serve


app.command("serve")(serve_command())


# --- serve: lifecycle -----------------------------------------------------------------------------


async def run_service(settings: ServeSettings, config: ServiceConfig, *, as_json: bool) -> None:
    """Start the dev server (``--dev``), tracing and the service; run until SIGINT or SIGTERM."""
    from stigmer_sdk.service.app import StigmerService

    stop = _stop_on_signals()  # first: a SIGTERM during start-up still stops cleanly
    dev_server = await _start_dev_server(settings) if settings.dev else None
    tracing: Callable[[], None] | None = None
    try:
        if dev_server is not None:
            config = replace(config, temporal=replace(config.temporal, address=dev_server.target))
        tracing = _start_tracing(settings.otlp_endpoint)
        service = StigmerService(config)
        await _start(service, config)
        try:
            _print_summary(_summary(service, config, dev_server, settings), as_json)
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


async def _start_dev_server(settings: ServeSettings) -> DevServer:
    from stigmer_sdk.testing import DevServer

    host, port = parse_host_port(settings.address, "--address")
    server = DevServer(ip=host, port=port, ui=True, db_filename=settings.data_dir / "temporal.db")
    try:
        await server.start()
    except (RuntimeError, OSError, TimeoutError) as error:
        raise UserError(
            f"cannot start the Temporal dev server on {settings.address}: {first_line(error)}",
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
                f"store {_redacted(config.store_url)}: {first_line(error)}",
                ExitCode.UNAVAILABLE if isinstance(error, StoreError) else ExitCode.USAGE,
            ) from None
        text = str(error)
        if "client connect" in text.lower():
            raise UserError(
                f"cannot connect to Temporal at {config.temporal.address}: {first_line(error)}",
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
    settings: ServeSettings,
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
    if settings.otlp_endpoint:
        summary["traces"] = f"OTLP {settings.otlp_endpoint}"
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
                f"store {_redacted(url)}: {first_line(error)}", ExitCode.UNAVAILABLE
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
            f"error: unexpected {type(error).__name__}: {first_line(error)} "
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
