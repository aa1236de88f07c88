"""Settling a finished execution: one policy for a completion Temporal cannot take now.

A transient answer (UNAVAILABLE) and an unexpected refusal (PERMISSION_DENIED) leave the caller
owed, its token kept, whichever path delivers: the redelivery to a retried caller, the
workflow's finish step and the reconciler alike. Real dev server, real stores (SQLite and
PostgreSQL).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import temporalio.client
import temporalio.service
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from stigmer_sdk import AgentExecution, AgentExecutionSpec, ExecutionPhase, MessageType
from stigmer_sdk.service.activities import ServiceActivities
from stigmer_sdk.service.config import ServiceSettings
from stigmer_sdk.service.executions import ExecutionUpdates
from stigmer_sdk.service.instance import ExecutionService
from stigmer_sdk.service.reconciler import WORKFLOW_CLOSED_TYPE, ClosedRound, settle_closed
from stigmer_sdk.service.start_invoke import workflow_id_for
from stigmer_sdk.service.store import CompletionState, ExecutionKind, open_store

from helpers.assertions import activity_failure
from helpers.callers import PendingCaller
from helpers.store import finish_completed, store_agent_execution

pytestmark = pytest.mark.integration

#: Answers Temporal gives that neither deliver nor make the token undeliverable.
NOT_NOW = [
    temporalio.service.RPCStatusCode.UNAVAILABLE,  # the outcome TRANSIENT
    temporalio.service.RPCStatusCode.PERMISSION_DENIED,  # an unexpected refusal
]


class _RefusingHandle:
    """An async activity handle whose every call Temporal answers with ``status``."""

    def __init__(self, status: temporalio.service.RPCStatusCode) -> None:
        self._status = status

    async def _refuse(self, *_: Any, **__: Any) -> None:
        raise temporalio.service.RPCError(
            f"refused for the test ({self._status.name})", self._status, b""
        )

    complete = fail = report_cancellation = heartbeat = _refuse


class _RefusingFirst:
    """A Temporal client whose first ``refusals`` completions are answered with ``status``; the
    later ones reach the real dev server."""

    def __init__(
        self,
        real: temporalio.client.Client,
        status: temporalio.service.RPCStatusCode,
        refusals: int,
    ) -> None:
        self._real = real
        self._status = status
        self.refusals_left = refusals

    def get_async_activity_handle(self, **target: Any) -> Any:
        if self.refusals_left > 0:
            self.refusals_left -= 1
            return _RefusingHandle(self._status)
        return self._real.get_async_activity_handle(**target)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _finished(execution_id: str) -> AgentExecution:
    execution = AgentExecution(spec=AgentExecutionSpec(agent_id="researcher", message="m"))
    execution.metadata.id = execution_id
    execution.status.phase = ExecutionPhase.EXECUTION_COMPLETED
    execution.status.messages.add(type=MessageType.MESSAGE_AI, content="the answer")
    return execution


@pytest.mark.parametrize("status", NOT_NOW, ids=lambda status: status.name)
async def test_a_redelivery_temporal_cannot_take_now_keeps_the_caller_owed_and_delivers_later(
    temporal_client: temporalio.client.Client,
    store_url: str,
    status: temporalio.service.RPCStatusCode,
    caplog: pytest.LogCaptureFixture,
    pending_caller: PendingCaller,
) -> None:
    """A retried caller of a delivered execution: its redelivery is answered ``status`` once;
    its token must stay stored (not recorded as final) and the outcome reach it afterwards."""
    caplog.set_level(logging.INFO, logger="stigmer_sdk.service")
    handle, retried_token = pending_caller
    execution = _finished("aex_redeliver").SerializeToString(deterministic=True)
    async with await open_store(store_url) as store:
        first, _ = await store.create(
            id="aex_redeliver",
            kind=ExecutionKind.AGENT,
            execution=execution,
            # The same activity's earlier attempt (attempt = 99: the last field wins).
            callback_token=retried_token + b"\x28\x63",
            idempotency_key="v1:redeliver",
        )
        await store.mark_completion(first.id, "ALREADY_COMPLETED")  # attempt 1 had timed out
        row, created = await store.create(  # the retried attempt's create
            id="aex_unused",
            kind=ExecutionKind.AGENT,
            execution=execution,
            callback_token=retried_token,
            idempotency_key="v1:redeliver",
        )
        assert (created, row.completion_state) == (False, CompletionState.DELIVERED)
        client = _RefusingFirst(temporal_client, status, refusals=1)
        service = ExecutionService(
            store,
            ExecutionUpdates(store),
            cast(temporalio.client.Client, client),
            None,
            ServiceSettings(),
        )
        redelivery = asyncio.create_task(service._redeliver(row.id))
        try:
            delivered = await asyncio.wait_for(handle.result(), 60)
        finally:
            await asyncio.wait_for(redelivery, 30)
        settled = await store.get(row.id)
    assert client.refusals_left == 0
    assert delivered.metadata.id == "aex_redeliver"
    assert delivered.status.messages[-1].content == "the answer"
    assert settled is not None
    assert settled.completion_state is CompletionState.DELIVERED
    assert (settled.completion_outcome, settled.callback_token) == ("COMPLETED", b"")
    refusals = [r for r in caplog.records if r.getMessage().startswith("Could not redeliver")]
    assert refusals
    assert "aex_redeliver" in refusals[0].getMessage()
    assert any(
        "Redelivered the outcome to a retried caller" in r.getMessage() for r in caplog.records
    )


async def test_a_finish_step_refused_unexpectedly_keeps_the_caller_owed(
    temporal_client: temporalio.client.Client, store_url: str
) -> None:
    """PERMISSION_DENIED is not a verdict on the token: the step is retried, nothing recorded."""
    running = _finished("aex_refused")
    running.status.phase = ExecutionPhase.EXECUTION_IN_PROGRESS
    async with await open_store(store_url) as store:
        row, _ = await store_agent_execution(
            store, "aex_refused", running, b"a caller's token", "v1:refused"
        )
        client = _RefusingFirst(
            temporal_client, temporalio.service.RPCStatusCode.PERMISSION_DENIED, refusals=1
        )
        activities = ServiceActivities(
            store, ExecutionUpdates(store), cast(temporalio.client.Client, client)
        )
        with pytest.raises(ApplicationError) as raised:
            await finish_completed(activities, row.id)
        owed = await store.get(row.id)
    assert not raised.value.non_retryable
    assert "PERMISSION_DENIED" in str(raised.value)
    assert owed is not None
    assert owed.completion_state is CompletionState.PENDING
    assert owed.callback_token == b"a caller's token"


async def test_the_reconciler_keeps_a_refused_settlement_owed_for_its_next_round(
    worker: Worker,
    temporal_client: temporalio.client.Client,
    task_queue: str,
    store_url: str,
    pending_caller: PendingCaller,
) -> None:
    """A workflow closed without finishing; the caller's failure is refused once: nothing is
    recorded, the round reports the close time to look back to, and the next round settles it."""
    handle, token = pending_caller
    execution_id = f"aex_closed_{uuid.uuid4().hex[:8]}"
    service_queue = f"service-{uuid.uuid4().hex[:8]}"
    running = _finished(execution_id)
    running.status.phase = ExecutionPhase.EXECUTION_IN_PROGRESS
    # The execution's workflow, closed without finishing (no worker ever ran it).
    invoke = await temporal_client.start_workflow(
        "stigmer/never-runs",
        id=workflow_id_for(ExecutionKind.AGENT, execution_id),
        task_queue=service_queue,
    )
    await invoke.terminate("an operator")
    settings = ServiceSettings(service_task_queue=service_queue)
    since = datetime.now(UTC) - timedelta(minutes=5)
    async with await open_store(store_url) as store:
        await store_agent_execution(store, execution_id, running, token)
        updates = ExecutionUpdates(store)
        client = _RefusingFirst(
            temporal_client, temporalio.service.RPCStatusCode.PERMISSION_DENIED, refusals=1
        )

        async def first_round() -> ClosedRound:
            while True:  # until the visibility store lists the closed workflow
                closed = await settle_closed(
                    store, updates, cast(temporalio.client.Client, client), settings, since=since
                )
                if client.refusals_left == 0:
                    return closed
                await asyncio.sleep(0.2)

        deferred = await asyncio.wait_for(first_round(), 30)
        owed = await store.get(execution_id)
        assert deferred.settled == 0
        assert deferred.oldest_deferred is not None
        assert since < deferred.oldest_deferred <= datetime.now(UTC)
        assert owed is not None
        assert (owed.completion_state, owed.callback_token) == (CompletionState.PENDING, token)
        # The next round looks back from the deferred close time (run_reconciler's window).
        settled = await settle_closed(
            store,
            updates,
            cast(temporalio.client.Client, client),
            settings,
            since=deferred.oldest_deferred - settings.reconcile_interval,
        )
        row = await store.get(execution_id)
    assert settled.settled == 1
    assert settled.oldest_deferred is None
    cause = await activity_failure(asyncio.wait_for(handle.result(), 30))
    assert cause.type == WORKFLOW_CLOSED_TYPE
    assert row is not None
    assert row.completion_state is CompletionState.DELIVERED
    assert row.completion_outcome == "COMPLETED"
