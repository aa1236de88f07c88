"""gRPC servicers of the reference service: the agent and workflow command and query controllers.

``create`` validates the request (INVALID_ARGUMENT with ``google.rpc.BadRequest`` field
violations, nothing persisted), honours the idempotency key, persists the execution with its
token before anything else, starts the invoke workflow (its id derived from the execution id, so a
repeated start is harmless), and answers with the ACK in milliseconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import grpc
import grpc.aio
import temporalio.client
import temporalio.service
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from stigmer_sdk.api.agentic.agentexecution.v1 import api_pb2 as agent_api
from stigmer_sdk.api.agentic.agentexecution.v1 import command_pb2_grpc as agent_command
from stigmer_sdk.api.agentic.agentexecution.v1 import io_pb2 as agent_io
from stigmer_sdk.api.agentic.agentexecution.v1 import query_pb2_grpc as agent_query
from stigmer_sdk.api.agentic.workflowexecution.v1 import api_pb2 as workflow_api
from stigmer_sdk.api.agentic.workflowexecution.v1 import command_pb2_grpc as workflow_command
from stigmer_sdk.api.agentic.workflowexecution.v1 import io_pb2 as workflow_io
from stigmer_sdk.api.agentic.workflowexecution.v1 import query_pb2_grpc as workflow_query
from stigmer_sdk.errors import TokenError
from stigmer_sdk.idempotency import IDEMPOTENCY_ANNOTATION, IDEMPOTENCY_METADATA_KEY
from stigmer_sdk.service.activities import (
    TERMINAL_PHASES,
    Execution,
    ExecutionUpdates,
    decode,
    deliver_final_outcome,
    set_phase,
)
from stigmer_sdk.service.runner import RUNNER_CONTRACT_SDK, Runner
from stigmer_sdk.service.store import CompletionState, ExecutionKind, ExecutionStore
from stigmer_sdk.service.workers import start_invoke
from stigmer_sdk.service.workers import workflow_id_for as workflow_id_for  # re-exported
from stigmer_sdk.tokens import DEFAULT_MAX_TOKEN_BYTES, TaskToken, token_digest, token_preview

logger = logging.getLogger("stigmer_sdk.service")

API_VERSION = "agentic.stigmer.ai/v1"
PHASE_PENDING = 1


@dataclass(frozen=True)
class ServiceSettings:
    """What the servicers need to know besides the store and Temporal."""

    service_task_queue: str = "agent_execution_stigmer"
    agent_runner_task_queue: str = "agent_execution_runner"
    workflow_runner_task_queue: str = "workflow_execution_runner"
    max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES
    caller_heartbeat_interval: timedelta = timedelta(seconds=30)
    runner_heartbeat_timeout: timedelta = timedelta(seconds=30)
    #: The execution's deadline: its run, all attempts included, must end within it.
    runner_timeout: timedelta = timedelta(hours=24)
    #: Run attempts before the execution fails; 0 retries (with backoff) until the deadline.
    runner_maximum_attempts: int = 0
    runner_retry_initial_interval: timedelta = timedelta(seconds=1)
    runner_retry_maximum_interval: timedelta = timedelta(minutes=1)
    #: ``stigmer`` (the SDK's runner activities) or ``deployed`` (EnsureThread, ExecuteGraphton).
    runner_contract: str = RUNNER_CONTRACT_SDK
    #: How often, and after how long, executions whose workflow never started get it started.
    reconcile_interval: timedelta = timedelta(seconds=10)
    reconcile_older_than: timedelta = timedelta(seconds=5)
    #: How often ``subscribe`` polls the store for changes made by other replicas.
    subscribe_poll_interval: timedelta = timedelta(seconds=1)


async def _abort_invalid(
    context: grpc.aio.ServicerContext[Any, Any], violations: Sequence[tuple[str, str]]
) -> None:
    bad_request = error_details_pb2.BadRequest()
    for field, description in violations:
        bad_request.field_violations.add(field=field, description=description)
    detail = any_pb2.Any()
    detail.Pack(bad_request)
    message = "; ".join(f"{field}: {description}" for field, description in violations)
    status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=message, details=[detail])
    await context.abort_with_status(rpc_status.to_status(status))


class ExecutionService:
    """The logic behind both controllers of both kinds."""

    def __init__(
        self,
        store: ExecutionStore,
        updates: ExecutionUpdates,
        temporal_client: temporalio.client.Client,
        runner: Runner | None,
        settings: ServiceSettings,
    ) -> None:
        self._store = store
        self._updates = updates
        self._temporal = temporal_client
        self._runner = runner
        self._settings = settings
        self._redeliveries: set[asyncio.Task[None]] = set()

    def _violations(self, kind: ExecutionKind, request: Execution) -> list[tuple[str, str]]:
        violations: list[tuple[str, str]] = []
        if not request.HasField("spec"):
            return [("spec", "must be set")]
        if isinstance(request, agent_api.AgentExecution):
            if not request.spec.agent_id:
                violations.append(("spec.agent_id", "must not be empty"))
            if not request.spec.message:
                violations.append(("spec.message", "must not be empty"))
        elif not (request.spec.workflow_id or request.spec.workflow_instance_id):
            violations.append(
                ("spec.workflow_id", "either workflow_id or workflow_instance_id must be set")
            )
        token = request.spec.callback_token
        if token:
            try:
                TaskToken(token).validate(self._settings.max_token_bytes)
            except TokenError as error:
                violations.append(("spec.callback_token", str(error)))
        return violations

    def _known(self, request: Execution) -> tuple[bool, str]:
        if self._runner is None:
            return True, ""
        if isinstance(request, agent_api.AgentExecution):
            agent_id = request.spec.agent_id
            return self._runner.knows_agent(agent_id), f"agent {agent_id!r} not found"
        workflow_id = request.spec.workflow_id or request.spec.workflow_instance_id
        return self._runner.knows_workflow(workflow_id), f"workflow {workflow_id!r} not found"

    async def create(
        self, kind: ExecutionKind, request: Execution, context: grpc.aio.ServicerContext[Any, Any]
    ) -> Execution:
        started = time.perf_counter()
        violations = self._violations(kind, request)
        if violations:
            await _abort_invalid(context, violations)
        known, not_found = self._known(request)
        if not known:
            await context.abort(grpc.StatusCode.NOT_FOUND, not_found)

        metadata = dict(context.invocation_metadata() or ())
        key = str(metadata.get(IDEMPOTENCY_METADATA_KEY, "")) or request.metadata.annotations.get(
            IDEMPOTENCY_ANNOTATION, ""
        )
        token = request.spec.callback_token
        execution = type(request)()
        execution.CopyFrom(request)  # type: ignore[arg-type]
        execution.spec.ClearField("callback_token")
        execution.api_version = API_VERSION
        execution.kind = type(request).__name__
        prefix = "aex" if kind is ExecutionKind.AGENT else "wex"
        execution.metadata.id = f"{prefix}_{uuid.uuid4().hex}"
        if key:
            execution.metadata.annotations[IDEMPOTENCY_ANNOTATION] = key
        set_phase(execution, PHASE_PENDING)

        row, created = await self._store.create(
            id=execution.metadata.id,
            kind=kind,
            execution=execution.SerializeToString(deterministic=True),
            callback_token=token,
            idempotency_key=key or None,
        )
        if token:
            logger.info(
                "Callback token detected execution_id=%s token_preview=%s token_length=%d%s",
                row.id,
                token_preview(token),
                len(token),
                "" if created else " (repeated idempotency key: token replaced)",
            )
        # Started on every create, the repeated ones too: if an earlier create persisted but died
        # before starting, this starts it; a running workflow is kept (USE_EXISTING) and a closed
        # one is never run again (REJECT_DUPLICATE).
        try:
            await start_invoke(self._temporal, self._settings, kind, row.id)
        except temporalio.service.RPCError as error:
            # The execution is durable: the reconciler starts its workflow once Temporal answers
            # (service.workers). Refusing here would make a client retry persist another one.
            logger.warning(
                "Could not start the execution workflow yet, the reconciler will "
                "execution_id=%s error=%s",
                row.id,
                error.message,
            )
        if not created and token and row.completion_state is CompletionState.DELIVERED:
            # A retried caller whose execution already ended and was delivered (perhaps to an
            # attempt that had timed out): this attempt gets the same outcome.
            task = asyncio.create_task(self._redeliver(row.id))
            self._redeliveries.add(task)
            task.add_done_callback(self._redeliveries.discard)
        ack = decode(row)
        logger.info(
            "Execution accepted execution_id=%s created=%s ack_ms=%.1f",
            row.id,
            created,
            (time.perf_counter() - started) * 1000,
        )
        return ack

    async def _redeliver(self, execution_id: str) -> None:
        """Complete the newest token of a delivered execution with its recorded outcome."""
        try:
            row = await self._store.get(execution_id)
            if row is None or not row.callback_token:
                return
            result = await deliver_final_outcome(self._temporal, row)
            await self._store.mark_completion(
                row.id, result.outcome.name, token_digest=token_digest(row.callback_token)
            )
            logger.info(
                "Redelivered the outcome to a retried caller execution_id=%s outcome=%s",
                row.id,
                result.outcome.name,
            )
        except Exception:
            logger.exception("Could not redeliver execution_id=%s", execution_id)

    async def get(
        self, execution_id: str, context: grpc.aio.ServicerContext[Any, Any]
    ) -> Execution:
        row = await self._store.get(execution_id)
        if row is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"execution {execution_id} not found")
        assert row is not None
        return decode(row)

    async def update_status(
        self, execution_id: str, status: object, context: grpc.aio.ServicerContext[Any, Any]
    ) -> Execution:
        if not execution_id:
            await _abort_invalid(context, [("execution_id", "must not be empty")])

        def replace(execution: Execution) -> None:
            messages = list(getattr(execution.status, "messages", []))
            execution.status.CopyFrom(status)  # type: ignore[arg-type]
            if isinstance(execution, agent_api.AgentExecution):
                # Messages are appended: a runner reports what is new.
                new = list(execution.status.messages)
                del execution.status.messages[:]
                execution.status.messages.extend([*messages, *new])

        try:
            return await self._updates.update(execution_id, replace)
        except KeyError:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"execution {execution_id} not found")
            raise

    async def subscribe(
        self, execution_id: str, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[Execution]:
        last: bytes | None = None
        while True:
            row = await self._store.get(execution_id)
            if row is None:
                await context.abort(
                    grpc.StatusCode.NOT_FOUND, f"execution {execution_id} not found"
                )
                return
            if row.execution != last:
                last = row.execution
                execution = decode(row)
                yield execution
                if execution.status.phase in TERMINAL_PHASES:
                    return
            await self._updates.wait_for_change(
                self._settings.subscribe_poll_interval.total_seconds()
            )


Context = grpc.aio.ServicerContext[Any, Any]


class AgentCommandController(agent_command.AgentExecutionCommandControllerServicer):
    """``ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController``."""

    def __init__(self, service: ExecutionService) -> None:
        self._service = service

    async def create(  # type: ignore[override]
        self, request: agent_api.AgentExecution, context: Context
    ) -> Execution:
        return await self._service.create(ExecutionKind.AGENT, request, context)

    async def updateStatus(  # type: ignore[override]
        self, request: agent_io.AgentExecutionUpdateStatusInput, context: Context
    ) -> Execution:
        return await self._service.update_status(request.execution_id, request.status, context)


class AgentQueryController(agent_query.AgentExecutionQueryControllerServicer):
    """``ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryController``."""

    def __init__(self, service: ExecutionService) -> None:
        self._service = service

    async def get(  # type: ignore[override]
        self, request: agent_io.AgentExecutionId, context: Context
    ) -> Execution:
        return await self._service.get(request.value, context)

    async def subscribe(  # type: ignore[override]
        self, request: agent_io.AgentExecutionId, context: Context
    ) -> AsyncIterator[Execution]:
        async for update in self._service.subscribe(request.value, context):
            yield update


class WorkflowCommandController(workflow_command.WorkflowExecutionCommandControllerServicer):
    """``ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController``."""

    def __init__(self, service: ExecutionService) -> None:
        self._service = service

    async def create(  # type: ignore[override]
        self, request: workflow_api.WorkflowExecution, context: Context
    ) -> Execution:
        return await self._service.create(ExecutionKind.WORKFLOW, request, context)

    async def updateStatus(  # type: ignore[override]
        self, request: workflow_io.WorkflowExecutionUpdateStatusInput, context: Context
    ) -> Execution:
        return await self._service.update_status(request.execution_id, request.status, context)


class WorkflowQueryController(workflow_query.WorkflowExecutionQueryControllerServicer):
    """``ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryController``."""

    def __init__(self, service: ExecutionService) -> None:
        self._service = service

    async def get(  # type: ignore[override]
        self, request: workflow_io.WorkflowExecutionId, context: Context
    ) -> Execution:
        return await self._service.get(request.value, context)

    async def subscribe(  # type: ignore[override]
        self, request: workflow_io.WorkflowExecutionId, context: Context
    ) -> AsyncIterator[Execution]:
        async for update in self._service.subscribe(request.value, context):
            yield update


def add_controllers(server: grpc.aio.Server, service: ExecutionService) -> None:
    """Register the four controllers on ``server``."""
    agent_command.add_AgentExecutionCommandControllerServicer_to_server(
        AgentCommandController(service), server
    )
    agent_query.add_AgentExecutionQueryControllerServicer_to_server(
        AgentQueryController(service), server
    )
    workflow_command.add_WorkflowExecutionCommandControllerServicer_to_server(
        WorkflowCommandController(service), server
    )
    workflow_query.add_WorkflowExecutionQueryControllerServicer_to_server(
        WorkflowQueryController(service), server
    )
