"""The handshake contract (contract/handshake.yaml) is the one source of the three languages' names.

Changing one value in it changes the Python, Go and Java outputs of `make generate`, and a hand
edit of a generated file fails here (so in `make test`), not only in check_generated.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers.paths import ROOT

GENERATOR = ROOT / "scripts" / "generate_contract.py"
CONTRACT = ROOT / "contract" / "handshake.yaml"
PYTHON_OUT = "python/stigmer_sdk/_contract.py"
GO_OUT = "adapters/go/internal/contract/contract.go"
JAVA_OUT = "adapters/java/src/generated/java/ai/stigmer/sdk/contract/Contract.java"
JAVA_FAILURE_TYPES_OUT = (
    "adapters/java/src/generated/java/ai/stigmer/sdk/handshake/HandshakeFailureTypes.java"
)
DOCS_OUT = "docs/handshake-contract.md"
OUTPUTS = (PYTHON_OUT, GO_OUT, JAVA_OUT, DOCS_OUT)
#: Every file the generator writes (the Java failure types carry no log message).
ALL_OUTPUTS = (*OUTPUTS, JAVA_FAILURE_TYPES_OUT)

pytestmark = pytest.mark.skipif(shutil.which("gofmt") is None, reason="gofmt formats the Go output")


def generate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(GENERATOR), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def copy_outputs(into: Path) -> None:
    for rel in ALL_OUTPUTS:
        (into / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / rel, into / rel)


def test_committed_outputs_are_generated_from_the_contract() -> None:
    run = generate("--check")
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("rel", [PYTHON_OUT, GO_OUT, JAVA_OUT, DOCS_OUT])
def test_a_hand_edit_of_a_generated_file_fails_the_guard(tmp_path: Path, rel: str) -> None:
    copy_outputs(tmp_path)
    assert generate("--out", tmp_path, "--check").returncode == 0
    edited = tmp_path / rel
    # In the docs, the generated table's row (the prose names the message too).
    needle = "| INFO | `Extracted task token`" if rel == DOCS_OUT else "Extracted task token"
    text = edited.read_text()
    assert needle in text
    edited.write_text(text.replace(needle, needle.replace("Extracted", "Took"), 1))

    run = generate("--out", tmp_path, "--check")

    assert run.returncode == 1
    assert rel in run.stderr


def mutated_contract(tmp_path: Path) -> Path:
    """The contract with one log message, one metric label and one retryability changed."""
    data = yaml.safe_load(CONTRACT.read_text())
    token_taken = next(entry for entry in data["logs"] if entry["id"] == "token_taken")
    token_taken["message"] = "Took the task token"
    data["metrics"]["service_label"] = "svc"
    transient = next(f for f in data["failure_types"] if f["id"] == "completion_transient")
    transient["retryable"] = "never"
    path = tmp_path / "handshake.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_one_changed_value_changes_all_three_languages(tmp_path: Path) -> None:
    out = tmp_path / "out"
    copy_outputs(out)

    run = generate("--contract", mutated_contract(tmp_path), "--out", out)

    assert run.returncode == 0, run.stderr
    for rel in OUTPUTS:
        before, after = (ROOT / rel).read_text(), (out / rel).read_text()
        assert before != after, rel
        assert "Took the task token" in after, rel
        if rel != DOCS_OUT:  # the docs' prose names the message too
            assert "Extracted task token" not in after, rel
    assert 'METRIC_SERVICE_LABEL: Final = "svc"' in (out / PYTHON_OUT).read_text()
    assert re.search(r'MetricServiceLabel\s+= "svc"', (out / GO_OUT).read_text())
    assert 'METRIC_SERVICE_LABEL = "svc"' in (out / JAVA_OUT).read_text()
    assert '"STIGMER_COMPLETION_TRANSIENT": "never"' in (out / PYTHON_OUT).read_text()
    assert re.search(r'"STIGMER_COMPLETION_TRANSIENT":\s+"never"', (out / GO_OUT).read_text())
    assert '"STIGMER_COMPLETION_TRANSIENT", "never"' in (out / JAVA_OUT).read_text()


def test_the_schema_refuses_a_field_written_into_a_log_message(tmp_path: Path) -> None:
    data = yaml.safe_load(CONTRACT.read_text())
    data["logs"][0]["message"] = "Extracted task token token_preview=%s"
    path = tmp_path / "handshake.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))

    run = generate("--contract", path, "--out", tmp_path / "out")

    assert run.returncode != 0
    assert "does not match" in run.stderr


def test_generated_python_matches_the_contract() -> None:
    from stigmer_sdk import _contract

    data = yaml.safe_load(CONTRACT.read_text())
    assert {f["type"]: f["retryable"] for f in data["failure_types"]} == (
        _contract.FAILURE_RETRYABILITY
    )
    assert list(_contract.DURATION_BUCKETS_SECONDS) == data["metrics"]["duration_buckets_seconds"]
    assert [log.message for log in _contract.LOGS] == [entry["message"] for entry in data["logs"]]


def test_transient_status_codes_agree_with_python_and_the_conformance_cases() -> None:
    """The create-error conformance cases and Python's retry rule follow the contract's codes."""
    import json

    from stigmer_sdk import _contract
    from stigmer_sdk.errors import TRANSIENT_CODES

    assert {code.name for code in TRANSIENT_CODES} == set(_contract.TRANSIENT_STATUS_CODES)
    cases = json.loads((ROOT / "conformance" / "create-errors.json").read_text())["cases"]
    assert {case["code"]: case["retryable"] for case in cases} == {
        case["code"]: case["code"] in _contract.TRANSIENT_STATUS_CODES for case in cases
    }


#: A log message written into a copied SDK by its generated contract, and read back from the
#: real log output of a Python process that imports that copy.
_PROBE = """
import asyncio, json, logging, sys
from stigmer_sdk.completion import complete_external_activity
from stigmer_sdk.logs import record_fields

class Json(logging.Handler):
    def emit(self, record):
        print(json.dumps({"level": record.levelname, "message": record.getMessage(),
                          "fields": record_fields(record)}), flush=True)

logger = logging.getLogger("stigmer_sdk")
logger.addHandler(Json())
logger.setLevel(logging.INFO)
# An empty token: the SDK logs the contract's "no callback token" line and sends nothing.
asyncio.run(complete_external_activity(None, b"", execution_id="aex-probe"))
"""


def test_a_changed_log_message_reaches_the_python_process_log_output(tmp_path: Path) -> None:
    data = yaml.safe_load(CONTRACT.read_text())
    line = next(entry for entry in data["logs"] if entry["id"] == "no_callback_token")
    line["message"] = "Nothing to complete, no token"
    line["level"] = "WARNING"
    contract_file = tmp_path / "handshake.yaml"
    contract_file.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "out"
    copy_outputs(out)
    shutil.copytree(
        ROOT / "python" / "stigmer_sdk", out / "python" / "stigmer_sdk", dirs_exist_ok=True
    )

    assert generate("--contract", contract_file, "--out", out).returncode == 0
    run = subprocess.run(
        [sys.executable, "-c", _PROBE],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=tmp_path,
        env={"PYTHONPATH": str(out / "python"), "PATH": "/usr/bin:/bin"},
    )

    assert run.returncode == 0, run.stderr
    records = [json.loads(text) for text in run.stdout.splitlines()]
    assert records == [
        {
            "level": "WARNING",
            "message": "Nothing to complete, no token",
            "fields": {"execution_id": "aex-probe"},
        }
    ]


#: What the contract names, by kind: none may be written as a string literal in the SDKs' code.
def _contract_literals() -> dict[str, str]:
    data = yaml.safe_load(CONTRACT.read_text())
    literals = {f["type"]: "failure type" for f in data["failure_types"]}
    literals |= {name: "activity" for name in data["activities"].values()}
    literals |= {m["name"]: "metric" for m in data["metrics"]["instruments"]}
    literals |= {entry["message"]: "log message" for entry in data["logs"]}
    literals[data["names"]["plugin_name"]] = "plugin name"
    literals[data["names"]["watch_ended_message"]] = "message"
    return literals


#: SDK code that may not use the generated constants: generated code, tests, and the deployed
#: service's emulation, which plays the other side as the deployed service writes it.
_NOT_SDK_CODE = re.compile(
    r"(_contract\.py|/internal/contract/|/gen/|_pb2\.py|_pb2_grpc\.py|_test\.go|/coexist/stubs/"
    r"|/stigmer-deployed-emulator/|/src/generated/)"
)
_COMMENT = re.compile(r"^\s*(#|//|\*|/\*)")


def test_no_sdk_code_writes_a_contract_name_by_hand() -> None:
    """A failure type, activity, metric or log message of the contract is written only by the
    generator: a copy in one language would not follow a change of the contract."""
    literals = _contract_literals()
    found = []
    for root, suffix in (
        ("python/stigmer_sdk", ".py"),
        ("adapters/go", ".go"),
        ("adapters/java/src/main", ".java"),
    ):
        for path in sorted((ROOT / root).rglob(f"*{suffix}")):
            rel = path.relative_to(ROOT).as_posix()
            if _NOT_SDK_CODE.search("/" + rel):
                continue
            for number, text in enumerate(path.read_text().splitlines(), 1):
                if _COMMENT.match(text):
                    continue
                found += [
                    f"{rel}:{number}: the {kind} {value!r}"
                    for value, kind in literals.items()
                    if f'"{value}"' in text
                ]
    assert found == []


def test_the_handshake_outcomes_are_the_contracts() -> None:
    """The ``outcome`` label's values, an enum in Python (kept beside the generated list)."""
    from stigmer_sdk import _contract
    from stigmer_sdk.metrics import HandshakeOutcome

    assert [outcome.value for outcome in HandshakeOutcome] == list(_contract.OUTCOMES)
