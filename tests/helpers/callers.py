"""A caller pending on the test kit's fake Stigmer service
(:class:`stigmer_sdk.testing.FakeStigmerService`), as many tests start from it."""

from __future__ import annotations

import uuid

import temporalio.client

from stigmer_sdk import AgentExecution, AgentExecutionSpec
from stigmer_sdk.testing import CallerOptions, CallerWorkflow, FakeStigmerService

#: A started `CallerWorkflow`.
CallerHandle = temporalio.client.WorkflowHandle[CallerWorkflow, AgentExecution]
#: A caller workflow whose handshake activity pends on the fake service, and its task token.
PendingCaller = tuple[CallerHandle, bytes]


async def start_caller(
    temporal_client: temporalio.client.Client,
    task_queue: str,
    request: AgentExecution | None = None,
    options: CallerOptions | None = None,
) -> CallerHandle:
    """Start the test kit's caller workflow on ``task_queue`` (a worker of it serves the queue)."""
    return await temporal_client.start_workflow(
        CallerWorkflow.run,
        args=[
            request or AgentExecution(spec=AgentExecutionSpec(agent_id="a", message="m")),
            options or CallerOptions(),
        ],
        id=f"caller-{uuid.uuid4()}",
        task_queue=task_queue,
    )


async def start_pending_caller(
    temporal_client: temporalio.client.Client,
    service: FakeStigmerService,
    task_queue: str,
    options: CallerOptions | None = None,
) -> PendingCaller:
    """Start a caller workflow on ``task_queue``; return it once its activity pends, with its
    token (as ``service`` received it)."""
    count = len(service.calls)
    handle = await start_caller(temporal_client, task_queue, options=options)
    calls = await service.wait_for_calls(count + 1)
    return handle, calls[-1].token
