"""The dashboard's and the alerts' queries, run by a real Prometheus against a real workload.

Debian's Prometheus scrapes a running ``stigmer-sdk serve`` and a caller worker's endpoint while
callers run handshakes that complete, fail and time out; then every query of
deploy/grafana/stigmer.json and of deploy/prometheus/alerts.yaml (without its threshold) must
return data through Prometheus's HTTP API.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import urllib.parse
import urllib.request
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import temporalio.client
import yaml
from temporalio.client import WorkflowFailureError

from stigmer_sdk import AgentExecution, StigmerClient
from stigmer_sdk.converter import data_converter
from stigmer_sdk.metrics import prometheus_runtime
from stigmer_sdk.system_activity import SystemActivities
from stigmer_sdk.testing import CallerOptions, DevServer, free_port

from helpers.cli import ServeProcess, serve_args, wait_serving
from helpers.fixtures import caller_worker
from helpers.paths import ROOT
from helpers.workflows import InnerAgentWorkflow, ObservedCallerWorkflow

pytestmark = pytest.mark.integration

DASHBOARD = ROOT / "deploy" / "grafana" / "stigmer.json"
RULES = ROOT / "deploy" / "prometheus" / "alerts.yaml"
SCRAPE_INTERVAL = "1s"


def dashboard_queries(service: str) -> list[str]:
    """Every target's expression of the dashboard, with ``$service`` set."""
    dashboard = json.loads(DASHBOARD.read_text())
    return [
        target["expr"].replace("$service", service)
        for panel in dashboard["panels"]
        for target in panel.get("targets", ())
    ]


def test_the_dashboard_has_the_runbooks_panels_and_a_service_variable() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    titles = {panel["title"] for panel in dashboard["panels"]}
    assert {
        "External Activity Completion Rate",
        "External Activity Completion Duration (P50, P95, P99)",
        "Pending External Activities by Age",
        "External Activity Errors by Type",
        "Caller Handshakes by Outcome",
        "Caller Handshake Duration (P50, P95, P99)",
    } <= titles
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert "label_values(" in variables["service"]["definition"]
    queries = dashboard_queries("$service")
    assert all('service=~"$service"' in query for query in queries)
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    # No two panels overlap on Grafana's 24-column grid.
    cells: set[tuple[int, int]] = set()
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        mine = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not mine & cells, panel["title"]
        cells |= mine


class Prometheus:
    """Debian's ``prometheus`` on a free loopback port, with a scratch TSDB."""

    def __init__(self, directory: Path, targets: list[str]) -> None:
        binary = shutil.which("prometheus")
        if binary is None:
            pytest.fail(
                "prometheus is missing: run `bash scripts/ensure_prometheus.sh` (make does)"
            )
        self.address = f"127.0.0.1:{free_port()}"
        config = directory / "prometheus.yml"
        config.write_text(
            json.dumps(  # JSON is YAML
                {
                    "global": {
                        "scrape_interval": SCRAPE_INTERVAL,
                        "evaluation_interval": SCRAPE_INTERVAL,
                    },
                    "rule_files": [str(RULES)],
                    "scrape_configs": [
                        {"job_name": "stigmer", "static_configs": [{"targets": targets}]}
                    ],
                }
            )
        )
        self.log = directory / "prometheus.log"
        self.args = [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={directory / 'tsdb'}",
            f"--web.listen-address={self.address}",
        ]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def get(self, path: str, **params: str) -> Any:
        url = f"http://{self.address}{path}?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.loads(response.read())

    def query(self, expr: str) -> list[dict[str, Any]]:
        answer = self.get("/api/v1/query", query=expr)
        assert answer["status"] == "success", answer
        result: list[dict[str, Any]] = answer["data"]["result"]
        return result

    async def ready(self) -> None:
        while True:
            assert self.process is not None
            assert self.process.poll() is None, self.log.read_text()
            url = f"http://{self.address}/-/ready"
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
            await asyncio.sleep(0.2)

    async def until(self, expr: str) -> None:
        """Wait until ``expr`` (a comparison) returns a sample."""
        while not self.query(expr):
            await asyncio.sleep(0.25)


@pytest.fixture
async def serve(dev_server: DevServer, tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """``stigmer-sdk serve`` with its metrics endpoint; yields (gRPC target, metrics address)."""
    listen, metrics = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    suffix = uuid.uuid4().hex[:8]
    store = f"sqlite:///{tmp_path / 'stigmer.db'}"
    process = ServeProcess(
        *serve_args(listen, dev_server.target, store, queues=suffix),
        "--metrics-address",
        metrics,
        log_path=tmp_path / "serve.log",
    )
    await process.start()
    try:
        await wait_serving(listen)
        yield listen, metrics
    finally:
        await process.kill(signal.SIGTERM)


async def test_every_dashboard_and_alert_query_returns_data(
    serve: tuple[str, str], dev_server: DevServer, tmp_path: Path
) -> None:
    listen, service_metrics = serve
    caller_metrics = f"127.0.0.1:{free_port()}"
    client = await temporalio.client.Client.connect(
        dev_server.target,
        runtime=prometheus_runtime(caller_metrics),
        data_converter=data_converter,
    )
    prometheus = Prometheus(tmp_path, [service_metrics, caller_metrics])
    prometheus.start()
    try:
        await asyncio.wait_for(prometheus.ready(), 60)
        stigmer = await StigmerClient.connect(listen)
        queue = f"prometheus-{uuid.uuid4().hex[:8]}"
        async with caller_worker(
            client,
            stigmer,
            queue,
            ObservedCallerWorkflow,
            InnerAgentWorkflow,
            activities=SystemActivities(client).activities(),
        ) as callers:

            async def handshake(agent_id: str, timeout: float = 60) -> None:
                options = CallerOptions(start_to_close_seconds=timeout)
                handle = await callers.start(agent_id, options=options)
                with contextlib.suppress(WorkflowFailureError):
                    await handle.result()

            async def garbled_completion() -> None:
                """A completion refused as INVALID_TOKEN, by the caller process's system activity
                (the invalid-token alert's series)."""
                handle = await client.start_workflow(
                    InnerAgentWorkflow.run,
                    args=[AgentExecution(), b"\xff\x00garbage\x01\x02"],
                    id=f"prometheus-garbled-{uuid.uuid4()}",
                    task_queue=queue,
                )
                with contextlib.suppress(WorkflowFailureError):
                    await handle.result()

            # Two waves, so that every counter has increased between two scrapes: completed,
            # failed (the agent fails), and timed out (the caller gives up before the 2 s agent
            # ends, so the service's completion finds no activity: a completion error).
            for wave in (1, 2):
                await asyncio.gather(
                    handshake("echo"),
                    handshake("failing"),
                    handshake("echo", timeout=1),
                    garbled_completion(),
                )
                # The service completes the timed-out caller when its agent ends.
                await asyncio.wait_for(
                    prometheus.until(
                        f"sum(stigmer_external_activity_completions_total) >= {3 * wave}"
                    ),
                    60,
                )
                await asyncio.wait_for(
                    prometheus.until(f"sum(stigmer_caller_handshakes_total) >= {3 * wave}"), 60
                )
        await stigmer.close()

        rules = prometheus.get("/api/v1/rules")["data"]["groups"][0]["rules"]
        assert len(rules) == len(yaml.safe_load(RULES.read_text())["groups"][0]["rules"])
        for rule in rules:
            assert rule["health"] in {"ok", "unknown"}, rule
        alert_queries = [re.sub(r"\s*>\s*[\d.]+\s*$", "", rule["query"]) for rule in rules]
        empty = []
        for expr in [*dashboard_queries("python"), *alert_queries]:
            result = prometheus.query(expr)
            if not any(sample["value"][1] != "NaN" for sample in result):
                empty.append(expr)
        assert not empty, "queries without data:\n" + "\n".join(empty)
    finally:
        prometheus.stop()
