"""The runbook's alert rules, checked and unit-tested with promtool on synthetic series."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers.paths import ROOT

pytestmark = pytest.mark.integration

DEPLOY = ROOT / "deploy" / "prometheus"
RULES = DEPLOY / "alerts.yaml"
RULE_TESTS = DEPLOY / "alerts_test.yaml"

#: The runbook's alerts: stuck over 24 h, failure rate, slow p99, backlog, error rate,
#: executions approaching their deadline, invalid task tokens.
ALERTS = (
    "StigmerExternalActivityStuck",
    "StigmerExternalActivityCompletionFailureHigh",
    "StigmerExternalActivityCompletionSlow",
    "StigmerExternalActivityBacklog",
    "StigmerExternalActivityErrorRateHigh",
    "StigmerExecutionApproachingTimeout",
    "StigmerInvalidCallbackTokens",
)


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is missing: run `bash scripts/ensure_prometheus.sh` (make does)")
    return found


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *args], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )


def test_rules_are_valid_and_name_every_runbook_alert() -> None:
    checked = _run("check", "rules", str(RULES), cwd=DEPLOY)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    names = re.findall(r"^\s*- alert: (\w+)$", RULES.read_text(), re.MULTILINE)
    assert sorted(names) == sorted(ALERTS)


def test_each_alert_fires_and_stays_quiet_on_synthetic_series() -> None:
    tested = _run("test", "rules", RULE_TESTS.name, cwd=DEPLOY)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


@pytest.mark.parametrize("alert", ALERTS)
def test_the_rule_tests_notice_an_alert_that_no_longer_fires(alert: str, tmp_path: Path) -> None:
    # Renaming one alert in a copy of the rules must fail the tests: each one is exercised.
    (tmp_path / RULES.name).write_text(
        RULES.read_text().replace(f"- alert: {alert}\n", f"- alert: {alert}Renamed\n")
    )
    shutil.copy(RULE_TESTS, tmp_path / RULE_TESTS.name)
    tested = _run("test", "rules", RULE_TESTS.name, cwd=tmp_path)
    assert tested.returncode != 0
    assert alert in tested.stdout + tested.stderr


def test_the_compose_prometheus_config_loads_the_alert_rules(tmp_path: Path) -> None:
    """deploy/compose/prometheus.yml, with its rule file where compose mounts alerts.yaml, passes
    promtool's config check (which loads and checks the rules too)."""
    import yaml

    compose = DEPLOY.parent / "compose"
    document = yaml.safe_load((compose / "compose.yaml").read_text())
    targets = {
        config["target"]: (compose / document["configs"][config["source"]]["file"]).resolve()
        for config in document["services"]["prometheus"]["configs"]
    }
    config = yaml.safe_load((compose / "prometheus.yml").read_text())
    (rule_file,) = config["rule_files"]
    assert targets[rule_file] == RULES
    config["rule_files"] = [str(targets[rule_file])]  # the mount, as this host has no /etc path
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    checked = _run("check", "config", "prometheus.yml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    found = re.search(r"SUCCESS: (\d+) rules found", checked.stdout)
    assert found is not None, checked.stdout
    assert int(found.group(1)) >= len(ALERTS)
