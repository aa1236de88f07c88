"""Interoperating with the deployed Stigmer Go service, on a real Temporal dev server.

The deployed service's behaviour is reproduced from its captured payloads
(tests/data/deployed_service): it completes the caller with Go-struct ``json/plain``, delivers the
execution as created (not terminal), and schedules the system activity with a JSON Go struct.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import temporalio.client
from temporalio.api.common.v1 import Payload
from temporalio.common import RawValue
from temporalio.worker import Worker

from stigmer_sdk import AgentExecution, AgentExecutionSpec, ExecutionPhase, StigmerClient
from stigmer_sdk.converter import data_converter
from stigmer_sdk.testing import DevServer
from stigmer_sdk.worker import sandboxed_workflow_runner

from recording_service import RecordingStigmerService
from workflows import AgentCallerWorkflow, CallerActivities, CallerOptions

pytestmark = pytest.mark.integration

DATA = Path(__file__).parent / "data" / "deployed_service"


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
    callers = CallerActivities(stigmer_client, interop_client)
    async with Worker(
        interop_client,
        task_queue=task_queue,
        workflows=[AgentCallerWorkflow],
        activities=[callers.run_agent],
        workflow_runner=sandboxed_workflow_runner(),
    ) as running:
        yield running


async def test_a_caller_resumes_with_the_deployed_services_json_plain_result(
    interop_worker: Worker,
    interop_client: temporalio.client.Client,
    temporal_client: temporalio.client.Client,
    stigmer_service: RecordingStigmerService,
    task_queue: str,
) -> None:
    handle = await interop_client.start_workflow(
        AgentCallerWorkflow.run,
        args=[AgentExecution(spec=AgentExecutionSpec(agent_id="a", message="m")), CallerOptions()],
        id=f"interop-{uuid.uuid4()}",
        task_queue=task_queue,
    )
    (call,) = await stigmer_service.wait_for_calls(1)
    # Completed as the deployed service completes it: Go's encoding/json of the struct.
    completion = _captured("completion-success.json")
    assert completion["metadata"]["encoding"] == "json/plain"
    await temporal_client.get_async_activity_handle(task_token=call.token).complete(
        _json_plain(completion["data"])
    )
    result = await handle.result()
    assert isinstance(result, AgentExecution)
    assert result.metadata.id == "aex-01m8r54we0wrtb949nvtg43c2h"
    assert result.status.phase == ExecutionPhase.EXECUTION_PENDING
    assert result.status.audit.status_audit.created_at.seconds == 1796107039
