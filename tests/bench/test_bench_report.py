"""The bench report's arithmetic and table (bench/bench_report.py), on made-up samples: the
completion call's p50 and p99 are reported."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from helpers.paths import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from bench_report import analyse, markdown, summarize


def _pipeline(completion_ms: list[float]) -> dict[str, Any]:
    return {"burst_complete": completion_ms, "seq_overhead": [1.0, 2.0], "floor": [0.5]}


def test_the_completion_call_p50_and_p99_are_summarised() -> None:
    samples = [float(ms) for ms in range(1, 101)]  # 1 .. 100 ms
    summary = summarize(_pipeline(samples))
    assert summary["completion_call_p50_burst"] == 51.0
    assert summary["completion_call_p99_burst"] == 100.0


def test_the_report_table_shows_the_completion_call_p99() -> None:
    report: dict[str, Any] = {
        "pipelines": {
            name: _pipeline([float(ms) for ms in range(1, 101)]) for name in ("raw", "best", "sdk")
        },
        "settings": {"rounds": 1, "sequential": 2, "burst": 100, "parked": 0},
        "load_average_start": (0.0, 0.0, 0.0),
        "cpus": 2,
    }
    report["analysis"] = analyse(report)
    table = markdown(report)
    (row,) = [line for line in table.splitlines() if "completion call p99" in line]
    assert "| 100 |" in row


def test_a_report_of_two_server_configurations_checks_each_against_the_targets(
    tmp_path: Path,
) -> None:
    from bench_report import write_reports

    server = {
        "pipelines": {
            name: _pipeline([float(ms) for ms in range(1, 101)]) for name in ("raw", "best", "sdk")
        },
        "load_average_start": (0.0, 0.0, 0.0),
    }
    report: dict[str, Any] = {
        "settings": {"rounds": 1, "sequential": 2, "burst": 100, "parked": 0},
        "load_average_start": (0.0, 0.0, 0.0),
        "cpus": 2,
        "servers": {"default": server, "fast": dict(server)},
    }
    table = write_reports(report, tmp_path)
    assert table.count("| ack_p50_sequential |") == 2
    assert table.count("| overhead_p99_sequential | 1.00 | <= 1.1 | pass |") == 2
    assert "### default dev server" in table
    assert "### dev server with the fast path" in table


def test_bench_long_counts_the_services_temporal_requests_by_operation() -> None:
    from bench_long import parse_requests

    text = "\n".join(
        [
            "# TYPE temporal_request counter",
            'temporal_request{namespace="default",operation="RecordActivityTaskHeartbeat"} 7',
            'temporal_request{namespace="default",operation="RecordActivityTaskHeartbeat",'
            'task_queue="q"} 3',
            'temporal_long_request{namespace="default",operation="PollWorkflowTaskQueue"} 2',
            'temporal_request_latency_bucket{operation="Check",le="0.1"} 5',
        ]
    )
    assert parse_requests(text) == {
        "request:RecordActivityTaskHeartbeat": 10.0,
        "long_request:PollWorkflowTaskQueue": 2.0,
    }
