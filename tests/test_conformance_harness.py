"""The conformance runner catches breakage, flags stale known-failing entries, and reports
consistently. Runs the real runner with the Python implementation against a real dev server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "conformance"))

from stigmer_conformance import report as conformance_report  # noqa: E402

pytestmark = pytest.mark.integration


def _run(
    tmp_path: Path, *args: str, known_failing: Path | None = None
) -> tuple[int, str, dict[str, Any]]:
    report_path = tmp_path / "report.json"
    command = [
        sys.executable,
        str(ROOT / "conformance" / "run.py"),
        "--langs",
        "python",
        "--no-build",
        "--report",
        str(report_path),
        *args,
    ]
    if known_failing is not None:
        command += ["--known-failing-dir", str(known_failing)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    return result.returncode, result.stdout, json.loads(report_path.read_text())


def _statuses(report: dict[str, Any]) -> dict[str, str]:
    return {case["id"]: case["status"] for case in report["cases"]}


def test_a_corrupted_vector_in_one_language_fails_the_run(tmp_path: Path) -> None:
    code, _, report = _run(
        tmp_path, "--only", "codec/", "--corrupt-vector", "python:agent-spec-token-1024"
    )
    statuses = _statuses(report)
    assert code == 1
    assert statuses["codec/agent-spec-token-1024/python"] == "FAIL"
    assert statuses["codec/agent-spec-token-20/python"] == "PASS"
    assert [s for s in statuses.values() if s == "FAIL"] == ["FAIL"]


def test_a_service_that_flips_a_token_byte_fails_the_run(tmp_path: Path) -> None:
    code, _, report = _run(tmp_path, "--only", "success/", "--fault", "python:FLIP_TOKEN_BYTE")
    (case,) = report["cases"]
    assert code == 1
    assert case["status"] == "FAIL"
    assert "INVALID_TOKEN" in case["message"]


def test_a_service_that_drops_the_failure_type_fails_the_run(tmp_path: Path) -> None:
    code, _, report = _run(
        tmp_path, "--only", "typed-failure/", "--fault", "python:DROP_FAILURE_TYPE"
    )
    (case,) = report["cases"]
    assert code == 1
    assert case["status"] == "FAIL"
    assert "failure type" in case["message"]


def test_a_known_failing_case_that_passes_is_stale(tmp_path: Path) -> None:
    known = tmp_path / "known"
    known.mkdir()
    (known / "python.txt").write_text("success/python->python  # pretend it is broken\n")
    code, stdout, report = _run(tmp_path, "--only", "success/", known_failing=known)
    assert code == 1
    assert _statuses(report) == {"success/python->python": "STALE"}
    assert "STALE success/python->python" in stdout


def test_a_known_failing_case_that_fails_is_expected(tmp_path: Path) -> None:
    known = tmp_path / "known"
    known.mkdir()
    (known / "python.txt").write_text("success/python->python  # token flipping under study\n")
    code, _, report = _run(
        tmp_path, "--only", "success/", "--fault", "python:FLIP_TOKEN_BYTE", known_failing=known
    )
    (case,) = report["cases"]
    assert code == 0
    assert case["status"] == "XFAIL"
    assert case["known_failing_reason"] == "token flipping under study"


def test_known_failing_entries_need_a_reason(tmp_path: Path) -> None:
    (tmp_path / "python.txt").write_text("success/python->python\n")
    with pytest.raises(ValueError, match="without a reason"):
        conformance_report.load_known_failing(tmp_path, ["python"])


def test_printed_matrix_is_rendered_from_the_json_report(tmp_path: Path) -> None:
    code, stdout, report = _run(tmp_path, "--only", "duplicate-completion/")
    assert code == 0
    assert conformance_report.render(report) in stdout
    assert report["summary"] == {"PASS": 1, "FAIL": 0, "XFAIL": 0, "STALE": 0}
    assert "duplicate-completion (rows: caller, columns: service)" in stdout
    assert "conformance: 1 passed, 0 failed" in stdout
