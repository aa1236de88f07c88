"""The ``stigmer-sdk`` console script, run as a user would run it."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowFailureError

from stigmer_sdk import AgentExecution, AgentExecutionSpec, ExecutionPhase, StigmerClient
from stigmer_sdk.service.app import ServiceConfig
from stigmer_sdk.service.store import ExecutionKind, open_store
from stigmer_sdk.testing import DevServer, free_port

from helpers.assertions import assert_activity_failed
from helpers.callers import PendingCaller
from helpers.cli import ServeProcess, run_cli, wait_serving

pytestmark = pytest.mark.integration


def _field(number: int, value: str) -> bytes:
    data = value.encode()
    return bytes([number << 3 | 2, len(data)]) + data


#: A token in Temporal's wire format naming the caller's workflow, run and activity.
CALLER_TOKEN = _field(1, "ns-id") + _field(2, "caller-wf") + _field(3, "run-1") + _field(6, "7")


def short_digest(token: bytes) -> str:
    return hashlib.sha256(token).hexdigest()[:12]


async def test_token_inspect_shows_fields_and_never_the_token(
    tmp_path: Path,
    pending_caller: PendingCaller,
) -> None:
    handle, token = pending_caller
    encoded = base64.b64encode(token).decode()
    (tmp_path / "token.bin").write_bytes(token)
    for argument in (encoded, f"@{tmp_path / 'token.bin'}"):
        shown = run_cli("token", "inspect", argument)
        assert shown.returncode == 0, shown.stderr
        assert handle.id in shown.stdout
        assert "run_agent" in shown.stdout
        assert f"{len(token)} bytes" in shown.stdout
        assert encoded[:20] + "..." in shown.stdout
        assert encoded not in shown.stdout + shown.stderr
        assert short_digest(token) in shown.stdout
    as_json = run_cli("token", "inspect", encoded, "--json")
    assert as_json.returncode == 0, as_json.stderr
    record = json.loads(as_json.stdout)
    assert record["workflow_id"] == handle.id
    assert record["token_digest"] == hashlib.sha256(token).hexdigest()[:12]
    assert record["valid"] is True
    assert encoded not in as_json.stdout
    await handle.terminate("done")


def test_token_inspect_exits_non_zero_for_an_invalid_token(tmp_path: Path) -> None:
    for argument, code in (
        ("not base64!", 4),
        ("AAECAwQFBgc=", 4),  # Base64, but not a protobuf task token
        ("", 5),
        (f"@{tmp_path / 'missing.bin'}", 2),
    ):
        shown = run_cli("token", "inspect", argument, "--json")
        assert shown.returncode == code, (argument, shown.stdout, shown.stderr)
        assert "Traceback" not in shown.stdout + shown.stderr
    invalid = json.loads(run_cli("token", "inspect", "AAECAwQFBgc=", "--json").stdout)
    assert invalid["valid"] is False
    assert "not decodable" in invalid["error"]


async def test_complete_by_token_then_again_reports_already_completed(
    dev_server: DevServer,
    pending_caller: PendingCaller,
) -> None:
    handle, token = pending_caller
    encoded = base64.b64encode(token).decode()
    result_json = json.dumps(
        {"metadata": {"id": "manual-1"}, "status": {"phase": "EXECUTION_COMPLETED"}}
    )
    args = ("complete", "--address", dev_server.target, "--token", encoded, "--result", result_json)

    first = run_cli(*args)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "COMPLETED" in first.stdout
    result = await handle.result()
    assert result.metadata.id == "manual-1"
    assert result.status.phase == 3

    again = run_cli(*args)
    assert again.returncode == 3
    assert "ALREADY_COMPLETED" in again.stdout
    assert encoded not in again.stdout + again.stderr


async def test_complete_by_ids_with_a_typed_error(
    dev_server: DevServer,
    pending_caller: PendingCaller,
) -> None:
    handle, _ = pending_caller
    failed = run_cli(
        "complete",
        "--address",
        dev_server.target,
        "--workflow-id",
        handle.id,
        "--activity-id",
        "1",
        "--error",
        "operator gave up",
        "--type",
        "MANUAL_FAILURE",
        "--non-retryable",
    )
    assert failed.returncode == 0, failed.stdout + failed.stderr
    await assert_activity_failed(handle.result(), "MANUAL_FAILURE", "operator gave up")


def test_complete_reports_invalid_and_empty_tokens_by_exit_code(dev_server: DevServer) -> None:
    address = ("--address", dev_server.target)
    garbage = run_cli("complete", *address, "--token", "AAECAwQFBgc=", "--cancel")
    assert garbage.returncode == 4
    assert "INVALID_TOKEN" in garbage.stdout
    empty = run_cli("complete", *address, "--token", "", "--cancel", "--json")
    assert empty.returncode == 5
    assert json.loads(empty.stdout)["outcome"] == "EMPTY_TOKEN"
    both = run_cli("complete", "--token", "AAAA", "--error", "x", "--cancel")
    assert both.returncode == 2
    assert "exactly one" in both.stderr


async def test_complete_refuses_to_run_without_an_outcome(
    dev_server: DevServer,
    pending_caller: PendingCaller,
) -> None:
    handle, token = pending_caller
    encoded = base64.b64encode(token).decode()
    refused = run_cli("complete", "--address", dev_server.target, "--token", encoded)
    assert refused.returncode == 2
    assert "exactly one of --result, --error and --cancel" in refused.stderr
    # The caller is still pending: nothing was delivered.
    description = await handle.describe()
    assert description.raw_description.pending_activities
    await handle.terminate("done")


async def test_complete_names_a_missing_workflow_or_activity_not_found(
    dev_server: DevServer,
    pending_caller: PendingCaller,
) -> None:
    handle, _ = pending_caller
    by_ids = ("complete", "--address", dev_server.target, "--error", "gave up", "--json")
    typo = run_cli(*by_ids, "--workflow-id", handle.id + "-typo", "--activity-id", "1")
    assert typo.returncode == 7, typo.stdout + typo.stderr
    assert json.loads(typo.stdout)["outcome"] == "NOT_FOUND"
    assert "no workflow" in json.loads(typo.stdout)["message"]
    # The log says what the exit code says.
    assert "outcome=NOT_FOUND" in typo.stderr
    assert "ALREADY_COMPLETED" not in typo.stderr
    wrong_activity = run_cli(*by_ids, "--workflow-id", handle.id, "--activity-id", "9")
    assert wrong_activity.returncode == 7
    assert "has no activity '9'" in json.loads(wrong_activity.stdout)["message"]
    done = run_cli(*by_ids, "--workflow-id", handle.id, "--activity-id", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    again = run_cli(*by_ids, "--workflow-id", handle.id, "--activity-id", "1")
    assert again.returncode == 3
    assert json.loads(again.stdout)["outcome"] == "ALREADY_COMPLETED"
    # The caller's one attempt failed with the operator's error, so its workflow fails with it.
    with pytest.raises(WorkflowFailureError) as failure:
        await handle.result()
    assert "gave up" in str(failure.value.cause.cause)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("complete", "--token", "AAAA", "--cancel", "--address", "nope"), 2, "host:port"),
        (("complete", "--token", "AAAA", "--cancel", "--address", "127.0.0.1:1"), 8, "connect"),
        (("complete", "--token", "AAAA", "--cancel", "--tls-cert", "/nonexistent"), 2, "go"),
        (("complete", "--workflow-id", "w", "--cancel"), 2, "--activity-id"),
        (("complete", "--token", "AAAA", "--result", "{", "--plain-json"), 2, "not JSON"),
        (("complete", "--token", "AAAA", "--result", "{}", "--result-type", "x.Y"), 2, "unknown"),
        (("serve", "--listen", "bad"), 2, "--listen must be host:port"),
        (("serve", "--address", "nope"), 2, "--address must be host:port"),
        (("serve", "--encryption-key", "xyz"), 2, "--encryption-key"),
        (("serve", "--store", "mysql://db"), 2, "unsupported store URL scheme 'mysql'"),
        (("serve", "--caller-heartbeat", "soon"), 2, "not a duration"),
        (("serve", "--address", "127.0.0.1:1", "--store", "sqlite:///{tmp}/s.db"), 8, "Temporal"),
        (("pending", "--store", "bogus://x"), 2, "unsupported store URL scheme"),
        (("pending", "--store", "sqlite:///{tmp}/x.db", "--encryption-key", "abc"), 2, "Base64"),
        (("pending", "--store", "sqlite:///{tmp}/x.db", "--older-than", "old"), 2, "duration"),
        (("pending", "--store", "postgresql://u:secret@127.0.0.1:1/db"), 8, "127.0.0.1:1/db"),
        (("token", "inspect"), 2, "Missing argument"),
        (("no-such-command",), 2, "No such command"),
    ],
)
def test_a_users_mistake_gets_one_line_and_its_exit_code_never_a_traceback(
    args: tuple[str, ...], code: int, message: str, tmp_path: Path
) -> None:
    shown = run_cli(*(arg.replace("{tmp}", str(tmp_path)) for arg in args))
    output = shown.stdout + shown.stderr
    assert shown.returncode == code, output
    assert message in shown.stderr, output
    assert "Traceback" not in output
    assert "secret" not in output


def test_pending_never_creates_a_store(tmp_path: Path) -> None:
    import os
    import subprocess

    from helpers.cli import CONSOLE_SCRIPT, cli_env

    # Run from an empty directory: the default store URL is relative to it.
    shown = subprocess.run(
        [str(CONSOLE_SCRIPT), "pending"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={k: v for k, v in cli_env().items() if k != "STIGMER_STORE_URL"},
        timeout=60,
        check=False,
    )
    assert shown.returncode == 7, shown.stdout + shown.stderr
    assert "no store at sqlite:///.stigmer/stigmer.db" in shown.stderr
    assert os.listdir(tmp_path) == []
    (tmp_path / "empty.db").write_bytes(b"")
    empty = run_cli("pending", "--store", f"sqlite:///{tmp_path / 'empty.db'}")
    assert empty.returncode == 7
    assert "no executions table" in empty.stderr
    assert (tmp_path / "empty.db").read_bytes() == b""


def test_help_is_readable_at_80_columns() -> None:
    for command in ((), ("serve",), ("complete",), ("pending",), ("demo",), ("token", "inspect")):
        shown = run_cli(*command, "--help", columns=80)
        assert shown.returncode == 0, shown.stderr
        assert max(len(line) for line in shown.stdout.splitlines()) <= 80, shown.stdout
        assert "…" not in shown.stdout  # nothing cut off


async def test_pending_lists_owed_completions_with_their_age(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'stigmer.db'}"
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    execution = AgentExecution(spec=AgentExecutionSpec(agent_id="bot", message="m"))
    rows_to_store = (
        # (clock, encryption key, id, token); the last one sealed with a key the listing lacks.
        (lambda: two_hours_ago, None, "aex_old_0", CALLER_TOKEN),
        (lambda: two_hours_ago, None, "aex_old_1", b""),
        (None, None, "aex_new", b"\x0a\x01b"),
        (None, bytes(range(32)), "aex_sealed", b"\x0a\x01c"),
    )
    for clock, key, execution_id, token in rows_to_store:
        async with await open_store(url, clock=clock, encryption_key=key) as store:
            await store.create(
                id=execution_id,
                kind=ExecutionKind.AGENT,
                execution=execution.SerializeToString(),
                callback_token=token,
                idempotency_key=None,
            )

    listed = run_cli("pending", "--store", url, "--json")
    assert listed.returncode == 0, listed.stderr
    # Only JSON on standard output: logs go to standard error.
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [row["execution_id"] for row in rows] == ["aex_old_0", "aex_new", "aex_sealed"]
    assert rows[0]["age_seconds"] >= 7200
    assert rows[0]["target"] == "bot"
    assert rows[0]["phase"] == "EXECUTION_PHASE_UNSPECIFIED"
    assert (rows[0]["workflow_id"], rows[0]["run_id"], rows[0]["activity_id"]) == (
        "caller-wf",
        "run-1",
        "7",
    )
    assert rows[0]["token_digest"] == short_digest(CALLER_TOKEN)
    assert rows[0]["complete_command"].startswith(
        "stigmer-sdk complete --workflow-id caller-wf --run-id run-1 --activity-id 7 --error"
    )
    assert "token_error" not in rows[0]
    assert rows[2]["token_preview"] == "<undecryptable>"
    assert "without an encryption key" in rows[2]["token_error"]
    assert "complete_command" not in rows[2]

    old = run_cli("pending", "--store", url, "--older-than", "1h", columns=80)
    assert old.returncode == 0, old.stderr
    assert "aex_old_0" in old.stdout
    assert "aex_new" not in old.stdout
    assert re.search(r"age 2h\d\dm", old.stdout)
    assert "caller    workflow caller-wf  run run-1  activity 7" in old.stdout
    assert f"digest {short_digest(CALLER_TOKEN)}" in old.stdout
    assert "stigmer-sdk complete --workflow-id caller-wf" in " ".join(old.stdout.split())


def test_demo_prints_the_whole_handshake() -> None:
    demo = run_cli("demo", timeout=180)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    steps = [
        "activity took its task token",
        "ACK: persisted the execution with the token",
        "activity returned pending: worker slot released",
        "scheduled  stigmer/agent-runner/run",
        "completing the caller",
        "caller's activity completed",
        "workflow resumed with the agent's result",
    ]
    positions = [demo.stdout.find(step) for step in steps]
    assert all(p >= 0 for p in positions), demo.stdout
    assert positions == sorted(positions)
    assert "EXECUTION_COMPLETED" in demo.stdout
    assert re.search(r"Handshake overhead: \d+ ms", demo.stdout)
    assert "Temporal UI" in demo.stdout
    assert re.search(r"token_digest=[0-9a-f]{12}", demo.stdout)
    # The steps come from events: the demo shows them with the SDK's logging silenced.
    assert " INFO " not in demo.stdout


async def test_serve_dev_runs_everything_embedded_and_stops_on_sigterm(tmp_path: Path) -> None:
    import asyncio
    import signal

    listen = f"127.0.0.1:{free_port()}"
    serve = ServeProcess(
        "--dev",
        "--address",
        f"127.0.0.1:{free_port()}",
        "--listen",
        listen,
        "--data-dir",
        str(tmp_path / "data"),
        "--task-queue",
        "svc-from-the-command-line",
        log_path=tmp_path / "serve.log",
    )
    await serve.start()
    try:
        await wait_serving(listen)
        async with await StigmerClient.connect(listen) as client:
            request = AgentExecution(
                api_version="agentic.stigmer.ai/v1",
                kind="AgentExecution",
                spec=AgentExecutionSpec(agent_id="echo", message="hi"),
            )
            request.metadata.name = "exec-from-the-cli-test"  # serve validates as deployed
            ack = await client.create(request)
            for _ in range(300):
                execution = await client.get_agent_execution(ack.metadata.id)
                if execution.status.phase == ExecutionPhase.EXECUTION_COMPLETED:
                    break
                await asyncio.sleep(0.1)
        assert execution.status.phase == ExecutionPhase.EXECUTION_COMPLETED
        assert execution.status.messages[-1].content == "Done: hi"
        assert (tmp_path / "data" / "stigmer.db").is_file()
        assert (tmp_path / "data" / "temporal.db").is_file()
        process = serve.process
        assert process is not None
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 60) == 0
    finally:
        await serve.kill()
    log = serve.log()
    assert "Temporal UI" in log
    assert re.search(r"task queue\W+svc-from-the-command-line", log)
    assert "Traceback" not in log


def test_serve_help_states_the_services_default_task_queues() -> None:
    from stigmer_sdk.service.config import ServiceSettings

    help_text = " ".join(run_cli("serve", "--help").stdout.split())
    defaults = ServiceSettings()
    for option, default in (
        ("--task-queue", defaults.service_task_queue),
        ("--agent-runner-task-queue", defaults.agent_runner_task_queue),
        ("--workflow-runner-task-queue", defaults.workflow_runner_task_queue),
    ):
        assert option in help_text
        assert f"default: {default}]" in help_text


async def test_serve_json_summary_on_stdout_and_logs_on_stderr(
    dev_server: DevServer, tmp_path: Path
) -> None:
    import asyncio
    import signal

    from helpers.cli import CONSOLE_SCRIPT, cli_env

    metrics = f"127.0.0.1:{free_port()}"
    process = await asyncio.create_subprocess_exec(
        str(CONSOLE_SCRIPT),
        "serve",
        "--json",
        "--address",
        dev_server.target,
        "--listen",
        f"127.0.0.1:{free_port()}",
        "--metrics-address",
        metrics,
        "--store",
        f"sqlite:///{tmp_path / 'stigmer.db'}",
        "--task-queue",
        f"svc-json-{free_port()}",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=cli_env(),
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        first = await asyncio.wait_for(process.stdout.readline(), 90)
        summary = json.loads(first)
        assert summary["metrics"] == f"http://{metrics}/metrics"
        assert summary["tokens_at_rest"] == "plain"
        process.send_signal(signal.SIGTERM)
        rest, logs = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
    assert rest.decode().strip() == ""  # nothing but the summary on standard output
    assert "Stigmer service listening on" in logs.decode()


def test_demo_json_prints_its_steps_and_result_as_json_lines() -> None:
    demo = run_cli("demo", "--agent", "echo", "--json", timeout=180)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    records = [json.loads(line) for line in demo.stdout.splitlines()]
    steps = [record["step"] for record in records if "step" in record]
    assert "ACK: persisted the execution with the token" in steps
    assert steps[-1] == "workflow resumed with the agent's result"
    assert records[-1]["result"]["phase"] == "EXECUTION_COMPLETED"
    assert records[-1]["result"]["callback_token_in_result"] is False


@pytest.mark.postgres
async def test_pending_never_creates_a_postgresql_schema() -> None:
    import uuid

    import psycopg

    from helpers.fixtures import postgres_admin_url

    admin = postgres_admin_url()
    database = f"stigmer_{uuid.uuid4().hex[:12]}"
    async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as connection:
        await connection.execute(f'CREATE DATABASE "{database}"')
    url = admin.rsplit("/", 1)[0] + "/" + database
    try:
        shown = run_cli("pending", "--store", url)
        assert shown.returncode == 7, shown.stdout + shown.stderr
        assert "no executions table" in shown.stderr
        async with await psycopg.AsyncConnection.connect(url) as connection:
            cursor = await connection.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            )
            assert await cursor.fetchone() == (0,)
        credentials = admin.split("://", 1)[1].split("@")[0]
        missing = run_cli("pending", "--store", url + "_missing")
        assert missing.returncode == 8
        assert "does not exist" in missing.stderr
        assert credentials + "@" not in missing.stderr
    finally:
        async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as connection:
            await connection.execute(f'DROP DATABASE "{database}" WITH (FORCE)')


def test_serve_on_an_address_it_cannot_listen_on_exits_8(
    dev_server: DevServer, tmp_path: Path
) -> None:
    shown = run_cli(
        "serve",
        "--address",
        dev_server.target,
        "--listen",
        "192.0.2.1:7234",  # TEST-NET-1: no interface has it
        "--insecure-no-auth",  # else refused for listening beyond loopback without credentials
        "--store",
        f"sqlite:///{tmp_path / 'stigmer.db'}",
        "--task-queue",
        f"svc-unbindable-{free_port()}",
    )
    assert shown.returncode == 8, shown.stdout + shown.stderr
    assert "cannot listen on 192.0.2.1:7234" in shown.stderr
    assert "Traceback" not in shown.stdout + shown.stderr


async def _store_owed(url: str, execution_id: str, token: bytes) -> None:
    """Store an agent execution whose completion is owed to the caller of ``token``."""
    async with await open_store(url) as store:
        await store.create(
            id=execution_id,
            kind=ExecutionKind.AGENT,
            execution=AgentExecution(
                spec=AgentExecutionSpec(agent_id="a", message="m")
            ).SerializeToString(),
            callback_token=token,
            idempotency_key=None,
        )


def _serve_config(monkeypatch: pytest.MonkeyPatch, *arguments: str) -> ServiceConfig:
    """The ServiceConfig that ``serve ARGUMENTS`` builds, without starting the service."""
    from typer.testing import CliRunner

    from stigmer_sdk.service import cli
    from stigmer_sdk.service.cli import serve

    configs: list[ServiceConfig] = []

    async def capture(settings: object, config: ServiceConfig, **_: object) -> None:
        configs.append(config)

    monkeypatch.setattr(serve, "run_service", capture)
    result = CliRunner().invoke(cli.app, ["serve", *arguments])
    assert result.exit_code == 0, result.output
    (config,) = configs
    return config


@pytest.mark.parametrize(
    ("arguments", "colocated"),
    [((), True), (("--agent-runner-task-queue", "my-runners"), False)],
)
def test_serve_colocates_the_builtin_runner_unless_a_runner_queue_is_named(
    monkeypatch: pytest.MonkeyPatch, arguments: tuple[str, ...], colocated: bool
) -> None:
    from stigmer_sdk.service.cli import serve

    config = _serve_config(monkeypatch, *arguments)
    assert config.settings.colocate_builtin_runner is colocated
    summary = serve._runner_summary(config)
    queue = config.settings.service_task_queue if colocated else "my-runners"
    assert summary == f"built-in scripted (task queue {queue})"


def test_serve_bounds_the_service_workers_workflow_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    config = _serve_config(monkeypatch, "--max-cached-workflows", "50")
    assert config.settings.max_cached_workflows == 50


def test_every_command_has_json() -> None:
    import typer.main

    from stigmer_sdk.service.cli import app

    def leaves(command: Any, path: str) -> list[tuple[str, Any]]:
        if hasattr(command, "commands"):  # a group
            return [
                leaf
                for name, sub in command.commands.items()
                for leaf in leaves(sub, f"{path} {name}")
            ]
        return [(path, command)]

    commands = leaves(typer.main.get_command(app), "stigmer-sdk")
    assert len(commands) >= 6
    missing = [
        path
        for path, command in commands
        if not any("--json" in getattr(p, "opts", ()) for p in command.params)
    ]
    assert missing == []


async def test_the_command_pending_prints_completes_and_records_the_caller(
    dev_server: DevServer,
    tmp_path: Path,
    pending_caller: PendingCaller,
) -> None:
    handle, token = pending_caller
    url = f"sqlite:///{tmp_path / 'stigmer.db'}"
    await _store_owed(url, "aex_stuck", token)
    listed = run_cli("pending", "--store", url, "--json")
    (record,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert "token" not in record  # the ids are enough; the token only on request
    command = record["complete_command"].split()
    assert command[:2] == ["stigmer-sdk", "complete"]
    assert command[-2:] == ["--execution-id", "aex_stuck"]
    args = (*shlex.split(record["complete_command"])[1:], "--address", dev_server.target)
    done = run_cli(*args, "--store", url, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout) == {**json.loads(done.stdout), "recorded": True}
    # pending agrees: nothing is owed any more, and the row says how it ended.
    assert run_cli("pending", "--store", url, "--json").stdout == ""
    async with await open_store(url) as store:
        row = await store.get("aex_stuck")
    assert row is not None
    assert (row.completion_outcome, row.callback_token) == ("COMPLETED", b"")
    with pytest.raises(WorkflowFailureError):
        await handle.result()


def test_pending_shows_the_full_token_only_on_request_with_a_warning(tmp_path: Path) -> None:
    import asyncio

    url = f"sqlite:///{tmp_path / 'stigmer.db'}"

    asyncio.run(_store_owed(url, "aex_1", CALLER_TOKEN))
    shown = run_cli("pending", "--store", url, "--json", "--show-token")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["token"] == base64.b64encode(CALLER_TOKEN).decode()
    assert "bearer credentials" in shown.stderr
    hidden = run_cli("pending", "--store", url, "--json")
    assert "token" not in json.loads(hidden.stdout)
    assert base64.b64encode(CALLER_TOKEN).decode() not in hidden.stdout + hidden.stderr


def test_serve_sets_the_caller_heartbeat_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _serve_config(monkeypatch).settings.caller_heartbeat_budget == 100.0
    config = _serve_config(monkeypatch, "--caller-heartbeat-budget", "25")
    assert config.settings.caller_heartbeat_budget == 25.0
    monkeypatch.setenv("STIGMER_CALLER_HEARTBEAT_BUDGET", "0")
    assert _serve_config(monkeypatch).settings.caller_heartbeat_budget == 0.0
