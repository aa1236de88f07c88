"""The service's Temporal workflows: run one execution and complete its caller.

``stigmer/agent-execution/invoke`` (and ``stigmer/workflow-execution/invoke``):

1. mark the execution IN_PROGRESS;
2. run it through the runner activity on the runner task queue, and meanwhile heartbeat the
   caller's token, which relays liveness and tells of the caller's cancel request;
3. set the final status: COMPLETED, FAILED or CANCELLED;
4. complete the caller's activity through the system activity. On success a completion failure
   fails this workflow; on failure or cancellation it is logged and the original outcome stands.

The workflow input holds the execution id only. The token stays in the store and is read when it
is needed, so that a retried caller's newer token is the one used.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError
from temporalio.workflow import ActivityCancellationType

with workflow.unsafe.imports_passed_through():
    from google.protobuf import message

    from stigmer_sdk import workflow as stigmer_workflow
    from stigmer_sdk.api.agentic.agentexecution.v1 import api_pb2 as agent_api
    from stigmer_sdk.api.agentic.workflowexecution.v1 import api_pb2 as workflow_api
    from stigmer_sdk.completion import CompletionResult
    from stigmer_sdk.service.runner import AGENT_RUNNER_ACTIVITY, WORKFLOW_RUNNER_ACTIVITY
    from stigmer_sdk.tokens import token_digest

AGENT_WORKFLOW = "stigmer/agent-execution/invoke"
WORKFLOW_WORKFLOW = "stigmer/workflow-execution/invoke"

BEGIN_ACTIVITY = "stigmer/service/begin-execution"
FINISH_ACTIVITY = "stigmer/service/finish-execution"
LOAD_TOKEN_ACTIVITY = "stigmer/service/load-callback-token"
RECORD_COMPLETION_ACTIVITY = "stigmer/service/record-completion"
HEARTBEAT_CALLER_ACTIVITY = "stigmer/service/heartbeat-caller"

# ExecutionPhase values, the same in both execution packages.
PHASE_COMPLETED = 3
PHASE_FAILED = 4
PHASE_CANCELLED = 5

_T = TypeVar("_T")

#: Options of the service's own bookkeeping activities (store reads and writes, the heartbeat).
_STEP_TIMEOUT = timedelta(seconds=30)
_STEP_RETRY = RetryPolicy(maximum_attempts=5, initial_interval=timedelta(seconds=1))


async def _step(activity: str, arg: Any, result_type: type[_T]) -> _T:
    # Local activities: quick, idempotent store reads and writes on this worker, without a task
    # queue round trip each (a handshake runs five of them).
    result: _T = await workflow.execute_local_activity(
        activity,
        arg,
        result_type=result_type,
        start_to_close_timeout=_STEP_TIMEOUT,
        retry_policy=_STEP_RETRY,
    )
    return result


@dataclass
class InvokeInput:
    """Input of the invoke workflows."""

    execution_id: str
    kind: str
    runner_task_queue: str
    caller_heartbeat_seconds: float = 30.0
    runner_heartbeat_timeout_seconds: float = 30.0
    runner_timeout_seconds: float = 24 * 3600.0
    runner_maximum_attempts: int = 3


@dataclass
class ExecutionRef:
    """Names one stored execution."""

    kind: str
    execution_id: str


@dataclass
class BeginResult:
    """The execution as the runner gets it (without token), and whether a caller waits."""

    execution: bytes
    has_callback_token: bool


@dataclass
class FinishInput:
    """The final state of an execution."""

    kind: str
    execution_id: str
    phase: int
    error: str = ""
    #: The runner's result (serialized execution), whose status is kept.
    result: bytes = b""
    #: Failure type and retryability of a FAILED execution, kept for redelivery.
    failure_type: str = ""
    non_retryable: bool = False


@dataclass
class RecordCompletionInput:
    """What became of the caller's completion."""

    kind: str
    execution_id: str
    outcome: str
    #: :func:`stigmer_sdk.tokens.token_digest` of the token completed ("" from older workflows).
    token_digest: str = ""


class _InvokeExecution:
    message_type: ClassVar[type[message.Message]]
    runner_activity: ClassVar[str]

    def __init__(self) -> None:
        self._caller_cancelled = False

    async def _invoke(self, params: InvokeInput) -> bytes:
        ref = ExecutionRef(params.kind, params.execution_id)
        begun = await _step(BEGIN_ACTIVITY, ref, BeginResult)
        execution = self.message_type.FromString(begun.execution)
        if begun.has_callback_token:
            workflow.logger.info(
                "Callback token present, will complete external activity on finish execution_id=%s",
                params.execution_id,
            )
        run = workflow.start_activity(
            self.runner_activity,
            execution,
            task_queue=params.runner_task_queue,
            start_to_close_timeout=timedelta(seconds=params.runner_timeout_seconds),
            heartbeat_timeout=timedelta(seconds=params.runner_heartbeat_timeout_seconds),
            retry_policy=RetryPolicy(
                maximum_attempts=params.runner_maximum_attempts,
                initial_interval=timedelta(seconds=1),
            ),
            cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
            result_type=self.message_type,
        )
        try:
            await self._watch(run, ref, params, begun.has_callback_token)
            result = await run
        except asyncio.CancelledError:
            # This workflow was cancelled (by an operator): stop the run, then report it.
            run.cancel()
            await asyncio.shield(self._finish_cancelled(ref))
            raise
        except ActivityError as error:
            if stigmer_workflow.is_cancellation(error):
                return await self._finish_cancelled(ref)
            await self._finish_failed(ref, error)
            raise
        return await self._finish_completed(ref, result)

    async def _watch(
        self,
        run: workflow.ActivityHandle[message.Message],
        ref: ExecutionRef,
        params: InvokeInput,
        has_callback_token: bool,
    ) -> None:
        """Wait for the run; meanwhile heartbeat the caller and honour its cancel request."""
        while not run.done():
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    run.done, timeout=timedelta(seconds=params.caller_heartbeat_seconds)
                )
            if run.done() or not has_callback_token or self._caller_cancelled:
                continue
            outcome = await _step(HEARTBEAT_CALLER_ACTIVITY, ref, str)
            if outcome == "CANCEL_REQUESTED":
                workflow.logger.info(
                    "Caller requested cancellation execution_id=%s", ref.execution_id
                )
                self._caller_cancelled = True
                run.cancel()

    async def _load_token(self, ref: ExecutionRef) -> bytes:
        return await _step(LOAD_TOKEN_ACTIVITY, ref, bytes)

    async def _record(
        self, ref: ExecutionRef, token: bytes, outcome: CompletionResult | None
    ) -> None:
        await _step(
            RECORD_COMPLETION_ACTIVITY,
            RecordCompletionInput(
                ref.kind,
                ref.execution_id,
                outcome.outcome.name if outcome else "FAILED",
                token_digest(token),
            ),
            type(None),
        )

    async def _finish(self, finish: FinishInput) -> bytes:
        return await _step(FINISH_ACTIVITY, finish, bytes)

    async def _finish_completed(self, ref: ExecutionRef, result: message.Message) -> bytes:
        final = await self._finish(
            FinishInput(
                ref.kind,
                ref.execution_id,
                PHASE_COMPLETED,
                result=result.SerializeToString(deterministic=True),
            )
        )
        token = await self._load_token(ref)
        outcome = await stigmer_workflow.complete_caller(
            token, self.message_type.FromString(final), execution_id=ref.execution_id
        )
        await self._record(ref, token, outcome)
        return final

    async def _finish_failed(self, ref: ExecutionRef, error: ActivityError) -> None:
        failure = stigmer_workflow.failure_from_error(error, default_type="AGENT_EXECUTION_FAILED")
        await self._finish(
            FinishInput(
                ref.kind,
                ref.execution_id,
                PHASE_FAILED,
                error=failure.message,
                failure_type=failure.type,
                non_retryable=failure.non_retryable,
            )
        )
        token = await self._load_token(ref)
        outcome = await stigmer_workflow.fail_caller(token, failure, execution_id=ref.execution_id)
        await self._record(ref, token, outcome)

    async def _finish_cancelled(self, ref: ExecutionRef) -> bytes:
        final = await self._finish(
            FinishInput(ref.kind, ref.execution_id, PHASE_CANCELLED, error="cancelled")
        )
        token = await self._load_token(ref)
        outcome = await stigmer_workflow.cancel_caller(token, execution_id=ref.execution_id)
        await self._record(ref, token, outcome)
        return final


@workflow.defn(name=AGENT_WORKFLOW)
class InvokeAgentExecutionWorkflow(_InvokeExecution):
    """Runs one agent execution and completes its caller."""

    message_type = agent_api.AgentExecution
    runner_activity = AGENT_RUNNER_ACTIVITY

    @workflow.run
    async def run(self, params: InvokeInput) -> bytes:
        """Returns the final execution, serialized."""
        return await self._invoke(params)


@workflow.defn(name=WORKFLOW_WORKFLOW)
class InvokeWorkflowExecutionWorkflow(_InvokeExecution):
    """Runs one workflow execution and completes its caller."""

    message_type = workflow_api.WorkflowExecution
    runner_activity = WORKFLOW_RUNNER_ACTIVITY

    @workflow.run
    async def run(self, params: InvokeInput) -> bytes:
        """Returns the final execution, serialized."""
        return await self._invoke(params)
