"""The recording Stigmer service of the SDK's integration tests, and a helper that starts a
pending caller on it. The service is the SDK's own test kit
(:class:`stigmer_sdk.testing.FakeStigmerService`), so the suite tests what users get."""

from __future__ import annotations

import uuid

import temporalio.client

from stigmer_sdk import AgentExecution, AgentExecutionSpec
from stigmer_sdk.testing import FakeStigmerService

from helpers.workflows import AgentCallerWorkflow, CallerOptions

#: The suite's name for the SDK's fake service (stigmer_sdk.testing.FakeStigmerService).
RecordingStigmerService = FakeStigmerService


#: A caller workflow whose handshake activity pends on the fake service, and its task token.
PendingCaller = tuple[temporalio.client.WorkflowHandle[AgentCallerWorkflow, AgentExecution], bytes]


async def start_pending_caller(
    temporal_client: temporalio.client.Client,
    service: RecordingStigmerService,
    task_queue: str,
) -> PendingCaller:
    """Start a caller workflow on ``task_queue``; return it once its activity pends, with its
    token (as ``service`` received it)."""
    handle = await temporal_client.start_workflow(
        AgentCallerWorkflow.run,
        args=[AgentExecution(spec=AgentExecutionSpec(agent_id="a", message="m")), CallerOptions()],
        id=f"caller-{uuid.uuid4()}",
        task_queue=task_queue,
    )
    calls = await service.wait_for_calls(len(service.calls) + 1)
    return handle, calls[-1].token
