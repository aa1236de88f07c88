"""A recording Stigmer command service on loopback, for SDK integration tests.

It is a real gRPC server: it records every ``create`` (the execution as received, with its
callback token, and the call metadata), answers with an ACK, and can be told to fail the next
calls with a given status.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import grpc
import grpc.aio
import temporalio.client

from stigmer_sdk import AgentExecution, AgentExecutionSpec, WorkflowExecution
from stigmer_sdk.api.agentic.agentexecution.v1 import command_pb2_grpc as agent_command
from stigmer_sdk.api.agentic.workflowexecution.v1 import command_pb2_grpc as workflow_command

from workflows import AgentCallerWorkflow, CallerOptions


@dataclass(frozen=True)
class CreateCall:
    execution: AgentExecution | WorkflowExecution
    metadata: dict[str, str]

    @property
    def token(self) -> bytes:
        return self.execution.spec.callback_token


@dataclass
class Recorder:
    calls: list[CreateCall] = field(default_factory=list)
    failures: list[tuple[grpc.StatusCode, str]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def create(
        self, request: AgentExecution | WorkflowExecution, context: grpc.aio.ServicerContext
    ) -> AgentExecution | WorkflowExecution:
        metadata = {key: str(value) for key, value in context.invocation_metadata() or ()}
        received = type(request)()
        received.CopyFrom(request)
        self.calls.append(CreateCall(received, metadata))
        self.changed.set()
        if self.failures:
            code, message = self.failures.pop(0)
            await context.abort(code, message)
        ack = type(request)()
        ack.CopyFrom(request)
        ack.spec.ClearField("callback_token")  # services never echo the token
        ack.api_version = "agentic.stigmer.ai/v1"
        ack.kind = type(request).__name__
        ack.metadata.id = f"exec-{len(self.calls)}"
        return ack


class _AgentCommand(agent_command.AgentExecutionCommandControllerServicer):
    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder

    async def create(self, request, context):  # type: ignore[override]
        return await self._recorder.create(request, context)


class _WorkflowCommand(workflow_command.WorkflowExecutionCommandControllerServicer):
    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder

    async def create(self, request, context):  # type: ignore[override]
        return await self._recorder.create(request, context)


class RecordingStigmerService:
    def __init__(self) -> None:
        self.recorder = Recorder()
        self._server = grpc.aio.server()
        agent_command.add_AgentExecutionCommandControllerServicer_to_server(
            _AgentCommand(self.recorder), self._server
        )
        workflow_command.add_WorkflowExecutionCommandControllerServicer_to_server(
            _WorkflowCommand(self.recorder), self._server
        )
        self.port = self._server.add_insecure_port("127.0.0.1:0")

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def calls(self) -> Sequence[CreateCall]:
        return self.recorder.calls

    def fail_next(self, code: grpc.StatusCode, message: str, times: int = 1) -> None:
        self.recorder.failures.extend([(code, message)] * times)

    async def wait_for_calls(self, count: int, timeout: float = 60.0) -> Sequence[CreateCall]:
        async def wait() -> None:
            while len(self.recorder.calls) < count:
                self.recorder.changed.clear()
                await self.recorder.changed.wait()

        await asyncio.wait_for(wait(), timeout)
        return self.recorder.calls

    async def start(self) -> RecordingStigmerService:
        await self._server.start()
        return self

    async def stop(self) -> None:
        await self._server.stop(grace=None)


async def start_pending_caller(
    temporal_client: temporalio.client.Client,
    service: RecordingStigmerService,
    task_queue: str,
) -> tuple[temporalio.client.WorkflowHandle[AgentCallerWorkflow, AgentExecution], bytes]:
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
