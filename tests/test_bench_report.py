"""The bench report's arithmetic and table (bench/bench_report.py), on made-up samples: the
completion call's p50 and p99 are reported."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

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
