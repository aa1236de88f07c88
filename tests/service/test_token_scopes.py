"""The confused-deputy attack of issue 20, against ``stigmer-sdk serve`` with API keys on, on
SQLite and PostgreSQL: a caller forges a task token for another caller's pending activity.

Alice and bob are both callers. Bob's workflow runs an agent through the handshake (its first
attempt dies after its create, so the activity the attack targets is a genuine retry, attempt 2,
with its new token). Alice knows bob's workflow id and the activity id and forges tokens for it:

* the issue's forgery: the namespace id, bob's workflow id and activity id ``1`` only (no run id,
  scheduled event id 0, so Temporal would find the activity by its id);
* a complete forgery, every field of bob's real token (run id, scheduled event id, attempt and
  types included), as a caller who somehow learnt them could build it.

Both creates are refused with a clear error, nothing is stored, and bob resumes with his own
agent's result; neither alice's message nor the status she seeds reaches him.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import grpc
import pytest
import temporalio.api.enums.v1
import temporalio.api.workflowservice.v1
import temporalio.client
from temporalio.worker import Worker

from stigmer_sdk import (
    AgentExecution,
    ExecutionPhase,
    MessageType,
    StigmerClient,
    StigmerRPCError,
)
from stigmer_sdk.client import NO_RETRY, ClientOptions
from stigmer_sdk.sandbox import sandboxed_workflow_runner
from stigmer_sdk.service.auth import hash_api_key
from stigmer_sdk.system_activity import SystemActivities
from stigmer_sdk.testing import CallerOptions, CallerWorkflow, DevServer, free_port
from stigmer_sdk.tokens import TaskToken

from helpers.cli import ServeProcess, serve_args, wait_serving
from helpers.fixtures import all_ids, ask, varint
from helpers.workflows import CallerActivities

pytestmark = pytest.mark.integration


def forge(**fields: str | int) -> bytes:
    """A ``temporal.server.api.token.v1.Task`` with the given fields, as an attacker builds it."""
    numbers = {
        "namespace_id": 1,
        "workflow_id": 2,
        "run_id": 3,
        "scheduled_event_id": 4,
        "attempt": 5,
        "activity_id": 6,
        "workflow_type": 7,
        "activity_type": 8,
    }
    token = b""
    for name, value in fields.items():
        number = numbers[name]
        if isinstance(value, int):
            token += varint(number << 3) + varint(value)
        else:
            data = value.encode()
            token += varint(number << 3 | 2) + varint(len(data)) + data
    return token


def _made_up_alice_token(namespace_id: str) -> bytes:
    """A token for a run of alice's scope that does not exist, in ``namespace_id``."""
    return forge(
        namespace_id=namespace_id,
        workflow_id=f"alice-{uuid.uuid4()}",
        run_id=str(uuid.uuid4()),
        scheduled_event_id=5,
        attempt=1,
        activity_id="1",
    )


async def _pending_attempt(
    temporal: temporalio.client.Client, handle: temporalio.client.WorkflowHandle[object, object]
) -> tuple[int, str]:
    """Wait until the caller activity's attempt 2 is started; its scheduled event id and type."""
    started = temporalio.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
    for _ in range(600):
        described = await temporal.workflow_service.describe_workflow_execution(
            temporalio.api.workflowservice.v1.DescribeWorkflowExecutionRequest(
                namespace=temporal.namespace, execution={"workflow_id": handle.id}
            )
        )
        for pending in described.pending_activities:
            if pending.attempt == 2 and pending.state == started:
                history = await handle.fetch_history()
                scheduled = next(
                    event.event_id
                    for event in history.events
                    if event.HasField("activity_task_scheduled_event_attributes")
                )
                return scheduled, pending.activity_type.name
        await asyncio.sleep(0.05)
    raise AssertionError("bob's retried activity never started")


async def _refused(client: StigmerClient, request: AgentExecution) -> StigmerRPCError:
    with pytest.raises(StigmerRPCError) as caught:
        await client.create(request)
    return caught.value


async def test_a_forged_token_for_another_callers_activity_is_refused(
    dev_server: DevServer,
    temporal_client: temporalio.client.Client,
    store_url: str,
    tmp_path: Path,
) -> None:
    keys = tmp_path / "api-keys"
    keys.write_text(
        f"{hash_api_key('key-alice')} alice caller\n{hash_api_key('key-bob')} bob caller\n"
    )
    port = free_port()
    suffix = uuid.uuid4().hex[:8]
    serve = ServeProcess(
        *serve_args(f"127.0.0.1:{port}", dev_server.target, store_url, queues=suffix),
        "--api-keys-file",
        str(keys),
        "--principal-scope",
        "key:alice=workflow:alice-*",
        "--principal-scope",
        "key:bob=workflow:bob-*",
        log_path=tmp_path / "serve.log",
    )
    await serve.start()
    target = f"127.0.0.1:{port}"
    try:
        await wait_serving(target, 60)
        alice = await StigmerClient.connect(
            target, ClientOptions(retry=NO_RETRY, api_key="key-alice")
        )
        bob = await StigmerClient.connect(target, ClientOptions(retry=NO_RETRY, api_key="key-bob"))
        queue = f"bob-callers-{suffix}"
        async with Worker(
            temporal_client,
            task_queue=queue,
            workflows=[CallerWorkflow],
            activities=[
                CallerActivities(bob, temporal_client).run_agent_crash_after_create,
                *SystemActivities(temporal_client).activities(),
            ],
            workflow_runner=sandboxed_workflow_runner(),
        ):
            victim = await temporal_client.start_workflow(
                CallerWorkflow.run,
                args=[
                    ask("deep-research", "bob's question"),
                    CallerOptions(
                        activity="run_agent_crash_after_create",
                        maximum_attempts=3,
                        retry_interval_seconds=0.2,
                    ),
                ],
                id=f"bob-{uuid.uuid4()}",
                task_queue=queue,
            )
            scheduled_event_id, activity_type = await _pending_attempt(temporal_client, victim)
            namespace = await temporal_client.workflow_service.describe_namespace(
                temporalio.api.workflowservice.v1.DescribeNamespaceRequest(namespace="default")
            )
            namespace_id = namespace.namespace_info.id

            # The forgery: the activity named by its id alone.
            by_id = forge(namespace_id=namespace_id, workflow_id=victim.id, activity_id="1")
            request = ask("failing", "ATTACKER")
            request.spec.callback_token = by_id
            refused = await _refused(alice, request)
            assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
            assert not refused.retryable
            assert "run_id, scheduled_event_id, attempt" in refused.message
            assert "not an activity task token Temporal issued" in refused.message

            # A complete forgery, every field of bob's real token: outside alice's scope.
            complete = forge(
                namespace_id=namespace_id,
                workflow_id=victim.id,
                run_id=victim.result_run_id or "",
                scheduled_event_id=scheduled_event_id,
                attempt=2,
                activity_id="1",
                workflow_type="stigmer-testing/caller",
                activity_type=activity_type,
            )
            assert TaskToken(complete).inspect() is not None
            request = ask("echo", "ATTACKER")
            request.status.phase = ExecutionPhase.EXECUTION_COMPLETED
            request.status.messages.add(
                type=MessageType.MESSAGE_AI, content="ATTACKER-SEEDED-HEARTBEAT"
            )
            request.spec.callback_token = complete
            refused = await _refused(alice, request)
            assert refused.code == grpc.StatusCode.PERMISSION_DENIED
            assert not refused.retryable
            assert "does not name a started, pending activity" in refused.message
            # The same answer as for a run that does not exist: no oracle for bob's activities.
            request.spec.callback_token = _made_up_alice_token(namespace_id)
            assert (await _refused(alice, request)).message == refused.message
            # A token of another namespace, the workflow in alice's scope: refused alike.
            request.spec.callback_token = _made_up_alice_token(str(uuid.uuid4()))
            assert (await _refused(alice, request)).message == refused.message

            # In bob's own scope, Temporal still decides: the attempt that died, or another
            # activity id, is no started pending activity.
            for stale in (
                {"attempt": 1, "activity_id": "1"},
                {"attempt": 2, "activity_id": "2"},
            ):
                fields = {
                    "namespace_id": namespace_id,
                    "workflow_id": victim.id,
                    "run_id": victim.result_run_id or "",
                    "scheduled_event_id": scheduled_event_id,
                    **stale,
                }
                request = ask("echo", "stale")
                request.spec.callback_token = forge(**fields)
                assert (await _refused(bob, request)).message == refused.message

            result = await asyncio.wait_for(victim.result(), 60)
            history = await victim.fetch_history()
        await alice.close()
        await bob.close()
    finally:
        await serve.kill()
    # Bob resumes with his own agent's result, from his genuine retry (attempt 2).
    assert isinstance(result, AgentExecution)
    assert result.status.phase == ExecutionPhase.EXECUTION_COMPLETED
    replies = [m.content for m in result.status.messages if m.type == MessageType.MESSAGE_AI]
    assert replies == ["After a long look at 'bob's question': the evidence is mixed."]
    assert b"ATTACKER" not in result.SerializeToString()
    assert b"ATTACKER" not in history.to_json().encode()
    assert "stale" not in str(result)
    # Alice's refused creates stored nothing: bob's one execution is all there is.
    assert len(await all_ids(store_url)) == 1
    log = serve.log()
    assert "PERMISSION_DENIED" in log
    assert "principal=key:alice" in log
    assert "why=outside the principal's scope" in log
    assert "Traceback" not in log
