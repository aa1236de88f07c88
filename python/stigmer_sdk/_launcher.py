"""The ``stigmer-sdk`` console script: the command line, or the extra to install for it.

The console script is installed with the core too (entry points are not per extra); there the
command line's own modules are missing, and the user gets one line naming the extra instead of a
``ModuleNotFoundError`` traceback.
"""

from __future__ import annotations

import sys

#: The exit code of a command that cannot run as installed (the CLI's ``USAGE``).
MISSING_EXTRA_EXIT_CODE = 2


def main() -> None:
    """Run ``stigmer_sdk.service.cli.main``, or say which extra it needs."""
    try:
        import stigmer_sdk.service  # noqa: F401 -- raises, naming the extra, when it is missing
        from stigmer_sdk.service.cli import main as cli_main
    except ImportError as error:
        # The service package's own check names the extra; a module missing further in is a
        # dependency of the extra too (a partial install).
        if "pip install" not in str(error) and not isinstance(error, ModuleNotFoundError):
            raise
        hint = str(error) if "pip install" in str(error) else f"{error}: pip install "
        if "pip install" not in str(error):
            hint += "'stigmer-handshake[service]'"
        print(f"error: the stigmer-sdk command needs the service extra; {hint}", file=sys.stderr)
        raise SystemExit(MISSING_EXTRA_EXIT_CODE) from None
    cli_main()
