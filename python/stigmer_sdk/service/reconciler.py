"""The orphan reconciler: starts the executions that never began, settles those whose workflow
closed without finishing.

At startup and every ``reconcile_interval``, it starts the workflows of a page of stored
executions that never began, the next round going on after it (``create`` persisted them, then
could not start their workflow: Temporal was down, or the service died in between). The start
is idempotent (`stigmer_sdk.service.start_invoke`), so a workflow that did start is left alone.
It also settles the executions whose workflow closed without recording an outcome (terminated by
an operator, timed out): FAILED, and their caller gets a typed failure instead of waiting for
good.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import temporalio.client
import temporalio.service

from stigmer_sdk._execution import Execution, ExecutionKind, ExecutionPhase, is_terminal, set_phase
from stigmer_sdk.service.config import ServiceSettings
from stigmer_sdk.service.executions import ExecutionUpdates
from stigmer_sdk.service.settlement import (
    FAILURE_NON_RETRYABLE_ANNOTATION,
    FAILURE_TYPE_ANNOTATION,
    CompletionDeferred,
    Settlement,
)
from stigmer_sdk.service.start_invoke import start_invoke, workflow_id_for
from stigmer_sdk.service.store import ExecutionStore

logger = logging.getLogger("stigmer_sdk.service")


#: Unstarted executions the reconciler starts at most per round (the next round goes on).
_RECONCILE_BATCH = 256


async def reconcile_unstarted(
    store: ExecutionStore,
    client: temporalio.client.Client,
    settings: ServiceSettings,
    *,
    older_than: timedelta,
    after: tuple[datetime, str] | None = None,
    limit: int = _RECONCILE_BATCH,
) -> tuple[int, tuple[datetime, str] | None]:
    """Start the workflows of up to ``limit`` stored executions that never began, the oldest
    after the keyset position ``after``; how many were started, and where the next round
    resumes (``None``: from the oldest again).

    Reads ids and kinds from the index of unstarted executions, never a blob or a token, and
    one page a round, so that its work does not grow with a backlog.
    """
    started = 0
    page = await store.unstarted_ids(older_than, after=after, limit=limit)
    for _created_at, execution_id, kind in page:
        try:
            if await start_invoke(client, settings, kind, execution_id):
                started += 1
        except temporalio.service.RPCError as error:
            logger.warning(
                "Could not start the workflow of an unstarted execution execution_id=%s error=%s",
                execution_id,
                error.message,
            )
            raise
    if started:
        logger.info("Reconciler started the workflows of %d unstarted executions", started)
    resume = (page[-1][0], page[-1][1]) if len(page) == limit else None
    return started, resume


#: Failure type delivered to a caller whose execution's workflow ended without finishing.
WORKFLOW_CLOSED_TYPE = "STIGMER_EXECUTION_WORKFLOW_CLOSED"
_CLOSED_STATUSES = ("Terminated", "TimedOut", "Canceled", "Failed", "ContinuedAsNew")


def _fail_closed(execution: Execution, *, message: str) -> None:
    if is_terminal(execution):
        return
    set_phase(execution, ExecutionPhase.EXECUTION_FAILED)
    execution.status.error = message
    annotations = execution.metadata.annotations
    annotations[FAILURE_TYPE_ANNOTATION] = WORKFLOW_CLOSED_TYPE
    annotations[FAILURE_NON_RETRYABLE_ANNOTATION] = "true"


@dataclass(frozen=True)
class ClosedRound:
    """What one round of `settle_closed` did."""

    #: Executions settled (FAILED, their outcome recorded).
    settled: int = 0
    #: Close time of the oldest workflow whose caller's completion was deferred (Temporal could
    #: not take it now): the next round must look back to it.
    oldest_deferred: datetime | None = None


async def settle_closed(
    store: ExecutionStore,
    updates: ExecutionUpdates,
    client: temporalio.client.Client,
    settings: ServiceSettings,
    *,
    since: datetime,
) -> ClosedRound:
    """Finish the executions whose workflow closed (since ``since``) without recording an outcome.

    An operator terminated the workflow, or it hit a timeout: its finish step never ran. The
    execution is marked FAILED and its caller gets a failure of type
    `WORKFLOW_CLOSED_TYPE`, recorded like any outcome (`Settlement.settle`); one Temporal cannot
    take now is left owed for the next round.
    """
    query = (
        f"TaskQueue = '{settings.service_task_queue}' AND ExecutionStatus IN "
        f"({', '.join(repr(status) for status in _CLOSED_STATUSES)}) AND "
        f"CloseTime > '{since.astimezone(UTC).isoformat().replace('+00:00', 'Z')}'"
    )
    settlement = Settlement(store, updates, client)
    settled = 0
    oldest_deferred: datetime | None = None
    async for closed in client.list_workflows(query):
        for kind in ExecutionKind:
            prefix = workflow_id_for(kind, "")
            if not closed.id.startswith(prefix):
                continue
            execution_id = closed.id.removeprefix(prefix)
            status = closed.status.name if closed.status else "CLOSED"
            close = functools.partial(
                _fail_closed,
                message=f"the execution's workflow ended without finishing: {status}",
            )
            try:
                outcome = await settlement.settle(execution_id, close, owed_only=True)
            except KeyError:
                continue
            except CompletionDeferred:
                closed_at = closed.close_time or since
                oldest_deferred = min(oldest_deferred or closed_at, closed_at)
                continue
            if outcome is None:
                continue
            logger.warning(
                "Settled an execution whose workflow closed without finishing "
                "execution_id=%s workflow_status=%s completion=%s",
                execution_id,
                status,
                outcome,
            )
            settled += 1
    return ClosedRound(settled, oldest_deferred)


async def _every(
    interval: timedelta, what: str, work: Callable[[], Awaitable[object]], *, first: bool
) -> None:
    if not first:
        await asyncio.sleep(interval.total_seconds())
    while True:
        try:
            await work()
        except Exception as error:  # noqa: BLE001 - a background loop must survive outages
            logger.warning("%s failed, retrying in %s: %s", what, interval, error)
        await asyncio.sleep(interval.total_seconds())


async def run_reconciler(
    store: ExecutionStore,
    updates: ExecutionUpdates,
    client: temporalio.client.Client,
    settings: ServiceSettings,
    *,
    interval: timedelta,
    older_than: timedelta,
) -> None:
    """`reconcile_unstarted` and `settle_closed` now and every ``interval``."""
    # Workflows that closed while no service ran are found from an hour before the start.
    since = datetime.now(UTC) - timedelta(hours=1)

    resume: tuple[datetime, str] | None = None

    async def once() -> None:
        nonlocal since, resume
        checked_at = datetime.now(UTC)
        _, resume = await reconcile_unstarted(
            store, client, settings, older_than=older_than, after=resume
        )
        closed = await settle_closed(store, updates, client, settings, since=since - interval)
        # A deferred settlement is looked for again from its close time on.
        since = min(checked_at, closed.oldest_deferred or checked_at)

    await _every(interval, "Reconciling unstarted executions", once, first=True)
