"""Which replica does the store-wide work: the pending gauge and the caller-heartbeat relay.

``stigmer_pending_external_activities`` counts rows of a store that every replica shares. If every
replica exported the full count, ``sum()`` over replicas would report N times the truth and the
autoscaler's per-pod average would never fall. So one replica, the holder of a PostgreSQL
session-level advisory lock, exports the counts; the others export zeros. The same replica runs
the caller-heartbeat relay, so that Temporal gets one replica's budget of heartbeats, not N.
When the leader dies its session ends, the lock is released, and another replica takes over at
its next check.

A SQLite store belongs to one process, which always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import psycopg

logger = logging.getLogger("stigmer_sdk.service.replica")

#: Advisory-lock key of the gauge leader (distinct from the migrations' lock).
GAUGE_LEADER_LOCK_ID = 0x5354_4947_4C45_4144  # "STIGLEAD"


def _postgres(store_url: str) -> bool:
    return store_url.startswith(("postgresql://", "postgres://"))


class ReplicaLeadership:
    """Tracks whether this replica leads, re-electing itself as sessions come and go.

    One instance may serve several loops (the gauge, the relay) of one replica: its checks are
    serialised, and once `close` d it never leads again.
    """

    def __init__(self, store_url: str) -> None:
        self._url = store_url.replace("postgres://", "postgresql://", 1)
        self._shared = _postgres(store_url)
        self._connection: psycopg.AsyncConnection[tuple[object, ...]] | None = None
        self._checking = asyncio.Lock()
        self._closed = False

    async def is_leader(self) -> bool:
        """Whether this replica should do the store-wide work now."""
        if self._closed:
            return False
        if not self._shared:
            return True
        async with self._checking:
            return await self._check()

    async def _check(self) -> bool:
        if self._connection is not None:
            try:
                await self._connection.execute("SELECT 1")
                return True
            except psycopg.Error:
                await self._drop()  # the session, and with it the lock, is gone
        try:
            connection = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
            cursor = await connection.execute(
                "SELECT pg_try_advisory_lock(%s)", (GAUGE_LEADER_LOCK_ID,)
            )
            row = await cursor.fetchone()
        except psycopg.Error as error:
            logger.warning("Could not take part in the leader election: %s", error)
            return False
        if row is not None and row[0] is True:
            self._connection = connection
            logger.info(
                "This replica now leads: it publishes the pending gauge and relays heartbeats"
            )
            return True
        await connection.close()
        return False

    async def close(self) -> None:
        """Give up leadership for good (closing the session releases the lock)."""
        self._closed = True
        await self._drop()

    async def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(psycopg.Error):
                await self._connection.close()
            self._connection = None


#: The earlier name, from when the leader only published the gauge.
GaugeLeadership = ReplicaLeadership

__all__ = ["GaugeLeadership", "ReplicaLeadership"]
