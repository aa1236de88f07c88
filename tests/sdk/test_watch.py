"""The watch of a pending handshake (issue 19 item 6), on a real Temporal dev server.

A service may never complete the caller's activity of a failed execution (the deployed Go
service cannot decode its own failure). `execute_to_terminal` then learns the outcome by ``get``:
after ``watch_after`` it starts ``stigmer/caller/watch-execution``, which finds the execution id in
the pending handshake's heartbeat details. Here the fake service turns the execution FAILED or
CANCELLED and never completes the caller.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import temporalio.client
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowFailureError, WorkflowHistory
from temporalio.exceptions import ApplicationError
from temporalio.worker import Replayer, Worker

from stigmer_sdk import (
    AgentExecution,
    AgentExecutionSpec,
    ExecutionPhase,
    MessageType,
    StigmerClient,
)
from stigmer_sdk.api.sdk.v1 import caller_pb2
from stigmer_sdk.caller import GetExecutionActivity
from stigmer_sdk.completion import complete_external_activity
from stigmer_sdk.converter import data_converter
from stigmer_sdk.sandbox import sandboxed_workflow_runner
from stigmer_sdk.testing import FakeStigmerService

from helpers.fixtures import caller_worker
from helpers.paths import TEST_DATA
from helpers.workflows import TerminalCallerWorkflow, WatchedCallerWorkflow

pytestmark = pytest.mark.integration

WATCH = "stigmer/caller/watch-execution"
#: A TerminalCallerWorkflow recorded with the SDK before the watch (execute_to_terminal scheduled
#: the handshake activity alone): no patch marker, no timer.
BEFORE_WATCH = TEST_DATA / "histories" / "terminal-caller-before-watch.json"


async def _replay(history: WorkflowHistory, *workflows: type) -> None:
    """Replay ``history``; raises on a nondeterminism."""
    replayer = Replayer(
        workflows=list(workflows),
        data_converter=data_converter,
        workflow_runner=sandboxed_workflow_runner(),
    )
    await replayer.replay_workflow(history)


@pytest.fixture
async def watch_worker(
    temporal_client: temporalio.client.Client, stigmer_client: StigmerClient, task_queue: str
) -> AsyncIterator[Worker]:
    # The watch's backoff shortened from 5 s..30 s, so that the tests run in seconds.
    caller_activities = GetExecutionActivity(
        stigmer_client,
        watch_interval=timedelta(milliseconds=50),
        max_watch_interval=timedelta(milliseconds=100),
    )
    async with caller_worker(
        temporal_client,
        stigmer_client,
        task_queue,
        WatchedCallerWorkflow,
        activities=caller_activities.activities(),
    ) as callers:
        yield callers.worker


async def _start(
    client: temporalio.client.Client, task_queue: str, watch_after_seconds: float | None
) -> temporalio.client.WorkflowHandle[WatchedCallerWorkflow, AgentExecution]:
    return await client.start_workflow(
        WatchedCallerWorkflow.run,
        args=[
            AgentExecution(spec=AgentExecutionSpec(agent_id="agt-1", message="hi")),
            watch_after_seconds,
        ],
        id=f"watched-{uuid.uuid4()}",
        task_queue=task_queue,
    )


async def _events(handle: temporalio.client.WorkflowHandle[object, object]) -> list[HistoryEvent]:
    return [event async for event in handle.fetch_history_events()]


def _scheduled(events: list[HistoryEvent], name: str) -> list[HistoryEvent]:
    return [
        event
        for event in events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and event.activity_task_scheduled_event_attributes.activity_type.name == name
    ]


def _cancel_requested(events: list[HistoryEvent], scheduled: HistoryEvent) -> bool:
    return any(
        event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED
        and event.activity_task_cancel_requested_event_attributes.scheduled_event_id
        == scheduled.event_id
        for event in events
    )


@pytest.mark.parametrize(
    ("phase", "failure_type", "state"),
    [
        (ExecutionPhase.EXECUTION_FAILED, "AGENT_EXECUTION_FAILED", "FAILED"),
        (ExecutionPhase.EXECUTION_CANCELLED, "AGENT_EXECUTION_CANCELLED", "CANCELLED"),
    ],
)
async def test_a_pending_handshake_ends_with_the_watched_typed_failure(
    watch_worker: Worker,
    temporal_client: temporalio.client.Client,
    stigmer_service: FakeStigmerService,
    task_queue: str,
    phase: int,
    failure_type: str,
    state: str,
) -> None:
    handle = await _start(temporal_client, task_queue, 0.2)
    (call,) = await stigmer_service.wait_for_calls(1)
    # The execution ends, and the service never completes the caller's activity.
    stigmer_service.execution(call.execution_id).status.phase = phase  # type: ignore[assignment]

    with pytest.raises(WorkflowFailureError) as raised:
        await asyncio.wait_for(handle.result(), 60)
    cause = raised.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == failure_type
    assert cause.non_retryable
    assert cause.message == (
        f"stigmer: execution {call.execution_id} ended {state} while the caller's activity was "
        "pending (seen by get)"
    )

    events = await _events(handle)
    (handshake,) = _scheduled(events, "run_agent")
    (watch,) = _scheduled(events, WATCH)
    assert _cancel_requested(events, handshake)  # the pending handshake is cancelled
    # The watch's input, as Go's WatchInput: json/plain {"activity_id", "kind"}.
    payload = watch.activity_task_scheduled_event_attributes.input.payloads[0]
    assert payload.metadata["encoding"] == b"json/plain"
    assert json.loads(payload.data) == {
        "activity_id": handshake.activity_task_scheduled_event_attributes.activity_id,
        "kind": caller_pb2.EXECUTION_KIND_AGENT,
    }
    # The watched path replays as it ran.
    await _replay(await handle.fetch_history(), WatchedCallerWorkflow)


async def test_a_history_from_before_the_watch_replays() -> None:
    await _replay(
        WorkflowHistory.from_json("terminal-before-watch", BEFORE_WATCH.read_text()),
        TerminalCallerWorkflow,
    )


async def test_a_quick_handshake_schedules_no_watch(
    watch_worker: Worker,
    temporal_client: temporalio.client.Client,
    stigmer_service: FakeStigmerService,
    task_queue: str,
) -> None:
    handle = await _start(temporal_client, task_queue, None)  # the default: 30 s
    (call,) = await stigmer_service.wait_for_calls(1)
    await stigmer_service.complete(call, reply="done")

    result = await asyncio.wait_for(handle.result(), 25)
    assert result.status.phase == ExecutionPhase.EXECUTION_COMPLETED
    assert result.status.messages[-1].content == "done"
    events = await _events(handle)
    assert not _scheduled(events, WATCH)
    # The 30 s timer was started beside the handshake and cancelled when it resolved.
    (started,) = [e for e in events if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED]
    assert started.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta() == (
        timedelta(seconds=30)
    )
    assert any(e.event_type == EventType.EVENT_TYPE_TIMER_CANCELED for e in events)


async def test_a_handshake_that_resolves_while_watched_cancels_the_watch(
    watch_worker: Worker,
    temporal_client: temporalio.client.Client,
    stigmer_service: FakeStigmerService,
    task_queue: str,
) -> None:
    handle = await _start(temporal_client, task_queue, 0.2)
    (call,) = await stigmer_service.wait_for_calls(1)
    # The handshake records the ACKed execution as its heartbeat details, which the watch reads.
    recorded = None
    for _ in range(200):
        description = await handle.describe()
        pending = [
            p
            for p in description.raw_description.pending_activities
            if p.activity_type.name == "run_agent"
        ]
        if pending and pending[0].heartbeat_details.payloads:
            recorded = pending[0].heartbeat_details.payloads[0]
            break
        await asyncio.sleep(0.05)
    assert recorded is not None
    assert recorded.metadata["encoding"] == b"binary/protobuf"
    assert recorded.metadata["messageType"] == b"ai.stigmer.sdk.v1.GetExecutionInput"
    assert caller_pb2.GetExecutionInput.FromString(recorded.data) == caller_pb2.GetExecutionInput(
        kind=caller_pb2.EXECUTION_KIND_AGENT, execution_id=call.execution_id
    )
    # The watch runs (the execution is not terminal: it keeps polling) and has found the
    # execution id, which it heartbeats: delivered before that, the watch would see the handshake
    # gone and end the race itself, without a cancel ...
    for _ in range(200):
        description = await handle.describe()
        if any(
            p.activity_type.name == WATCH and p.heartbeat_details.payloads
            for p in description.raw_description.pending_activities
        ):
            break
        await asyncio.sleep(0.05)
    # ... until the service delivers: the caller resumes with it, and the watch is cancelled. The
    # delivered copy is COMPLETED while `get` still answers RUNNING, so that the watch cannot see
    # the terminal execution first and end the race itself (it then returns without a cancel).
    delivered = AgentExecution()
    delivered.CopyFrom(stigmer_service.execution(call.execution_id))
    delivered.status.phase = ExecutionPhase.EXECUTION_COMPLETED
    delivered.status.messages.add(type=MessageType.MESSAGE_AI, content="done")
    await complete_external_activity(
        temporal_client, call.token, result=delivered, execution_id=call.execution_id
    )

    result = await asyncio.wait_for(handle.result(), 60)
    assert result.status.messages[-1].content == "done"
    events = await _events(handle)
    (watch,) = _scheduled(events, WATCH)
    assert _cancel_requested(events, watch)


@pytest.mark.parametrize("watch_after_seconds", [None, 0.2], ids=["before-the-watch", "watched"])
async def test_cancelling_the_caller_cancels_the_pending_handshake(
    watch_worker: Worker,
    temporal_client: temporalio.client.Client,
    stigmer_service: FakeStigmerService,
    task_queue: str,
    watch_after_seconds: float | None,
) -> None:
    handle = await _start(temporal_client, task_queue, watch_after_seconds)
    await stigmer_service.wait_for_calls(1)
    if watch_after_seconds is not None:
        for _ in range(200):
            if _scheduled(await _events(handle), WATCH):
                break
            await asyncio.sleep(0.05)
    await handle.cancel()
    with pytest.raises(WorkflowFailureError):
        await asyncio.wait_for(handle.result(), 30)
    # As when the workflow awaits the activity itself, the handshake activity is asked to cancel
    # (a service learns it by heartbeating): the race must not leave it behind.
    events = await _events(handle)
    (handshake,) = _scheduled(events, "run_agent")
    assert _cancel_requested(events, handshake)
    for watch in _scheduled(events, WATCH):
        assert _cancel_requested(events, watch)
