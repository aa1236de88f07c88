"""The reference service end to end, on SQLite and on PostgreSQL, against a real dev server."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from pathlib import Path

import pytest
import temporalio.client
from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError
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
from stigmer_sdk.idempotency import IDEMPOTENCY_METADATA_KEY
from stigmer_sdk.service import activities as activities_module
from stigmer_sdk.service.activities import (
    EXECUTION_NOT_IN_STORE,
    ExecutionUpdates,
    ServiceActivities,
)
from stigmer_sdk.service.server import workflow_id_for
from stigmer_sdk.service.store import CompletionState, ExecutionKind, open_store
from stigmer_sdk.service.workflows import PHASE_COMPLETED, ExecutionRef, FinishInput
from stigmer_sdk.system import COMPLETION_TRANSIENT_TYPE
from stigmer_sdk.testing import DevServer

from recording_service import RecordingStigmerService, start_pending_caller
from service_fixtures import RunningService, count_rows
from service_fixtures import all_ids as _all_ids
from workflows import CallerOptions, WorkflowExecutionCallerWorkflow

pytestmark = pytest.mark.integration

RUNNER_ACTIVITY = "stigmer/agent-runner/run"


def _ask(agent_id: str, message: str = "what changed?") -> AgentExecution:
    return AgentExecution(spec=AgentExecutionSpec(agent_id=agent_id, message=message))


async def _stored(store_url: str, execution_id: str):  # type: ignore[no-untyped-def]
    async with await open_store(store_url) as store:
        row = await store.get(execution_id)
    assert row is not None
    return row


async def _wait_for_phase(
    client: StigmerClient, execution_id: str, phase: int, timeout: float = 60
) -> AgentExecution:
    async def wait() -> AgentExecution:
        while True:
            execution = await client.get_agent_execution(execution_id)
            if execution.status.phase == phase:
                return execution
            await asyncio.sleep(0.1)

    return await asyncio.wait_for(wait(), timeout)


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


async def test_agent_failure_reaches_the_caller_typed(running_service: RunningService) -> None:
    handle = await running_service.start_caller(_ask("failing"))
    with pytest.raises(WorkflowFailureError) as raised:
        await handle.result()
    activity_error = raised.value.cause
    assert isinstance(activity_error, ActivityError)
    cause = activity_error.cause
    assert isinstance(cause, ApplicationError)
    assert (cause.type, cause.message, cause.non_retryable) == (
        "AGENT_EXECUTION_FAILED",
        "tool quota exceeded",
        True,
    )
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


async def test_caller_cancellation_reaches_the_agent_and_is_reported(
    running_service: RunningService,
) -> None:
    handle = await running_service.start_caller(
        _ask("slow"), CallerOptions(wait_for_cancellation=True)
    )
    (execution_id,) = await _pending_ids(running_service, 1)
    await _wait_for_phase(
        running_service.stigmer, execution_id, ExecutionPhase.EXECUTION_IN_PROGRESS
    )

    await handle.cancel()
    with pytest.raises(WorkflowFailureError) as raised:
        await handle.result()
    assert isinstance(raised.value.cause, CancelledError)
    assert (await handle.describe()).status == WorkflowExecutionStatus.CANCELED

    execution = await _wait_for_phase(
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
    done = await _wait_for_phase(
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
    first_token = b"\x0a\x03one"
    second_token = b"\x0a\x03two"
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
    assert [v.field for v in raised.value.field_violations] == ["spec.workflow_id"]
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
        with pytest.raises(WorkflowFailureError) as raised:
            await handle.result()
        cause = raised.value.cause.cause  # type: ignore[union-attr]
        assert isinstance(cause, ApplicationError)
        assert (cause.type, cause.message, cause.non_retryable) == (
            "AGENT_EXECUTION_FAILED",
            "tool quota exceeded",
            True,
        )
    (execution_id,) = await _all_ids(running_service.store_url)  # one execution, not two
    assert any(
        "Redelivered the outcome to a retried caller" in r.getMessage() for r in caplog.records
    )
    row = await _stored(running_service.store_url, execution_id)
    assert row.completion_outcome == "COMPLETED"


@pytest.mark.parametrize("activity_name", ["begin", "finish"])
async def test_an_execution_missing_from_the_store_fails_its_activity_typed_and_retryable(
    activity_name: str, temporal_client: temporalio.client.Client, tmp_path: Path
) -> None:
    ref = ExecutionRef(kind=ExecutionKind.AGENT.value, execution_id="aex_not_here")
    arguments: dict[str, list[object]] = {
        "begin": [ref],
        "finish": [FinishInput(ref.kind, ref.execution_id, PHASE_COMPLETED), b""],
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
    worker: Worker,
    temporal_client: temporalio.client.Client,
    stigmer_service: RecordingStigmerService,
    task_queue: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The window between the finish step reading the token and recording the outcome: a
    retried caller's create replaced the token; the finish step completes the new one too."""
    handle, retried_token = await start_pending_caller(temporal_client, stigmer_service, task_queue)
    running = _ask("researcher")
    running.metadata.id = "aex_window"
    running.status.phase = ExecutionPhase.EXECUTION_IN_PROGRESS
    result = AgentExecution()
    result.CopyFrom(running)
    result.status.messages.add(type=MessageType.MESSAGE_AI, content="the answer")
    async with await open_store(f"sqlite:///{tmp_path / 'stigmer.db'}") as store:
        await store.create(
            id="aex_window",
            kind=ExecutionKind.AGENT,
            execution=running.SerializeToString(deterministic=True),
            callback_token=b"token of the timed-out first attempt",
            idempotency_key="v1:window",
        )
        real_deliver = activities_module.deliver_final_outcome

        async def deliver_while_retried(client: temporalio.client.Client, row: object) -> object:
            # The retried caller's create lands while the first token is being completed.
            await store.create(
                id="aex_unused",
                kind=ExecutionKind.AGENT,
                execution=running.SerializeToString(deterministic=True),
                callback_token=retried_token,
                idempotency_key="v1:window",
            )
            monkeypatch.setattr(activities_module, "deliver_final_outcome", real_deliver)
            return await real_deliver(client, row)  # type: ignore[arg-type]

        monkeypatch.setattr(activities_module, "deliver_final_outcome", deliver_while_retried)
        activities = ServiceActivities(store, ExecutionUpdates(store), temporal_client)
        outcome = await ActivityEnvironment().run(
            activities.finish,
            FinishInput(ExecutionKind.AGENT.value, "aex_window", PHASE_COMPLETED),
            result.SerializeToString(deterministic=True),
        )
        row = await store.get("aex_window")
    assert outcome == "INVALID_TOKEN"  # the first, made-up token
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
            row, _ = await store.create(
                id="aex_unreachable",
                kind=ExecutionKind.AGENT,
                execution=running.SerializeToString(deterministic=True),
                callback_token=token,
                idempotency_key="v1:unreachable",
            )
        activities = ServiceActivities(store, ExecutionUpdates(store), unreachable)
        with pytest.raises(ApplicationError) as raised:
            await ActivityEnvironment().run(
                activities.finish,
                FinishInput(ExecutionKind.AGENT.value, row.id, PHASE_COMPLETED),
                b"",
            )
        owed = await store.get(row.id)
    assert raised.value.type == COMPLETION_TRANSIENT_TYPE
    assert not raised.value.non_retryable
    assert owed is not None
    assert owed.completion_state is CompletionState.PENDING
    assert owed.callback_token == b"retried attempt"
