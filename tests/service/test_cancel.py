"""The pushed cancel (issue 25 item 1): a caller's cancel reaches the service at once, through
``stigmer/caller/cancel-execution``, with the service's heartbeat relay disabled."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import temporalio.client
import temporalio.service
from temporalio.client import WorkflowExecutionStatus, WorkflowHistory
from temporalio.worker import Replayer

from stigmer_sdk import (
    AgentExecution,
    AgentExecutionSpec,
    ExecutionPhase,
    StigmerClient,
    _contract,
)
from stigmer_sdk import caller as caller_module
from stigmer_sdk.caller import GetExecutionActivity
from stigmer_sdk.client import NO_RETRY, ClientOptions
from stigmer_sdk.converter import data_converter
from stigmer_sdk.in_workflow import _opted_out_of_relay
from stigmer_sdk.sandbox import sandboxed_workflow_runner
from stigmer_sdk.service.app import StigmerService, with_settings
from stigmer_sdk.service.executions import decode
from stigmer_sdk.service.invoke_workflow import CANCEL_REQUESTED_ANNOTATION
from stigmer_sdk.service.runner import ScriptedRunner
from stigmer_sdk.service.start_invoke import workflow_id_for
from stigmer_sdk.service.store import ExecutionKind, open_store
from stigmer_sdk.testing import DevServer, FakeStigmerService

from helpers.assertions import assert_cancelled, wait_for_phase
from helpers.fixtures import SCRIPTS, caller_worker, service_config
from helpers.paths import TEST_DATA
from helpers.store import store_agent_execution
from helpers.workflows import CancellableCallerWorkflow

pytestmark = pytest.mark.integration

CANCEL_ACTIVITY = _contract.ACTIVITY_CANCEL_EXECUTION


def _ask(agent_id: str) -> AgentExecution:
    return AgentExecution(spec=AgentExecutionSpec(agent_id=agent_id, message="what changed?"))


@dataclass
class Callers:
    temporal: temporalio.client.Client
    stigmer: StigmerClient
    task_queue: str

    async def start(
        self, watch_after_seconds: float
    ) -> temporalio.client.WorkflowHandle[CancellableCallerWorkflow, AgentExecution]:
        return await self.temporal.start_workflow(
            CancellableCallerWorkflow.run,
            args=[_ask("slow"), watch_after_seconds],
            id=f"caller-{uuid.uuid4()}",
            task_queue=self.task_queue,
        )


def _caller_worker(
    temporal: temporalio.client.Client, stigmer: StigmerClient, task_queue: str
) -> contextlib.AbstractAsyncContextManager[object]:
    activities = GetExecutionActivity(stigmer).activities()
    return caller_worker(
        temporal, stigmer, task_queue, CancellableCallerWorkflow, activities=activities
    )


@pytest.fixture
async def no_relay_service(
    dev_server: DevServer, temporal_client: temporalio.client.Client, tmp_path: Path
) -> AsyncIterator[tuple[StigmerService, Callers, str]]:
    """The reference service with its heartbeat relay disabled (budget 0), and a caller worker."""
    suffix = uuid.uuid4().hex[:8]
    store_url = f"sqlite:///{tmp_path / 'cancel.db'}"
    config = with_settings(
        service_config(dev_server, store_url, suffix), caller_heartbeat_budget=0.0
    )
    async with StigmerService(config, runner=ScriptedRunner(SCRIPTS)) as service:
        stigmer = await StigmerClient.connect(service.target, ClientOptions(retry=NO_RETRY))
        task_queue = f"caller-{suffix}"
        async with _caller_worker(temporal_client, stigmer, task_queue):
            yield service, Callers(temporal_client, stigmer, task_queue), store_url
        await stigmer.close()


async def _pending_id(store_url: str) -> str:
    async def wait() -> str:
        while True:
            async with await open_store(store_url) as store:
                rows = await store.list_pending()
            if rows:
                return rows[0].id
            await asyncio.sleep(0.1)

    return await asyncio.wait_for(wait(), 60)


async def _activity_types(
    handle: temporalio.client.WorkflowHandle[object, object], attribute: str
) -> list[str]:
    """The types of the activities scheduled in ``handle``'s history whose events have
    ``attribute`` (scheduled, completed, canceled...), by their scheduled event."""
    scheduled: dict[int, str] = {}
    found: list[str] = []
    async for event in handle.fetch_history_events():
        if event.HasField("activity_task_scheduled_event_attributes"):
            scheduled[event.event_id] = (
                event.activity_task_scheduled_event_attributes.activity_type.name
            )
        elif event.HasField(attribute):
            found.append(scheduled[getattr(event, attribute).scheduled_event_id])
    return found


@pytest.mark.parametrize("watch_after_seconds", [-1.0, 1.0], ids=["unwatched", "watched"])
async def test_a_callers_cancel_stops_the_agent_without_the_relay(
    no_relay_service: tuple[StigmerService, Callers, str], watch_after_seconds: float
) -> None:
    """The relay is off: only the pushed cancel can tell the service. The agent's run is
    stopped (its runner activity cancelled, not finished), the execution ends CANCELLED and the
    caller's handshake is reported cancelled by the service's settlement."""
    _, callers, store_url = no_relay_service
    handle = await callers.start(watch_after_seconds)
    execution_id = await _pending_id(store_url)
    await wait_for_phase(callers.stigmer, execution_id, ExecutionPhase.EXECUTION_IN_PROGRESS)

    await handle.cancel()
    await assert_cancelled(handle.result())
    assert (await handle.describe()).status == WorkflowExecutionStatus.CANCELED

    execution = await wait_for_phase(
        callers.stigmer, execution_id, ExecutionPhase.EXECUTION_CANCELLED
    )
    assert execution.metadata.annotations[CANCEL_REQUESTED_ANNOTATION] == "true"
    # The helper opted the caller out of the relay (no heartbeat timeout on its handshake).
    annotation = _contract.ANNOTATION_CALLER_HEARTBEATS
    assert execution.metadata.annotations[annotation] == _contract.CALLER_HEARTBEATS_NONE
    service = callers.temporal.get_workflow_handle(
        workflow_id_for(ExecutionKind.AGENT, execution_id)
    )
    await service.result()
    # The agent's run was stopped: its runner activity ended cancelled, none completed.
    assert await _activity_types(service, "activity_task_canceled_event_attributes") == [
        "stigmer/agent-runner/run"
    ]
    assert await _activity_types(service, "activity_task_completed_event_attributes") == []
    # The caller pushed the cancel, then its handshake was reported cancelled.
    assert CANCEL_ACTIVITY in await _activity_types(
        handle, "activity_task_completed_event_attributes"
    )
    assert "run_agent" in await _activity_types(handle, "activity_task_canceled_event_attributes")
    async with await open_store(store_url) as store:
        row = await store.get(execution_id)
    assert row is not None
    assert row.completion_outcome == "COMPLETED"  # the cancellation was delivered
    # Its history replays.
    replayer = Replayer(
        workflows=[CancellableCallerWorkflow],
        data_converter=data_converter,
        workflow_runner=sandboxed_workflow_runner(),
    )
    await replayer.replay_workflow(await handle.fetch_history())


async def test_a_handshake_with_a_heartbeat_timeout_keeps_the_relay() -> None:
    """The opt-out is left out when the handshake has a heartbeat timeout (the relay's
    heartbeats keep it alive) or the request already says."""
    annotation = _contract.ANNOTATION_CALLER_HEARTBEATS
    request = _ask("slow")
    opted = _opted_out_of_relay(request, {})
    assert opted.metadata.annotations[annotation] == "none"
    assert annotation not in request.metadata.annotations  # the caller's message is untouched
    kept = _opted_out_of_relay(request, {"heartbeat_timeout": timedelta(seconds=90)})
    assert annotation not in kept.metadata.annotations
    request.metadata.annotations[annotation] = "cancel"
    assert _opted_out_of_relay(request, {}).metadata.annotations[annotation] == "cancel"


@pytest.mark.parametrize("implements_cancel", [True, False], ids=["served", "unimplemented"])
async def test_the_cancel_reaches_a_service_or_falls_back_when_unimplemented(
    temporal_client: temporalio.client.Client,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    implements_cancel: bool,
) -> None:
    """Against a service that answers UNIMPLEMENTED (the deployed one), the cancel activity logs
    it once at WARNING and returns: the handshake's own cancellation still reaches the service
    (here the fake learns it by heartbeat) and the caller's workflow ends cancelled."""
    caplog.set_level(logging.INFO, logger="stigmer_sdk.caller")
    monkeypatch.setattr(caller_module, "_cancel_unimplemented_logged", False)
    task_queue = f"caller-{uuid.uuid4().hex[:8]}"
    async with FakeStigmerService(temporal_client, implements_cancel=implements_cancel) as fake:
        stigmer = await StigmerClient.connect(fake.target, ClientOptions(retry=NO_RETRY))
        async with _caller_worker(temporal_client, stigmer, task_queue):
            callers = Callers(temporal_client, stigmer, task_queue)
            handle = await callers.start(-1.0)
            (call,) = await fake.wait_for_calls(1)
            annotations = call.execution.metadata.annotations
            assert annotations[_contract.ANNOTATION_CALLER_HEARTBEATS] == "none"
            await handle.cancel()
            assert await fake.wait_for_cancel_calls(1) == [call.execution_id]
            await fake.cancel(call)  # the handshake's cancel, learnt by heartbeat
            await assert_cancelled(handle.result())
            assert CANCEL_ACTIVITY in await _activity_types(
                handle, "activity_task_completed_event_attributes"
            )
        await stigmer.close()
    unimplemented = [
        r
        for r in caplog.records
        if r.getMessage().startswith(_contract.LOG_CANCEL_UNIMPLEMENTED.message)
    ]
    if implements_cancel:
        assert unimplemented == []
    else:
        assert len(unimplemented) == 1
        assert unimplemented[0].levelno == logging.WARNING
        # The contract's message exactly, its fields beside it (not in the text).
        assert unimplemented[0].getMessage() == _contract.LOG_CANCEL_UNIMPLEMENTED.message
        assert unimplemented[0].stigmer_fields == {
            "execution_id": call.execution_id,
            "code": "UNIMPLEMENTED",
        }


async def test_a_cancel_recorded_before_a_crash_still_stops_the_execution(
    dev_server: DevServer, temporal_client: temporalio.client.Client, tmp_path: Path
) -> None:
    """``cancel`` recorded the request in the store, then the service died before its signal
    (and before the execution's workflow ever started): the reconciler starts the workflow, whose
    begin step reads the recorded cancel, and the execution ends CANCELLED without running."""
    store_url = f"sqlite:///{tmp_path / 'crash.db'}"
    execution = _ask("slow")
    execution.metadata.id = f"aex_{uuid.uuid4().hex}"
    execution.metadata.annotations[CANCEL_REQUESTED_ANNOTATION] = "true"
    execution.status.phase = ExecutionPhase.EXECUTION_PENDING
    async with await open_store(store_url) as store:
        await store_agent_execution(store, execution.metadata.id, execution, b"")
    config = with_settings(
        service_config(dev_server, store_url, uuid.uuid4().hex[:8]),
        caller_heartbeat_budget=0.0,
        reconcile_older_than=timedelta(0),
    )
    async with StigmerService(config, runner=ScriptedRunner(SCRIPTS)):
        service = temporal_client.get_workflow_handle(
            workflow_id_for(ExecutionKind.AGENT, execution.metadata.id)
        )

        async def started() -> None:
            while True:
                try:
                    await service.describe()
                    return
                except temporalio.service.RPCError:
                    await asyncio.sleep(0.1)

        await asyncio.wait_for(started(), 60)
        await service.result()
    async with await open_store(store_url) as store:
        row = await store.get(execution.metadata.id)
    assert row is not None
    assert decode(row).status.phase == ExecutionPhase.EXECUTION_CANCELLED
    assert await _activity_types(service, "activity_task_scheduled_event_attributes") == []


HISTORIES = TEST_DATA / "histories"


@pytest.mark.parametrize("name", ["unwatched", "watched"])
async def test_a_cancel_recorded_before_the_pushed_cancel_replays(name: str) -> None:
    """Recorded with the SDK before the pushed cancel (no cancel-version marker, the handshake
    cancelled at once, no cancel-execution activity): replays with it."""
    path = HISTORIES / f"cancellable-caller-{name}-before-pushed-cancel.json"
    replayer = Replayer(
        workflows=[CancellableCallerWorkflow],
        data_converter=data_converter,
        workflow_runner=sandboxed_workflow_runner(),
    )
    await replayer.replay_workflow(WorkflowHistory.from_json(name, path.read_text()))
