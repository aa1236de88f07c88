"""The ``stigmer-sdk`` console script, run as a user would run it."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import temporalio.client
from cli_helpers import ServeProcess, run_cli
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from stigmer_sdk import AgentExecution, AgentExecutionSpec, ExecutionPhase, StigmerClient
from stigmer_sdk.service.store import ExecutionKind, open_store
from stigmer_sdk.testing import DevServer, free_port

from recording_service import RecordingStigmerService, start_pending_caller

pytestmark = pytest.mark.integration


async def test_token_inspect_shows_fields_and_never_the_token(
    worker: Worker,
    temporal_client: temporalio.client.Client,
    stigmer_service: RecordingStigmerService,
    task_queue: str,
    tmp_path: Path,
) -> None:
    handle, token = await start_pending_caller(temporal_client, stigmer_service, task_queue)
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
    assert run_cli("token", "inspect", "not base64!").returncode == 2
    await handle.terminate("done")


async def test_complete_by_token_then_again_reports_already_completed(
    worker: Worker,
    dev_server: DevServer,
    temporal_client: temporalio.client.Client,
    stigmer_service: RecordingStigmerService,
    task_queue: str,
) -> None:
    handle, token = await start_pending_caller(temporal_client, stigmer_service, task_queue)
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
    worker: Worker,
    dev_server: DevServer,
    temporal_client: temporalio.client.Client,
    stigmer_service: RecordingStigmerService,
    task_queue: str,
) -> None:
    handle, _ = await start_pending_caller(temporal_client, stigmer_service, task_queue)
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
    with pytest.raises(WorkflowFailureError) as raised:
        await handle.result()
    cause = raised.value.cause.cause  # type: ignore[union-attr]
    assert isinstance(cause, ApplicationError)
    assert (cause.type, cause.message, cause.non_retryable) == (
        "MANUAL_FAILURE",
        "operator gave up",
        True,
    )


def test_complete_reports_invalid_and_empty_tokens_by_exit_code(dev_server: DevServer) -> None:
    garbage = run_cli("complete", "--address", dev_server.target, "--token", "AAECAwQFBgc=")
    assert garbage.returncode == 4
    assert "INVALID_TOKEN" in garbage.stdout
    empty = run_cli("complete", "--address", dev_server.target, "--token", "")
    assert empty.returncode == 5
    both = run_cli("complete", "--token", "AAAA", "--error", "x", "--cancel")
    assert both.returncode == 2
    assert "at most one" in both.stderr


async def test_pending_lists_owed_completions_with_their_age(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'stigmer.db'}"
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    execution = AgentExecution(spec=AgentExecutionSpec(agent_id="bot", message="m"))
    rows_to_store = (
        # (clock, encryption key, id, token); the last one sealed with a key the listing lacks.
        (lambda: two_hours_ago, None, "aex_old_0", b"\x0a\x01a"),
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
    rows = [json.loads(line) for line in listed.stdout.splitlines() if line.startswith("{")]
    assert [row["execution_id"] for row in rows] == ["aex_old_0", "aex_new", "aex_sealed"]
    assert rows[0]["age_seconds"] >= 7200
    assert rows[0]["target"] == "bot"
    assert "token_error" not in rows[0]
    assert rows[2]["token_preview"] == "<undecryptable>"
    assert "without an encryption key" in rows[2]["token_error"]

    old = run_cli("pending", "--store", url, "--older-than", "1h")
    assert old.returncode == 0, old.stderr
    assert "aex_old_0" in old.stdout
    assert "aex_new" not in old.stdout
    assert re.search(r"2h\d+m", old.stdout)


def test_demo_prints_the_whole_handshake() -> None:
    demo = run_cli("demo", timeout=180)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    steps = [
        "activity took its task token",
        "persisted the execution with the token",
        "ACK sent",
        "activity returned pending: worker slot released",
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


async def test_serve_dev_runs_everything_embedded_and_stops_on_sigterm(tmp_path: Path) -> None:
    import asyncio
    import signal

    import grpc.aio

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
        async with grpc.aio.insecure_channel(listen) as channel:
            await asyncio.wait_for(channel.channel_ready(), 90)
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
    from stigmer_sdk.service.server import ServiceSettings

    help_text = " ".join(run_cli("serve", "--help").stdout.split())
    defaults = ServiceSettings()
    for option, default in (
        ("--task-queue", defaults.service_task_queue),
        ("--agent-runner-task-queue", defaults.agent_runner_task_queue),
        ("--workflow-runner-task-queue", defaults.workflow_runner_task_queue),
    ):
        assert option in help_text
        assert f"(default {default})" in help_text
