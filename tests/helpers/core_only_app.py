"""A caller application that needs nothing but the core ``stigmer-sdk`` install.

``tests/deploy/test_core_install.py`` runs it in a fresh virtual environment holding only the
core wheel (temporalio, grpcio, protobuf): a Temporal worker whose activity calls
``execute_and_wait_pending`` against a stand-in Stigmer service on loopback, which then completes
the caller with ``complete_external_activity``. It prints ``OK <execution id>`` on success.

Usage: python core_only_app.py TEMPORAL_ADDRESS
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import timedelta

import grpc.aio
import temporalio.client
from temporalio import activity, workflow
from temporalio.worker import Worker

with workflow.unsafe.imports_passed_through():
    from stigmer_sdk import (
        AgentExecution,
        AgentExecutionSpec,
        ExecutionPhase,
        StigmerClient,
        complete_external_activity,
        data_converter,
        execute_and_wait_pending,
        handshake_activity_options,
    )
    from stigmer_sdk.api.agentic.agentexecution.v1 import command_pb2_grpc
    from stigmer_sdk.sandbox import sandboxed_workflow_runner


class StandInService(command_pb2_grpc.AgentExecutionCommandControllerServicer):
    """Accepts one create and hands its callback token to the test."""

    def __init__(self) -> None:
        self.created: asyncio.Queue[AgentExecution] = asyncio.Queue()

    async def create(self, request: AgentExecution, context: object) -> AgentExecution:
        ack = AgentExecution()
        ack.CopyFrom(request)
        ack.metadata.id = f"aex-{uuid.uuid4().hex[:8]}"
        await self.created.put(ack)
        return ack


@workflow.defn
class AskAgent:
    @workflow.run
    async def run(self, question: str) -> AgentExecution:
        return await workflow.execute_activity(
            ask_agent,
            AgentExecution(spec=AgentExecutionSpec(agent_id="echo", message=question)),
            **handshake_activity_options(timedelta(minutes=1)),
        )


STIGMER: StigmerClient | None = None


@activity.defn
async def ask_agent(request: AgentExecution) -> AgentExecution:
    assert STIGMER is not None
    await execute_and_wait_pending(STIGMER, request)


async def main(temporal_address: str) -> None:
    global STIGMER
    service = StandInService()
    server = grpc.aio.server()
    command_pb2_grpc.add_AgentExecutionCommandControllerServicer_to_server(service, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    STIGMER = await StigmerClient.connect(f"127.0.0.1:{port}")
    temporal = await temporalio.client.Client.connect(
        temporal_address, data_converter=data_converter
    )
    queue = f"core-only-{uuid.uuid4().hex[:8]}"
    async with Worker(
        temporal,
        task_queue=queue,
        workflows=[AskAgent],
        activities=[ask_agent],
        workflow_runner=sandboxed_workflow_runner(),
    ):
        handle = await temporal.start_workflow(
            AskAgent.run, "what is a token handshake?", id=queue, task_queue=queue
        )
        created = await asyncio.wait_for(service.created.get(), 60)
        done = AgentExecution()
        done.CopyFrom(created)
        done.spec.ClearField("callback_token")
        done.status.phase = ExecutionPhase.EXECUTION_COMPLETED
        outcome = await complete_external_activity(
            temporal, created.spec.callback_token, result=done, execution_id=done.metadata.id
        )
        result = await asyncio.wait_for(handle.result(), 60)
    await STIGMER.close()
    await server.stop(None)
    assert outcome.outcome.name == "COMPLETED", outcome
    assert result.metadata.id == created.metadata.id
    assert result.status.phase == ExecutionPhase.EXECUTION_COMPLETED
    print("OK", result.metadata.id)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
