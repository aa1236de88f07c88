"""The reference service end to end, on SQLite and on PostgreSQL, against a real dev server."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import json
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import temporalio.api.enums.v1
import temporalio.api.history.v1
import temporalio.client
from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment
from temporalio.worker import Worker

from stigmer_sdk import (
    AgentExecution,
    AgentExecutionSpec,
    ExecutionPhase,
    InvalidArgumentError,
    MessageType,
    NotFoundError,
    StigmerClient,
    WorkflowExecution,
    WorkflowExecutionSpec,
)
from stigmer_sdk.client import NO_RETRY, ClientOptions
from stigmer_sdk.converter import data_converter, from_go_json, to_go_json
from stigmer_sdk.idempotency import IDEMPOTENCY_METADATA_KEY
from stigmer_sdk.sandbox import sandboxed_workflow_runner
from stigmer_sdk.service import settlement as settlement_module
from stigmer_sdk.service.activities import EXECUTION_NOT_IN_STORE, ServiceActivities
from stigmer_sdk.service.app import StigmerService, with_settings
from stigmer_sdk.service.codec import MAX_SPEC_BYTES
from stigmer_sdk.service.executions import ExecutionUpdates, decode
from stigmer_sdk.service.invoke_workflow import ExecutionRef, FinishInput
from stigmer_sdk.service.reconciler import WORKFLOW_CLOSED_TYPE
from stigmer_sdk.service.runner import (
    RUN_FAILED_LOG,
    RUNNER_CONTRACT_DEPLOYED,
    RunContext,
    Runner,
    RunnerActivities,
    Script,
    ScriptedRunner,
)
from stigmer_sdk.service.start_invoke import workflow_id_for
from stigmer_sdk.service.store import CompletionState, ExecutionKind, open_store
from stigmer_sdk.service.temporal_workers import runner_worker
from stigmer_sdk.system_activity import COMPLETION_TRANSIENT_TYPE, SystemActivities
from stigmer_sdk.testing import CallerOptions, DevServer, find_temporal_cli

from helpers.assertions import (
    activity_failure,
    assert_activity_failed,
    assert_cancelled,
    wait_for_phase,
)
from helpers.callers import PendingCaller
from helpers.fixtures import (
    SCRIPTS,
    RunningService,
    caller_worker,
    count_rows,
    service_config,
    varint,
)
from helpers.fixtures import all_ids as _all_ids
from helpers.store import finish_completed, store_agent_execution
from helpers.workflows import InnerAgentWorkflow, WorkflowExecutionCallerWorkflow

pytestmark = pytest.mark.integration

RUNNER_ACTIVITY = "stigmer/agent-runner/run"


def _ask(agent_id: str, message: str = "what changed?") -> AgentExecution:
    return AgentExecution(spec=AgentExecutionSpec(agent_id=agent_id, message=message))


async def _stored(store_url: str, execution_id: str):  # type: ignore[no-untyped-def]
    async with await open_store(store_url) as store:
        row = await store.get(execution_id)
    assert row is not None
    return row


async def _service_activities(running: RunningService, execution_id: str) -> list[str]:
    """The activities the execution's workflow scheduled, once it ended (local ones excluded)."""
    handle = running.temporal.get_workflow_handle(
        workflow_id_for(ExecutionKind.AGENT, execution_id)
    )
    await handle.result()
    return [
        event.activity_task_scheduled_event_attributes.activity_type.name
        async for event in handle.fetch_history_events()
        if event.HasField("activity_task_scheduled_event_attributes")
    ]


async def _service_outcome(running: RunningService, execution_id: str) -> str:
    """The completion outcome the execution's workflow returned."""
    handle = running.temporal.get_workflow_handle(
        workflow_id_for(ExecutionKind.AGENT, execution_id), result_type=str
    )
    return await handle.result()


@pytest.mark.parametrize(
    ("activity_name", "encoding"),
    [("run_agent", b"binary/protobuf"), ("run_agent_undeclared", b"json/plain")],
)
async def test_the_result_comes_in_the_encoding_the_caller_declared(
    running_service: RunningService, activity_name: str, encoding: bytes
) -> None:
    # The SDK's callers declare binary/protobuf on create; a caller that declares nothing (as
    # Stigmer's own Go runner) gets json/plain in the deployed Go service's shape, which a Go
    # caller decodes into `any`. Both decode into the proto type through the SDK's converter.
    handle = await running_service.start_caller(
        _ask("quick", "which encoding?"), CallerOptions(activity=activity_name)
    )
    result = await handle.result()
    assert result.status.messages[-1].content == "quick answer to which encoding?"
    completed = [
        event.activity_task_completed_event_attributes.result.payloads[0]
        async for event in handle.fetch_history_events()
        if event.HasField("activity_task_completed_event_attributes")
    ]
    assert [payload.metadata["encoding"] for payload in completed] == [encoding]
    if encoding == b"json/plain":
        document = json.loads(completed[0].data)
        assert document == to_go_json(from_go_json(document, AgentExecution))
        assert document["status"]["phase"] == ExecutionPhase.EXECUTION_COMPLETED  # a number
        assert "callback_token" not in document["spec"]


async def test_success_resumes_the_caller_with_the_agents_result(
    running_service: RunningService,
) -> None:
    handle = await running_service.start_caller(_ask("quick", "status of order 7"))
    result = await handle.result()

    assert isinstance(result, AgentExecution)
    assert result.status.phase == ExecutionPhase.EXECUTION_COMPLETED
    replies = [m.content for m in result.status.messages if m.type == MessageType.MESSAGE_AI]
    assert replies == ["quick answer to status of order 7"]
    assert result.spec.callback_token == b""
    assert result.status.started_at
    assert result.status.completed_at
    # The caller resumes before the service records the delivery: wait for its workflow. It
    # completed the caller itself (no system activity, whose input would carry the token).
    assert await _service_activities(running_service, result.metadata.id) == [RUNNER_ACTIVITY]
    assert await _service_outcome(running_service, result.metadata.id) == "COMPLETED"
    row = await _stored(running_service.store_url, result.metadata.id)
    assert row.completion_state is CompletionState.DELIVERED
    assert row.completion_outcome == "COMPLETED"


async def test_agent_failure_reaches_the_caller_typed(
    running_service: RunningService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    handle = await running_service.start_caller(_ask("failing"))
    await assert_activity_failed(handle.result(), "AGENT_EXECUTION_FAILED", "tool quota exceeded")
    (execution_id,) = await _all_ids(running_service.store_url)
    service = running_service.temporal.get_workflow_handle(
        workflow_id_for(ExecutionKind.AGENT, execution_id)
    )
    with pytest.raises(WorkflowFailureError):  # the original error stands
        await service.result()
    execution = await running_service.stigmer.get_agent_execution(execution_id)
    assert execution.status.phase == ExecutionPhase.EXECUTION_FAILED
    assert execution.status.error == "tool quota exceeded"
    row = await _stored(running_service.store_url, execution_id)
    assert (row.completion_state, row.completion_outcome) == (
        CompletionState.DELIVERED,
        "COMPLETED",
    )
    # An expected failure: one line, and no traceback anywhere in the log.
    failed = [r for r in caplog.records if r.getMessage().startswith(RUN_FAILED_LOG)]
    assert len(failed) == 1, [r.getMessage() for r in failed]
    assert f"execution_id={execution_id}" in failed[0].getMessage()
    assert "type=AGENT_EXECUTION_FAILED" in failed[0].getMessage()
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


async def test_caller_cancellation_reaches_the_agent_and_is_reported(
    running_service: RunningService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    handle = await running_service.start_caller(
        _ask("slow"), CallerOptions(wait_for_cancellation=True)
    )
    (execution_id,) = await _pending_ids(running_service, 1)
    await wait_for_phase(
        running_service.stigmer, execution_id, ExecutionPhase.EXECUTION_IN_PROGRESS
    )

    await handle.cancel()
    await assert_cancelled(handle.result())
    assert (await handle.describe()).status == WorkflowExecutionStatus.CANCELED

    execution = await wait_for_phase(
        running_service.stigmer, execution_id, ExecutionPhase.EXECUTION_CANCELLED
    )
    assert execution.status.completed_at
    # The agent's run was cancelled, not left to finish: its activity ended as cancelled.
    service = running_service.temporal.get_workflow_handle(
        workflow_id_for(ExecutionKind.AGENT, execution_id)
    )
    await service.result()
    events = [event async for event in service.fetch_history_events()]
    assert any(e.HasField("activity_task_canceled_event_attributes") for e in events)
    caller_events = [event async for event in handle.fetch_history_events()]
    assert any(e.HasField("activity_task_canceled_event_attributes") for e in caller_events)
    row = await _stored(running_service.store_url, execution_id)
    assert row.completion_outcome == "COMPLETED"
    # An expected cancellation: no traceback anywhere in the log.
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


async def _pending_ids(running: RunningService, count: int, timeout: float = 30) -> list[str]:
    async def wait() -> list[str]:
        while True:
            async with await open_store(running.store_url) as store:
                rows = await store.list_pending()
            if len(rows) >= count:
                return [row.id for row in rows]
            await asyncio.sleep(0.1)

    return await asyncio.wait_for(wait(), timeout)


async def test_without_token_the_execution_runs_and_nothing_is_completed(
    running_service: RunningService,
) -> None:
    ack = await running_service.stigmer.create(_ask("quick", "fire and forget"))
    assert ack.metadata.id.startswith("aex_")
    assert ack.status.phase == ExecutionPhase.EXECUTION_PENDING
    done = await wait_for_phase(
        running_service.stigmer, ack.metadata.id, ExecutionPhase.EXECUTION_COMPLETED
    )
    assert done.status.messages[-1].content == "quick answer to fire and forget"
    assert await _service_outcome(running_service, ack.metadata.id) == "EMPTY_TOKEN"
    row = await _stored(running_service.store_url, ack.metadata.id)
    assert row.completion_state is CompletionState.NOT_REQUESTED
    assert row.callback_token == b""


@pytest.mark.parametrize(
    ("execution", "field"),
    [
        (AgentExecution(), "spec"),
        (AgentExecution(spec=AgentExecutionSpec(agent_id="quick")), "spec.message"),
        (
            AgentExecution(
                spec=AgentExecutionSpec(
                    agent_id="quick", message="hi", callback_token=b"\x0a\x01x" * 30000
                )
            ),
            "spec.callback_token",
        ),
        (
            AgentExecution(
                spec=AgentExecutionSpec(
                    agent_id="quick", message="hi", callback_token=b"\xff\xfe garbage"
                )
            ),
            "spec.callback_token",
        ),
    ],
    ids=["empty-spec", "missing-message", "oversize-token", "garbage-token"],
)
async def test_bad_create_is_invalid_argument_and_nothing_is_persisted(
    running_service: RunningService, execution: AgentExecution, field: str
) -> None:
    with pytest.raises(InvalidArgumentError) as raised:
        await running_service.stigmer.create(execution)
    assert field in [violation.field for violation in raised.value.field_violations]
    assert await count_rows(running_service.store_url) == 0
    started = [
        w
        async for w in running_service.temporal.list_workflows(
            f"TaskQueue = '{running_service.service.config.settings.service_task_queue}'"
        )
    ]
    assert started == []


async def test_unknown_agent_is_not_found(running_service: RunningService) -> None:
    with pytest.raises(NotFoundError, match="agent 'nobody' not found"):
        await running_service.stigmer.create(_ask("nobody"))
    assert await count_rows(running_service.store_url) == 0


async def test_repeated_idempotency_key_keeps_one_execution_and_the_newest_token(
    running_service: RunningService,
) -> None:
    key = f"v1:{uuid.uuid4().hex}"
    first_token = b"\x0a\x02ns\x12\x02wf\x28\x01"  # attempt 1 of one activity
    second_token = b"\x0a\x02ns\x12\x02wf\x28\x02"  # its attempt 2
    first = await running_service.stigmer.create(
        AgentExecution(
            spec=AgentExecutionSpec(agent_id="slow", message="m", callback_token=first_token)
        ),
        idempotency_key=key,
    )
    second = await running_service.stigmer.create(
        AgentExecution(
            spec=AgentExecutionSpec(agent_id="slow", message="m", callback_token=second_token)
        ),
        idempotency_key=key,
    )
    assert first.metadata.id == second.metadata.id
    assert await count_rows(running_service.store_url) == 1
    row = await _stored(running_service.store_url, first.metadata.id)
    assert row.callback_token == second_token
    assert row.idempotency_key == key
    await running_service.temporal.get_workflow_handle(
        workflow_id_for(ExecutionKind.AGENT, first.metadata.id)
    ).terminate("test over")


async def test_ack_and_queries_never_echo_the_token(running_service: RunningService) -> None:
    token = b"\x0a\x05hello"
    ack = await running_service.stigmer.create(
        AgentExecution(spec=AgentExecutionSpec(agent_id="quick", message="m", callback_token=token))
    )
    assert ack.spec.callback_token == b""
    fetched = await running_service.stigmer.get_agent_execution(ack.metadata.id)
    assert fetched.spec.callback_token == b""
    updates = [u async for u in running_service.stigmer.subscribe_agent_execution(ack.metadata.id)]
    assert updates[-1].status.phase in (
        ExecutionPhase.EXECUTION_COMPLETED,
        ExecutionPhase.EXECUTION_FAILED,
    )
    assert all(u.spec.callback_token == b"" for u in updates)


async def test_idempotency_metadata_is_what_the_sdk_sends(running_service: RunningService) -> None:
    # The service reads the key from gRPC metadata; a bare client can send it too.
    async with await StigmerClient.connect(
        running_service.service.target,
        ClientOptions(retry=NO_RETRY, metadata={IDEMPOTENCY_METADATA_KEY: "v1:from-metadata"}),
    ) as client:
        ack = await client.create(_ask("quick"))
    row = await _stored(running_service.store_url, ack.metadata.id)
    assert row.idempotency_key == "v1:from-metadata"


async def test_workflow_execution_kind_runs_the_same_handshake(
    running_service: RunningService,
) -> None:
    request = WorkflowExecution(
        spec=WorkflowExecutionSpec(workflow_id="quick", trigger_message="nightly report")
    )
    result = await running_service.temporal.execute_workflow(
        WorkflowExecutionCallerWorkflow.run,
        request,
        id=f"wf-caller-{uuid.uuid4()}",
        task_queue=running_service.caller_queue,
    )
    assert isinstance(result, WorkflowExecution)
    assert result.metadata.id.startswith("wex_")
    assert result.status.phase == ExecutionPhase.EXECUTION_COMPLETED
    assert result.status.output.fields["reply"].string_value == "quick answer to nightly report"
    assert result.spec.callback_token == b""
    handle = running_service.temporal.get_workflow_handle(
        workflow_id_for(ExecutionKind.WORKFLOW, result.metadata.id)
    )
    await handle.result()
    row = await _stored(running_service.store_url, result.metadata.id)
    assert (row.kind, row.completion_outcome) == (ExecutionKind.WORKFLOW, "COMPLETED")


async def test_workflow_execution_needs_a_workflow(running_service: RunningService) -> None:
    with pytest.raises(InvalidArgumentError) as raised:
        await running_service.stigmer.create(
            WorkflowExecution(spec=WorkflowExecutionSpec(trigger_message="go"))
        )
    assert [(v.field, v.description) for v in raised.value.field_violations] == [
        ("spec", "either workflow_id or workflow_instance_id must be set")
    ]
    with pytest.raises(NotFoundError, match="workflow 'nope' not found"):
        await running_service.stigmer.create(
            WorkflowExecution(spec=WorkflowExecutionSpec(workflow_id="nope"))
        )


@pytest.mark.parametrize("agent", ["quick", "failing"])
async def test_a_retry_after_delivery_gets_the_outcome_redelivered(
    running_service: RunningService, agent: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Attempt 1 dies right after create; the agent ends and its delivery finds attempt 1 gone.
    # Attempt 2 (5 s later, same idempotency key) must get the same outcome, not hang.
    caplog.set_level(logging.INFO, logger="stigmer_sdk.service")
    handle = await running_service.start_caller(
        _ask(agent, "retry me"),
        CallerOptions(
            activity="run_agent_crash_after_create",
            maximum_attempts=2,
            retry_interval_seconds=5,
            start_to_close_seconds=20,
        ),
    )
    if agent == "quick":
        result = await handle.result()
        assert result.status.phase == ExecutionPhase.EXECUTION_COMPLETED
        assert result.status.messages[-1].content == "quick answer to retry me"
    else:
        await assert_activity_failed(
            handle.result(), "AGENT_EXECUTION_FAILED", "tool quota exceeded"
        )
    (execution_id,) = await _all_ids(running_service.store_url)  # one execution, not two

    async def redelivered() -> None:
        # Logged once the outcome is recorded, which may be just after the caller resumed.
        while not any(
            "Redelivered the outcome to a retried caller" in r.getMessage() for r in caplog.records
        ):
            await asyncio.sleep(0.05)

    await asyncio.wait_for(redelivered(), 10)
    row = await _stored(running_service.store_url, execution_id)
    assert row.completion_outcome == "COMPLETED"


@pytest.mark.parametrize("activity_name", ["begin", "finish"])
async def test_an_execution_missing_from_the_store_fails_its_activity_typed_and_retryable(
    activity_name: str, temporal_client: temporalio.client.Client, tmp_path: Path
) -> None:
    ref = ExecutionRef(kind=ExecutionKind.AGENT.value, execution_id="aex_not_here")
    arguments: dict[str, list[object]] = {
        "begin": [ref],
        "finish": [
            FinishInput(ref.kind, ref.execution_id, ExecutionPhase.EXECUTION_COMPLETED),
            b"",
        ],
    }
    async with await open_store(f"sqlite:///{tmp_path / 'stigmer.db'}") as store:
        activities = ServiceActivities(store, ExecutionUpdates(store), temporal_client)
        environment = ActivityEnvironment()
        environment.info = dataclasses.replace(environment.info, task_queue="svc-shared")
        with pytest.raises(ApplicationError) as raised:
            await environment.run(getattr(activities, activity_name), *arguments[activity_name])
    assert raised.value.type == "ExecutionNotInStore" == EXECUTION_NOT_IN_STORE
    assert not raised.value.non_retryable
    assert "aex_not_here" in str(raised.value)
    assert "'svc-shared'" in str(raised.value)


async def test_a_token_replaced_while_the_old_one_was_completed_is_completed_too(
    temporal_client: temporalio.client.Client,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pending_caller: PendingCaller,
) -> None:
    """The window between the finish step reading the token and recording the outcome: a
    retried caller's create replaced the token; the finish step completes the new one too."""
    handle, retried_token = pending_caller
    running = _ask("researcher")
    running.metadata.id = "aex_window"
    running.status.phase = ExecutionPhase.EXECUTION_IN_PROGRESS
    result = AgentExecution()
    result.CopyFrom(running)
    result.status.messages.add(type=MessageType.MESSAGE_AI, content="the answer")
    async with await open_store(f"sqlite:///{tmp_path / 'stigmer.db'}") as store:
        # The first attempt's token: the same activity, an attempt Temporal no longer runs.
        first_token = retried_token + b"\x28\x63"  # attempt = 99 (the last field wins)
        await store_agent_execution(store, "aex_window", running, first_token, "v1:window")
        real_deliver = settlement_module.deliver_final_outcome

        async def deliver_while_retried(client: temporalio.client.Client, row: object) -> object:
            # The retried caller's create lands while the first token is being completed.
            await store_agent_execution(store, "aex_unused", running, retried_token, "v1:window")
            monkeypatch.setattr(settlement_module, "deliver_final_outcome", real_deliver)
            return await real_deliver(client, row)  # type: ignore[arg-type]

        monkeypatch.setattr(settlement_module, "deliver_final_outcome", deliver_while_retried)
        activities = ServiceActivities(store, ExecutionUpdates(store), temporal_client)
        outcome = await ActivityEnvironment().run(
            activities.finish,
            FinishInput(
                ExecutionKind.AGENT.value, "aex_window", ExecutionPhase.EXECUTION_COMPLETED
            ),
            result.SerializeToString(deterministic=True),
        )
        row = await store.get("aex_window")
    assert outcome in ("ALREADY_COMPLETED", "INVALID_TOKEN")  # the first attempt's token
    delivered = await asyncio.wait_for(handle.result(), 30)
    assert delivered.metadata.id == "aex_window"
    assert delivered.status.phase == ExecutionPhase.EXECUTION_COMPLETED
    assert delivered.status.messages[-1].content == "the answer"
    assert row is not None
    assert row.completion_state is CompletionState.DELIVERED
    assert row.completion_outcome == "COMPLETED"


async def test_a_token_that_cannot_be_reached_yet_stays_owed(tmp_path: Path) -> None:
    async with DevServer() as gone:
        unreachable = await temporalio.client.Client.connect(gone.target)
    running = _ask("researcher")
    running.status.phase = ExecutionPhase.EXECUTION_IN_PROGRESS
    async with await open_store(f"sqlite:///{tmp_path / 'stigmer.db'}") as store:
        for token in (b"first attempt", b"retried attempt"):
            row, _ = await store_agent_execution(
                store, "aex_unreachable", running, token, "v1:unreachable"
            )
        activities = ServiceActivities(store, ExecutionUpdates(store), unreachable)
        with pytest.raises(ApplicationError) as raised:
            await finish_completed(activities, row.id)
        owed = await store.get(row.id)
    assert raised.value.type == COMPLETION_TRANSIENT_TYPE
    assert not raised.value.non_retryable
    assert owed is not None
    assert owed.completion_state is CompletionState.PENDING
    assert owed.callback_token == b"retried attempt"


# --- The leaner, token-free, binary workflow (issues 10.4, 11.2-11.5, 11.7, 15.3) -------------


@contextlib.asynccontextmanager
async def _own_service(
    dev_server: DevServer,
    temporal_client: temporalio.client.Client,
    store_url: str,
    runner: Runner | None = None,
    *,
    builtin_runner: bool = True,
    **settings: object,
) -> AsyncIterator[RunningService]:
    """A service with ``runner`` (the scripted agents by default) and settings of its own, and
    a caller worker."""
    runner = ScriptedRunner(SCRIPTS) if runner is None else runner
    suffix = uuid.uuid4().hex[:8]
    config = with_settings(service_config(dev_server, store_url, suffix), **settings)
    config = dataclasses.replace(config, builtin_runner=builtin_runner)
    async with StigmerService(config, runner=runner) as service:
        stigmer = await StigmerClient.connect(service.target, ClientOptions(retry=NO_RETRY))
        caller_queue = f"caller-{suffix}"
        async with caller_worker(temporal_client, stigmer, caller_queue):
            yield RunningService(service, stigmer, temporal_client, caller_queue, store_url)
        await stigmer.close()


class _RecordingStore:
    """Wraps a service's store: keeps the tokens it is given and counts its writes."""

    WRITES = ("create", "update_execution", "mark_completion", "finish")

    def __init__(self, service: StigmerService) -> None:
        self.tokens: list[bytes] = []
        self.writes: list[str] = []
        store = service.store
        assert store is not None
        for name in self.WRITES:
            original = getattr(store, name, None)
            if original is not None:
                setattr(store, name, self._wrap(name, original))

    def _wrap(self, name: str, original: Any) -> Any:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.writes.append(name)
            if name == "create" and kwargs.get("callback_token"):
                self.tokens.append(kwargs["callback_token"])
            return await original(*args, **kwargs)

        return wrapper


def _token_forms(token: bytes) -> list[bytes]:
    """What would betray ``token`` in a dump: a raw slice, and its Base64 at every alignment.

    Forms skip the first 15 bytes (the 20 Base64 characters of the loggable preview) and keep
    the rest whole: a token's fields (namespace, workflow and run ids) appear in any history by
    themselves, their encoding side by side does not.
    """
    body = token[15:]
    forms = [body]
    for shift in range(3):
        chunk = body[shift:]
        chunk = chunk[: len(chunk) - len(chunk) % 3]
        forms.append(base64.b64encode(chunk))
        forms.append(base64.urlsafe_b64encode(chunk))
    return forms


def _found(tokens: list[bytes], dump: bytes) -> list[int]:
    return [i for i, token in enumerate(tokens) if any(f in dump for f in _token_forms(token))]


async def _id_of(running: RunningService, agent_id: str) -> str:
    """The id of the (one) stored execution of ``agent_id``, once it is stored."""

    async def wait() -> str:
        while True:
            async with await open_store(running.store_url) as store:
                for execution_id in await _all_ids(running.store_url):
                    row = await store.get(execution_id)
                    execution = decode(row) if row is not None else None
                    asked = execution.spec.agent_id if isinstance(execution, AgentExecution) else ""
                    if asked == agent_id:
                        return execution_id
            await asyncio.sleep(0.1)

    return await asyncio.wait_for(wait(), 30)


async def _show_all(client: temporalio.client.Client, target: str) -> bytes:
    """``temporal workflow show --output json`` of every workflow in the namespace."""
    shown = []
    async for execution in client.list_workflows():
        process = await asyncio.create_subprocess_exec(
            find_temporal_cli(),
            "workflow",
            "show",
            "--address",
            target,
            "--workflow-id",
            execution.id,
            "--output",
            "json",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        assert process.returncode == 0, output.decode(errors="replace")
        shown.append(output)
    return b"\n".join(shown)


async def test_no_token_in_temporal_history_or_its_database(tmp_path: Path) -> None:
    database = tmp_path / "temporal.db"
    control_token = b"\x0a\x24" + uuid.uuid4().bytes * 4 + b"control token carried by a workflow"
    async with DevServer(db_filename=database) as server:
        client = await temporalio.client.Client.connect(
            server.target, data_converter=data_converter
        )
        store_url = f"sqlite:///{tmp_path / 'stigmer.db'}"
        async with _own_service(server, client, store_url) as running:
            recorder = _RecordingStore(running.service)
            done = await running.start_caller(_ask("quick"))
            failed = await running.start_caller(_ask("failing"))
            cancelled = await running.start_caller(
                _ask("slow"), CallerOptions(wait_for_cancellation=True)
            )
            await done.result()
            with pytest.raises(WorkflowFailureError):
                await failed.result()
            await wait_for_phase(
                running.stigmer, await _id_of(running, "slow"), ExecutionPhase.EXECUTION_IN_PROGRESS
            )
            await cancelled.cancel()
            with pytest.raises(WorkflowFailureError):
                await cancelled.result()
            for execution_id in await _all_ids(store_url):
                with contextlib.suppress(WorkflowFailureError):
                    await client.get_workflow_handle(
                        workflow_id_for(ExecutionKind.AGENT, execution_id)
                    ).result()
            # The positive control: a workflow that hands a token to the system activity.
            async with Worker(
                client,
                task_queue="control",
                workflows=[InnerAgentWorkflow],
                activities=SystemActivities(client).activities(),
                workflow_runner=sandboxed_workflow_runner(),
            ):
                # Its made-up token cannot be completed: the workflow fails, after the activity.
                with contextlib.suppress(WorkflowFailureError):
                    await client.execute_workflow(
                        InnerAgentWorkflow.run,
                        args=[_ask("quick"), control_token],
                        id="control",
                        task_queue="control",
                    )
        shown = await _show_all(client, server.target)
    dumped = b"".join(path.read_bytes() for path in tmp_path.glob("temporal.db*") if path.is_file())
    assert len(recorder.tokens) == 3
    assert _found([control_token], shown) == [0]
    assert _found([control_token], dumped) == [0]
    assert _found(recorder.tokens, shown) == []
    assert _found(recorder.tokens, dumped) == []


async def test_a_spec_at_the_size_limit_completes_with_binary_payloads(
    running_service: RunningService,
) -> None:
    request = _ask("quick", "")
    overhead = len(request.spec.SerializeToString()) + 4  # the message field's tag and length
    request.spec.message = "x" * (MAX_SPEC_BYTES - overhead)
    assert len(request.spec.SerializeToString()) == MAX_SPEC_BYTES
    handle = await running_service.start_caller(request)
    result = await asyncio.wait_for(handle.result(), 120)
    assert result.status.phase == ExecutionPhase.EXECUTION_COMPLETED
    assert len(result.spec.message) == len(request.spec.message)

    service = running_service.temporal.get_workflow_handle(
        workflow_id_for(ExecutionKind.AGENT, result.metadata.id)
    )
    await service.result()
    payloads: list[Any] = []
    async for event in service.fetch_history_events():
        _collect_payloads(event, payloads)
    encodings = {payload.metadata["encoding"] for payload in payloads}
    assert encodings <= {b"binary/plain", b"binary/protobuf", b"json/plain"}, encodings
    # JSON only for the small records (workflow input, finish input): never a byte list.
    assert all(
        len(payload.data) < 1024
        for payload in payloads
        if payload.metadata["encoding"] == b"json/plain"
    )
    assert max(len(payload.data) for payload in payloads) < 2 * MAX_SPEC_BYTES


def _collect_payloads(message: Any, into: list[Any]) -> None:
    """Every ``temporal.api.common.v1.Payload`` inside a history event."""
    if message.DESCRIPTOR.full_name == "temporal.api.common.v1.Payload":
        into.append(message)
        return
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if hasattr(value, "DESCRIPTOR"):
            _collect_payloads(value, into)
            continue
        for item in value.values() if hasattr(value, "values") else value:  # repeated, or a map
            if hasattr(item, "DESCRIPTOR"):
                _collect_payloads(item, into)


def _fake_token(size: int) -> bytes:
    """Protobuf wire format (so ``create`` accepts it) that no Temporal server issued."""
    header = b"\x12" + varint(size - 4)
    assert len(header) == 4
    return header + b"w" * (size - 4)


@pytest.mark.parametrize("agent", ["quick", "failing"])
async def test_an_undeliverable_token_ends_recorded_never_pending(
    running_service: RunningService, agent: str
) -> None:
    token = _fake_token(64 * 1024)
    ack = await running_service.stigmer.create(
        AgentExecution(spec=AgentExecutionSpec(agent_id=agent, message="m", callback_token=token))
    )
    handle = running_service.temporal.get_workflow_handle(
        workflow_id_for(ExecutionKind.AGENT, ack.metadata.id), result_type=str
    )
    if agent == "quick":
        assert await handle.result() in ("INVALID_TOKEN", "ALREADY_COMPLETED")
    else:
        with pytest.raises(WorkflowFailureError):
            await handle.result()
    row = await _stored(running_service.store_url, ack.metadata.id)
    assert row.completion_state is CompletionState.DELIVERED
    assert row.completion_outcome in ("INVALID_TOKEN", "ALREADY_COMPLETED")
    async with await open_store(running_service.store_url) as store:
        assert [r.id for r in await store.list_pending()] == []


def _instant_runner() -> ScriptedRunner:
    """A runner whose one agent, ``instant``, answers at once."""
    return ScriptedRunner({"instant": Script(duration=timedelta(0), progress=())})


async def _instant_invoke_history(
    running: RunningService,
) -> list[temporalio.api.history.v1.HistoryEvent]:
    """The invoke workflow's history of one handshake with the ``instant`` agent."""
    result = await (await running.start_caller(_ask("instant"))).result()
    handle = running.temporal.get_workflow_handle(
        workflow_id_for(ExecutionKind.AGENT, result.metadata.id)
    )
    await handle.result()
    return [event async for event in handle.fetch_history_events()]


async def test_a_handshake_is_lean_two_local_activities_no_timer_three_writes(
    dev_server: DevServer, temporal_client: temporalio.client.Client, store_url: str
) -> None:
    async with _own_service(dev_server, temporal_client, store_url, _instant_runner()) as running:
        recorder = _RecordingStore(running.service)
        events = await _instant_invoke_history(running)
    kinds = [temporalio.api.enums.v1.EventType.Name(event.event_type) for event in events]
    assert "EVENT_TYPE_TIMER_STARTED" not in kinds
    assert kinds.count("EVENT_TYPE_MARKER_RECORDED") == 2  # begin, finish
    assert kinds.count("EVENT_TYPE_ACTIVITY_TASK_SCHEDULED") == 1  # the run
    assert len(events) <= 13, kinds  # 23 before: 4 local activities and a timer
    assert len(recorder.writes) <= 3, recorder.writes


# The fast path (docs/performance.md): a zero-length handshake is mostly dispatch, so the service
# starts its invoke workflow eagerly and serves the built-in runner on its own task queue.


async def _invoke_history(
    dev_server: DevServer,
    temporal_client: temporalio.client.Client,
    store_url: str,
    **settings: object,
) -> tuple[str, list[temporalio.api.history.v1.HistoryEvent]]:
    """(the service's task queue, the invoke workflow's history) of one instant handshake."""
    async with _own_service(
        dev_server, temporal_client, store_url, _instant_runner(), **settings
    ) as running:
        events = await _instant_invoke_history(running)
        return running.service.config.settings.service_task_queue, events


def _first(
    events: list[temporalio.api.history.v1.HistoryEvent],
    kind: temporalio.api.enums.v1.EventType.ValueType,
) -> temporalio.api.history.v1.HistoryEvent:
    return next(event for event in events if event.event_type == kind)


async def test_the_invoke_workflow_starts_eagerly_and_its_run_is_on_the_service_queue(
    dev_server: DevServer, temporal_client: temporalio.client.Client, store_url: str
) -> None:
    service_queue, events = await _invoke_history(dev_server, temporal_client, store_url)
    started = _first(
        events, temporalio.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
    )
    assert started.workflow_execution_started_event_attributes.eager_execution_accepted
    # On the workflow's own queue, with a free slot, Temporal hands the run back in the workflow
    # task's completion (eager activity dispatch); on another queue it never can.
    run = _first(events, temporalio.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    assert run.activity_task_scheduled_event_attributes.task_queue.name == service_queue


async def test_without_colocation_the_run_goes_to_the_runner_queue(
    dev_server: DevServer, temporal_client: temporalio.client.Client, store_url: str
) -> None:
    service_queue, events = await _invoke_history(
        dev_server, temporal_client, store_url, colocate_builtin_runner=False
    )
    run = _first(events, temporalio.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    queue = run.activity_task_scheduled_event_attributes.task_queue.name
    assert queue != service_queue
    assert queue.startswith("agent-runner-")


async def test_only_a_create_that_is_alone_starts_its_workflow_eagerly(
    running_service: RunningService, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stigmer_sdk.service import instance as server_module

    requested: list[bool] = []
    real_start = server_module.start_invoke

    async def slow_start(*args: Any, eager: bool, **kwargs: Any) -> bool:
        requested.append(eager)
        await asyncio.sleep(0.3)  # the second create arrives while this one is in flight
        return await real_start(*args, eager=eager, **kwargs)

    monkeypatch.setattr(server_module, "start_invoke", slow_start)
    first = asyncio.create_task(running_service.stigmer.create(_ask("quick", "first")))
    while not requested:
        await asyncio.sleep(0.01)
    await running_service.stigmer.create(_ask("quick", "second"))
    await first
    await asyncio.sleep(2 * server_module.EAGER_START_QUIET_SECONDS)
    await running_service.stigmer.create(_ask("quick", "after a quiet spell"))
    assert requested == [True, False, True]


class _StubbornRunner(ScriptedRunner):
    """Finishes its run whatever happens: a cancel request does not stop it."""

    async def run_agent(self, execution: AgentExecution, progress: RunContext) -> AgentExecution:
        await progress("ignoring cancellation")
        for _ in range(30):
            try:
                await asyncio.sleep(0.1)
            except asyncio.CancelledError:
                break  # noticed, and finishes anyway, with a result
        result = AgentExecution()
        result.CopyFrom(execution)
        result.status.phase = ExecutionPhase.EXECUTION_COMPLETED
        result.status.messages.add(type=MessageType.MESSAGE_AI, content="a late answer")
        return result


async def test_a_result_after_the_cancel_request_reaches_the_caller_as_a_cancellation(
    dev_server: DevServer, temporal_client: temporalio.client.Client, store_url: str
) -> None:
    runner = _StubbornRunner({"stubborn": Script()})
    async with _own_service(dev_server, temporal_client, store_url, runner) as running:
        handle = await running.start_caller(
            _ask("stubborn"), CallerOptions(wait_for_cancellation=True)
        )
        (execution_id,) = await _pending_ids(running, 1)
        await wait_for_phase(running.stigmer, execution_id, ExecutionPhase.EXECUTION_IN_PROGRESS)
        await handle.cancel()
        await assert_cancelled(handle.result())
        execution = await wait_for_phase(
            running.stigmer, execution_id, ExecutionPhase.EXECUTION_CANCELLED
        )
    assert execution.status.phase == ExecutionPhase.EXECUTION_CANCELLED


async def test_the_runner_resumes_from_its_last_checkpoint() -> None:
    runner = ScriptedRunner(
        {"steps": Script(duration=timedelta(milliseconds=40), progress=("a", "b", "c", "d"))}
    )
    activities = RunnerActivities(runner)
    heartbeats: list[tuple[Any, ...]] = []
    environment = ActivityEnvironment()
    environment.on_heartbeat = lambda *details: heartbeats.append(details)
    request = _ask("steps")
    request.metadata.id = "aex_resume"

    first = await environment.run(activities.run_agent, request)
    assert first.status.messages[-1].content == "Done: what changed?"
    assert (b"scripted-step:4",) in heartbeats
    assert (runner.runs, runner.resumed) == ({"aex_resume": 1}, {})

    # A second attempt after a crash at step 3: it starts there.
    environment.info = dataclasses.replace(
        environment.info, attempt=2, heartbeat_details=[b"scripted-step:3"]
    )
    notes: list[str] = []

    async def record(execution_id: str, note: str) -> None:
        notes.append(note)

    resumed = await environment.run(RunnerActivities(runner, on_progress=record).run_agent, request)
    assert resumed.status.phase == ExecutionPhase.EXECUTION_COMPLETED
    assert notes == ["d"]
    assert (runner.runs, runner.resumed) == ({"aex_resume": 2}, {"aex_resume": 1})


async def test_the_deployed_runner_contract_runs_the_agent(
    dev_server: DevServer, temporal_client: temporalio.client.Client, store_url: str
) -> None:
    async with _own_service(
        dev_server,
        temporal_client,
        store_url,
        runner_contract=RUNNER_CONTRACT_DEPLOYED,
    ) as running:
        result = await (await running.start_caller(_ask("quick", "deployed"))).result()
        service = temporal_client.get_workflow_handle(
            workflow_id_for(ExecutionKind.AGENT, result.metadata.id)
        )
        await service.result()
        scheduled = [
            event.activity_task_scheduled_event_attributes
            async for event in service.fetch_history_events()
            if event.HasField("activity_task_scheduled_event_attributes")
        ]
    assert result.status.phase == ExecutionPhase.EXECUTION_COMPLETED
    assert result.status.messages[-1].content == "quick answer to deployed"
    assert [s.activity_type.name for s in scheduled] == ["EnsureThread", "ExecuteGraphton"]
    assert {s.task_queue.name for s in scheduled} == {
        running.service.config.settings.agent_runner_task_queue
    }
    ensure, execute = scheduled
    assert [p.metadata["encoding"] for p in ensure.input.payloads] == [b"json/plain"] * 2
    assert [p.metadata["encoding"] for p in execute.input.payloads] == [
        b"json/protobuf",
        b"json/plain",
    ]


async def test_the_reconciler_starts_the_workflow_of_a_row_that_never_got_one(
    temporal_client: temporalio.client.Client,
    dev_server: DevServer,
    store_url: str,
    pending_caller: PendingCaller,
) -> None:
    """``create`` persisted the execution, then died (or Temporal was down) before starting its
    workflow; the caller is pending. The next service to start runs it and completes the caller."""
    handle, token = pending_caller
    orphan = _ask("quick", "left behind")
    orphan.metadata.id = f"aex_{uuid.uuid4().hex}"
    orphan.status.phase = ExecutionPhase.EXECUTION_PENDING
    async with await open_store(store_url) as store:
        await store_agent_execution(store, orphan.metadata.id, orphan, token)
    async with _own_service(
        dev_server,
        temporal_client,
        store_url,
        reconcile_older_than=timedelta(0),
    ):
        result = await asyncio.wait_for(handle.result(), 60)
        await temporal_client.get_workflow_handle(
            workflow_id_for(ExecutionKind.AGENT, orphan.metadata.id)
        ).result()
    assert result.metadata.id == orphan.metadata.id
    assert result.status.messages[-1].content == "quick answer to left behind"
    row = await _stored(store_url, orphan.metadata.id)
    assert (row.completion_state, row.completion_outcome) == (
        CompletionState.DELIVERED,
        "COMPLETED",
    )


async def test_a_terminated_workflow_still_ends_its_caller_typed_and_recorded(
    dev_server: DevServer, temporal_client: temporalio.client.Client, store_url: str
) -> None:
    async with _own_service(
        dev_server,
        temporal_client,
        store_url,
        reconcile_interval=timedelta(milliseconds=500),
    ) as running:
        handle = await running.start_caller(_ask("slow"))
        (execution_id,) = await _pending_ids(running, 1)
        await wait_for_phase(running.stigmer, execution_id, ExecutionPhase.EXECUTION_IN_PROGRESS)
        await temporal_client.get_workflow_handle(
            workflow_id_for(ExecutionKind.AGENT, execution_id)
        ).terminate("an operator's mistake")
        with pytest.raises(WorkflowFailureError) as raised:
            await asyncio.wait_for(handle.result(), 60)
        # The caller resumes a moment before the outcome is recorded.
        execution = await wait_for_phase(
            running.stigmer, execution_id, ExecutionPhase.EXECUTION_FAILED
        )
    cause = raised.value.cause.cause  # type: ignore[union-attr]
    assert isinstance(cause, ApplicationError)
    assert (cause.type, cause.non_retryable) == (WORKFLOW_CLOSED_TYPE, True)
    assert "TERMINATED" in cause.message
    assert execution.status.phase == ExecutionPhase.EXECUTION_FAILED
    row = await _stored(store_url, execution_id)
    assert row.completion_state is CompletionState.DELIVERED
    assert row.completion_outcome == "COMPLETED"


@pytest.mark.parametrize(("maximum_attempts", "runs"), [(2, 2), (0, 4)])
async def test_runner_attempts_are_configurable_and_unbounded_by_default(
    dev_server: DevServer,
    temporal_client: temporalio.client.Client,
    tmp_path: Path,
    maximum_attempts: int,
    runs: int,
) -> None:
    """A run failing retryably is retried with backoff: ``maximum_attempts`` times, or (0, the
    default) until the deadline; here the agent succeeds at its fourth attempt."""
    runner = _FlakyRunner({"flaky": Script(duration=timedelta(0), progress=())})
    async with _own_service(
        dev_server,
        temporal_client,
        f"sqlite:///{tmp_path / 'stigmer.db'}",
        runner,
        runner_maximum_attempts=maximum_attempts,
        runner_retry_initial_interval=timedelta(milliseconds=100),
        runner_retry_maximum_interval=timedelta(milliseconds=100),
    ) as running:
        handle = await running.start_caller(_ask("flaky"))
        if maximum_attempts == 2:
            cause = await activity_failure(handle.result())
            assert cause.message == "not yet"
        else:
            result = await handle.result()
            assert result.status.messages[-1].content == "Done: what changed?"
    assert list(runner.runs.values()) == [runs]


class _FlakyRunner(ScriptedRunner):
    """Fails retryably three times per execution, then plays its script."""

    async def run_agent(self, execution: AgentExecution, progress: RunContext) -> AgentExecution:
        if self.runs.get(progress.execution_id, 0) < 3:
            self.runs[progress.execution_id] = self.runs.get(progress.execution_id, 0) + 1
            raise ApplicationError("not yet", type="AGENT_BUSY")
        return await super().run_agent(execution, progress)


async def test_the_scripted_runner_stands_in_for_a_deployed_services_runner(
    dev_server: DevServer, temporal_client: temporalio.client.Client, tmp_path: Path
) -> None:
    async with _own_service(
        dev_server,
        temporal_client,
        f"sqlite:///{tmp_path / 'stigmer.db'}",
        ScriptedRunner(SCRIPTS),
        builtin_runner=False,
        runner_contract=RUNNER_CONTRACT_DEPLOYED,
    ) as running:
        stand_in = runner_worker(
            temporal_client,
            running.service.config.settings.agent_runner_task_queue,
            RunnerActivities(ScriptedRunner(SCRIPTS)).deployed_activities(),
        )
        async with stand_in:
            result = await (await running.start_caller(_ask("quick", "stand-in"))).result()
    assert result.status.phase == ExecutionPhase.EXECUTION_COMPLETED
    assert result.status.messages[-1].content == "quick answer to stand-in"
