"""The handshake end to end, against a real Temporal dev server and a gRPC service on loopback."""

from __future__ import annotations

import asyncio
import base64
import logging
import uuid

import grpc
import pytest
import temporalio.client
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from stigmer_sdk import (
    IDEMPOTENCY_ANNOTATION,
    IDEMPOTENCY_METADATA_KEY,
    ActivityFailure,
    AgentExecution,
    AgentExecutionSpec,
    CompletionOutcome,
    ExecutionPhase,
    complete_external_activity,
)
from stigmer_sdk.client import StigmerClient
from stigmer_sdk.idempotency import execution_name
from stigmer_sdk.logs import record_fields
from stigmer_sdk.testing import CallerOptions, FakeStigmerService
from stigmer_sdk.tokens import short_token_digest, token_preview

from helpers.assertions import activity_failure, assert_activity_failed
from helpers.callers import start_caller
from helpers.fixtures import caller_worker
from helpers.workflows import (
    InnerShapeCallerWorkflow,
    LocalActivityCallerWorkflow,
)

pytestmark = pytest.mark.integration


def _request(message: str = "summarise ticket 42") -> AgentExecution:
    return AgentExecution(spec=AgentExecutionSpec(agent_id="support-bot", message=message))


def _result_for(execution: AgentExecution, index: int) -> AgentExecution:
    result = AgentExecution()
    result.CopyFrom(execution)
    result.spec.ClearField("callback_token")
    result.metadata.id = f"exec-result-{index}"
    result.status.phase = ExecutionPhase.EXECUTION_COMPLETED
    result.status.messages.add(content=f"answer {index}")
    return result


async def test_fifty_handshakes_pend_on_one_activity_slot(
    worker: Worker,
    temporal_client: temporalio.client.Client,
    stigmer_service: FakeStigmerService,
    task_queue: str,
) -> None:
    handles = [
        await start_caller(temporal_client, task_queue, _request(f"question {i}"))
        for i in range(50)
    ]
    # All 50 creates on a worker with one activity slot: each activity released its slot.
    calls = await stigmer_service.wait_for_calls(50)
    assert len({call.token for call in calls}) == 50

    expected: dict[str, AgentExecution] = {}
    for index, call in enumerate(calls):
        result = _result_for(call.execution, index)  # type: ignore[arg-type]
        expected[call.execution.spec.message] = result
        outcome = await complete_external_activity(temporal_client, call.token, result=result)
        assert outcome.outcome is CompletionOutcome.COMPLETED

    results = await asyncio.gather(*(handle.result() for handle in handles))
    for result in results:
        assert isinstance(result, AgentExecution)
        assert result == expected[result.spec.message]


async def test_failure_reaches_caller_as_typed_application_error(
    worker: Worker,
    temporal_client: temporalio.client.Client,
    stigmer_service: FakeStigmerService,
    task_queue: str,
) -> None:
    for non_retryable in (True, False):
        handle = await start_caller(temporal_client, task_queue, _request())
        (call,) = (await stigmer_service.wait_for_calls(1 + int(not non_retryable)))[-1:]
        failure = ActivityFailure(
            message="the agent ran out of tools",
            type="AGENT_EXECUTION_FAILED",
            non_retryable=non_retryable,
        )
        outcome = await complete_external_activity(temporal_client, call.token, failure=failure)
        assert outcome.outcome is CompletionOutcome.COMPLETED

        await assert_activity_failed(
            handle.result(),
            "AGENT_EXECUTION_FAILED",
            "the agent ran out of tools",
            non_retryable=non_retryable,
        )


@pytest.mark.parametrize(
    ("code", "retryable"),
    [
        (grpc.StatusCode.UNAVAILABLE, True),
        (grpc.StatusCode.CANCELLED, True),
        (grpc.StatusCode.UNKNOWN, True),
        (grpc.StatusCode.INVALID_ARGUMENT, False),
    ],
)
async def test_failed_create_fails_the_activity_at_once(
    worker: Worker,
    temporal_client: temporalio.client.Client,
    stigmer_service: FakeStigmerService,
    task_queue: str,
    code: grpc.StatusCode,
    retryable: bool,
) -> None:
    stigmer_service.fail_next(code, "spec.message: must not be empty")
    handle = await start_caller(temporal_client, task_queue, _request())
    cause = await activity_failure(handle.result())
    assert cause.type == "STIGMER_CREATE_FAILED"
    assert cause.non_retryable is not retryable
    assert cause.message.startswith(f"{code.name}: spec.message: must not be empty")
    if code == grpc.StatusCode.UNAVAILABLE:  # it names the address it could not reach
        assert cause.message.endswith(f"(target {stigmer_service.target})")
    # Failed at once: the activity never went pending, and the one attempt made one create.
    assert len(stigmer_service.calls) == 1


async def test_create_carries_what_the_deployed_service_requires(
    worker: Worker,
    temporal_client: temporalio.client.Client,
    stigmer_service: FakeStigmerService,
    task_queue: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The request exactly as docs/python-sdk.md builds it: only spec.agent_id and spec.message.
    caplog.set_level(logging.INFO, logger="stigmer_sdk.caller")
    handle = await start_caller(temporal_client, task_queue, _request())
    (call,) = await stigmer_service.wait_for_calls(1)
    sent = call.execution
    key = call.metadata[IDEMPOTENCY_METADATA_KEY]
    assert (sent.api_version, sent.kind) == ("agentic.stigmer.ai/v1", "AgentExecution")
    assert sent.metadata.name == execution_name(key)

    # The ACK log line of the contract, with the short digest beside the preview.
    ack = await _wait_for_record(caplog, "Agent execution started, activity pending")
    assert ack.getMessage() == "Agent execution started, activity pending"
    assert ack.levelno == logging.INFO
    assert record_fields(ack) == {
        "execution_id": "exec-1",
        "token_preview": token_preview(call.token),
        "token_digest": short_token_digest(call.token),
        "token_length": str(len(call.token)),
    }
    await handle.terminate()


async def _wait_for_record(caplog: pytest.LogCaptureFixture, prefix: str) -> logging.LogRecord:
    for _ in range(200):
        for record in caplog.records:
            if record.getMessage().startswith(prefix):
                return record
        await asyncio.sleep(0.05)
    raise AssertionError(f"no log record starting with {prefix!r}")


async def test_a_request_the_service_would_refuse_fails_before_any_create(
    worker: Worker,
    temporal_client: temporalio.client.Client,
    stigmer_service: FakeStigmerService,
    task_queue: str,
) -> None:
    handle = await start_caller(
        temporal_client,
        task_queue,
        AgentExecution(spec=AgentExecutionSpec(agent_id="support-bot")),
        CallerOptions(maximum_attempts=3, retry_interval_seconds=0.1),
    )
    cause = await activity_failure(handle.result())
    assert (cause.type, cause.non_retryable) == ("STIGMER_INVALID_REQUEST", True)
    assert cause.message == "invalid AgentExecution: spec.message: must be at least 1 characters"
    # Not retried, and nothing was sent.
    assert stigmer_service.calls == []


async def test_a_local_activity_is_refused_non_retryably_before_any_create(
    temporal_client: temporalio.client.Client,
    stigmer_client: StigmerClient,
    stigmer_service: FakeStigmerService,
    task_queue: str,
) -> None:
    async with caller_worker(
        temporal_client, stigmer_client, task_queue, LocalActivityCallerWorkflow
    ):
        with pytest.raises(WorkflowFailureError) as raised:
            await temporal_client.execute_workflow(
                LocalActivityCallerWorkflow.run,
                _request(),
                id=f"local-{uuid.uuid4()}",
                task_queue=task_queue,
            )
    # A local activity's failure reaches the workflow as the ApplicationError itself.
    cause = raised.value.cause
    assert isinstance(cause, ApplicationError)
    # Refused, not retried (3 attempts allowed), and nothing sent.
    assert (cause.type, cause.non_retryable) == ("STIGMER_LOCAL_ACTIVITY", True)
    assert stigmer_service.calls == []


async def test_completion_outcomes_for_used_garbled_foreign_and_empty_tokens(
    worker: Worker,
    temporal_client: temporalio.client.Client,
    other_namespace_client: temporalio.client.Client,
    stigmer_service: FakeStigmerService,
    task_queue: str,
) -> None:
    handle = await start_caller(temporal_client, task_queue, _request())
    (call,) = await stigmer_service.wait_for_calls(1)
    token = call.token

    foreign = await complete_external_activity(other_namespace_client, token, result=_request())
    assert foreign.outcome is CompletionOutcome.INVALID_TOKEN
    assert "namespace" in foreign.message

    truncated = await complete_external_activity(temporal_client, token[: len(token) // 2])
    assert truncated.outcome is CompletionOutcome.INVALID_TOKEN
    garbage = await complete_external_activity(temporal_client, b"\xff\x00garbage\x01\x02")
    assert garbage.outcome is CompletionOutcome.INVALID_TOKEN
    assert garbage.message.startswith("INVALID_ARGUMENT: ")
    empty = await complete_external_activity(temporal_client, b"")
    assert empty.outcome is CompletionOutcome.EMPTY_TOKEN
    assert empty.token_preview == "<empty>"

    first = await complete_external_activity(
        temporal_client, token, result=_result_for(call.execution, 1)
    )  # type: ignore[arg-type]
    assert first.outcome is CompletionOutcome.COMPLETED
    second = await complete_external_activity(temporal_client, token, result=_request())
    assert second.outcome is CompletionOutcome.ALREADY_COMPLETED
    assert second.message.startswith("NOT_FOUND: ")

    assert (await handle.result()).metadata.id == "exec-result-1"
    for outcome in (foreign, truncated, garbage, first, second):
        assert base64.b64encode(token).decode() not in outcome.message


async def test_retried_activity_sends_same_idempotency_key_with_new_token(
    worker: Worker,
    temporal_client: temporalio.client.Client,
    stigmer_service: FakeStigmerService,
    task_queue: str,
) -> None:
    # Attempt 1 creates, then times out waiting; attempt 2 creates again with its new token.
    handle = await start_caller(
        temporal_client,
        task_queue,
        _request(),
        CallerOptions(maximum_attempts=2, start_to_close_seconds=2),
    )
    first, second = await stigmer_service.wait_for_calls(2)
    assert first.token != second.token
    key = first.metadata[IDEMPOTENCY_METADATA_KEY]
    assert key.startswith("v1:")
    assert second.metadata[IDEMPOTENCY_METADATA_KEY] == key
    assert first.execution.metadata.annotations[IDEMPOTENCY_ANNOTATION] == key
    assert second.execution.metadata.annotations[IDEMPOTENCY_ANNOTATION] == key

    stale = await complete_external_activity(temporal_client, first.token, result=_request())
    assert stale.outcome is not CompletionOutcome.COMPLETED
    done = await complete_external_activity(
        temporal_client,
        second.token,
        result=_result_for(second.execution, 2),  # type: ignore[arg-type]
    )
    assert done.outcome is CompletionOutcome.COMPLETED
    assert (await handle.result()).metadata.id == "exec-result-2"


@pytest.mark.parametrize("async_completion", ["true", "false"])
async def test_inner_workflow_shape_and_blocking_fallback(
    worker: Worker,
    temporal_client: temporalio.client.Client,
    task_queue: str,
    monkeypatch: pytest.MonkeyPatch,
    async_completion: str,
) -> None:
    monkeypatch.setenv("ENABLE_ASYNC_ACTIVITY_COMPLETION", async_completion)
    caller_id = f"outer-{uuid.uuid4()}"
    result = await temporal_client.execute_workflow(
        InnerShapeCallerWorkflow.run, _request(), id=caller_id, task_queue=task_queue
    )
    assert result.metadata.id == f"inner-inner-{caller_id}"
    assert result.status.phase == ExecutionPhase.EXECUTION_COMPLETED

    # Async shape: the inner workflow completed the outer activity through the system activity.
    # Blocking shape: it got no token, so it scheduled nothing, and the activity returned itself.
    inner = temporal_client.get_workflow_handle(f"inner-{caller_id}")
    scheduled = [
        event.activity_task_scheduled_event_attributes
        async for event in inner.fetch_history_events()
        if event.HasField("activity_task_scheduled_event_attributes")
    ]
    expected = ["stigmer/system/complete-external-activity"] if async_completion == "true" else []
    assert [attributes.activity_type.name for attributes in scheduled] == expected
    for attributes in scheduled:
        # binary/protobuf: readable by the Python, Go and Java SDKs' default converters alike.
        metadata = attributes.input.payloads[0].metadata
        assert metadata["encoding"] == b"binary/protobuf"
        assert metadata["messageType"] == b"ai.stigmer.sdk.v1.CompleteExternalActivityInput"


async def test_inner_workflow_failure_fails_the_outer_activity(
    worker: Worker, temporal_client: temporalio.client.Client, task_queue: str
) -> None:
    outer = temporal_client.execute_workflow(
        InnerShapeCallerWorkflow.run,
        _request("fail"),
        id=f"outer-{uuid.uuid4()}",
        task_queue=task_queue,
    )
    await assert_activity_failed(outer, "AGENT_EXECUTION_FAILED", "agent blew up")


async def test_no_log_record_or_error_carries_the_full_token(
    worker: Worker,
    temporal_client: temporalio.client.Client,
    stigmer_service: FakeStigmerService,
    task_queue: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    handle = await start_caller(temporal_client, task_queue, _request())
    (call,) = await stigmer_service.wait_for_calls(1)
    token_b64 = base64.b64encode(call.token).decode()
    outcomes = [
        await complete_external_activity(temporal_client, call.token[:-3]),
        await complete_external_activity(
            temporal_client, call.token, failure=ActivityFailure(message="no", type="X")
        ),
        await complete_external_activity(temporal_client, call.token, result=_request()),
    ]
    with pytest.raises(WorkflowFailureError):
        await handle.result()

    texts = [record.getMessage() for record in caplog.records]
    texts += [str(record_fields(record)) for record in caplog.records]
    texts += [str(outcome) for outcome in outcomes]
    assert any("Extracted task token" in text for text in texts)
    assert any(call.token and base64.b64encode(call.token).decode()[:20] in t for t in texts)
    for text in texts:
        assert token_b64 not in text
        assert token_b64[:40] not in text
