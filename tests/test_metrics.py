"""The runbook's metrics, scraped from the service's real Prometheus endpoint."""

from __future__ import annotations

import asyncio
import re
import urllib.request
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import temporalio.client
from temporalio.worker import Worker

from stigmer_sdk import AgentExecution, AgentExecutionSpec, StigmerClient
from stigmer_sdk.metrics import DURATION_BUCKETS_SECONDS
from stigmer_sdk.service.app import StigmerService
from stigmer_sdk.service.runner import ScriptedRunner
from stigmer_sdk.system import COMPLETION_DURATION_METRIC
from stigmer_sdk.testing import DevServer, free_port
from stigmer_sdk.worker import sandboxed_workflow_runner

from service_fixtures import SCRIPTS, service_config
from workflows import AgentCallerWorkflow, CallerActivities, CallerOptions

pytestmark = pytest.mark.integration


def _scrape(address: str) -> str:
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as response:
        return response.read().decode()


def _value(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


@pytest.fixture
async def metrics_service(
    dev_server: DevServer, tmp_path: Path
) -> AsyncIterator[tuple[StigmerService, str]]:
    address = f"127.0.0.1:{free_port()}"
    config = replace(
        service_config(dev_server, f"sqlite:///{tmp_path / 'stigmer.db'}", uuid.uuid4().hex[:8]),
        metrics_address=address,
        pending_metrics_interval=timedelta(milliseconds=200),
    )
    async with StigmerService(config, runner=ScriptedRunner(SCRIPTS)) as service:
        yield service, address


async def test_completions_and_pending_gauge_are_exported_without_tokens(
    metrics_service: tuple[StigmerService, str],
    temporal_client: temporalio.client.Client,
) -> None:
    service, address = metrics_service
    stigmer = await StigmerClient.connect(service.target)
    queue = f"metrics-{uuid.uuid4().hex[:8]}"
    async with Worker(
        temporal_client,
        task_queue=queue,
        workflows=[AgentCallerWorkflow],
        activities=[CallerActivities(stigmer, temporal_client).run_agent],
        workflow_runner=sandboxed_workflow_runner(),
    ):

        async def call(agent_id: str) -> temporalio.client.WorkflowHandle[object, AgentExecution]:
            return await temporal_client.start_workflow(
                AgentCallerWorkflow.run,
                args=[
                    AgentExecution(spec=AgentExecutionSpec(agent_id=agent_id, message="m")),
                    CallerOptions(),
                ],
                id=f"metrics-{uuid.uuid4()}",
                task_queue=queue,
            )

        done = await call("quick")
        await done.result()
        parked = await call("slow")  # its completion stays owed

        async def scraped() -> str:
            while True:
                text = _scrape(address)
                completed = _value(
                    text, "stigmer_external_activity_completions_total", status="completed"
                )
                pending = _value(text, "stigmer_pending_external_activities", age_bucket="0-1h")
                if completed and pending == 1:
                    return text
                await asyncio.sleep(0.2)

        text = await asyncio.wait_for(scraped(), 60)
        await parked.terminate("test over")
    await stigmer.close()

    assert _value(text, "stigmer_pending_external_activities", age_bucket="24h+") == 0
    assert re.search(r"stigmer_external_activity_completion_duration_seconds\w*\{", text)
    # No label carries a token or its preview.
    assert "token" not in "".join(line for line in text.splitlines() if line.startswith("stigmer_"))
    for line in text.splitlines():
        assert not re.search(r"[A-Za-z0-9+/]{40,}", line), line


def _bucket_bounds(text: str, name: str) -> list[str]:
    return re.findall(rf'^{name}_bucket{{[^}}]*le="([^"]+)"', text, re.MULTILINE)


async def test_a_120_ms_completion_lands_in_the_200_ms_bucket_in_seconds(
    metrics_service: tuple[StigmerService, str],
    temporal_client: temporalio.client.Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The system activity times its completion with time.monotonic(): make that one take 120 ms.
    import stigmer_sdk.system

    readings = iter([1000.0, 1000.12])
    monkeypatch.setattr(
        stigmer_sdk.system, "time", SimpleNamespace(monotonic=lambda: next(readings))
    )
    service, address = metrics_service
    stigmer = await StigmerClient.connect(service.target)
    queue = f"metrics-{uuid.uuid4().hex[:8]}"
    async with Worker(
        temporal_client,
        task_queue=queue,
        workflows=[AgentCallerWorkflow],
        activities=[CallerActivities(stigmer, temporal_client).run_agent],
        workflow_runner=sandboxed_workflow_runner(),
    ):
        await temporal_client.execute_workflow(
            AgentCallerWorkflow.run,
            args=[
                AgentExecution(spec=AgentExecutionSpec(agent_id="quick", message="m")),
                CallerOptions(),
            ],
            id=f"metrics-{uuid.uuid4()}",
            task_queue=queue,
        )
    await stigmer.close()
    name = COMPLETION_DURATION_METRIC

    async def scraped() -> str:
        while _value(_scrape(address), f"{name}_count", status="completed") != 1:
            await asyncio.sleep(0.1)
        return _scrape(address)

    text = await asyncio.wait_for(scraped(), 60)
    bounds = _bucket_bounds(text, name)
    assert bounds == [*(f"{b:g}" for b in DURATION_BUCKETS_SECONDS), "+Inf"]
    assert _value(text, f"{name}_bucket", status="completed", le="0.1") == 0
    assert _value(text, f"{name}_bucket", status="completed", le="0.2") == 1
    assert _value(text, f"{name}_sum", status="completed") == pytest.approx(0.12)
