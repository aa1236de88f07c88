"""The caller side of the handshake, used inside a Temporal activity.

:func:`execute_and_wait_pending` is the one call an activity needs: it sends the activity's task
token with the execution, waits for the service's ACK, and returns the activity *pending*, so no
worker slot is held while the agent runs. The service completes the activity with the result
when the execution ends, and the caller's workflow resumes with it.

Example::

    @activity.defn
    async def run_agent(request: AgentExecution) -> AgentExecution:
        await execute_and_wait_pending(stigmer_client, request)

    # in the workflow:
    result = await workflow.execute_activity(
        run_agent, request, **handshake_activity_options(timedelta(minutes=20)))

.. warning::
   Returning pending is done by raising ``activity.raise_complete_async()``'s signal, a
   ``BaseException``. A bare ``except:`` (or ``except BaseException:``) around the call swallows
   it and the activity then completes with ``None`` at once. Catch ``Exception`` instead.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, NoReturn, TypedDict, TypeVar

import temporalio.activity
import temporalio.client
import temporalio.common
import temporalio.exceptions

from stigmer_sdk.api.agentic.agentexecution.v1 import api_pb2 as agent_api
from stigmer_sdk.api.agentic.workflowexecution.v1 import api_pb2 as workflow_api
from stigmer_sdk.client import StigmerClient
from stigmer_sdk.errors import StigmerRPCError
from stigmer_sdk.idempotency import IDEMPOTENCY_ANNOTATION, idempotency_key
from stigmer_sdk.metrics import record_handshake_pending, record_handshake_started
from stigmer_sdk.tokens import token_preview

logger = logging.getLogger("stigmer_sdk.caller")

_Execution = TypeVar("_Execution", agent_api.AgentExecution, workflow_api.WorkflowExecution)

#: Failure type when ``create`` fails; ``non_retryable`` tells whether a retry can help.
CREATE_FAILED_TYPE = "STIGMER_CREATE_FAILED"
#: Failure type when there is no task token (not in an activity).
EMPTY_TASK_TOKEN_TYPE = "STIGMER_EMPTY_TASK_TOKEN"
#: Failure type when called from a local activity, which cannot complete asynchronously.
LOCAL_ACTIVITY_TYPE = "STIGMER_LOCAL_ACTIVITY"
#: Deadline of the ``create`` call, retries included.
DEFAULT_CREATE_TIMEOUT = timedelta(seconds=30)
#: Environment variable that switches :func:`start_workflow_and_wait_pending` to blocking.
ASYNC_COMPLETION_ENV = "ENABLE_ASYNC_ACTIVITY_COMPLETION"


def _task_token() -> bytes:
    info = temporalio.activity.info()
    if info.is_local:
        raise temporalio.exceptions.ApplicationError(
            "local activities cannot complete asynchronously; use a regular activity",
            type=LOCAL_ACTIVITY_TYPE,
            non_retryable=True,
        )
    if not info.task_token:
        raise temporalio.exceptions.ApplicationError(
            "the activity has no task token", type=EMPTY_TASK_TOKEN_TYPE, non_retryable=True
        )
    return info.task_token


def activity_idempotency_key() -> str:
    """The idempotency key of the running activity, the same for each of its attempts."""
    info = temporalio.activity.info()
    return idempotency_key(
        info.namespace, info.workflow_id or "", info.workflow_run_id or "", info.activity_id
    )


async def execute_and_wait_pending(
    client: StigmerClient,
    request: _Execution,
    *,
    timeout: timedelta = DEFAULT_CREATE_TIMEOUT,
    metadata: Mapping[str, str] | None = None,
) -> NoReturn:
    """Create the execution with this activity's task token, then return the activity pending.

    Works for ``AgentExecution`` and ``WorkflowExecution`` alike. The caller's message is not
    modified: the token goes into a copy, as raw bytes in ``spec.callback_token``.

    Every attempt of the activity sends the same idempotency key (gRPC metadata
    ``stigmer-idempotency-key`` and annotation ``stigmer.ai/idempotency-key``) with its own token,
    so a retry resumes the existing execution rather than starting a second one.

    Raises:
        temporalio.exceptions.ApplicationError: ``create`` failed (type ``STIGMER_CREATE_FAILED``,
            retryable for transient codes, non-retryable for INVALID_ARGUMENT and other
            permanent ones), or there is no task token. The activity fails at once.
        BaseException: on success, always, the complete-async signal. Do not catch it.
    """
    token = _task_token()
    preview = token_preview(token)
    info = temporalio.activity.info()
    logger.info(
        "Extracted task token activity_id=%s token_preview=%s token_length=%d",
        info.activity_id,
        preview,
        len(token),
    )
    execution = type(request)()
    execution.CopyFrom(request)
    execution.spec.callback_token = token
    key = activity_idempotency_key()
    execution.metadata.annotations[IDEMPOTENCY_ANNOTATION] = key
    record_handshake_started()
    try:
        ack = await client.create(
            execution, idempotency_key=key, timeout=timeout, metadata=metadata
        )
    except StigmerRPCError as error:
        logger.warning(
            "Stigmer create failed activity_id=%s token_preview=%s code=%s retryable=%s",
            info.activity_id,
            preview,
            error.code.name,
            error.retryable,
        )
        raise temporalio.exceptions.ApplicationError(
            str(error), type=CREATE_FAILED_TYPE, non_retryable=not error.retryable
        ) from None
    logger.info(
        "%s started, activity pending execution_id=%s token_preview=%s token_length=%d",
        ack.kind or "Execution",
        ack.metadata.id,
        preview,
        len(token),
    )
    record_handshake_pending()
    temporalio.activity.raise_complete_async()


class HandshakeActivityOptions(TypedDict, total=False):
    """Keyword arguments for ``workflow.execute_activity`` of a handshake activity."""

    start_to_close_timeout: timedelta
    retry_policy: temporalio.common.RetryPolicy
    heartbeat_timeout: timedelta


#: Start-to-close timeout when the expected duration is unknown.
UNKNOWN_DURATION_TIMEOUT = timedelta(hours=24)
#: Added to twice the expected duration, for queueing and the handshake itself.
TIMEOUT_BUFFER = timedelta(minutes=5)


def handshake_activity_options(
    expected_duration: timedelta | None = None,
    *,
    heartbeat_timeout: timedelta | None = None,
    maximum_attempts: int = 3,
) -> HandshakeActivityOptions:
    """The documented activity options for a handshake activity.

    - ``start_to_close_timeout``: 2 * ``expected_duration`` + 5 minutes, or 24 hours when the
      duration is unknown. It is what frees the caller if the service never completes.
    - ``retry_policy``: up to ``maximum_attempts`` with backoff. Retries are safe because of the
      idempotency key; the empty-token failure is never retried.
    - ``heartbeat_timeout``: only when given, that is, when the service relays heartbeats;
      otherwise a pending activity would time out between heartbeats it never gets.

    Example:
        >>> options = handshake_activity_options(timedelta(minutes=10))
        >>> options["start_to_close_timeout"]
        datetime.timedelta(seconds=1500)
        >>> handshake_activity_options()["start_to_close_timeout"]
        datetime.timedelta(days=1)
    """
    options = HandshakeActivityOptions(
        start_to_close_timeout=(
            2 * expected_duration + TIMEOUT_BUFFER
            if expected_duration is not None
            else UNKNOWN_DURATION_TIMEOUT
        ),
        retry_policy=temporalio.common.RetryPolicy(
            initial_interval=timedelta(seconds=1),
            backoff_coefficient=2.0,
            maximum_interval=timedelta(minutes=1),
            maximum_attempts=maximum_attempts,
            non_retryable_error_types=[EMPTY_TASK_TOKEN_TYPE, LOCAL_ACTIVITY_TYPE],
        ),
    )
    if heartbeat_timeout is not None:
        options["heartbeat_timeout"] = heartbeat_timeout
    return options


def async_completion_enabled() -> bool:
    """Whether ``ENABLE_ASYNC_ACTIVITY_COMPLETION`` allows pending activities (default: yes)."""
    value = os.environ.get(ASYNC_COMPLETION_ENV, "true").strip().lower()
    return value not in {"false", "0", "no", "off"}


async def start_workflow_and_wait_pending(
    temporal_client: temporalio.client.Client,
    workflow: str | Any,
    arg: Any,
    *,
    id: str,
    task_queue: str,
    async_completion: bool | None = None,
    result_type: type | None = None,
    **start_options: Any,
) -> Any:
    """Start an inner workflow that carries this activity's task token, then return pending.

    The inner workflow is started with two arguments, ``arg`` and the token (``bytes``), and
    completes the activity itself when it ends, typically with
    :func:`stigmer_sdk.workflow.complete_caller_when_done`.

    With ``async_completion=False`` (or ``ENABLE_ASYNC_ACTIVITY_COMPLETION=false`` when it is not
    given) the old blocking shape is used instead, for compatibility: the inner workflow gets an
    empty token, and this call waits for its result and returns it, holding the worker slot.

    Args:
        temporal_client: client used to start the inner workflow.
        workflow: the inner workflow's run method or type name.
        arg: its first argument.
        id: its workflow id.
        task_queue: its task queue.
        async_completion: force a shape; ``None`` reads the environment variable.
        result_type: the result type, for the blocking shape.
        start_options: further ``Client.start_workflow`` keyword arguments.
    """
    if async_completion is None:
        async_completion = async_completion_enabled()
    token = _task_token() if async_completion else b""
    handle = await temporal_client.start_workflow(
        workflow,
        args=[arg, token],
        id=id,
        task_queue=task_queue,
        result_type=result_type,
        **start_options,
    )
    if not async_completion:
        logger.info("Waiting for inner workflow (blocking shape) workflow_id=%s", id)
        try:
            return await handle.result()
        except asyncio.CancelledError:
            await handle.cancel()
            raise
    logger.info(
        "Inner workflow started, activity pending workflow_id=%s token_preview=%s",
        id,
        token_preview(token),
    )
    temporalio.activity.raise_complete_async()
