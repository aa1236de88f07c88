"""``stigmer-sdk serve``: the reference service; its options are derived from the settings
(`stigmer_sdk.service.config`)."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import signal
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.table import Table

from stigmer_sdk.service.cli._common import (
    ExitCode,
    UserError,
    configure_logging,
    console,
    option_for,
    parse_host_port,
    run_command,
)
from stigmer_sdk.service.config import (
    ServeSettings,
    first_line,
    is_repeatable,
    parse_value,
    setting_fields,
    settings_from_values,
)
from stigmer_sdk.service.store import redact_url

if TYPE_CHECKING:
    from stigmer_sdk.service.app import ServiceConfig, StigmerService
    from stigmer_sdk.testing import DevServer

_S = TypeVar("_S")


# --- serve: options, derived from the settings ---------------------------------------------
# A new serve option is a field of ServeSettings or ServiceSettings (stigmer_sdk.service.config):
# its option, environment variable and docs row follow from it.


def serve_parameters(cls: type[ServeSettings] = ServeSettings) -> list[inspect.Parameter]:
    """``serve``'s options: one per setting of ``cls`` that has one."""
    parameters = []
    for item in setting_fields(cls):
        if item.setting.flag is not None:
            annotation, default = option_for(item)
            parameters.append(
                inspect.Parameter(
                    item.name,
                    inspect.Parameter.KEYWORD_ONLY,
                    annotation=annotation,
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
        configure_logging(verbose)

        async def run() -> None:
            from stigmer_sdk.service.app import ServiceConfig

            try:
                settings = settings_from_options(cls, values)
                service_config = ServiceConfig.from_settings(settings)
            except ValueError as error:
                raise UserError(str(error)) from None
            await run_service(settings, service_config, as_json=as_json)

        run_command(run())

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
                f"store {redact_url(config.store_url)}: {first_line(error)}",
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
        store=redact_url(config.store_url),
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
    from stigmer_sdk.service.temporal_workers import colocated_runner_settings

    if not config.builtin_runner:
        return "external"
    settings = colocated_runner_settings(config.settings, builtin_runner=True)
    return f"built-in scripted (task queue {settings.agent_runner_task_queue})"
