"""The service's bookkeeping activities: the store reads and writes of the invoke workflows.

They keep the workflow deterministic and the callback token out of its history: ``finish`` reads
the token from the store, completes the caller through the Temporal client and records the
outcome, so no token is ever an activity's input or result.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any

import temporalio.client
from temporalio import activity
from temporalio.exceptions import ApplicationError

from stigmer_sdk._execution import (
    Execution,
    ExecutionPhase,
    clear_callback_tokens,
    is_terminal,
    set_phase,
)
from stigmer_sdk.api.agentic.agentexecution.v1 import api_pb2 as agent_api
from stigmer_sdk.api.agentic.agentexecution.v1 import enum_pb2 as agent_enum
from stigmer_sdk.completion import CompletionOutcome
from stigmer_sdk.service.executions import ExecutionUpdates
from stigmer_sdk.service.invoke_workflow import (
    BEGIN_ACTIVITY,
    FINISH_ACTIVITY,
    ExecutionRef,
    FinishInput,
)
from stigmer_sdk.service.runner import now_rfc3339
from stigmer_sdk.service.settlement import (
    FAILURE_NON_RETRYABLE_ANNOTATION,
    FAILURE_TYPE_ANNOTATION,
    CompletionDeferred,
    Settlement,
)
from stigmer_sdk.service.store import CompletionState, ExecutionStore
from stigmer_sdk.tokens import token_preview

logger = logging.getLogger("stigmer_sdk.service")

#: Failure type of a service activity whose execution has no row in the store.
EXECUTION_NOT_IN_STORE = "ExecutionNotInStore"
#: Logged by the begin step, at the start of the service's workflow, when a caller is owed a
#: completion (the runbook greps for it, as for the deployed Go service's line).
COMPLETION_OWED_LOG = "Callback token present, will complete external activity on finish"


def _not_in_store(execution_id: str) -> ApplicationError:
    # Retryable on purpose: when two services with different stores poll one task queue
    # (a misconfiguration), a retry can land on the worker that owns the row.
    return ApplicationError(
        f"execution {execution_id} is not in this service's store; is another Stigmer "
        f"service with a different store polling task queue {activity.info().task_queue!r}?",
        type=EXECUTION_NOT_IN_STORE,
    )


def _start(execution: Execution) -> None:
    if not is_terminal(execution):
        set_phase(execution, ExecutionPhase.EXECUTION_IN_PROGRESS)
    if not execution.status.started_at:
        execution.status.started_at = now_rfc3339()


def _close(execution: Execution, *, finish: FinishInput, result: bytes) -> None:
    """Give ``execution`` its final status; keep the runner's status (messages, output)."""
    if result:
        runner_result = type(execution).FromString(result)
        started_at = execution.status.started_at
        execution.status.CopyFrom(runner_result.status)  # type: ignore[arg-type]
        clear_callback_tokens(execution)
        execution.status.started_at = execution.status.started_at or started_at
    set_phase(execution, finish.phase)
    if finish.error:
        execution.status.error = finish.error
    if finish.failure_type:
        annotations = execution.metadata.annotations
        annotations[FAILURE_TYPE_ANNOTATION] = finish.failure_type
        annotations[FAILURE_NON_RETRYABLE_ANNOTATION] = str(finish.non_retryable).lower()
    execution.status.completed_at = execution.status.completed_at or now_rfc3339()


class ServiceActivities:
    """Activities of the invoke workflows, bound to the store and the Temporal client."""

    def __init__(
        self,
        store: ExecutionStore,
        updates: ExecutionUpdates,
        temporal_client: temporalio.client.Client,
    ) -> None:
        self._updates = updates
        self._settlement = Settlement(store, updates, temporal_client)

    @activity.defn(name=BEGIN_ACTIVITY)
    async def begin(self, ref: ExecutionRef) -> bytes:
        """Mark the execution IN_PROGRESS; return it, serialized, for the runner (no token).

        Logs, when a caller is owed a completion, the runbook's line at the workflow's start
        (`COMPLETION_OWED_LOG`): the token's preview, digest and length, never the token.
        """
        try:
            execution, row = await self._updates.update_row(ref.execution_id, _start)
        except KeyError:
            raise _not_in_store(ref.execution_id) from None
        if row.completion_state is CompletionState.PENDING and row.callback_token:
            logger.info(
                "%s execution_id=%s token_preview=%s token_digest=%s token_length=%d",
                COMPLETION_OWED_LOG,
                ref.execution_id,
                token_preview(row.callback_token),
                row.callback_token_short_digest,
                len(row.callback_token),
            )
        return execution.SerializeToString(deterministic=True)

    @activity.defn(name=FINISH_ACTIVITY)
    async def finish(self, finish: FinishInput, result: bytes) -> str:
        """Write the final status, complete the caller, record the outcome; return its name.

        The token is read from the store by the settlement (`Settlement.settle`), so it never
        enters the workflow's history. A completion Temporal cannot take now (a transient error
        or an unexpected refusal) is raised, retryable: the step is retried, nothing recorded.
        Every other outcome is recorded in the same transaction as the final status; a retried
        caller's newer token, stored meanwhile, gets the outcome too.
        """
        try:
            outcome = await self._settlement.settle(
                finish.execution_id, functools.partial(_close, finish=finish, result=result)
            )
        except KeyError:
            raise _not_in_store(finish.execution_id) from None
        except CompletionDeferred as deferred:
            raise ApplicationError(str(deferred), type=deferred.failure_type) from None
        outcome = outcome or CompletionOutcome.EMPTY_TOKEN.name  # with a close, never None
        logger.info(
            "Execution finished execution_id=%s phase=%s completion=%s",
            finish.execution_id,
            ExecutionPhase.Name(ExecutionPhase.ValueType(finish.phase)),
            outcome,
        )
        return outcome

    async def record_progress(self, execution_id: str, note: str) -> None:
        """Append a progress note to an agent execution's messages (runner callback)."""

        def append(execution: Execution) -> None:
            # Not after the end (a run the workflow no longer waits for can still report).
            if is_terminal(execution):
                return
            if isinstance(execution, agent_api.AgentExecution):
                execution.status.messages.add(
                    type=agent_enum.MESSAGE_SYSTEM, content=note, timestamp=now_rfc3339()
                )

        try:
            await self._updates.update(execution_id, append)
        except KeyError:
            logger.warning("Progress for an unknown execution execution_id=%s", execution_id)

    def activities(self) -> Sequence[Callable[..., Any]]:
        """The activities to register on the service worker."""
        return [self.begin, self.finish]
