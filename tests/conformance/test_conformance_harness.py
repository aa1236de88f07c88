"""The conformance runner catches breakage, flags stale known-failing entries, and reports
consistently. Runs the real runner with the Python implementation against a real dev server."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers.paths import ROOT

sys.path.insert(0, str(ROOT / "conformance"))

from stigmer_conformance import report as conformance_report

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


@pytest.mark.parametrize(
    ("fault", "only", "failing", "reason"),
    [
        (
            "SYSTEM_INPUT_JSON",
            "system-activity-success/,contract/system-input",
            {"contract/system-input/python"},
            "sent as 'json/protobuf'",
        ),
        (
            "DROP_SERVICE_LABEL",
            "success/,contract/metrics",
            {"contract/metrics/python"},
            "service=None",
        ),
        (
            "LOG_FIELD_IN_MESSAGE",
            "success/,contract/logs",
            {"contract/logs/python"},
            "a field written into the message text",
        ),
        (
            "FLIP_RETRYABILITY",
            "create-error/INVALID_ARGUMENT,contract/failure-retryability",
            {"create-error/INVALID_ARGUMENT/python", "contract/failure-retryability/python"},
            "non_retryable=False",
        ),
    ],
)
def test_a_language_that_breaks_the_contract_fails_the_outside_checks(
    tmp_path: Path, fault: str, only: str, failing: set[str], reason: str
) -> None:
    """Each fault is seen from outside: histories, the metric exposition, the log records."""
    code, _, report = _run(tmp_path, "--no-emulator", "--only", only, "--fault", f"python:{fault}")
    statuses = _statuses(report)
    assert code == 1
    assert {case for case, status in statuses.items() if status == "FAIL"} == failing
    contract_case = next(case for case in report["cases"] if case["id"] in failing)
    assert reason in contract_case["message"]


def test_the_outside_checks_pass_without_a_fault(tmp_path: Path) -> None:
    code, _, report = _run(
        tmp_path,
        "--no-emulator",
        "--only",
        "system-activity-success/,success/,create-error/INVALID_ARGUMENT,contract/",
    )
    statuses = _statuses(report)
    assert code == 0, statuses
    assert {case for case in statuses if case.startswith("contract/")} == {
        f"contract/{name}/python"
        for name in ("system-input", "failure-retryability", "logs", "metrics")
    }


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


def test_known_failing_patterns_match_case_ids(tmp_path: Path) -> None:
    (tmp_path / "deployed-emulator.txt").write_text(
        "emulator/retry/one-execution/*  # the key is ignored\n"
        "emulator/agent-failure/typed-failure/*->deployed  # the Error is lost\n"
    )
    known = conformance_report.load_known_failing(tmp_path, ["deployed-emulator"])
    lookup = conformance_report.lookup
    assert lookup(known, "emulator/retry/one-execution/go->java") == (
        "deployed-emulator",
        "the key is ignored",
    )
    assert lookup(known, "emulator/agent-failure/typed-failure/java->deployed") is not None
    assert lookup(known, "emulator/agent-failure/typed-failure/java->python") is None
    assert lookup(known, "emulator/retry/terminal/go->java") is None


def test_python_log_records_are_reported_as_a_handler_sees_them() -> None:
    """The message is the record's rendered text, the fields are its structured ones: nothing
    is split off the text, so a field written into the message shows as such."""
    import importlib.util
    import logging

    from stigmer_sdk import _contract
    from stigmer_sdk.logs import log_line

    spec = importlib.util.spec_from_file_location(
        "conformance_python_executable", ROOT / "conformance" / "python" / "executable.py"
    )
    assert spec is not None
    assert spec.loader is not None
    executable = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(executable)
    capture = executable.LogCapture()
    logger = logging.getLogger("stigmer_sdk.test_normalise")
    logger.addHandler(capture)
    logger.setLevel(logging.INFO)
    try:
        log_line(
            logger,
            _contract.LOG_ACK_AGENT,
            execution_id="aex-1",
            token_preview="CiQw...",
            token_digest="0123456789ab",
            token_length=120,
        )
        logger.warning("no fields here token_preview=%s", "CiQw...")
    finally:
        logger.removeHandler(capture)
    ack, plain = capture.records
    assert ack.message == "Agent execution started, activity pending"
    assert dict(ack.fields) == {
        "execution_id": "aex-1",
        "token_preview": "CiQw...",
        "token_digest": "0123456789ab",
        "token_length": "120",
    }
    assert (ack.level, ack.logger) == ("INFO", "stigmer_sdk.test_normalise")
    assert (plain.message, dict(plain.fields), plain.level) == (
        "no fields here token_preview=CiQw...",
        {},
        "WARN",
    )


def test_printed_matrix_is_rendered_from_the_json_report(tmp_path: Path) -> None:
    code, stdout, report = _run(tmp_path, "--only", "duplicate-completion/")
    assert code == 0
    assert conformance_report.render(report) in stdout
    assert report["summary"] == {"PASS": 1, "FAIL": 0, "XFAIL": 0, "STALE": 0}
    assert "duplicate-completion (rows: caller, columns: service)" in stdout
    assert "conformance: 1 passed, 0 failed" in stdout


def _wait_for_grpc(address: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until the service accepts gRPC connections (the process must stay alive meanwhile)."""
    import grpc

    channel = grpc.insecure_channel(address)
    try:
        for _ in range(120):
            assert process.poll() is None, f"serve exited:\n{log.read_text(errors='replace')}"
            try:
                grpc.channel_ready_future(channel).result(timeout=1)
                return
            except grpc.FutureTimeoutError:
                continue
        raise AssertionError(f"serve did not listen on {address}")
    finally:
        channel.close()


def test_live_mode_runs_the_caller_scenarios_against_a_separately_started_serve(
    tmp_path: Path,
) -> None:
    """``--service/--temporal`` against ``stigmer-sdk serve`` (its own process, its own dev
    server): every check of every live scenario runs in each language and prints its table."""
    import asyncio

    from stigmer_sdk.testing import DevServer, free_port

    async def dev_server() -> DevServer:
        return await DevServer().start()

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(dev_server())
    address = f"127.0.0.1:{free_port()}"
    log = tmp_path / "serve.log"
    serve = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "stigmer-sdk"),
            "serve",
            "--address",
            server.target,
            "--listen",
            address,
            "--store",
            f"sqlite:///{tmp_path / 'stigmer.db'}",
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_grpc(address, serve, log)
        report_path = tmp_path / "live.json"
        result = subprocess.run(
            [
                sys.executable,
                str(ROOT / "conformance" / "run.py"),
                "--langs",
                "python,go",
                "--service",
                address,
                "--temporal",
                server.target,
                "--report",
                str(report_path),
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    finally:
        serve.terminate()
        serve.wait(timeout=30)
        loop.run_until_complete(server.stop())
        loop.close()
    report = json.loads(report_path.read_text())
    statuses = _statuses(report)
    scenarios = json.loads((ROOT / "conformance" / "live-scenarios.json").read_text())
    expected = {
        f"live/{s['name']}/{check}/{lang}->service"
        for s in scenarios["scenarios"]
        if "live" in s.get("targets", ["live"])  # pushed-cancel: the reference target only
        for check in s["checks"]
        for lang in ("python", "go")
    }
    assert set(statuses) == expected
    # The reference service honours every point, the idempotency key included.
    assert all(status == "PASS" for status in statuses.values()), result.stdout
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"live (rows: scenario/check  caller, columns: the service at {address})" in (
        result.stdout
    )
    assert "conformance: " in result.stdout.splitlines()[-1]


def _ack_record(**changes: Any) -> Any:
    from stigmer_sdk.api.conformance.v1 import harness_pb2 as pb

    record = {
        "level": "INFO",
        "logger": "stigmer_sdk.caller",
        "message": "Agent execution started, activity pending",
        "fields": {
            "execution_id": "aex-1",
            "token_preview": "CiQw...",
            "token_digest": "0123456789ab",
            "token_length": "120",
            # The logger's own context (Temporal's keys are CamelCase): not the line's fields.
            "ActivityID": "7",
        },
    }
    record.update(changes)
    return pb.LogRecord(**record)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"level": "WARN"}, "logged at WARN, the contract says INFO"),
        (
            {"message": "Agent execution started, activity pending execution_id=aex-1"},
            "a field written into the message text",
        ),
        (
            {"fields": {"execution_id": "aex-1", "token_preview": "CiQw...", "token_length": "1"}},
            "has the fields ['execution_id', 'token_length', 'token_preview']",
        ),
        (
            {
                "fields": {
                    "execution_id": "aex-1",
                    "token_preview": "CiQw...",
                    "token_digest": "0123456789ab",
                    "token_length": "120",
                    "execution_kind": "AgentExecution",
                }
            },
            "has the fields ['execution_id', 'execution_kind',",
        ),
    ],
)
def test_the_log_check_compares_message_level_and_field_set(
    changes: dict[str, Any], reason: str
) -> None:
    from stigmer_conformance import contract

    assert contract.check_logs([_ack_record()]) == {
        "lines": {"Agent execution started, activity pending": 1}
    }
    with pytest.raises(contract.CaseFailure, match=re.escape(reason)):
        contract.check_logs([_ack_record(**changes)])
