"""Starting an execution's invoke workflow: the one start-or-join, for ``create``, ``cancel`` and
the reconciler.

The workflow id is derived from the execution id (`workflow_id_for`), so a repeated start is
harmless: a running workflow is kept (USE_EXISTING) and a closed one is never run again
(REJECT_DUPLICATE). Its input comes from the service's settings (`invoke_input`).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import temporalio.client
import temporalio.service
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from stigmer_sdk._execution import ExecutionKind
from stigmer_sdk.service.config import ServiceSettings
from stigmer_sdk.service.invoke_workflow import (
    AGENT_WORKFLOW,
    CALLER_CANCEL_SIGNAL,
    WORKFLOW_WORKFLOW,
    InvokeInput,
)

#: How long a workflow start may take before ``create`` ACKs without it (the reconciler starts it).
_START_TIMEOUT = timedelta(seconds=5)


def workflow_id_for(kind: ExecutionKind, execution_id: str) -> str:
    """The invoke workflow id of an execution: derived, so a repeated start is harmless."""
    return f"stigmer-{kind.value}-execution-{execution_id}"


def invoke_input(settings: ServiceSettings, kind: ExecutionKind, execution_id: str) -> InvokeInput:
    """The invoke workflow's input for an execution, from the service's settings."""
    agent = kind is ExecutionKind.AGENT
    return InvokeInput(
        execution_id=execution_id,
        kind=kind.value,
        runner_task_queue=(
            settings.agent_runner_task_queue if agent else settings.workflow_runner_task_queue
        ),
        caller_heartbeat_seconds=settings.caller_heartbeat_interval.total_seconds(),
        runner_heartbeat_timeout_seconds=settings.runner_heartbeat_timeout.total_seconds(),
        runner_timeout_seconds=settings.runner_timeout.total_seconds(),
        runner_maximum_attempts=settings.runner_maximum_attempts,
        runner_initial_interval_seconds=settings.runner_retry_initial_interval.total_seconds(),
        runner_maximum_interval_seconds=settings.runner_retry_maximum_interval.total_seconds(),
        runner_contract=settings.runner_contract,
    )


async def start_invoke(
    client: temporalio.client.Client,
    settings: ServiceSettings,
    kind: ExecutionKind,
    execution_id: str,
    *,
    eager: bool = True,
) -> bool:
    """Start the execution's invoke workflow; ``False`` when it already ran (and closed).

    Idempotent: a running workflow is kept (USE_EXISTING) and a closed one is never run again
    (REJECT_DUPLICATE). With ``eager``, its first workflow task comes back in the start's answer
    when this process's service worker has a free slot (the SDK asks only then), saving its
    dispatch through matching.

    Raises:
        temporalio.service.RPCError: Temporal could not be reached, or refused.
    """
    return await _start_or_join(client, settings, kind, execution_id, request_eager_start=eager)


async def request_cancel(
    client: temporalio.client.Client,
    settings: ServiceSettings,
    kind: ExecutionKind,
    execution_id: str,
) -> bool:
    """Signal the execution's invoke workflow to stop its run (`CALLER_CANCEL_SIGNAL`), starting
    the workflow with the signal if it never started; ``False`` when it already ran (and closed).

    The signal is the one the heartbeat relay sends when a caller's heartbeat answer says
    cancel: the workflow cancels the runner activity, whose heartbeats tell the agent, and ends
    the execution CANCELLED (its caller gets the cancellation from the settlement).

    Raises:
        temporalio.service.RPCError: Temporal could not be reached, or refused.
    """
    return await _start_or_join(
        client, settings, kind, execution_id, start_signal=CALLER_CANCEL_SIGNAL
    )


async def _start_or_join(
    client: temporalio.client.Client,
    settings: ServiceSettings,
    kind: ExecutionKind,
    execution_id: str,
    *,
    request_eager_start: bool = False,
    start_signal: str | None = None,
) -> bool:
    """The one start of an execution's invoke workflow (`start_invoke`, `request_cancel`):
    a running workflow is kept (USE_EXISTING, the signal, if any, still sent), a closed one is
    never run again (REJECT_DUPLICATE: ``False``). Bounded, the client's own retries included."""
    start = client.start_workflow(
        AGENT_WORKFLOW if kind is ExecutionKind.AGENT else WORKFLOW_WORKFLOW,
        invoke_input(settings, kind, execution_id),
        id=workflow_id_for(kind, execution_id),
        task_queue=settings.service_task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        request_eager_start=request_eager_start,
        start_signal=start_signal,
    )
    try:
        # The reconciler (or the caller's retry) starts it later.
        await asyncio.wait_for(start, _START_TIMEOUT.total_seconds())
    except WorkflowAlreadyStartedError:
        return False
    except TimeoutError:
        raise temporalio.service.RPCError(
            f"Temporal did not answer within {_START_TIMEOUT.total_seconds():g} s",
            temporalio.service.RPCStatusCode.DEADLINE_EXCEEDED,
            b"",
        ) from None
    return True
