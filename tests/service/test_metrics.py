"""The runbook's metrics, scraped from the service's real Prometheus endpoint."""

from __future__ import annotations

import asyncio
import itertools
import logging
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
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ActivityError, ApplicationError

from stigmer_sdk import AgentExecution, AgentExecutionSpec, StigmerClient
from stigmer_sdk.converter import data_converter
from stigmer_sdk.metrics import (
    CALLER_DURATION_METRIC,
    CALLER_HANDSHAKES_METRIC,
    CALLER_PENDING_METRIC,
    CALLER_STARTED_METRIC,
    DURATION_BUCKETS_SECONDS,
    prometheus_runtime,
)
from stigmer_sdk.service.activities import COMPLETION_OWED_LOG
from stigmer_sdk.service.app import APPROACHING_TIMEOUT_METRIC, StigmerService, with_settings
from stigmer_sdk.service.runner import AGENT_EXECUTION_TIMEOUT, ScriptedRunner
from stigmer_sdk.system_activity import COMPLETION_DURATION_METRIC, REGISTERED_LOG
from stigmer_sdk.testing import CallerOptions, CallerWorkflow, DevServer, free_port

from helpers.fixtures import SCRIPTS, caller_worker, service_config
from helpers.workflows import ObservedCallerWorkflow, TerminalCallerWorkflow

pytestmark = pytest.mark.integration


def _scrape(address: str) -> str:
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as response:
        return response.read().decode()


def _value(text: str, name: str, **labels: str) -> float | None:
    """The sum of the samples of ``name`` with these labels (``None`` when there is none)."""
    found = None
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            found = (found or 0.0) + float(line.rsplit(" ", 1)[1])
    return found


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
    async with caller_worker(temporal_client, stigmer, queue):

        async def call(agent_id: str) -> temporalio.client.WorkflowHandle[object, AgentExecution]:
            return await temporal_client.start_workflow(
                CallerWorkflow.run,
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
    # The service's finish step times its completion with time.monotonic(): make that one take
    # 120 ms.
    import stigmer_sdk.service.settlement

    readings = itertools.chain([1000.0, 1000.12], itertools.count(2000))
    monkeypatch.setattr(
        stigmer_sdk.service.settlement,
        "time",
        SimpleNamespace(monotonic=lambda: float(next(readings))),
    )
    service, address = metrics_service
    stigmer = await StigmerClient.connect(service.target)
    queue = f"metrics-{uuid.uuid4().hex[:8]}"
    async with caller_worker(temporal_client, stigmer, queue):
        await temporal_client.execute_workflow(
            CallerWorkflow.run,
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


async def test_caller_metrics_from_a_real_caller_workers_endpoint(
    metrics_service: tuple[StigmerService, str], dev_server: DevServer
) -> None:
    service, _ = metrics_service
    address = f"127.0.0.1:{free_port()}"
    caller_client = await temporalio.client.Client.connect(
        dev_server.target, runtime=prometheus_runtime(address), data_converter=data_converter
    )
    stigmer = await StigmerClient.connect(service.target)
    queue = f"caller-metrics-{uuid.uuid4().hex[:8]}"

    async def scrape_until(name: str, count: float, **labels: str) -> str:
        while (_value(text := _scrape(address), name, **labels) or 0) < count:
            await asyncio.sleep(0.1)
        return text

    async with caller_worker(
        caller_client, stigmer, queue, ObservedCallerWorkflow, TerminalCallerWorkflow
    ) as callers:

        async def start(
            agent_id: str, start_to_close_seconds: float = 60
        ) -> temporalio.client.WorkflowHandle[object, AgentExecution]:
            options = CallerOptions(start_to_close_seconds=start_to_close_seconds)
            return await callers.start(agent_id, options=options)

        cancelled = await start("slow")
        timed_out = await start("slow", start_to_close_seconds=2)
        await asyncio.wait_for(scrape_until(CALLER_PENDING_METRIC, 2), 60)
        await cancelled.cancel()
        await (await start("quick")).result()
        # stigmer_sdk.in_workflow.execute_to_terminal records them too.
        await caller_client.execute_workflow(
            TerminalCallerWorkflow.run,
            AgentExecution(spec=AgentExecutionSpec(agent_id="quick", message="m")),
            id=f"caller-metrics-{uuid.uuid4()}",
            task_queue=queue,
        )
        for handle in (cancelled, timed_out, await start("failing")):
            with pytest.raises(WorkflowFailureError):
                await handle.result()
        text = await asyncio.wait_for(scrape_until(f"{CALLER_DURATION_METRIC}_count", 1), 60)
    await stigmer.close()

    assert _value(text, CALLER_STARTED_METRIC, service="python") == 5
    assert _value(text, CALLER_PENDING_METRIC, service="python") == 5
    for outcome, count in (("completed", 2), ("failed", 1), ("cancelled", 1), ("timed_out", 1)):
        assert _value(text, CALLER_HANDSHAKES_METRIC, outcome=outcome, service="python") == count
        assert _value(text, f"{CALLER_DURATION_METRIC}_count", outcome=outcome) == count
    # The quick agent runs 300 ms: more than 0.2 s from scheduling to resolution, in seconds.
    assert _value(text, f"{CALLER_DURATION_METRIC}_bucket", outcome="completed", le="0.2") == 0
    assert _value(text, f"{CALLER_DURATION_METRIC}_bucket", outcome="completed", le="60") == 2
    assert _value(text, f"{CALLER_DURATION_METRIC}_bucket", outcome="timed_out", le="1") == 0
    assert _bucket_bounds(text, CALLER_DURATION_METRIC)[: len(DURATION_BUCKETS_SECONDS)] == [
        f"{b:g}" for b in DURATION_BUCKETS_SECONDS
    ]


async def test_an_agent_past_its_deadline_approaches_it_then_times_out_typed(
    dev_server: DevServer,
    temporal_client: temporalio.client.Client,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    address = f"127.0.0.1:{free_port()}"
    config = with_settings(
        replace(
            service_config(
                dev_server, f"sqlite:///{tmp_path / 'stigmer.db'}", uuid.uuid4().hex[:8]
            ),
            metrics_address=address,
            pending_metrics_interval=timedelta(milliseconds=200),
        ),
        runner_timeout=timedelta(seconds=5),  # the "slow" agent needs 60 s
    )
    async with StigmerService(config, runner=ScriptedRunner(SCRIPTS)) as service:
        stigmer = await StigmerClient.connect(service.target)
        queue = f"deadline-{uuid.uuid4().hex[:8]}"
        async with caller_worker(temporal_client, stigmer, queue) as callers:
            handle = await callers.start("slow")

            async def approaching() -> None:
                while not _value(_scrape(address), APPROACHING_TIMEOUT_METRIC):
                    await asyncio.sleep(0.2)

            # Owed for more than 0.8 of its deadline: the warning gauge, before the timeout.
            await asyncio.wait_for(approaching(), 60)
            with pytest.raises(WorkflowFailureError) as failure:
                await handle.result()
        await stigmer.close()
    cause = failure.value.cause
    assert isinstance(cause, ActivityError)
    assert isinstance(cause.cause, ApplicationError)
    assert (cause.cause.type, cause.cause.non_retryable) == (AGENT_EXECUTION_TIMEOUT, True)
    assert "ran past its deadline of 5 s" in cause.cause.message
    messages = [record.getMessage() for record in caplog.records]
    # The runbook's lines: the system activity registered, a completion owed at the start.
    assert any(m.startswith(f"{REGISTERED_LOG} activity=") for m in messages), messages
    assert any(m.startswith(COMPLETION_OWED_LOG) for m in messages), messages
