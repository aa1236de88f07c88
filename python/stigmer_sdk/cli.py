"""Deprecated: the ``stigmer-sdk`` command line moved to `stigmer_sdk.service.cli`.

This module keeps its public names (`app`, `main`, `ExitCode`, `EXIT_CODES`, `UserError`) for
a release; import them from `stigmer_sdk.service.cli`.
"""

from __future__ import annotations

import warnings

from stigmer_sdk.service.cli import EXIT_CODES, ExitCode, UserError, app, main

warnings.warn(
    "stigmer_sdk.cli is deprecated: import stigmer_sdk.service.cli",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["EXIT_CODES", "ExitCode", "UserError", "app", "main"]
