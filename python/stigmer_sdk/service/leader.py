"""Which replica publishes the store-wide gauges.

``stigmer_pending_external_activities`` counts rows of a store that every replica shares. If every
replica exported the full count, ``sum()`` over replicas would report N times the truth and the
autoscaler's per-pod average would never fall. So one replica, the holder of a PostgreSQL
session-level advisory lock, exports the counts; the others export zeros. When the leader dies its
session ends, the lock is released, and another replica takes over at its next refresh.

A SQLite store belongs to one process, which always leads.
"""

from __future__ import annotations

import contextlib
import logging

import psycopg

logger = logging.getLogger("stigmer_sdk.service.replica")

#: Advisory-lock key of the gauge leader (distinct from the migrations' lock).
GAUGE_LEADER_LOCK_ID = 0x5354_4947_4C45_4144  # "STIGLEAD"


def _postgres(store_url: str) -> bool:
    return store_url.startswith(("postgresql://", "postgres://"))


class GaugeLeadership:
    """Tracks whether this replica leads, re-electing itself as sessions come and go."""

    def __init__(self, store_url: str) -> None:
        self._url = store_url.replace("postgres://", "postgresql://", 1)
        self._shared = _postgres(store_url)
        self._connection: psycopg.AsyncConnection[tuple[object, ...]] | None = None

    async def is_leader(self) -> bool:
        """Whether this replica should export store-wide counts now."""
        if not self._shared:
            return True
        if self._connection is not None:
            try:
                await self._connection.execute("SELECT 1")
                return True
            except psycopg.Error:
                await self.close()
        try:
            connection = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
            cursor = await connection.execute(
                "SELECT pg_try_advisory_lock(%s)", (GAUGE_LEADER_LOCK_ID,)
            )
            row = await cursor.fetchone()
        except psycopg.Error as error:
            logger.warning("Could not take part in the gauge leader election: %s", error)
            return False
        if row is not None and row[0] is True:
            self._connection = connection
            logger.info("This replica now publishes the store-wide pending gauge")
            return True
        await connection.close()
        return False

    async def close(self) -> None:
        """Give up leadership (closing the session releases the lock)."""
        if self._connection is not None:
            with contextlib.suppress(psycopg.Error):
                await self._connection.close()
            self._connection = None


__all__ = ["GaugeLeadership"]
