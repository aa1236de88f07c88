"""The suite's fixtures (a pytest plugin of conftest.py): caller workers, a pending caller, stores
on SQLite and PostgreSQL, a running reference service, an in-memory span exporter."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
import temporalio.client
from temporalio.worker import Worker

from stigmer_sdk import AgentExecution, AgentExecutionSpec
from stigmer_sdk.client import NO_RETRY, ClientOptions, StigmerClient
from stigmer_sdk.sandbox import sandboxed_workflow_runner
from stigmer_sdk.service.app import ServiceConfig, StigmerService, TemporalConnection
from stigmer_sdk.service.config import ServiceSettings
from stigmer_sdk.service.runner import Script, ScriptedRunner
from stigmer_sdk.system_activity import SystemActivities
from stigmer_sdk.testing import (
    CallerOptions,
    CallerWorkflow,
    DevServer,
    FakeStigmerService,
    caller_activity,
)

from helpers.callers import PendingCaller, start_pending_caller
from helpers.workflows import (
    CallerActivities,
    InnerAgentWorkflow,
    InnerShapeCallerWorkflow,
    WorkflowExecutionCallerWorkflow,
)

if TYPE_CHECKING:  # the tracing extra, imported by the fixture that needs it
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

POSTGRES_ENV = "STIGMER_TEST_POSTGRES_URL"

SCRIPTS = {
    "quick": Script(duration=timedelta(milliseconds=300), reply="quick answer to {message}"),
    "slow": Script(duration=timedelta(seconds=60), progress=tuple(f"step {i}" for i in range(60))),
    "failing": Script(
        duration=timedelta(milliseconds=100),
        failure_type="AGENT_EXECUTION_FAILED",
        failure_message="tool quota exceeded",
    ),
}


API_VERSION = "agentic.stigmer.ai/v1"


def ask(agent_id: str = "quick", message: str = "what changed?") -> AgentExecution:
    """A create request as the deployed service requires it (api_version, kind, metadata.name)."""
    request = AgentExecution(
        api_version=API_VERSION,
        kind="AgentExecution",
        spec=AgentExecutionSpec(agent_id=agent_id, message=message),
    )
    request.metadata.name = f"exec-{uuid.uuid4().hex[:20]}"
    return request


def varint(value: int) -> bytes:
    """Protobuf's base-128 varint of ``value`` (to build wire bytes by hand)."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


@dataclass
class Callers:
    """Starts caller workflows on a caller worker's queue (`caller_worker`)."""

    temporal: temporalio.client.Client
    queue: str
    workflow: type
    worker: Worker

    async def start(
        self, agent_id: str, message: str = "m", options: CallerOptions | None = None
    ) -> temporalio.client.WorkflowHandle[object, AgentExecution]:
        """Start one caller of ``agent_id``."""
        return await self.temporal.start_workflow(
            self.workflow.run,
            args=[
                AgentExecution(spec=AgentExecutionSpec(agent_id=agent_id, message=message)),
                options or CallerOptions(),
            ],
            id=f"{self.queue}-{uuid.uuid4()}",
            task_queue=self.queue,
        )


@contextlib.asynccontextmanager
async def caller_worker(
    temporal: temporalio.client.Client,
    stigmer: StigmerClient,
    queue: str,
    *workflows: type,
    activities: Sequence[Callable[..., Any]] = (),
    **options: Any,
) -> AsyncIterator[Callers]:
    """A caller worker on ``queue``, sandboxed: ``workflows`` (default: the test kit's
    `CallerWorkflow`), the kit's handshake activity against ``stigmer`` and ``activities``
    (``options``: more of `Worker`'s). Yields what starts the first workflow."""
    workflows = workflows or (CallerWorkflow,)
    async with Worker(
        temporal,
        task_queue=queue,
        workflows=list(workflows),
        activities=[caller_activity(stigmer), *activities],
        workflow_runner=sandboxed_workflow_runner(),
        **options,
    ) as worker:
        yield Callers(temporal, queue, workflows[0], worker)


def postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.fail(f"{POSTGRES_ENV} is not set: run `bash scripts/ensure_postgres.sh`")
    return url


def _with_database(url: str, database: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + database


@pytest.fixture(params=["sqlite", "postgresql"])
async def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty store: a SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'stigmer.db'}"
        return
    admin = postgres_admin_url()
    database = f"stigmer_{uuid.uuid4().hex[:12]}"
    async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as connection:
        await connection.execute(f'CREATE DATABASE "{database}"')
    yield _with_database(admin, database)
    await _drop_database(admin, database)


async def _drop_database(admin: str, database: str) -> None:
    """Drops a test database, its connections terminated. An autovacuum worker on it (no role
    the test role may signal) makes FORCE refuse with InsufficientPrivilege until it exits, which
    it does at once: try again, a bounded number of times."""
    for attempt in range(50):
        async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as connection:
            try:
                await connection.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
                return
            except psycopg.errors.InsufficientPrivilege:
                if attempt == 49:
                    raise
        await asyncio.sleep(0.1)


async def all_ids(store_url: str) -> list[str]:
    """Every execution id in the store, oldest first, by direct SQL."""
    query = "SELECT id FROM executions ORDER BY created_at"
    if store_url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(store_url.removeprefix("sqlite:///")) as connection:
            return [row[0] for row in connection.execute(query)]
    async with await psycopg.AsyncConnection.connect(store_url) as connection:
        cursor = await connection.execute(query)
        return [row[0] for row in await cursor.fetchall()]


async def count_rows(store_url: str) -> int:
    """How many executions the store holds, by direct SQL."""
    if store_url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(store_url.removeprefix("sqlite:///")) as connection:
            (count,) = connection.execute("SELECT count(*) FROM executions").fetchone()
            return int(count)
    async with await psycopg.AsyncConnection.connect(store_url) as connection:
        cursor = await connection.execute("SELECT count(*) FROM executions")
        row = await cursor.fetchone()
        assert row is not None
        return int(row[0])


def service_config(dev_server: DevServer, store_url: str, suffix: str) -> ServiceConfig:
    return ServiceConfig(
        listen="127.0.0.1:0",
        temporal=TemporalConnection(address=dev_server.target),
        store_url=store_url,
        settings=ServiceSettings(
            service_task_queue=f"svc-{suffix}",
            agent_runner_task_queue=f"agent-runner-{suffix}",
            workflow_runner_task_queue=f"workflow-runner-{suffix}",
            caller_heartbeat_interval=timedelta(milliseconds=500),
            runner_heartbeat_timeout=timedelta(seconds=3),
            subscribe_poll_interval=timedelta(milliseconds=100),
            # Requests built without api_version, kind and metadata.name (the SDK fills them
            # once py-interop lands; then this line can go). tests/service/test_service_edge.py runs
            # the deployed service's validation.
            require_resource_fields=False,
        ),
    )


@dataclass
class RunningService:
    service: StigmerService
    stigmer: StigmerClient
    temporal: temporalio.client.Client
    caller_queue: str
    store_url: str

    async def start_caller(
        self, request: object, options: object | None = None
    ) -> temporalio.client.WorkflowHandle[CallerWorkflow, object]:

        return await self.temporal.start_workflow(
            CallerWorkflow.run,
            args=[request, options or CallerOptions()],
            id=f"caller-{uuid.uuid4()}",
            task_queue=self.caller_queue,
        )


@pytest.fixture
async def running_service(
    dev_server: DevServer, temporal_client: temporalio.client.Client, store_url: str
) -> AsyncIterator[RunningService]:
    suffix = uuid.uuid4().hex[:8]
    config = service_config(dev_server, store_url, suffix)
    async with StigmerService(config, runner=ScriptedRunner(SCRIPTS)) as service:
        stigmer = await StigmerClient.connect(service.target, ClientOptions(retry=NO_RETRY))
        caller_queue = f"caller-{suffix}"
        callers = CallerActivities(stigmer, temporal_client)
        async with caller_worker(
            temporal_client,
            stigmer,
            caller_queue,
            CallerWorkflow,
            WorkflowExecutionCallerWorkflow,
            activities=[
                callers.run_agent_crash_after_create,
                callers.run_agent_undeclared,
                callers.run_workflow_execution,
                *SystemActivities(temporal_client).activities(),
            ],
            max_concurrent_activities=1,
        ):
            yield RunningService(service, stigmer, temporal_client, caller_queue, store_url)
        await stigmer.close()


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    """The spans the SDK's tracing records while the test runs (OpenTelemetry, in memory)."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from stigmer_sdk.tracing import enable_tracing

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    disable = enable_tracing(provider)
    try:
        yield exporter
    finally:
        disable()
        provider.shutdown()


@pytest.fixture
async def worker(
    temporal_client: temporalio.client.Client,
    stigmer_client: StigmerClient,
    task_queue: str,
) -> AsyncIterator[Worker]:
    """A caller worker with ONE activity slot on the test's own queue: the kit's caller, the
    inner-workflow shape and the system activity."""
    async with caller_worker(
        temporal_client,
        stigmer_client,
        task_queue,
        CallerWorkflow,
        InnerShapeCallerWorkflow,
        InnerAgentWorkflow,
        activities=[
            CallerActivities(stigmer_client, temporal_client).run_inner,
            *SystemActivities(temporal_client).activities(),
        ],
        max_concurrent_activities=1,
    ) as callers:
        yield callers.worker


@pytest.fixture
async def pending_caller(
    worker: Worker,
    temporal_client: temporalio.client.Client,
    stigmer_service: FakeStigmerService,
    task_queue: str,
) -> PendingCaller:
    """A caller on ``worker`` whose handshake pends on the fake service, with its token."""
    return await start_pending_caller(temporal_client, stigmer_service, task_queue)
