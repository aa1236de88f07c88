"""Interoperating with the deployed Stigmer Go service, on a real Temporal dev server.

The deployed service's behaviour is reproduced from its captured payloads
(testdata/deployed-service): it completes the caller with Go-struct ``json/plain``, delivers the
execution as created (not terminal), and schedules the system activity with a JSON Go struct.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import grpc
import grpc.aio
import pytest
import temporalio.client
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload
from temporalio.common import RawValue
from temporalio.worker import Worker

from stigmer_sdk import (
    AgentExecution,
    AgentExecutionSpec,
    ExecutionPhase,
    GetExecutionActivity,
    MessageType,
    StigmerClient,
)
from stigmer_sdk.api.agentic.agentexecution.v1 import command_pb2_grpc as agent_command
from stigmer_sdk.api.agentic.agentexecution.v1 import io_pb2 as agent_io
from stigmer_sdk.api.agentic.agentexecution.v1 import query_pb2_grpc as agent_query
from stigmer_sdk.caller import (
    CANCEL_EXECUTION_ACTIVITY_NAME,
    GET_EXECUTION_ACTIVITY_NAME,
    WATCH_EXECUTION_ACTIVITY_NAME,
)
from stigmer_sdk.converter import data_converter
from stigmer_sdk.plugin import StigmerPlugin
from stigmer_sdk.system_activity import NO_ERROR_MESSAGE, SYSTEM_ACTIVITY_NAME, SystemActivities
from stigmer_sdk.testing import (
    CallerWorkflow,
    DevServer,
    FakeStigmerService,
    caller_activity,
)

from helpers.assertions import activity_failure, assert_activity_failed
from helpers.callers import start_pending_caller
from helpers.fixtures import caller_worker
from helpers.paths import ROOT
from helpers.workflows import DeployedCompletionWorkflow, TerminalCallerWorkflow

pytestmark = pytest.mark.integration

DATA = ROOT / "testdata" / "deployed-service"


def _captured(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / name).read_text())
    return loaded


def _json_plain(document: Any) -> RawValue:
    return RawValue(
        Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(document).encode())
    )


@pytest.fixture
async def interop_client(dev_server: DevServer) -> temporalio.client.Client:
    # The one line a caller adds: the Stigmer data converter on its client (its workers inherit it).
    return await temporalio.client.Client.connect(dev_server.target, data_converter=data_converter)


@pytest.fixture
async def interop_worker(
    interop_client: temporalio.client.Client, stigmer_client: StigmerClient, task_queue: str
) -> AsyncIterator[Worker]:
    async with caller_worker(interop_client, stigmer_client, task_queue) as callers:
        yield callers.worker


async def test_a_caller_resumes_with_the_deployed_services_json_plain_result(
    interop_worker: Worker,
    interop_client: temporalio.client.Client,
    temporal_client: temporalio.client.Client,
    stigmer_service: FakeStigmerService,
    task_queue: str,
) -> None:
    handle, token = await start_pending_caller(interop_client, stigmer_service, task_queue)
    # Completed as the deployed service completes it: Go's encoding/json of the struct.
    completion = _captured("completion-success.json")
    assert completion["metadata"]["encoding"] == "json/plain"
    await temporal_client.get_async_activity_handle(task_token=token).complete(
        _json_plain(completion["data"])
    )
    result = await handle.result()
    assert isinstance(result, AgentExecution)
    assert result.metadata.id == "aex-01m8r54we0wrtb949nvtg43c2h"
    assert result.status.phase == ExecutionPhase.EXECUTION_PENDING
    assert result.status.audit.status_audit.created_at.seconds == 1796107039


@dataclass
class _DeployedLike:
    """Agent command and query controllers that behave as the deployed Stigmer service does:
    ``create`` ignores the idempotency key, ``get`` echoes the callback tokens and reports the
    agent running for ``running_gets`` calls before it is COMPLETED (or NOT_FOUND)."""

    running_gets: int = 2
    not_found: bool = False
    created: list[AgentExecution] = field(default_factory=list)
    gets: int = 0

    async def create(self, request: AgentExecution, context: grpc.aio.ServicerContext) -> Any:
        stored = AgentExecution()
        stored.CopyFrom(request)
        stored.metadata.id = f"aex-{len(self.created) + 1}"
        stored.metadata.slug = stored.metadata.name
        stored.status.phase = ExecutionPhase.EXECUTION_PENDING
        stored.status.callback_token = request.spec.callback_token
        self.created.append(stored)
        return stored

    async def get(
        self, request: agent_io.AgentExecutionId, context: grpc.aio.ServicerContext
    ) -> Any:
        self.gets += 1
        if self.not_found:
            await context.abort(
                grpc.StatusCode.NOT_FOUND, f"agent execution {request.value} not found"
            )
        (stored,) = [e for e in self.created if e.metadata.id == request.value]
        current = AgentExecution()
        current.CopyFrom(stored)
        if self.gets <= self.running_gets:
            current.status.phase = ExecutionPhase.EXECUTION_IN_PROGRESS
        else:
            current.status.phase = ExecutionPhase.EXECUTION_COMPLETED
            current.status.messages.add(type=MessageType.MESSAGE_AI, content="the answer")
        return current


class _Command(agent_command.AgentExecutionCommandControllerServicer):
    def __init__(self, state: _DeployedLike) -> None:
        self._state = state

    async def create(self, request, context):  # type: ignore[no-untyped-def]
        return await self._state.create(request, context)


class _Query(agent_query.AgentExecutionQueryControllerServicer):
    def __init__(self, state: _DeployedLike) -> None:
        self._state = state

    async def get(self, request, context):  # type: ignore[no-untyped-def]
        return await self._state.get(request, context)


@pytest.fixture
async def deployed_like() -> AsyncIterator[tuple[_DeployedLike, StigmerClient]]:
    state = _DeployedLike()
    server = grpc.aio.server()
    agent_command.add_AgentExecutionCommandControllerServicer_to_server(_Command(state), server)
    agent_query.add_AgentExecutionQueryControllerServicer_to_server(_Query(state), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    client = await StigmerClient.connect(f"127.0.0.1:{port}")
    yield state, client
    await client.close()
    await server.stop(grace=None)


@pytest.fixture
async def terminal_worker(
    interop_client: temporalio.client.Client,
    deployed_like: tuple[_DeployedLike, StigmerClient],
    task_queue: str,
) -> AsyncIterator[Worker]:
    _, stigmer = deployed_like
    poller = GetExecutionActivity(stigmer, initial_interval=timedelta(milliseconds=20))
    async with caller_worker(
        interop_client, stigmer, task_queue, TerminalCallerWorkflow, activities=poller.activities()
    ) as callers:
        yield callers.worker


async def _complete_as_deployed(
    temporal_client: temporalio.client.Client, state: _DeployedLike
) -> AgentExecution:
    """Wait for the create, then complete the caller with the execution as created, in the
    deployed service's json/plain Go-struct form."""
    for _ in range(400):
        if state.created:
            break
        await asyncio.sleep(0.025)
    (created,) = state.created
    go_json = json_format.MessageToDict(created, preserving_proto_field_name=True)
    go_json["status"]["phase"] = int(created.status.phase)  # Go writes enums as numbers
    await temporal_client.get_async_activity_handle(
        task_token=created.spec.callback_token
    ).complete(_json_plain(go_json))
    return created


async def test_the_caller_gets_the_terminal_execution_from_a_snapshot_delivery(
    terminal_worker: Worker,
    interop_client: temporalio.client.Client,
    temporal_client: temporalio.client.Client,
    deployed_like: tuple[_DeployedLike, StigmerClient],
    task_queue: str,
) -> None:
    state, _ = deployed_like
    handle = await interop_client.start_workflow(
        TerminalCallerWorkflow.run,
        AgentExecution(spec=AgentExecutionSpec(agent_id="a", message="m")),
        id=f"terminal-{uuid.uuid4()}",
        task_queue=task_queue,
    )
    created = await _complete_as_deployed(temporal_client, state)
    result = await handle.result()
    # The docs' result.status.messages[-1].content works: the terminal execution, fetched.
    assert result.status.phase == ExecutionPhase.EXECUTION_COMPLETED
    assert result.status.messages[-1].content == "the answer"
    assert result.metadata.id == created.metadata.id
    assert state.gets == 3  # two IN_PROGRESS answers, then COMPLETED
    # No token leaves the helper, and none went into history through get-execution.
    assert not result.spec.callback_token
    assert not result.status.callback_token
    token_b64 = base64.b64encode(created.spec.callback_token).decode()
    scheduled = []
    async for event in handle.fetch_history_events():
        if event.HasField("activity_task_completed_event_attributes"):
            scheduled.append(event.activity_task_completed_event_attributes)
    get_result = scheduled[-1].result.payloads[0]
    assert get_result.metadata["encoding"] == b"binary/protobuf"
    assert created.spec.callback_token not in get_result.data
    assert token_b64.encode() not in get_result.data


async def test_an_unknown_execution_fails_the_terminal_fetch_at_once(
    terminal_worker: Worker,
    interop_client: temporalio.client.Client,
    temporal_client: temporalio.client.Client,
    deployed_like: tuple[_DeployedLike, StigmerClient],
    task_queue: str,
) -> None:
    state, _ = deployed_like
    state.not_found = True
    handle = await interop_client.start_workflow(
        TerminalCallerWorkflow.run,
        AgentExecution(spec=AgentExecutionSpec(agent_id="a", message="m")),
        id=f"terminal-{uuid.uuid4()}",
        task_queue=task_queue,
    )
    await _complete_as_deployed(temporal_client, state)
    cause = await activity_failure(handle.result())
    assert cause.type == "STIGMER_GET_EXECUTION_FAILED"
    assert "NOT_FOUND" in cause.message
    assert state.gets == 1  # non-retryable: not polled again, not retried


@pytest.fixture
async def system_worker(
    interop_client: temporalio.client.Client,
    temporal_client: temporalio.client.Client,
    stigmer_client: StigmerClient,
    task_queue: str,
) -> AsyncIterator[Worker]:
    # A caller, and the SDK's system activity serving a deployed-style workflow's completions.
    async with caller_worker(
        interop_client,
        stigmer_client,
        task_queue,
        CallerWorkflow,
        DeployedCompletionWorkflow,
        activities=SystemActivities(temporal_client).activities(),
    ) as callers:
        yield callers.worker


async def _run_deployed_completion(
    client: temporalio.client.Client, task_queue: str, name: str, token: bytes
) -> Any:
    document = _captured(name)["data"]
    document["CallbackToken"] = base64.b64encode(token).decode()
    return await client.execute_workflow(
        DeployedCompletionWorkflow.run,
        json.dumps(document),
        id=f"deployed-completion-{uuid.uuid4()}",
        task_queue=task_queue,
    )


async def test_the_system_activity_serves_a_deployed_success(
    system_worker: Worker,
    interop_client: temporalio.client.Client,
    stigmer_service: FakeStigmerService,
    task_queue: str,
) -> None:
    handle, token = await start_pending_caller(interop_client, stigmer_service, task_queue)
    outcome = await _run_deployed_completion(
        interop_client, task_queue, "system-activity-input-success.json", token
    )
    assert outcome.outcome == 1  # COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED
    result = await handle.result()
    assert result.metadata.id == "aex-01m8r54we0wrtb949nvtg43c2h"
    assert result.spec.message == "hello raw"
    # Delivered without the token the deployed service left in its Result.
    assert not result.spec.callback_token


async def test_a_deployed_error_without_message_fails_the_caller_typed(
    system_worker: Worker,
    interop_client: temporalio.client.Client,
    stigmer_service: FakeStigmerService,
    task_queue: str,
) -> None:
    handle, token = await start_pending_caller(interop_client, stigmer_service, task_queue)
    failure = _captured("system-activity-input-failure.json")
    assert failure["data"]["Error"] == {}
    outcome = await _run_deployed_completion(
        interop_client, task_queue, "system-activity-input-failure.json", token
    )
    assert outcome.outcome == 1
    await assert_activity_failed(handle.result(), "AGENT_EXECUTION_FAILED", NO_ERROR_MESSAGE)


async def test_the_plugin_is_the_one_line_set_up_of_a_caller(
    dev_server: DevServer,
    temporal_client: temporalio.client.Client,
    deployed_like: tuple[_DeployedLike, StigmerClient],
    task_queue: str,
) -> None:
    state, stigmer = deployed_like
    client = await temporalio.client.Client.connect(
        dev_server.target, plugins=[StigmerPlugin(stigmer)]
    )
    # Only the caller's own activity and no sandbox set-up: the plugin adds the data converter,
    # the sandbox passthrough, stigmer/caller/get-execution and the system activity.
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[TerminalCallerWorkflow],
        activities=[caller_activity(stigmer)],
    )
    registered = {
        activity.__temporal_activity_definition.name  # type: ignore[attr-defined]
        for activity in worker.config(active_config=True).get("activities") or ()
    }
    assert registered == {
        "run_agent",
        GET_EXECUTION_ACTIVITY_NAME,
        WATCH_EXECUTION_ACTIVITY_NAME,
        CANCEL_EXECUTION_ACTIVITY_NAME,
        SYSTEM_ACTIVITY_NAME,
    }
    async with worker:
        handle = await client.start_workflow(
            TerminalCallerWorkflow.run,
            AgentExecution(spec=AgentExecutionSpec(agent_id="a", message="m")),
            id=f"plugin-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        await _complete_as_deployed(temporal_client, state)
        result = await handle.result()
    assert result.status.messages[-1].content == "the answer"
