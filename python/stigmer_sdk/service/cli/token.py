"""``stigmer-sdk token ...``: task token tools."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from stigmer_sdk.errors import EmptyTokenError, TokenError
from stigmer_sdk.service.cli._common import (
    ExitCode,
    JsonOption,
    console,
    read_token,
    run_command,
)
from stigmer_sdk.tokens import short_token_digest

token_app = typer.Typer(help="Task token tools.", no_args_is_help=True, rich_markup_mode=None)


# --- token inspect --------------------------------------------------------------------------------


@token_app.command("inspect")
def token_inspect(
    token: Annotated[str, typer.Argument(help="The token in Base64, or @file (raw or Base64).")],
    as_json: JsonOption = False,
) -> None:
    """Show what a task token says (never the token itself).

    Exits 0 for a well-formed token, 4 for an invalid one, 5 for an empty one.
    """

    async def run() -> ExitCode:
        parsed = read_token(token)
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

    raise typer.Exit(run_command(run()))
