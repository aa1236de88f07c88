"""docs/operations.md stays true to the command line, the alert rules and the dashboard."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from helpers.cli import run_cli
from helpers.paths import ROOT

DOC = ROOT / "docs" / "operations.md"
COMMANDS = {"serve", "demo", "complete", "pending", "token inspect"}


def _cli_lines() -> list[list[str]]:
    """Every ``stigmer-sdk ...`` command line of the doc's code blocks, continuations joined."""
    blocks = re.findall(r"```bash\n(.*?)```", DOC.read_text(), re.DOTALL)
    lines = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("stigmer-sdk "):
                lines.append(shlex.split(line)[1:])
    return lines


def test_every_documented_command_and_option_exists() -> None:
    lines = _cli_lines()
    assert len(lines) >= 8
    helps: dict[str, str] = {}
    for words in lines:
        command = " ".join(words[:2]) if words[0] == "token" else words[0]
        assert command in COMMANDS, words
        if command not in helps:
            shown = run_cli(*command.split(), "--help")
            assert shown.returncode == 0, shown.stderr
            helps[command] = shown.stdout
        for option in (word.split("=")[0] for word in words if word.startswith("--")):
            assert re.search(rf"{re.escape(option)}\b", helps[command]), (command, option)


def test_the_doc_names_every_alert_metric_and_exit_code() -> None:
    from stigmer_sdk.metrics import (
        CALLER_DURATION_METRIC,
        CALLER_HANDSHAKES_METRIC,
        CALLER_PENDING_METRIC,
        CALLER_STARTED_METRIC,
    )
    from stigmer_sdk.service.cli import ExitCode

    text = DOC.read_text()
    rules = (ROOT / "deploy" / "prometheus" / "alerts.yaml").read_text()
    for alert in re.findall(r"- alert: (\w+)", rules):
        assert f"`{alert}`" in text
    for anchor in set(re.findall(r'runbook: "docs/operations.md#([\w-]+)"', rules)):
        heading = anchor.replace("-", " ")
        assert re.search(rf"^#+ {heading}$", text, re.IGNORECASE | re.MULTILINE), anchor
    for metric in (CALLER_STARTED_METRIC, CALLER_PENDING_METRIC, CALLER_HANDSHAKES_METRIC):
        assert f"`{metric}`" in text
    assert f"`{CALLER_DURATION_METRIC}`" in text
    for code in ExitCode:
        assert re.search(rf"^\| {code.value} \|", text, re.MULTILINE), code
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "stigmer.json").read_text())
    assert dashboard["templating"]["list"][1]["name"] == "service"


@pytest.mark.parametrize("link", ["docs/operations.md"])
def test_the_readme_links_the_runbook(link: str) -> None:
    assert f"]({link})" in (ROOT / "README.md").read_text()
