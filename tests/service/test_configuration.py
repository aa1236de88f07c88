"""The service's settings are declared once (stigmer_sdk.service.config): ``serve``'s options,
the environment reader and docs/configuration.md are derived from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from stigmer_sdk.service.app import ServiceConfig
from stigmer_sdk.service.cli import serve
from stigmer_sdk.service.config import (
    ServeSettings,
    ServiceSettings,
    configuration_page,
    read_env,
    setting,
    setting_fields,
    settings_table,
)

from helpers.paths import ROOT


@dataclass(frozen=True)
class _ExtendedServiceSettings(ServiceSettings):
    relay_pause: timedelta = setting(timedelta(seconds=3), help="A service setting of this test.")


@dataclass(frozen=True)
class _ExtendedSettings(ServeSettings):
    greeting_budget: int = setting(7, help="A process setting of this test.", minimum=0)
    service: _ExtendedServiceSettings = field(default_factory=_ExtendedServiceSettings)


def _serve(
    monkeypatch: pytest.MonkeyPatch, arguments: list[str], env: dict[str, str] | None = None
) -> Any:
    """The settings ``serve`` (for `_ExtendedSettings`) runs with, without starting anything."""
    seen: list[Any] = []

    async def capture(settings: Any, config: ServiceConfig, **_: object) -> None:
        seen.append(settings)

    monkeypatch.setattr(serve, "run_service", capture)
    app = typer.Typer(rich_markup_mode=None)
    app.command("serve")(serve.serve_command(_ExtendedSettings))
    result = CliRunner().invoke(app, arguments, env=env)
    assert result.exit_code == 0, result.output
    return seen[0] if seen else result.output


def test_a_setting_added_once_appears_in_the_options_the_environment_and_the_docs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    help_text = " ".join(_serve(monkeypatch, ["--help"]).split())
    for option, env in (
        ("--greeting-budget", "STIGMER_GREETING_BUDGET"),
        ("--relay-pause", "STIGMER_RELAY_PAUSE"),
    ):
        assert option in help_text
        assert f"env var: {env}" in help_text
    given = _serve(monkeypatch, ["--greeting-budget", "9", "--relay-pause", "250ms"])
    assert (given.greeting_budget, given.service.relay_pause) == (9, timedelta(milliseconds=250))
    from_env = _serve(
        monkeypatch, [], env={"STIGMER_GREETING_BUDGET": "11", "STIGMER_RELAY_PAUSE": "2m"}
    )
    assert (from_env.greeting_budget, from_env.service.relay_pause) == (11, timedelta(minutes=2))
    read = read_env(
        _ExtendedSettings, {"STIGMER_GREETING_BUDGET": "5", "STIGMER_RELAY_PAUSE": "1h"}
    )
    assert (read.greeting_budget, read.service.relay_pause) == (5, timedelta(hours=1))
    assert read_env(_ExtendedSettings, {}) == _ExtendedSettings()
    table = settings_table(_ExtendedSettings)
    assert "| `--greeting-budget` | `STIGMER_GREETING_BUDGET` | `7` |" in table
    assert "| `--relay-pause` | `STIGMER_RELAY_PAUSE` | `3s` |" in table


def test_the_configuration_page_is_generated_from_the_settings() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert page == configuration_page(), "run scripts/generate_configuration_doc.py"


def test_every_service_setting_is_read_from_the_environment() -> None:
    """The environment reader and serve's options are one: ServiceConfig.from_env reads every
    variable ``serve --help`` names (it used to read 20 of them)."""
    config = ServiceConfig.from_env(
        {
            "STIGMER_MAX_CONCURRENT_RPCS": "12",
            "STIGMER_RUNNER_MAX_ATTEMPTS": "3",
            "STIGMER_CALLER_HEARTBEAT": "5s",
            "STIGMER_CLIENT_CERT_ROLES": "runner.corp=runner;*=caller",
            "STIGMER_DRAIN_GRACE": "1m",
        }
    )
    assert config.settings.max_concurrent_rpcs == 12
    assert config.settings.runner_maximum_attempts == 3
    assert config.settings.caller_heartbeat_interval == timedelta(seconds=5)
    assert set(config.auth.certificate_roles) == {"runner.corp", "*"}
    assert config.drain_grace == timedelta(minutes=1)
    names = [item.setting.env for item in setting_fields(ServeSettings) if item.setting.env]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STIGMER_MAX_SUBSCRIPTIONS": "many"}, "STIGMER_MAX_SUBSCRIPTIONS 'many' is not a int"),
        ({"STIGMER_INSECURE_NO_AUTH": "perhaps"}, "is not a boolean"),
        ({"STIGMER_DRAIN_GRACE": "soon"}, "not a duration"),
        ({"STIGMER_STORE_URL": "mysql://db"}, "unsupported store URL scheme 'mysql'"),
    ],
)
def test_a_bad_environment_variable_is_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServiceConfig.from_env(env)
