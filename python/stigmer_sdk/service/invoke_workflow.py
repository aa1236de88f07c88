"""The service's Temporal workflows: run one execution and complete its caller.

``stigmer/agent-execution/invoke`` (and ``stigmer/workflow-execution/invoke``), per handshake:

1. ``begin`` (local activity): mark the execution IN_PROGRESS, return it (without token);
2. the runner activity on the runner task queue (`stigmer_sdk.service.runner`), retried
   with backoff until the execution's deadline by default;
3. ``finish`` (local activity): write the final status, complete the caller through the
   Temporal client with the token it reads from the store itself, and record the outcome with
   the token's digest, the last two in one store transaction.

Three store writes in all (create, begin, finish), two local activities and no timer. No token
travels through history: the workflow input names the execution, the local activities' results
are the execution (begin) and the completion outcome (finish). The inputs and outputs are
``binary/plain`` bytes, ``binary/protobuf`` messages, or small JSON records of strings and
numbers (`stigmer_sdk.service.codec`).

Every way out of the run records an outcome: success, failure (also of ``begin``), the caller's
cancel request (sent as the `CALLER_CANCEL_SIGNAL` signal by the service's ``cancel`` or its
heartbeat relay, see `stigmer_sdk.service.heartbeat_relay`; a cancel recorded in the store
before the run began is seen by ``begin``), or this workflow's own cancellation. A token that
cannot be delivered is recorded as ``INVALID_TOKEN`` or ``ALREADY_COMPLETED``, never left owed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar, TypeVar

from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutType
from temporalio.exceptions import TimeoutError as TemporalTimeoutError
from temporalio.workflow import ActivityCancellationType

with workflow.unsafe.imports_passed_through():
    import temporalio.converter
    from google.protobuf import message

    from stigmer_sdk import _contract
    from stigmer_sdk import in_workflow as stigmer_workflow
    from stigmer_sdk._execution import ExecutionPhase
    from stigmer_sdk.api.agentic.agentexecution.v1 import api_pb2 as agent_api
    from stigmer_sdk.api.agentic.agentexecution.v1 import status_pb2 as agent_status
    from stigmer_sdk.api.agentic.workflowexecution.v1 import api_pb2 as workflow_api
    from stigmer_sdk.api.sdk.v1 import completion_pb2
    from stigmer_sdk.service.runner import (
        AGENT_EXECUTION_TIMEOUT,
        AGENT_RUNNER_ACTIVITY,
        ENSURE_THREAD_ACTIVITY,
        EXECUTE_GRAPHTON_ACTIVITY,
        RUNNER_CONTRACT_DEPLOYED,
        RUNNER_CONTRACT_SDK,
        WORKFLOW_RUNNER_ACTIVITY,
    )

#: Timeouts that mean the run took longer than the execution's deadline (a heartbeat timeout
#: means its worker was lost; it is retried, and reported as a failure if it persists).
_DEADLINE_TIMEOUTS = frozenset({TimeoutType.START_TO_CLOSE, TimeoutType.SCHEDULE_TO_CLOSE})


def _past_deadline(error: ActivityError) -> bool:
    cause = error.cause
    return isinstance(cause, TemporalTimeoutError) and cause.type in _DEADLINE_TIMEOUTS


AGENT_WORKFLOW = "stigmer/agent-execution/invoke"
WORKFLOW_WORKFLOW = "stigmer/workflow-execution/invoke"

BEGIN_ACTIVITY = "stigmer/service/begin-execution"
FINISH_ACTIVITY = "stigmer/service/finish-execution"

#: Signal that stops the run: sent by the service's ``cancel`` (with a signal-with-start) and by
#: its heartbeat relay when a caller's heartbeat answer says cancel.
CALLER_CANCEL_SIGNAL = "stigmer/caller-cancel-requested"
#: Annotation the service's ``cancel`` writes on the stored execution before it signals: the
#: begin step hands it to the workflow, so that a cancel accepted before a crash, whose signal
#: never went out, still ends the execution CANCELLED when the reconciler starts its workflow.
CANCEL_REQUESTED_ANNOTATION = "stigmer.ai/cancel-requested"

_T = TypeVar("_T")

#: Options of the service's own bookkeeping steps (store reads and writes, the completion).
#: Retried without limit, backing off to a minute: a store or Temporal outage delays the
#: outcome, it never loses it.
_STEP_TIMEOUT = timedelta(seconds=60)
_STEP_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
    maximum_attempts=0,
)


@dataclass
class InvokeInput:
    """Input of the invoke workflows: which execution, and how to run it."""

    execution_id: str
    kind: str
    runner_task_queue: str
    #: Unused since the service's heartbeat relay heartbeats callers; kept for older starts.
    caller_heartbeat_seconds: float = 30.0
    runner_heartbeat_timeout_seconds: float = 30.0
    #: The execution's deadline: the run, all its attempts included, must end within it.
    runner_timeout_seconds: float = 24 * 3600.0
    #: Run attempts; 0 retries until the deadline.
    runner_maximum_attempts: int = 0
    runner_initial_interval_seconds: float = 1.0
    runner_maximum_interval_seconds: float = 60.0
    #: ``stigmer`` (the SDK's runner activity) or ``deployed`` (EnsureThread + ExecuteGraphton).
    runner_contract: str = RUNNER_CONTRACT_SDK


@dataclass
class ExecutionRef:
    """Names one stored execution."""

    kind: str
    execution_id: str


@dataclass
class FinishInput:
    """How the run ended; the runner's result travels beside it as raw bytes."""

    kind: str
    execution_id: str
    phase: int
    error: str = ""
    #: Failure type and retryability of a FAILED execution, kept for redelivery.
    failure_type: str = ""
    non_retryable: bool = False


async def _step(activity: str, args: list[Any], result_type: type[_T]) -> _T:
    # Local activities: quick store reads and writes on this worker, without a task queue
    # round trip each, and without their inputs in history.
    result: _T = await workflow.execute_local_activity(
        activity,
        args=args,
        result_type=result_type,
        start_to_close_timeout=_STEP_TIMEOUT,
        retry_policy=_STEP_RETRY,
    )
    return result


class _InvokeExecution:
    message_type: ClassVar[type[message.Message]]
    runner_activity: ClassVar[str]

    def __init__(self) -> None:
        self._caller_cancelled = False
        self._run: asyncio.Task[Any] | None = None

    @workflow.signal(name=CALLER_CANCEL_SIGNAL)
    def caller_cancel_requested(self) -> None:
        """The caller asked to cancel: stop the run; the caller gets a cancellation."""
        if self._caller_cancelled:
            return
        workflow.logger.info("Caller requested cancellation")
        self._caller_cancelled = True
        if self._run is not None:
            self._run.cancel()

    def _runner_options(self, params: InvokeInput) -> dict[str, Any]:
        deadline = timedelta(seconds=params.runner_timeout_seconds)
        return {
            "task_queue": params.runner_task_queue,
            "start_to_close_timeout": deadline,
            "schedule_to_close_timeout": deadline,
            "heartbeat_timeout": timedelta(seconds=params.runner_heartbeat_timeout_seconds),
            "retry_policy": RetryPolicy(
                maximum_attempts=params.runner_maximum_attempts,
                initial_interval=timedelta(seconds=params.runner_initial_interval_seconds),
                maximum_interval=timedelta(seconds=params.runner_maximum_interval_seconds),
            ),
            "cancellation_type": ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        }

    async def _run_execution(self, params: InvokeInput, execution: message.Message) -> bytes:
        """Run it on the runner; the execution with its final status, serialized."""
        options = self._runner_options(params)
        if params.runner_contract != RUNNER_CONTRACT_DEPLOYED or not isinstance(
            execution, agent_api.AgentExecution
        ):
            result: message.Message = await workflow.execute_activity(
                self.runner_activity, execution, result_type=self.message_type, **options
            )
            return result.SerializeToString(deterministic=True)
        thread_id = await workflow.execute_activity(
            ENSURE_THREAD_ACTIVITY,
            args=[execution.spec.session_id, execution.spec.agent_id],
            result_type=str,
            **options,
        )
        # As the deployed service sends it: json/protobuf.
        payload = temporalio.converter.JSONProtoPayloadConverter().to_payload(execution)
        assert payload is not None
        status = await workflow.execute_activity(
            EXECUTE_GRAPHTON_ACTIVITY,
            args=[RawValue(payload), thread_id],
            result_type=agent_status.AgentExecutionStatus,
            **options,
        )
        final = agent_api.AgentExecution()
        final.CopyFrom(execution)
        final.status.CopyFrom(status)
        return final.SerializeToString(deterministic=True)

    async def _invoke(self, params: InvokeInput) -> str:
        ref = ExecutionRef(params.kind, params.execution_id)
        try:
            begun = await _step(BEGIN_ACTIVITY, [ref], bytes)
        except ActivityError as error:
            # Not in this store (after all retries of a misrouted task): nothing to record.
            failure = stigmer_workflow.failure_from_error(error, default_type="STIGMER_BEGIN")
            raise ApplicationError(failure.message, type=failure.type) from error
        execution = self.message_type.FromString(begun)
        metadata: Any = execution.metadata  # type: ignore[attr-defined]
        if self._caller_cancelled or CANCEL_REQUESTED_ANNOTATION in metadata.annotations:
            return await self._finish_cancelled(ref)
        self._run = asyncio.ensure_future(self._run_execution(params, execution))
        try:
            result: bytes = await self._run
        except asyncio.CancelledError:
            if self._caller_cancelled:
                return await self._finish_cancelled(ref)
            # This workflow was cancelled (by an operator): report it, then end cancelled.
            await asyncio.shield(asyncio.ensure_future(self._finish_cancelled(ref)))
            raise
        except ActivityError as error:
            if self._caller_cancelled or stigmer_workflow.is_cancellation(error):
                return await self._finish_cancelled(ref)
            failure = stigmer_workflow.failure_from_error(
                error, default_type=_contract.FAILURE_AGENT_EXECUTION_FAILED
            )
            past_deadline = _past_deadline(error)
            if past_deadline:
                failure = completion_pb2.ActivityFailure(
                    message=(
                        "the execution ran past its deadline of "
                        f"{params.runner_timeout_seconds:g} s"
                    ),
                    type=AGENT_EXECUTION_TIMEOUT,
                    non_retryable=True,
                )
            await self._finish(
                ref,
                ExecutionPhase.EXECUTION_FAILED,
                error=failure.message,
                failure_type=failure.type,
                non_retryable=failure.non_retryable,
            )
            if past_deadline:  # the service's workflow fails with the same type
                raise ApplicationError(
                    failure.message, type=AGENT_EXECUTION_TIMEOUT, non_retryable=True
                ) from error
            raise
        if self._caller_cancelled:
            # The run finished after the caller asked to cancel: a cancellation, not a late
            # success.
            return await self._finish_cancelled(ref)
        return await self._finish(ref, ExecutionPhase.EXECUTION_COMPLETED, result=result)

    async def _finish_cancelled(self, ref: ExecutionRef) -> str:
        return await self._finish(ref, ExecutionPhase.EXECUTION_CANCELLED, error="cancelled")

    async def _finish(
        self,
        ref: ExecutionRef,
        phase: int,
        *,
        result: bytes = b"",
        error: str = "",
        failure_type: str = "",
        non_retryable: bool = False,
    ) -> str:
        """Write the final status, complete the caller, record the outcome: its name."""
        finish = FinishInput(ref.kind, ref.execution_id, phase, error, failure_type, non_retryable)
        return await _step(FINISH_ACTIVITY, [finish, result], str)


@workflow.defn(name=AGENT_WORKFLOW)
class InvokeAgentExecutionWorkflow(_InvokeExecution):
    """Runs one agent execution and completes its caller."""

    message_type = agent_api.AgentExecution
    runner_activity = AGENT_RUNNER_ACTIVITY

    @workflow.run
    async def run(self, params: InvokeInput) -> str:
        """Returns the completion outcome (``COMPLETED``, ``EMPTY_TOKEN``, ...)."""
        return await self._invoke(params)


@workflow.defn(name=WORKFLOW_WORKFLOW)
class InvokeWorkflowExecutionWorkflow(_InvokeExecution):
    """Runs one workflow execution and completes its caller."""

    message_type = workflow_api.WorkflowExecution
    runner_activity = WORKFLOW_RUNNER_ACTIVITY

    @workflow.run
    async def run(self, params: InvokeInput) -> str:
        """Returns the completion outcome (``COMPLETED``, ``EMPTY_TOKEN``, ...)."""
        return await self._invoke(params)
