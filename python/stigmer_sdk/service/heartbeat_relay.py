"""The caller-heartbeat relay (`HeartbeatRelay`).

On the leading replica only, every ``caller_heartbeat_interval`` it heartbeats the callers still
owed a completion, with the latest progress note as the details, within
``caller_heartbeat_budget`` RPCs a second, reading ids and tokens from an index, never an
execution. When Temporal answers that the caller asked to cancel, it signals the execution's
workflow (`CALLER_CANCEL_SIGNAL`), which cancels the run. Running here rather than in each
workflow saves every handshake a timer and a local activity per interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import temporalio.client
import temporalio.service

from stigmer_sdk.completion import (
    HeartbeatOutcome,
    HeartbeatResult,
    heartbeat_external_activity,
)
from stigmer_sdk.service.invoke_workflow import (
    CALLER_CANCEL_SIGNAL,
)
from stigmer_sdk.service.start_invoke import workflow_id_for
from stigmer_sdk.service.store import ExecutionStore, HeartbeatTarget

if TYPE_CHECKING:
    from stigmer_sdk.service.leader import ReplicaLeadership

logger = logging.getLogger("stigmer_sdk.service")


#: Heartbeats the relay sends at once.
_RELAY_CONCURRENCY = 32


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
                    self._log_not_heartbeated(target, target.callback_token_error)
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
            self._log_not_heartbeated(target, error)
            return False

    @staticmethod
    def _log_not_heartbeated(target: HeartbeatTarget, error: object) -> None:
        logger.warning(
            "Could not heartbeat a caller execution_id=%s token_preview=%s token_digest=%s "
            "error=%s",
            target.id,
            target.callback_token_preview,
            target.callback_token_short_digest,
            error,
        )
