"""A fake Stigmer service for the tests of a caller application.

`FakeStigmerService` is a real gRPC server on loopback that speaks the agent and workflow
execution API. It records every ``create`` (the execution as received, callback token included,
and the call's metadata), ACKs it, and answers ``get`` with the execution's latest state. The test
then finishes each handshake on demand: `complete`,
`fail` or `cancel` act on the caller's
activity through Temporal, as a real service's workflow would. `fail_next`
makes the next ``create`` calls fail with a gRPC status, `fail_matching` those a predicate
picks. ``cancel`` calls are recorded
(`cancel_calls`), or answered UNIMPLEMENTED with ``implements_cancel=False``.

Example:
    ```python
    async with FakeStigmerService(temporal_client) as service:
        stigmer = await StigmerClient.connect(service.target)
        ...  # start the caller's workflow
        (call,) = await service.wait_for_calls(1)
        await service.complete(call, reply="four")
    ```
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc
import grpc.aio
import temporalio.client
from google.protobuf.message import Message

from stigmer_sdk import _contract
from stigmer_sdk._execution import API_VERSION, Execution, ExecutionKind, is_terminal
from stigmer_sdk.api.agentic.agentexecution.v1 import api_pb2 as agent_api
from stigmer_sdk.api.agentic.agentexecution.v1 import command_pb2_grpc as agent_command
from stigmer_sdk.api.agentic.agentexecution.v1 import enum_pb2 as agent_enum
from stigmer_sdk.api.agentic.agentexecution.v1 import io_pb2 as agent_io
from stigmer_sdk.api.agentic.agentexecution.v1 import query_pb2_grpc as agent_query
from stigmer_sdk.api.agentic.agentexecution.v1 import status_pb2 as agent_status
from stigmer_sdk.api.agentic.workflowexecution.v1 import api_pb2 as workflow_api
from stigmer_sdk.api.agentic.workflowexecution.v1 import command_pb2_grpc as workflow_command
from stigmer_sdk.api.agentic.workflowexecution.v1 import io_pb2 as workflow_io
from stigmer_sdk.api.agentic.workflowexecution.v1 import query_pb2_grpc as workflow_query
from stigmer_sdk.api.sdk.v1 import completion_pb2
from stigmer_sdk.completion import (
    CompletionResult,
    HeartbeatOutcome,
    complete_external_activity,
    heartbeat_external_activity,
    report_external_cancellation,
)

Context = grpc.aio.ServicerContext[Any, Any]


_M = TypeVar("_M", bound=Message)


def _copy(original: _M) -> _M:
    clone = type(original)()
    clone.CopyFrom(original)
    return clone


@dataclass(frozen=True)
class CreateCall:
    """One ``create`` the fake received."""

    #: The execution as the caller sent it, ``spec.callback_token`` included.
    execution: Execution
    #: The call's gRPC metadata (keys lower case).
    metadata: dict[str, str]
    #: The id the fake assigned in its ACK.
    execution_id: str

    @property
    def token(self) -> bytes:
        """The caller's task token (a bearer credential: never log it)."""
        return self.execution.spec.callback_token


@dataclass
class _State:
    calls: list[CreateCall] = field(default_factory=list)
    executions: dict[str, Execution] = field(default_factory=dict)
    failures: list[tuple[grpc.StatusCode, str]] = field(default_factory=list)
    #: `FakeStigmerService.fail_matching`'s rules, first match wins.
    rules: list[tuple[Callable[[CreateCall], bool], grpc.StatusCode, str]] = field(
        default_factory=list
    )
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    #: Execution ids of every ``cancel`` received, in order (the unimplemented ones too).
    cancels: list[str] = field(default_factory=list)
    implements_cancel: bool = True

    async def create(self, request: Execution, context: Context) -> Execution:
        metadata = {key: str(value) for key, value in context.invocation_metadata() or ()}
        received = _copy(request)
        execution_id = f"exec-{len(self.calls) + 1}"
        self.calls.append(CreateCall(received, metadata, execution_id))
        self.changed.set()
        for matches, code, message in self.rules:
            if matches(self.calls[-1]):
                await context.abort(code, message)
        if self.failures:
            code, message = self.failures.pop(0)
            await context.abort(code, message)
        ack = _copy(request)
        ack.spec.ClearField("callback_token")  # services never echo the token
        ack.api_version = ack.api_version or API_VERSION
        ack.kind = ack.kind or ExecutionKind.of(request).resource_kind
        ack.metadata.id = execution_id
        self.executions[execution_id] = ack
        return ack

    async def get(self, execution_id: str, context: Context) -> Execution:
        execution = self.executions.get(execution_id)
        if execution is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"execution {execution_id} not found")
        assert execution is not None
        return execution

    async def cancel(self, execution_id: str, context: Context) -> Execution:
        self.cancels.append(execution_id)
        self.changed.set()
        if not self.implements_cancel:  # as the deployed Stigmer service
            await context.abort(grpc.StatusCode.UNIMPLEMENTED, "unknown method cancel")
        # Recorded only: the test finishes the execution (FakeStigmerService.cancel).
        return await self.get(execution_id, context)

    async def update_status(self, execution_id: str, status: Any, context: Context) -> Execution:
        execution = await self.get(execution_id, context)
        execution.status.CopyFrom(status)
        return execution

    async def subscribe(self, execution_id: str, context: Context) -> AsyncIterator[Execution]:
        last: bytes | None = None
        while True:
            execution = await self.get(execution_id, context)
            current = execution.SerializeToString(deterministic=True)
            if current != last:
                last = current
                yield execution
            if is_terminal(execution):
                return
            await asyncio.sleep(0.05)


class _AgentCommand(agent_command.AgentExecutionCommandControllerServicer):
    def __init__(self, state: _State) -> None:
        self._state = state

    async def create(  # type: ignore[override]
        self, request: agent_api.AgentExecution, context: Context
    ) -> Execution:
        return await self._state.create(request, context)

    async def updateStatus(  # type: ignore[override]
        self, request: agent_io.AgentExecutionUpdateStatusInput, context: Context
    ) -> Execution:
        return await self._state.update_status(request.execution_id, request.status, context)

    async def cancel(  # type: ignore[override]
        self, request: agent_io.AgentExecutionId, context: Context
    ) -> Execution:
        return await self._state.cancel(request.value, context)


class _WorkflowCommand(workflow_command.WorkflowExecutionCommandControllerServicer):
    def __init__(self, state: _State) -> None:
        self._state = state

    async def create(  # type: ignore[override]
        self, request: workflow_api.WorkflowExecution, context: Context
    ) -> Execution:
        return await self._state.create(request, context)

    async def updateStatus(  # type: ignore[override]
        self, request: workflow_io.WorkflowExecutionUpdateStatusInput, context: Context
    ) -> Execution:
        return await self._state.update_status(request.execution_id, request.status, context)

    async def cancel(  # type: ignore[override]
        self, request: workflow_io.WorkflowExecutionId, context: Context
    ) -> Execution:
        return await self._state.cancel(request.value, context)


class _AgentQuery(agent_query.AgentExecutionQueryControllerServicer):
    def __init__(self, state: _State) -> None:
        self._state = state

    async def get(  # type: ignore[override]
        self, request: agent_io.AgentExecutionId, context: Context
    ) -> Execution:
        return await self._state.get(request.value, context)

    async def subscribe(  # type: ignore[override]
        self, request: agent_io.AgentExecutionId, context: Context
    ) -> AsyncIterator[Execution]:
        async for update in self._state.subscribe(request.value, context):
            yield update


class _WorkflowQuery(workflow_query.WorkflowExecutionQueryControllerServicer):
    def __init__(self, state: _State) -> None:
        self._state = state

    async def get(  # type: ignore[override]
        self, request: workflow_io.WorkflowExecutionId, context: Context
    ) -> Execution:
        return await self._state.get(request.value, context)

    async def subscribe(  # type: ignore[override]
        self, request: workflow_io.WorkflowExecutionId, context: Context
    ) -> AsyncIterator[Execution]:
        async for update in self._state.subscribe(request.value, context):
            yield update


class FakeStigmerService:
    """A recording Stigmer service on loopback that finishes handshakes on demand.

    Args:
        temporal_client: the Temporal client (caller's namespace) that `complete`,
            `fail` and `cancel` use; only recording needs none.
        host: the address to listen on.
        implements_cancel: whether the ``cancel`` RPC is served (it records the call and
            returns the execution unchanged; `cancel` finishes it). ``False`` answers
            UNIMPLEMENTED, as the deployed Stigmer service does.
    """

    def __init__(
        self,
        temporal_client: temporalio.client.Client | None = None,
        host: str = "127.0.0.1",
        *,
        implements_cancel: bool = True,
    ) -> None:
        self._temporal = temporal_client
        self._state = _State(implements_cancel=implements_cancel)
        self._server = grpc.aio.server()
        agent_command.add_AgentExecutionCommandControllerServicer_to_server(
            _AgentCommand(self._state), self._server
        )
        workflow_command.add_WorkflowExecutionCommandControllerServicer_to_server(
            _WorkflowCommand(self._state), self._server
        )
        agent_query.add_AgentExecutionQueryControllerServicer_to_server(
            _AgentQuery(self._state), self._server
        )
        workflow_query.add_WorkflowExecutionQueryControllerServicer_to_server(
            _WorkflowQuery(self._state), self._server
        )
        self._host = host
        self.port = self._server.add_insecure_port(f"{host}:0")

    @property
    def target(self) -> str:
        """``host:port`` for `StigmerClient.connect`."""
        return f"{self._host}:{self.port}"

    @property
    def calls(self) -> Sequence[CreateCall]:
        """Every ``create`` received so far, failed ones included, in order."""
        return self._state.calls

    @property
    def cancel_calls(self) -> Sequence[str]:
        """The execution id of every ``cancel`` received so far, in order."""
        return self._state.cancels

    async def wait_for_cancel_calls(self, count: int, timeout: float = 60.0) -> Sequence[str]:
        """Wait until ``count`` cancel calls have arrived in all; return all of them."""

        async def wait() -> None:
            while len(self._state.cancels) < count:
                self._state.changed.clear()
                await self._state.changed.wait()

        await asyncio.wait_for(wait(), timeout)
        return self._state.cancels

    def execution(self, execution_id: str) -> Execution:
        """The execution's latest state, as ``get`` answers it."""
        return self._state.executions[execution_id]

    def fail_next(self, code: grpc.StatusCode, message: str, times: int = 1) -> None:
        """Fail the next ``times`` creates with ``code`` (after recording them)."""
        self._state.failures.extend([(code, message)] * times)

    def fail_matching(
        self, matches: Callable[[CreateCall], bool], code: grpc.StatusCode, message: str
    ) -> None:
        """Fail every later ``create`` that ``matches`` with ``code`` (after recording it),
        retries included: for a caller whose calls are told apart by their request."""
        self._state.rules.append((matches, code, message))

    async def wait_for_calls(self, count: int, timeout: float = 60.0) -> Sequence[CreateCall]:
        """Wait until ``count`` creates have arrived in all; return all of them."""

        async def wait() -> None:
            while len(self._state.calls) < count:
                self._state.changed.clear()
                await self._state.changed.wait()

        await asyncio.wait_for(wait(), timeout)
        return self._state.calls

    async def complete(self, call: CreateCall, reply: str = "") -> CompletionResult:
        """Finish the execution as COMPLETED (with one agent message ``reply``, if given) and
        complete the caller's activity with it."""
        execution = self._finish(call, agent_enum.EXECUTION_COMPLETED)
        if reply and isinstance(execution, agent_api.AgentExecution):
            execution.status.messages.append(
                agent_status.AgentMessage(type=agent_enum.MESSAGE_AI, content=reply)
            )
        return await complete_external_activity(
            self._client(), call.token, result=execution, execution_id=call.execution_id
        )

    async def fail(
        self,
        call: CreateCall,
        message: str = "the agent failed",
        failure_type: str = _contract.FAILURE_AGENT_EXECUTION_FAILED,
        non_retryable: bool = True,
    ) -> CompletionResult:
        """Finish the execution as FAILED and fail the caller's activity."""
        self._finish(call, agent_enum.EXECUTION_FAILED)
        failure = completion_pb2.ActivityFailure(
            message=message, type=failure_type, non_retryable=non_retryable
        )
        return await complete_external_activity(
            self._client(), call.token, failure=failure, execution_id=call.execution_id
        )

    async def cancel(self, call: CreateCall, timeout: float = 30.0) -> CompletionResult:
        """Once the caller's workflow has asked to cancel the activity (learnt by heartbeating
        it, as a service does), finish the execution as CANCELLED and report the cancellation.

        Raises:
            TimeoutError: no cancel request arrived within ``timeout`` seconds.
        """

        async def cancel_requested() -> None:
            while True:
                beat = await heartbeat_external_activity(self._client(), call.token)
                if beat.outcome is HeartbeatOutcome.CANCEL_REQUESTED:
                    return
                await asyncio.sleep(0.1)

        await asyncio.wait_for(cancel_requested(), timeout)
        self._finish(call, agent_enum.EXECUTION_CANCELLED)
        return await report_external_cancellation(
            self._client(), call.token, execution_id=call.execution_id
        )

    def _finish(self, call: CreateCall, phase: int) -> Execution:
        execution = self._state.executions[call.execution_id]
        execution.status.phase = phase  # type: ignore[assignment]
        return execution

    def _client(self) -> temporalio.client.Client:
        if self._temporal is None:
            raise RuntimeError("FakeStigmerService(temporal_client=...) is needed to finish calls")
        return self._temporal

    async def start(self) -> FakeStigmerService:
        """Start serving."""
        await self._server.start()
        return self

    async def stop(self) -> None:
        """Stop serving at once."""
        await self._server.stop(grace=None)

    async def __aenter__(self) -> FakeStigmerService:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


__all__ = ["CreateCall", "FakeStigmerService"]
