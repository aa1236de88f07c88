"""The reference Stigmer service: accepts executions with callback tokens, makes them durable,
runs them on Temporal, and completes each caller's activity when its execution ends.

See ``docs/service.md``. Start it with ``stigmer-sdk serve`` or `StigmerService`.
"""

from __future__ import annotations

import importlib.util

#: Modules of the ``service`` extra that the core install (caller and completion side) lacks.
_SERVICE_MODULES = ("typer", "rich", "cryptography", "psycopg")
_missing = [name for name in _SERVICE_MODULES if importlib.util.find_spec(name) is None]
if _missing:
    raise ImportError(
        f"the Stigmer reference service needs {', '.join(_missing)}: "
        "pip install 'stigmer-handshake[service]'"
    )

from stigmer_sdk.service import logfields  # noqa: E402 -- after the extra's check

logfields.install()
