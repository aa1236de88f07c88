"""The service's Temporal side: its workers, the caller-heartbeat relay and the orphan reconciler.

- **Workers.** The service worker (the invoke workflows, their bookkeeping activities and the
  system activity) and, with the built-in runner, the runner workers. They run on a client with
  `stigmer_sdk.service.codec.service_data_converter`, so the workflows' I/O is binary.
- **Heartbeat relay** (`HeartbeatRelay`). On the leading replica only, every
  ``caller_heartbeat_interval`` it heartbeats the callers still owed a completion, with the latest
  progress note as the details, within ``caller_heartbeat_budget`` RPCs a second, reading ids and
  tokens from an index, never an execution. When Temporal answers that the caller asked to
  cancel, it signals the execution's workflow
  (`CALLER_CANCEL_SIGNAL`), which cancels the run. Running
  here rather than in each workflow saves every handshake a timer and a local activity per
  interval.
- **Reconciler.** At startup and every ``reconcile_interval``, it starts the workflows of a page
  of stored executions that never began, the next round going on after it (``create`` persisted
  them, then could not start their workflow: Temporal was down, or the service died in
  between). The start is idempotent (the workflow id is derived from the execution id), so a
  workflow that did start is left alone. It also settles
  the executions whose workflow closed without recording an outcome (terminated by an operator,
  timed out): FAILED, and their caller gets a typed failure instead of waiting for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import temporalio.client
import temporalio.service
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.worker import Worker

from stigmer_sdk._execution import PHASE_FAILED, Execution, ExecutionKind, is_terminal, set_phase
from stigmer_sdk.completion import (
    HeartbeatOutcome,
    HeartbeatResult,
    heartbeat_external_activity,
)
from stigmer_sdk.service.activities import ServiceActivities
from stigmer_sdk.service.codec import service_data_converter
from stigmer_sdk.service.config import ServiceSettings
from stigmer_sdk.service.executions import ExecutionUpdates
from stigmer_sdk.service.runner import RUNNER_CONTRACT_SDK, Runner, RunnerActivities
from stigmer_sdk.service.settlement import (
    FAILURE_NON_RETRYABLE_ANNOTATION,
    FAILURE_TYPE_ANNOTATION,
    CompletionDeferred,
    Settlement,
)
from stigmer_sdk.service.store import ExecutionStore, HeartbeatTarget
from stigmer_sdk.service.workflows import (
    AGENT_WORKFLOW,
    CALLER_CANCEL_SIGNAL,
    WORKFLOW_WORKFLOW,
    InvokeAgentExecutionWorkflow,
    InvokeInput,
    InvokeWorkflowExecutionWorkflow,
)
from stigmer_sdk.system import SystemActivities, log_registered
from stigmer_sdk.worker import sandboxed_workflow_runner

if TYPE_CHECKING:
    from stigmer_sdk.service.leader import ReplicaLeadership

logger = logging.getLogger("stigmer_sdk.service")

#: How long a workflow start may take before ``create`` ACKs without it (the reconciler starts it).
_START_TIMEOUT = timedelta(seconds=5)
#: Heartbeats the relay sends at once.
_RELAY_CONCURRENCY = 32
#: How often runner heartbeats may reach Temporal, so that a cancel request reaches the run soon.
_RUNNER_HEARTBEAT_THROTTLE = timedelta(seconds=1)


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


def worker_client(client: temporalio.client.Client) -> temporalio.client.Client:
    """A client on ``client``'s connection with the service's binary data converter."""
    config = client.config()
    config["data_converter"] = service_data_converter(config["data_converter"].payload_codec)
    return temporalio.client.Client(**config)


def service_workers(
    client: temporalio.client.Client,
    store: ExecutionStore,
    updates: ExecutionUpdates,
    settings: ServiceSettings,
    runner: Runner | None,
    *,
    graceful_shutdown: timedelta = timedelta(0),
) -> list[Worker]:
    """The service worker, and the runner workers when ``runner`` is given.

    ``client`` is the service's client: callers are completed through it (their results are
    written as binary protobuf either way); the workers poll through `worker_client`. On
    shutdown each worker lets the tasks it holds run for up to ``graceful_shutdown`` (a replica's
    drain) before they are cancelled and retried elsewhere.
    """
    polling = worker_client(client)
    service_activities = ServiceActivities(store, updates, client)
    # Runner activities on the service's own queue (colocated_runner_settings) are served by the
    # service worker, so that they are dispatched eagerly; the others by runner workers.
    runner_queues: dict[str, list[Callable[..., Any]]] = {}
    if runner is not None:
        runner_activities = RunnerActivities(runner, on_progress=service_activities.record_progress)
        runner_queues.setdefault(settings.agent_runner_task_queue, []).extend(
            [runner_activities.run_agent, *runner_activities.deployed_activities()]
        )
        runner_queues.setdefault(settings.workflow_runner_task_queue, []).append(
            runner_activities.run_workflow
        )
    colocated = runner_queues.pop(settings.service_task_queue, [])
    workers = [
        Worker(
            polling,
            task_queue=settings.service_task_queue,
            workflows=[InvokeAgentExecutionWorkflow, InvokeWorkflowExecutionWorkflow],
            activities=[
                *service_activities.activities(),
                *SystemActivities(client).activities(),
                *colocated,
            ],
            workflow_runner=sandboxed_workflow_runner(),
            max_cached_workflows=settings.max_cached_workflows,
            graceful_shutdown_timeout=graceful_shutdown,
            # As on a runner worker: heartbeats of colocated runs reach Temporal soon enough for
            # a cancel to reach them (the service's own activities do not heartbeat).
            max_heartbeat_throttle_interval=_RUNNER_HEARTBEAT_THROTTLE,
            default_heartbeat_throttle_interval=_RUNNER_HEARTBEAT_THROTTLE,
        )
    ]
    log_registered(settings.service_task_queue)
    workers += [
        runner_worker(polling, queue, activities, graceful_shutdown=graceful_shutdown)
        for queue, activities in runner_queues.items()
    ]
    return workers


def colocated_runner_settings(settings: ServiceSettings, builtin_runner: bool) -> ServiceSettings:
    """``settings`` with the runner queues moved onto the service's own queue, when it applies.

    It applies with the built-in runner on the SDK's contract and ``colocate_builtin_runner``: a
    deployed-contract runner keeps the deployed queue names, and an external runner polls its own.
    """
    if not (
        builtin_runner
        and settings.colocate_builtin_runner
        and settings.runner_contract == RUNNER_CONTRACT_SDK
    ):
        return settings
    return replace(
        settings,
        agent_runner_task_queue=settings.service_task_queue,
        workflow_runner_task_queue=settings.service_task_queue,
    )


def runner_worker(
    client: temporalio.client.Client,
    task_queue: str,
    activities: Sequence[Callable[..., Any]],
    *,
    graceful_shutdown: timedelta = timedelta(0),
) -> Worker:
    """A worker serving runner activities, its heartbeats sent soon enough for cancellation.

    Also the stand-in for a deployed Stigmer service's agent runner:

    ```python
    activities = RunnerActivities(ScriptedRunner()).deployed_activities()
    worker = runner_worker(client, AGENT_RUNNER_TASK_QUEUE, activities)
    ```

    It polls through `worker_client` (``client`` may be any client): the deployed service
    sends the execution as ``json/protobuf`` with fields this SDK may not know, which the
    default converter refuses and the service's converter ignores.
    """
    return Worker(
        worker_client(client),
        task_queue=task_queue,
        activities=activities,
        max_heartbeat_throttle_interval=_RUNNER_HEARTBEAT_THROTTLE,
        default_heartbeat_throttle_interval=_RUNNER_HEARTBEAT_THROTTLE,
        graceful_shutdown_timeout=graceful_shutdown,
    )


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
    set_phase(execution, PHASE_FAILED)
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


#: Owed completions the relay reads per store page (at most; a round reads only its budget).
_RELAY_PAGE = 500

HeartbeatFunction = Callable[..., Awaitable[HeartbeatResult]]


@dataclass(frozen=True)
class RelayRound:
    """What one round of `HeartbeatRelay` did."""

    #: Heartbeat RPCs sent to Temporal (at most `HeartbeatRelay.per_round`).
    sent: int = 0
    #: Cancel requests learned and signalled to the executions' workflows.
    cancelled: int = 0
    #: Whether this replica led (only the leader relays).
    led: bool = False


class HeartbeatRelay:
    """Heartbeats the callers still owed a completion, within a budget of RPCs a second.

    It exists to learn of cancel requests (an async-completed activity hears of them only in a
    heartbeat's answer) and to relay the latest progress note as the heartbeat's details. Its work
    per interval does not grow with the backlog:

    - only the leader relays (``leadership``; one replica of all those sharing a store);
    - a round sends at most `per_round` = ``budget`` x ``interval`` heartbeats, one every
      ``1 / budget`` seconds (spread over the interval, never a burst), and resumes where the
      previous round stopped, so that with more owed completions than a round holds each is
      heartbeated every ``ceil(pending / per_round)`` intervals;
    - it reads keyset pages of ids, tokens and progress notes from an index
      (`ExecutionStore.heartbeat_targets`), never an execution blob;
    - it skips callers that opted out (``stigmer.ai/caller-heartbeats: none``).

    When Temporal answers that the caller asked to cancel, it signals the execution's workflow
    (`CALLER_CANCEL_SIGNAL`).
    """

    def __init__(
        self,
        store: ExecutionStore,
        client: temporalio.client.Client,
        *,
        interval: timedelta,
        budget: float,
        leadership: ReplicaLeadership | None = None,
        heartbeat: HeartbeatFunction | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if budget <= 0:
            raise ValueError(f"the caller-heartbeat budget must be above 0, got {budget}")
        if interval <= timedelta(0):
            raise ValueError(f"the caller-heartbeat interval must be above 0, got {interval}")
        self._store = store
        self._client = client
        self._interval = interval.total_seconds()
        self._spacing = 1.0 / budget
        self._leadership = leadership
        self._heartbeat: HeartbeatFunction = heartbeat or functools.partial(
            heartbeat_external_activity, client
        )
        self._sleep = sleep
        self._clock = clock
        #: Id of the last execution heartbeated: the next round resumes after it.
        self._cursor = ""
        #: When the next heartbeat may be sent (the pacing carries over from round to round).
        self._next_at = 0.0
        #: Heartbeats sent since the relay was made (for tests and benchmarks).
        self.sent = 0
        self.per_round = max(1, math.floor(budget * self._interval))

    async def relay_round(self) -> RelayRound:
        """One interval's heartbeats, when this replica leads."""
        if self._leadership is not None and not await self._leadership.is_leader():
            self._cursor = ""
            return RelayRound()
        semaphore = asyncio.Semaphore(_RELAY_CONCURRENCY)
        beats: list[asyncio.Task[bool]] = []
        began_after, wrapped, slots = self._cursor, False, self.per_round
        while slots > 0:
            page = await self._store.heartbeat_targets(
                after=self._cursor, limit=min(_RELAY_PAGE, slots)
            )
            if wrapped:  # no execution twice in a round
                page = [target for target in page if target.id <= began_after]
            if not page:
                if wrapped or not began_after:
                    self._cursor = ""
                    break
                wrapped, self._cursor = True, ""
                continue
            for target in page:
                slots -= 1
                if not target.callback_token:
                    self._log_undecryptable(target)
                    continue
                await self._pace()
                beats.append(asyncio.create_task(self._beat(target, semaphore)))
            self._cursor = page[-1].id
            if wrapped and self._cursor >= began_after:
                break
        cancelled = sum(await asyncio.gather(*beats))
        self.sent += len(beats)
        return RelayRound(sent=len(beats), cancelled=cancelled, led=True)

    async def run(self) -> None:
        """A round every ``interval``, until cancelled."""
        while True:
            started = self._clock()
            try:
                await self.relay_round()
            except Exception as error:  # noqa: BLE001 - a background loop must survive outages
                logger.warning("Heartbeating callers failed, retrying: %s", error)
            await self._sleep(max(0.0, self._interval - (self._clock() - started)))

    async def _pace(self) -> None:
        now = self._clock()
        if self._next_at > now:
            await self._sleep(self._next_at - now)
            now = self._clock()
        self._next_at = max(self._next_at, now) + self._spacing

    async def _beat(self, target: HeartbeatTarget, semaphore: asyncio.Semaphore) -> bool:
        """Heartbeat one caller; whether it asked to cancel (and its workflow was signalled).

        One caller's failure (Temporal refusing its token for another reason) hides no other.
        """
        details = [target.progress_note] if target.progress_note else []
        try:
            async with semaphore:
                result = await self._heartbeat(target.callback_token, *details)
                if result.outcome is not HeartbeatOutcome.CANCEL_REQUESTED:
                    return False
                logger.info(
                    "Caller requested cancellation execution_id=%s token_preview=%s "
                    "token_digest=%s",
                    target.id,
                    target.callback_token_preview,
                    target.callback_token_short_digest,
                )
                handle = self._client.get_workflow_handle(workflow_id_for(target.kind, target.id))
                with contextlib.suppress(temporalio.service.RPCError):  # closed meanwhile
                    await handle.signal(CALLER_CANCEL_SIGNAL)
                    return True
                return False
        except Exception as error:  # noqa: BLE001 - logged per caller
            logger.warning(
                "Could not heartbeat a caller execution_id=%s token_preview=%s token_digest=%s "
                "error=%s",
                target.id,
                target.callback_token_preview,
                target.callback_token_short_digest,
                error,
            )
            return False

    @staticmethod
    def _log_undecryptable(target: HeartbeatTarget) -> None:
        logger.warning(
            "Could not heartbeat a caller execution_id=%s token_preview=%s token_digest=%s "
            "error=%s",
            target.id,
            target.callback_token_preview,
            target.callback_token_short_digest,
            target.callback_token_error,
        )


def background_tasks(
    store: ExecutionStore,
    updates: ExecutionUpdates,
    client: temporalio.client.Client,
    settings: ServiceSettings,
    leadership: ReplicaLeadership | None = None,
) -> list[asyncio.Task[None]]:
    """Start the heartbeat relay (on the leader, unless its budget is 0) and the reconciler
    (cancel the tasks to stop them)."""
    tasks = [
        asyncio.create_task(
            run_reconciler(
                store,
                updates,
                client,
                settings,
                interval=settings.reconcile_interval,
                older_than=settings.reconcile_older_than,
            )
        ),
    ]
    if settings.caller_heartbeat_budget > 0:
        relay = HeartbeatRelay(
            store,
            client,
            interval=settings.caller_heartbeat_interval,
            budget=settings.caller_heartbeat_budget,
            leadership=leadership,
        )
        tasks.insert(0, asyncio.create_task(relay.run()))
    return tasks
