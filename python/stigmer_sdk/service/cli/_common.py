"""What every command shares: exit codes, user errors, output, and the options several commands
take (Temporal's connection, the store, its encryption keys, ``--json``)."""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import sys
from collections.abc import Coroutine, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from stigmer_sdk.completion import CompletionOutcome
from stigmer_sdk.errors import MalformedTokenError
from stigmer_sdk.logs import KeyValueFormatter
from stigmer_sdk.service import config
from stigmer_sdk.service.config import (
    ServeSettings,
    SettingField,
    first_line,
    format_duration,
    is_repeatable,
    read_setting_file,
    setting_fields,
)
from stigmer_sdk.service.store import ENCRYPTION_KEY_ENV, ENCRYPTION_KEYS_ENV
from stigmer_sdk.tokens import TaskToken

if TYPE_CHECKING:
    import temporalio.client

    from stigmer_sdk.service.app import TemporalConnection
    from stigmer_sdk.service.store import EncryptionKey, ExecutionStore

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


def run_command(main: Coroutine[Any, Any, _T]) -> _T:
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


def configure_logging(verbose: bool) -> None:
    """Logs go to standard error only, never into a command's output."""
    handler = logging.StreamHandler(sys.stderr)
    # The contract lines' fields (structured on the record) as key=value after the message.
    handler.setFormatter(KeyValueFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])


def read_file(path: Path | None, option: str) -> bytes | None:
    try:
        return read_setting_file(path, option)
    except ValueError as error:
        raise UserError(str(error)) from None


def encryption_keys(texts: Sequence[str] | None) -> list[EncryptionKey]:
    """The token encryption keys of ``--encryption-key`` (repeatable), else of the environment."""
    from stigmer_sdk.service.store import encryption_keys_from

    try:
        return encryption_keys_from(texts or ())
    except ValueError as error:
        raise UserError(f"--encryption-key: {error}") from None


def emit(as_json: bool, record: dict[str, Any], text: str) -> None:
    """Print one result: a JSON line, or the human text."""
    if as_json:
        typer.echo(json.dumps(record))
    else:
        console.print(text, highlight=False)


# --- Shared options -------------------------------------------------------------------------------


def option_for(item: SettingField) -> tuple[Any, Any]:
    """A setting's command-line parameter: its annotation (type and `typer.Option`) and
    default (durations as text, repeatables as lists)."""
    type_, default = item.type, item.default
    if type_ is timedelta:
        type_, default = str, format_duration(default)
    elif is_repeatable(type_):
        type_, default = list[str] | None, None
    option = typer.Option(
        item.setting.flag,
        envvar=item.setting.env,
        help=item.setting.help,
        min=item.setting.minimum,
    )
    return Annotated[type_, option], default


def _serve_option(name: str) -> Any:
    """The annotation of ``serve``'s option ``name``, for another command that takes it too."""
    (item,) = (item for item in setting_fields(ServeSettings) if item.name == name)
    return option_for(item)[0]


# Temporal connection: as serve's (complete).
AddressOption = _serve_option("address")
NamespaceOption = _serve_option("namespace")
TlsOption = _serve_option("tls")
TlsCertOption = _serve_option("tls_cert")
TlsKeyOption = _serve_option("tls_key")
ApiKeyOption = _serve_option("api_key")
# The store of an operator's command (pending, complete, store ...): an existing one.
StoreOption = Annotated[
    str, typer.Option(envvar="STIGMER_STORE_URL", help="The service's store URL.")
]
EncryptionKeyOption = Annotated[
    list[str] | None,
    typer.Option(
        help=(
            "The service's token encryption keys: kid:base64key, once per key, oldest first "
            f"(the last one encrypts). Default: {ENCRYPTION_KEYS_ENV} (after "
            f"{ENCRYPTION_KEY_ENV}, as key id 'default')."
        )
    ),
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
        tls_cert=read_file(tls_cert, "--tls-cert"),
        tls_key=read_file(tls_key, "--tls-key"),
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


async def open_existing_store(url: str, keys: Sequence[EncryptionKey]) -> ExecutionStore:
    """Open the service's store for an operator's command: never creates one.

    Raises:
        UserError: no store there (not found), an unreachable database (unavailable), a bad
            URL (usage).
    """
    from stigmer_sdk.service.store import (
        StoreError,
        StoreNotFoundError,
        open_store,
        redact_url,
    )

    try:
        return await open_store(url, encryption_keys=keys, create=False)
    except StoreNotFoundError as error:
        raise UserError(
            f"{error}: give the service's store with --store or STIGMER_STORE_URL",
            ExitCode.NOT_FOUND,
        ) from None
    except StoreError as error:
        raise UserError(
            f"store {redact_url(url)}: {first_line(error)}", ExitCode.UNAVAILABLE
        ) from None
    except ValueError as error:
        raise UserError(f"--store: {error}") from None


def read_token(argument: str, option: str = "token") -> TaskToken:
    try:
        return TaskToken.from_argument(argument)
    except MalformedTokenError as error:
        raise UserError(f"{option}: {error}", ExitCode.INVALID_TOKEN) from None
    except OSError as error:
        raise UserError(f"{option}: cannot read {argument[1:]}: {error.strerror}") from None
