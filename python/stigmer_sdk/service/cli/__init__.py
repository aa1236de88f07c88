"""The ``stigmer-sdk`` command line.

Commands: ``serve`` (the reference service), ``demo`` (the handshake end to end), ``token inspect``,
``complete`` (manual completion, replacing the runbook's tctl step) and ``pending`` (executions
whose completion is still owed). Run ``stigmer-sdk COMMAND --help`` for each; docs/operations.md
is the operator's guide.

One module per command group (`.serve`, `.complete`, `.pending`, `.token`, `.store`,
`.demo`); `._common` holds what they share. No command knows the store's URL format or speaks
SQL (tests/test_cli_layers.py): they open the store with
`stigmer_sdk.service.store.open_store` (``create=False`` for an operator's command).

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

import logging
import os
import sys

import typer

from stigmer_sdk.service.cli import complete, demo, pending, serve, store, token
from stigmer_sdk.service.cli._common import EXIT_CODES, ExitCode, UserError
from stigmer_sdk.service.config import first_line

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
app.command("serve")(serve.serve_command())
app.command()(demo.demo)
app.command()(complete.complete)
app.command()(pending.pending)
app.add_typer(token.token_app, name="token")
app.add_typer(store.store_app, name="store")


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
