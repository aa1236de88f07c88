"""Workflow-side helpers: complete the caller from a service's (or inner) workflow.

Everything here is deterministic: the Temporal client call happens in the system activity
(`stigmer_sdk.system_activity`), which these helpers schedule with a 1-minute start-to-close timeout
and at most 3 attempts.

- On the success path (`complete_caller`) a completion failure fails the workflow: the
  caller would otherwise wait until its timeout for a result that exists.
- On the failure and cancellation paths (`fail_caller`, `cancel_caller`) a completion
  failure is logged and the execution's original error stands.

The caller's side has one helper too: `execute_to_terminal` runs the handshake activity and
makes sure the workflow gets the terminal execution, even from a service that delivers the
execution as created.

Import this module in workflow files through the sandbox's pass-through, as for every module with
protobuf types:

```python
with workflow.unsafe.imports_passed_through():
    from stigmer_sdk import in_workflow as stigmer_workflow
```

Example:
    ```python
    @workflow.defn
    class InvokeAgent:
        @workflow.run
        async def run(self, execution: AgentExecution) -> None:
            token = execution.spec.callback_token
            try:
                result = await workflow.execute_activity(run_agent, execution, ...)
            except ActivityError as error:
                await stigmer_workflow.fail_caller(token, failure_from(error))
                raise
            await stigmer_workflow.complete_caller(token, result)
    ```
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from google.protobuf import message
from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    CancelledError,
    FailureError,
)

from stigmer_sdk import _contract
from stigmer_sdk._execution import (
    ExecutionPhase,
    ExecutionT,
    clear_callback_tokens,
    is_terminal,
)
from stigmer_sdk._retry import retry_policy
from stigmer_sdk.api.sdk.v1 import caller_pb2, completion_pb2
from stigmer_sdk.caller import (
    CALLER_HEARTBEATS_ANNOTATION,
    CALLER_HEARTBEATS_NONE,
    CANCEL_EXECUTION_ACTIVITY_NAME,
    GET_EXECUTION_ACTIVITY_NAME,
    GET_EXECUTION_FAILED_TYPE,
    WATCH_AFTER,
    WATCH_EXECUTION_ACTIVITY_NAME,
    WATCH_HEARTBEAT_TIMEOUT,
    WatchInput,
    execution_kind,
    handshake_activity_options,
)
from stigmer_sdk.completion import (
    EMPTY_TOKEN_MESSAGE,
    CompletionOutcome,
    CompletionResult,
    PayloadEncoding,
    completion_input,
    proto_payload,
)
from stigmer_sdk.logs import log_line
from stigmer_sdk.metrics import observe_handshake
from stigmer_sdk.system_activity import AGENT_EXECUTION_FAILED_TYPE, SYSTEM_ACTIVITY_NAME
from stigmer_sdk.tokens import short_token_digest, token_preview

_M = TypeVar("_M", bound=message.Message)

#: The contract's log lines written in a workflow: under ``stigmer_sdk`` (where an application
#: configures the SDK's logs), silent during replay, with the workflow's details in the record's
#: ``temporal_workflow`` attribute rather than appended to the contract's message.
_logger = workflow.LoggerAdapter(logging.getLogger("stigmer_sdk.workflow"), None)
_logger.workflow_info_on_message = False

#: Failure type with which `complete_caller` fails the workflow.
COMPLETION_FAILED_TYPE = _contract.FAILURE_COMPLETION_FAILED

#: Failure type when the handshake activity completed with no result: the complete-async signal
#: was swallowed (a bare ``except:`` around ``execute_and_wait_pending``) and the activity returned
#: ``None`` instead of going pending. Non-retryable: the same code swallows it again.
NO_RESULT_TYPE = "STIGMER_NO_RESULT"

#: Start-to-close timeout of the system activity.
SYSTEM_ACTIVITY_TIMEOUT = _contract.TIMEOUT_SYSTEM_ACTIVITY_START_TO_CLOSE

#: Retry policy of the system activity.
SYSTEM_ACTIVITY_RETRY = retry_policy(_contract.RETRY_SYSTEM_ACTIVITY)

_HARMLESS = (
    CompletionOutcome.COMPLETED,
    CompletionOutcome.ALREADY_COMPLETED,
    CompletionOutcome.EMPTY_TOKEN,
)


async def execute_system_activity(
    request: completion_pb2.CompleteExternalActivityInput, *, task_queue: str | None = None
) -> CompletionResult:
    """Schedule the system activity with ``request`` and return its result.

    The input is sent as ``binary/protobuf``, which every SDK's default converter reads (the JSON
    form of its ``Any`` result is not readable by Java's default converter), so the activity may
    run on a Python, Go or Java worker. Raises ``ActivityError`` when the activity fails after its
    retries.
    """
    proto = await workflow.execute_activity(
        SYSTEM_ACTIVITY_NAME,
        RawValue(proto_payload(request)),
        task_queue=task_queue,
        start_to_close_timeout=SYSTEM_ACTIVITY_TIMEOUT,
        retry_policy=SYSTEM_ACTIVITY_RETRY,
        result_type=completion_pb2.CompleteExternalActivityResult,
    )
    return CompletionResult.from_proto(proto)


async def complete_caller(
    token: bytes,
    result: message.Message,
    *,
    execution_id: str = "",
    encoding: PayloadEncoding = PayloadEncoding.BINARY_PROTOBUF,
    task_queue: str | None = None,
) -> CompletionResult:
    """Deliver ``result`` to the caller's activity (the success path).

    An empty token means fire-and-forget: nothing is scheduled. ``ALREADY_COMPLETED`` is logged as
    a warning (the caller moved on, for instance after a timeout).

    Raises:
        ApplicationError: type ``STIGMER_COMPLETION_FAILED``, non-retryable, when the completion
            could not be delivered (invalid token, or the system activity failed after its
            retries). Letting it propagate fails the workflow.
    """
    if not token:
        return CompletionResult(
            CompletionOutcome.EMPTY_TOKEN, EMPTY_TOKEN_MESSAGE, token_preview(b"")
        )
    preview = token_preview(token)
    request = completion_input(token, result=result, encoding=encoding, execution_id=execution_id)
    try:
        outcome = await execute_system_activity(request, task_queue=task_queue)
    except ActivityError as error:
        raise ApplicationError(
            f"could not complete the caller's activity: {_cause_message(error)}",
            type=COMPLETION_FAILED_TYPE,
            non_retryable=True,
        ) from error
    if outcome.outcome is CompletionOutcome.ALREADY_COMPLETED:
        log_line(
            _logger,
            _contract.LOG_ALREADY_COMPLETED,
            execution_id=execution_id,
            token_preview=preview,
            token_digest=short_token_digest(token),
        )
    if outcome.outcome not in _HARMLESS:
        raise ApplicationError(
            f"could not complete the caller's activity: {outcome.outcome.name}: {outcome.message}",
            type=COMPLETION_FAILED_TYPE,
            non_retryable=True,
        )
    return outcome


async def fail_caller(
    token: bytes,
    failure: completion_pb2.ActivityFailure,
    *,
    execution_id: str = "",
    task_queue: str | None = None,
) -> CompletionResult | None:
    """Deliver ``failure`` to the caller's activity (the failure path).

    Never raises for a completion problem: it is logged, and ``None`` returned, so that the
    execution's original error stays the one that counts.
    """
    return await _best_effort(
        completion_input(token, failure=failure, execution_id=execution_id),
        task_queue,
        execution_id,
    )


async def cancel_caller(
    token: bytes,
    *,
    execution_id: str = "",
    task_queue: str | None = None,
) -> CompletionResult | None:
    """Report the caller's activity cancelled; completion problems are logged, not raised."""
    return await _best_effort(
        completion_input(token, cancelled=True, execution_id=execution_id),
        task_queue,
        execution_id,
    )


async def _best_effort(
    request: completion_pb2.CompleteExternalActivityInput,
    task_queue: str | None,
    execution_id: str,
) -> CompletionResult | None:
    if not request.callback_token:
        return CompletionResult(
            CompletionOutcome.EMPTY_TOKEN, EMPTY_TOKEN_MESSAGE, token_preview(b"")
        )
    try:
        outcome = await execute_system_activity(request, task_queue=task_queue)
    except ActivityError as error:
        # The system activity failed after its retries: an unknown cause, logged at ERROR.
        log_line(
            _logger,
            _contract.LOG_COMPLETION_FAILED,
            level=logging.ERROR,
            execution_id=execution_id,
            token_preview=token_preview(request.callback_token),
            token_digest=short_token_digest(request.callback_token),
            error=_cause_message(error),
        )
        return None
    if outcome.outcome not in _HARMLESS:
        # A known outcome (invalid token, transient): the contract's level.
        log_line(
            _logger,
            _contract.LOG_COMPLETION_FAILED,
            execution_id=execution_id,
            token_preview=outcome.token_preview,
            token_digest=short_token_digest(request.callback_token),
            error=f"{outcome.outcome.name}: {outcome.message}",
        )
    return outcome


def failure_from_error(
    error: BaseException, *, default_type: str = "STIGMER_EXECUTION_FAILED"
) -> completion_pb2.ActivityFailure:
    """Describe an error as the ``ActivityFailure`` to deliver to the caller.

    An ``ApplicationError`` (also as the cause of an ``ActivityError`` or ``ChildWorkflowError``)
    keeps its type, message and non_retryable flag; anything else gets ``default_type``.
    """
    cause: BaseException | None = error
    while isinstance(cause, FailureError) and not isinstance(cause, ApplicationError):
        cause = cause.cause
    if isinstance(cause, ApplicationError):
        return completion_pb2.ActivityFailure(
            message=cause.message,
            type=cause.type or default_type,
            non_retryable=cause.non_retryable,
        )
    return completion_pb2.ActivityFailure(message=str(error), type=default_type)


async def complete_caller_when_done(
    token: bytes,
    body: Callable[[], Awaitable[_M]],
    *,
    execution_id: str = "",
    task_queue: str | None = None,
    encoding: PayloadEncoding = PayloadEncoding.BINARY_PROTOBUF,
) -> _M:
    """Run ``body`` and complete the caller with its outcome, however it ends.

    The inner-workflow shape: a workflow started by
    `stigmer_sdk.caller.start_workflow_and_wait_pending` wraps its work in this call. A
    result completes the caller; an error fails it (and is re-raised); a cancellation reports the
    caller cancelled (and is re-raised).
    """
    try:
        result = await body()
    except asyncio.CancelledError:
        await cancel_caller(token, execution_id=execution_id, task_queue=task_queue)
        raise
    except Exception as error:
        if is_cancellation(error):
            await cancel_caller(token, execution_id=execution_id, task_queue=task_queue)
            raise
        await fail_caller(
            token, failure_from_error(error), execution_id=execution_id, task_queue=task_queue
        )
        raise
    await complete_caller(
        token, result, execution_id=execution_id, encoding=encoding, task_queue=task_queue
    )
    return result


def is_cancellation(error: BaseException) -> bool:
    """Whether ``error`` is, or was caused by, a Temporal cancellation."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, (CancelledError, asyncio.CancelledError)):
            return True
        cause = cause.cause if isinstance(cause, FailureError) else None
    return False


def _cause_message(error: FailureError) -> str:
    cause: BaseException = error
    while isinstance(cause, FailureError) and cause.cause is not None:
        cause = cause.cause
    return str(cause)


#: Start-to-close timeout of ``stigmer/caller/get-execution``.
GET_EXECUTION_TIMEOUT = _contract.TIMEOUT_GET_EXECUTION_START_TO_CLOSE
#: Heartbeat timeout of ``stigmer/caller/get-execution`` (it heartbeats after every ``get``).
GET_EXECUTION_HEARTBEAT_TIMEOUT = _contract.TIMEOUT_GET_EXECUTION_HEARTBEAT
#: Retry policy of ``stigmer/caller/get-execution``.
GET_EXECUTION_RETRY = retry_policy(_contract.RETRY_GET_EXECUTION)
_TIMEOUT_OPTIONS = ("start_to_close_timeout", "schedule_to_close_timeout")


def _activity_name(activity: Any) -> str:
    if isinstance(activity, str):
        return activity
    definition = getattr(activity, "__temporal_activity_definition", None)
    name = getattr(definition, "name", None) or getattr(activity, "__name__", None)
    return str(name or activity)


#: Failure type when the watch saw the execution CANCELLED while the handshake was pending.
AGENT_EXECUTION_CANCELLED_TYPE = _contract.FAILURE_AGENT_EXECUTION_CANCELLED
#: Start-to-close timeout of ``stigmer/caller/watch-execution``: none in effect (its heartbeat
#: timeout bounds a lost worker; the handshake's resolution cancels it).
WATCH_START_TO_CLOSE = timedelta(days=3650)
#: Retry policy of ``stigmer/caller/watch-execution``: retried until cancelled, except when the
#: handshake is no longer pending.
WATCH_RETRY = RetryPolicy(non_retryable_error_types=[GET_EXECUTION_FAILED_TYPE])
#: The ``workflow.patched`` id of the watch: histories recorded before it replay without it.
WATCH_PATCH = _contract.WATCH_VERSION
#: The ``workflow.patched`` id of the pushed cancel: histories recorded before it replay as they
#: were (no opt-out annotation, no cancel-execution activity).
CANCEL_PATCH = _contract.CANCEL_VERSION
#: Start-to-close timeout of ``stigmer/caller/cancel-execution``.
CANCEL_EXECUTION_TIMEOUT = _contract.TIMEOUT_CANCEL_EXECUTION_START_TO_CLOSE
#: Bound of all attempts of ``stigmer/caller/cancel-execution``, queueing included: a worker
#: that does not serve it delays the workflow's cancellation by at most this much.
CANCEL_EXECUTION_SCHEDULE_TO_CLOSE = _contract.TIMEOUT_CANCEL_EXECUTION_SCHEDULE_TO_CLOSE
#: Retry policy of ``stigmer/caller/cancel-execution``.
CANCEL_EXECUTION_RETRY = RetryPolicy(
    initial_interval=_contract.RETRY_CANCEL_EXECUTION.initial_interval,
    backoff_coefficient=_contract.RETRY_CANCEL_EXECUTION.backoff,
    maximum_interval=_contract.RETRY_CANCEL_EXECUTION.maximum_interval,
    maximum_attempts=_contract.RETRY_CANCEL_EXECUTION.maximum_attempts,
    non_retryable_error_types=list(_contract.RETRY_CANCEL_EXECUTION.non_retryable),
)


async def _execute_watched(
    activity: Any,
    request: ExecutionT,
    cls: type[ExecutionT],
    watch_after: timedelta | None,
    watch_task_queue: str | None,
    options: dict[str, Any],
) -> ExecutionT:
    """Run the handshake activity and, if still pending after ``watch_after``, the watch beside it.

    A FAILED or CANCELLED execution seen by the watch cancels the handshake and raises the typed
    failure; the handshake resolving first cancels the watch.
    """
    if "activity_id" not in options:
        # A known id, so that the watch can find the pending handshake (replay-safe uuid).
        options = {**options, "activity_id": f"stigmer-handshake-{workflow.uuid4().hex[:16]}"}
    # Taken when the handshake is scheduled: a history from before the pushed cancel keeps the
    # request as it was sent and, when cancelled, only cancels its handshake.
    push_cancel = workflow.patched(CANCEL_PATCH)
    if push_cancel:
        request = _opted_out_of_relay(request, options)
    handshake: workflow.ActivityHandle[ExecutionT] = workflow.start_activity(
        activity, request, result_type=cls, **options
    )
    handshake_id: str = options["activity_id"]
    watches: list[workflow.ActivityHandle[ExecutionT]] = []
    try:
        if watch_after is None:
            # Shielded: the workflow's cancellation must not cancel the handshake before the
            # service has been told (below).
            return await asyncio.shield(handshake)
        return await _race(
            handshake, handshake_id, watches, request, cls, watch_after, watch_task_queue
        )
    except asyncio.CancelledError:
        # The workflow is cancelled while the handshake is pending: the watch stops, the
        # service is told to stop the execution (pushed cancel), then the handshake activity is
        # asked to cancel; the service reports it cancelled once the run has stopped.
        for watch in watches:
            watch.cancel()
        if push_cancel and not handshake.done():
            await _cancel_execution(handshake_id, request, watch_task_queue)
        handshake.cancel()
        return await handshake


def _opted_out_of_relay(request: ExecutionT, options: dict[str, Any]) -> ExecutionT:
    """``request`` with the create annotation that opts its caller out of the service's relayed
    heartbeats (``stigmer.ai/caller-heartbeats: none``): the helper pushes the cancel itself.

    Unchanged when the handshake activity has a heartbeat timeout (the relay's heartbeats keep
    it alive) or the request already says either way.
    """
    annotations = request.metadata.annotations
    if options.get("heartbeat_timeout") or CALLER_HEARTBEATS_ANNOTATION in annotations:
        return request
    opted_out = type(request)()
    opted_out.CopyFrom(request)
    opted_out.metadata.annotations[CALLER_HEARTBEATS_ANNOTATION] = CALLER_HEARTBEATS_NONE
    return opted_out


async def _cancel_execution(handshake_id: str, request: ExecutionT, task_queue: str | None) -> None:
    """Run ``stigmer/caller/cancel-execution`` for the pending handshake; a failure is logged
    (the handshake's own cancellation still follows)."""
    try:
        await workflow.execute_activity(
            CANCEL_EXECUTION_ACTIVITY_NAME,
            WatchInput(activity_id=handshake_id, kind=execution_kind(request)),
            task_queue=task_queue,
            start_to_close_timeout=CANCEL_EXECUTION_TIMEOUT,
            schedule_to_close_timeout=CANCEL_EXECUTION_SCHEDULE_TO_CLOSE,
            retry_policy=CANCEL_EXECUTION_RETRY,
        )
    except ActivityError as error:
        workflow.logger.warning(
            "Could not cancel the execution through the Stigmer service, cancelling the "
            "handshake only activity_id=%s error=%s",
            handshake_id,
            _cause_message(error),
        )


async def _race(
    handshake: workflow.ActivityHandle[ExecutionT],
    handshake_id: str,
    watches: list[workflow.ActivityHandle[ExecutionT]],
    request: ExecutionT,
    cls: type[ExecutionT],
    watch_after: timedelta,
    watch_task_queue: str | None,
) -> ExecutionT:
    done, _ = await workflow.wait([handshake], timeout=watch_after.total_seconds())
    if done:
        return await handshake
    # From here on the handshake is awaited shielded: a cancel of the workflow is handled by
    # _execute_watched (the service is told before the handshake is cancelled).
    watch: workflow.ActivityHandle[ExecutionT] = workflow.start_activity(
        WATCH_EXECUTION_ACTIVITY_NAME,
        WatchInput(activity_id=handshake_id, kind=execution_kind(request)),
        result_type=cls,
        task_queue=watch_task_queue,
        start_to_close_timeout=WATCH_START_TO_CLOSE,
        heartbeat_timeout=WATCH_HEARTBEAT_TIMEOUT,
        retry_policy=WATCH_RETRY,
    )
    watches.append(watch)
    await workflow.wait([handshake, watch], return_when=asyncio.FIRST_COMPLETED)
    if handshake.done():
        watch.cancel()
        # Awaited, so that the cancel request is sent before the workflow moves on or completes.
        with contextlib.suppress(asyncio.CancelledError, ActivityError):
            await watch
        return await handshake
    try:
        seen: ExecutionT = await watch
    except ActivityError as error:
        workflow.logger.warning(
            "The watch of the execution ended without a terminal execution error=%s",
            _cause_message(error),
        )
        return await asyncio.shield(handshake)  # no watch: the handshake decides
    if seen.status.phase not in (
        ExecutionPhase.EXECUTION_FAILED,
        ExecutionPhase.EXECUTION_CANCELLED,
    ):
        return await asyncio.shield(handshake)
    handshake.cancel()
    failure_type, state = AGENT_EXECUTION_FAILED_TYPE, "FAILED"
    if seen.status.phase == ExecutionPhase.EXECUTION_CANCELLED:
        failure_type, state = AGENT_EXECUTION_CANCELLED_TYPE, "CANCELLED"
    execution_id = seen.metadata.id
    workflow.logger.warning(
        "The execution ended while the handshake was pending execution_id=%s phase=%s",
        execution_id,
        state,
    )
    raise ApplicationError(
        _contract.WATCH_ENDED_MESSAGE.format(execution_id=execution_id, state=state),
        type=failure_type,
        non_retryable=True,
    )


async def execute_to_terminal(
    activity: Any,
    request: ExecutionT,
    *,
    get_execution_timeout: timedelta = GET_EXECUTION_TIMEOUT,
    get_execution_task_queue: str | None = None,
    watch_after: timedelta | None = WATCH_AFTER,
    **activity_options: Any,
) -> ExecutionT:
    """Run the handshake activity and return the *terminal* execution, tokens cleared.

    ``activity`` is the caller's handshake activity (the one that calls
    `stigmer_sdk.caller.execute_and_wait_pending`), by function or name, and
    ``activity_options`` the keyword arguments of ``workflow.execute_activity`` for it
    (`stigmer_sdk.caller.handshake_activity_options` when no timeout is given). When the
    delivered execution is not terminal (the deployed Stigmer service delivers it as created),
    the activity ``stigmer/caller/get-execution`` (`stigmer_sdk.caller.GetExecutionActivity`,
    registered on the caller's worker, or on ``get_execution_task_queue``) fetches the terminal
    one. Every callback token is cleared from what is returned.

    A service may never complete the activity of a failed execution (the deployed Stigmer
    service cannot decode its own failure). So when the handshake is still pending after
    ``watch_after`` (`stigmer_sdk.caller.WATCH_AFTER`, 30 s; ``None``: never), the activity
    ``stigmer/caller/watch-execution`` (registered with ``get-execution``, on the same task
    queue) calls ``get`` with backoff (5 s doubling to 30 s) until the execution is terminal. A
    FAILED or CANCELLED execution seen while the handshake is pending cancels the handshake and
    raises the non-retryable ``AGENT_EXECUTION_FAILED`` / ``AGENT_EXECUTION_CANCELLED``: at most
    30 s (watch-after) + 30 s (backoff cap) + one ``get`` after the execution turned terminal,
    never later than max(watch-after, time terminal) + 30 s + one ``get``. A handshake that
    resolves first cancels the watch; one that resolves within ``watch_after`` schedules none.

    Example:
        ```python
        result = await stigmer_workflow.execute_to_terminal(
            run_agent, request, **handshake_activity_options(timedelta(minutes=20)))
        answer = result.status.messages[-1].content
        ```

    Raises:
        ActivityError: the handshake activity failed (the agent failed, for instance), or the
            terminal execution could not be fetched.
        ApplicationError: the delivered execution has no id to fetch it by (type
            ``STIGMER_GET_EXECUTION_FAILED``), or the activity completed with no result
            (``STIGMER_NO_RESULT``, non-retryable: a bare ``except:`` swallowed the
            complete-async signal); the watch saw the execution FAILED or CANCELLED while the
            handshake was pending (``AGENT_EXECUTION_FAILED`` / ``AGENT_EXECUTION_CANCELLED``,
            non-retryable).
    """
    options = dict(activity_options)
    if not any(name in options for name in _TIMEOUT_OPTIONS):
        options = {**handshake_activity_options(), **options}
    cls = type(request)
    # Caller-side metrics (stigmer_caller_handshakes_total, ..._duration_seconds) and the
    # resumption span: stigmer_sdk.metrics.
    if workflow.patched(WATCH_PATCH):
        handshake = _execute_watched(
            activity, request, cls, watch_after, get_execution_task_queue, options
        )
    else:  # a history recorded before the watch: its commands as they were
        handshake = workflow.execute_activity(activity, request, result_type=cls, **options)
    delivered: ExecutionT = await observe_handshake(handshake)
    if delivered is None:
        raise ApplicationError(
            f"the handshake activity {_activity_name(activity)} completed with no result: "
            "its complete-async signal was swallowed, most likely by a bare `except:` (or "
            "`except BaseException`) around execute_and_wait_pending; catch Exception instead",
            type=NO_RESULT_TYPE,
            non_retryable=True,
        )
    if is_terminal(delivered):
        return clear_callback_tokens(delivered)
    if not delivered.metadata.id:
        raise ApplicationError(
            "the delivered execution is not terminal and has no metadata.id to fetch it by",
            type=GET_EXECUTION_FAILED_TYPE,
            non_retryable=True,
        )
    get_input = caller_pb2.GetExecutionInput(
        kind=execution_kind(delivered), execution_id=delivered.metadata.id
    )
    terminal: ExecutionT = await workflow.execute_activity(
        GET_EXECUTION_ACTIVITY_NAME,
        RawValue(proto_payload(get_input)),
        result_type=cls,
        task_queue=get_execution_task_queue,
        start_to_close_timeout=get_execution_timeout,
        heartbeat_timeout=GET_EXECUTION_HEARTBEAT_TIMEOUT,
        retry_policy=GET_EXECUTION_RETRY,
    )
    return clear_callback_tokens(terminal)
