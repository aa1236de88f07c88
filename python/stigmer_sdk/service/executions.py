"""The stored execution as the service handles it: its decoding and update lock.

The model itself (kinds, message types, phases, tokens) is `stigmer_sdk._execution`.

Shared by the logic behind the controllers (`stigmer_sdk.service.instance`), the workflow steps
(`stigmer_sdk.service.activities`), the settlement (`stigmer_sdk.service.settlement`) and the
background work (`stigmer_sdk.service.reconciler`), so that none of them imports another for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from stigmer_sdk._execution import Execution, clear_callback_tokens
from stigmer_sdk.service.store import ExecutionStore, StoredExecution


def decode(row: StoredExecution) -> Execution:
    """The stored execution as its proto message (never with a token, in spec or status)."""
    return clear_callback_tokens(row.kind.message_type.FromString(row.execution))


class ExecutionUpdates:
    """Serialises read-modify-write updates per execution, and wakes subscribers after each."""

    def __init__(self, store: ExecutionStore) -> None:
        self._store = store
        #: Update lock of each execution being changed, with how many hold or wait for it; a
        #: lock is dropped when its last user leaves, so the map holds only executions in use.
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._changed = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def changing(self, execution_id: str) -> AsyncIterator[None]:
        """Hold the execution's update lock; wake subscribers afterwards."""
        lock, users = self._locks.get(execution_id) or (asyncio.Lock(), 0)
        self._locks[execution_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[execution_id]
            if users > 1:
                self._locks[execution_id] = (lock, users - 1)
            else:
                del self._locks[execution_id]
            async with self._changed:
                self._changed.notify_all()

    @property
    def locks_held(self) -> int:
        """How many executions have an update lock in use (held or waited for)."""
        return len(self._locks)

    async def update(self, execution_id: str, change: Callable[[Execution], None]) -> Execution:
        """Apply ``change`` to the stored execution and save it."""
        execution, _ = await self.update_row(execution_id, change)
        return execution

    async def update_row(
        self, execution_id: str, change: Callable[[Execution], None]
    ) -> tuple[Execution, StoredExecution]:
        """`update`, returning the row as read too (its token, completion state...)."""
        async with self.changing(execution_id):
            row = await self._store.get(execution_id)
            if row is None:
                raise KeyError(execution_id)
            execution = decode(row)
            change(execution)
            await self._store.update_execution(
                execution_id, execution.SerializeToString(deterministic=True)
            )
        return execution, row

    async def wait_for_change(self, timeout: float) -> None:
        """Return after the next update in this process, or after ``timeout`` seconds."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)
