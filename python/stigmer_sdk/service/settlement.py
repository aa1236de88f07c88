"""Settling a finished execution: the one place that completes a caller by its stored token.

Three paths end a handshake, and all of them settle through `Settlement`:

- the finish step of the execution's workflow (`stigmer_sdk.service.activities`) gives the
  execution its final status and delivers it;
- the redelivery (`stigmer_sdk.service.instance`): a retried caller of an execution already
  delivered gets the recorded outcome;
- the reconciler (`stigmer_sdk.service.reconciler`) fails an execution whose workflow closed
  without finishing, and delivers that.

A settlement reads the stored token under the execution's update lock, delivers the outcome
through `stigmer_sdk.completion`, and records it with the token's digest (the conditional mark
of `ExecutionStore.mark_completion`), so that a retried caller's newer token, stored meanwhile,
stays owed and gets the outcome too.

One policy for what Temporal cannot take now: a transient error (the outcome ``TRANSIENT``) and
an unexpected refusal (PERMISSION_DENIED, say) record nothing and keep the token;
`CompletionDeferred` is raised and the path tries again later (the step by Temporal's retry,
the redelivery with backoff, the reconciler in its next round). Only Temporal's answer about the
token itself (completed, already completed, invalid) is recorded as final.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import Awaitable, Callable

import temporalio.api.common.v1
import temporalio.client
import temporalio.common
from temporalio import activity

from stigmer_sdk import _contract
from stigmer_sdk._execution import Execution, ExecutionPhase, is_terminal
from stigmer_sdk.api.sdk.v1 import completion_pb2
from stigmer_sdk.caller import BINARY_RESULT_ENCODING, RESULT_ENCODING_ANNOTATION
from stigmer_sdk.completion import (
    CompletionOutcome,
    CompletionResult,
    complete_external_activity,
    report_external_cancellation,
)
from stigmer_sdk.converter import to_go_json
from stigmer_sdk.errors import CompletionError
from stigmer_sdk.service.executions import ExecutionUpdates, decode
from stigmer_sdk.service.store import CompletionState, ExecutionStore, StoredExecution
from stigmer_sdk.system_activity import COMPLETION_TRANSIENT_TYPE, record_completion_metrics
from stigmer_sdk.tokens import token_digest

logger = logging.getLogger("stigmer_sdk.service")

#: Annotations that keep a failed execution's failure type and retryability, for redelivery.
FAILURE_TYPE_ANNOTATION = "stigmer.ai/failure-type"
FAILURE_NON_RETRYABLE_ANNOTATION = "stigmer.ai/failure-non-retryable"

#: Failure type of a finish step whose completion Temporal refused unexpectedly (the type a
#: raised `CompletionError` gets, as in the system activity); retried like a transient one.
COMPLETION_REFUSED_TYPE = CompletionError.__name__

#: Gives the stored execution its final status (applied under the update lock).
Close = Callable[[Execution], None]


class CompletionDeferred(Exception):
    """Temporal could not take the completion now: nothing was recorded, the token stays owed.

    ``failure_type`` is `COMPLETION_TRANSIENT_TYPE` for a transient error and
    `COMPLETION_REFUSED_TYPE` for an unexpected refusal; both are retried.
    """

    def __init__(self, execution_id: str, message: str, *, failure_type: str) -> None:
        super().__init__(message)
        self.execution_id = execution_id
        self.failure_type = failure_type


async def deliver_final_outcome(
    temporal_client: temporalio.client.Client, row: StoredExecution
) -> CompletionResult:
    """Complete ``row``'s caller, by its stored token, with the finished execution's outcome:
    the result, the failure (its type and retryability kept in annotations) or the cancellation.

    Raises:
        CompletionError: Temporal refused for another reason than the token (PERMISSION_DENIED...).
    """
    execution = decode(row)
    if execution.status.phase == ExecutionPhase.EXECUTION_COMPLETED:
        return await complete_external_activity(
            temporal_client,
            row.callback_token,
            result=result_for_caller(execution),
            execution_id=row.id,
        )
    if execution.status.phase == ExecutionPhase.EXECUTION_CANCELLED:
        return await report_external_cancellation(
            temporal_client, row.callback_token, execution_id=row.id
        )
    annotations = execution.metadata.annotations
    failure = completion_pb2.ActivityFailure(
        message=execution.status.error,
        type=annotations.get(FAILURE_TYPE_ANNOTATION, _contract.FAILURE_AGENT_EXECUTION_FAILED),
        non_retryable=annotations.get(FAILURE_NON_RETRYABLE_ANNOTATION) == "true",
    )
    return await complete_external_activity(
        temporal_client, row.callback_token, failure=failure, execution_id=row.id
    )


def result_for_caller(execution: Execution) -> Execution | temporalio.common.RawValue:
    """The terminal execution in the encoding its caller declared on create.

    ``binary/protobuf`` when ``metadata.annotations["stigmer.ai/result-encoding"]`` says so (the
    SDKs' callers do); otherwise ``json/plain`` in the deployed Go service's shape
    (`stigmer_sdk.converter.to_go_json`), which Stigmer's own Go callers decode into
    ``any`` and every SDK's converter decodes into the proto type.
    """
    declared = execution.metadata.annotations.get(RESULT_ENCODING_ANNOTATION)
    if declared == BINARY_RESULT_ENCODING:
        return execution
    document = json.dumps(to_go_json(execution), ensure_ascii=False, separators=(",", ":"))
    return temporalio.common.RawValue(
        temporalio.api.common.v1.Payload(
            metadata={"encoding": b"json/plain"}, data=document.encode()
        )
    )


class Settlement:
    """Delivers finished executions' outcomes to their callers and records them."""

    def __init__(
        self,
        store: ExecutionStore,
        updates: ExecutionUpdates,
        temporal_client: temporalio.client.Client,
        *,
        redelivery_backoff: tuple[float, float] = (1.0, 60.0),
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        """``redelivery_backoff``: the first and the longest wait, in seconds, between two
        attempts of `redeliver` (doubling)."""
        self._store = store
        self._updates = updates
        self._client = temporal_client
        self._backoff = redelivery_backoff
        self._sleep = sleep

    async def settle(
        self, execution_id: str, close: Close | None = None, *, owed_only: bool = False
    ) -> str | None:
        """Deliver the execution's outcome to every token stored for it, and record each.

        ``close`` first gives the stored execution its final status, written with the first
        recorded outcome in one transaction (alone when no token is stored). Without ``close``
        only a terminal execution is delivered. With ``owed_only`` nothing is done unless the
        caller's completion is still pending.

        Returns:
            The first delivery's outcome (``COMPLETED``, ``ALREADY_COMPLETED``,
            ``INVALID_TOKEN``); ``EMPTY_TOKEN`` when ``close`` was given and no token is stored;
            ``None`` when nothing was owed.

        Raises:
            KeyError: no execution ``execution_id`` in the store.
            CompletionDeferred: Temporal could not take a completion now (nothing recorded for
                that token, which stays owed).
        """
        async with self._updates.changing(execution_id):
            row = await self._store.get(execution_id)
            if row is None:
                raise KeyError(execution_id)
            if owed_only and row.completion_state is not CompletionState.PENDING:
                return None
            final: bytes | None = None
            if close is not None:
                execution = decode(row)
                close(execution)
                final = execution.SerializeToString(deterministic=True)
                row = dataclasses.replace(row, execution=final)
            elif not row.callback_token or not is_terminal(decode(row)):
                return None  # nothing owed, or the finish step has yet to run
            if not row.callback_token:
                if owed_only or final is None:
                    return None
                await self._store.update_execution(execution_id, final)
                return CompletionOutcome.EMPTY_TOKEN.name
            first: str | None = None
            while row.callback_token:  # a token still stored is still owed its completion
                if first is not None:
                    logger.info(
                        "A retried caller's token arrived during completion, completing it too "
                        "execution_id=%s token_preview=%s token_digest=%s",
                        row.id,
                        row.callback_token_preview,
                        row.callback_token_short_digest,
                    )
                outcome = await self._deliver(row)
                first = first or outcome
                row = await self._record(row, final, outcome)
                final = None
            return first

    async def redeliver(self, execution_id: str) -> None:
        """Give a retried caller of a delivered execution the recorded outcome.

        Retried with backoff until delivered (or nothing is owed any more): a deferred
        completion or a failing store is logged, and the token stays owed meanwhile.
        """
        delay, longest = self._backoff
        while True:
            try:
                outcome = await self.settle(execution_id)
            except KeyError:
                return
            except CompletionDeferred as deferred:
                logger.warning(
                    "Could not redeliver execution_id=%s error=%s", execution_id, deferred
                )
            except Exception:
                logger.exception("Could not redeliver execution_id=%s", execution_id)
            else:
                if outcome is not None:
                    logger.info(
                        "Redelivered the outcome to a retried caller execution_id=%s outcome=%s",
                        execution_id,
                        outcome,
                    )
                return
            await self._sleep(delay)
            delay = min(delay * 2, longest)

    async def _deliver(self, row: StoredExecution) -> str:
        """Deliver ``row``'s outcome to its token; the outcome's name. Counted in the runbook's
        completion metrics when run in an activity.

        Raises:
            CompletionDeferred: a transient error, or an unexpected refusal.
        """
        started = time.monotonic()
        try:
            result = await deliver_final_outcome(self._client, row)
        except CompletionError as error:
            raise CompletionDeferred(
                row.id, str(error), failure_type=COMPLETION_REFUSED_TYPE
            ) from None
        if activity.in_activity():
            record_completion_metrics(result, time.monotonic() - started)
        if result.outcome is CompletionOutcome.TRANSIENT:
            raise CompletionDeferred(row.id, result.message, failure_type=COMPLETION_TRANSIENT_TYPE)
        return result.outcome.name

    async def _record(
        self, row: StoredExecution, final: bytes | None, outcome: str
    ) -> StoredExecution:
        """Record ``outcome`` for ``row``'s token (erasing it), with the final execution when
        given, in one transaction. The row as stored after: still holding a token when a
        retried caller replaced it meanwhile."""
        # The store computed the digest when it read the token.
        digest = row.callback_token_digest or token_digest(row.callback_token)
        if final is not None:
            return await self._store.finish(row.id, final, outcome, token_digest=digest)
        return await self._store.mark_completion(row.id, outcome, token_digest=digest)
