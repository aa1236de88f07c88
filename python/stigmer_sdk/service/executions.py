"""The stored execution as the service handles it: its message types, phases and update lock.

Shared by the servicers (`stigmer_sdk.service.server`), the workflow steps
(`stigmer_sdk.service.activities`), the settlement (`stigmer_sdk.service.settlement`) and the
background work (`stigmer_sdk.service.workers`), so that none of them imports another for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from stigmer_sdk.api.agentic.agentexecution.v1 import api_pb2 as agent_api
from stigmer_sdk.api.agentic.workflowexecution.v1 import api_pb2 as workflow_api
from stigmer_sdk.service.store import ExecutionKind, ExecutionStore, StoredExecution
from stigmer_sdk.service.workflows import PHASE_CANCELLED, PHASE_COMPLETED, PHASE_FAILED

Execution = agent_api.AgentExecution | workflow_api.WorkflowExecution

#: Phase written when the run starts.
PHASE_IN_PROGRESS = 2
TERMINAL_PHASES = frozenset({PHASE_COMPLETED, PHASE_FAILED, PHASE_CANCELLED})


def message_type(kind: ExecutionKind) -> type[Execution]:
    """The proto message stored for ``kind``."""
    return (
        agent_api.AgentExecution if kind is ExecutionKind.AGENT else workflow_api.WorkflowExecution
    )


def set_phase(execution: Execution, phase: int) -> None:
    """Set the phase; both execution packages number their phases alike."""
    status: Any = execution.status
    status.phase = phase


def clear_status_token(execution: Execution) -> Execution:
    """Drop ``status.callback_token`` (agent executions have one): the service owns status, and
    a token there would be stored, returned and put into history in clear. Returns ``execution``.
    """
    status: Any = execution.status
    if "callback_token" in status.DESCRIPTOR.fields_by_name:
        status.ClearField("callback_token")
    return execution


def decode(row: StoredExecution) -> Execution:
    """The stored execution as its proto message (never with a token, in spec or status)."""
    return clear_status_token(message_type(row.kind).FromString(row.execution))


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
