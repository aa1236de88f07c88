"""Issue 20 against a real service (real gRPC, real dev server, SQLite): the service owns status,
idempotency keys per owner, per-principal quotas, bounded subscriptions, authentication before the
body is decoded, update locks released."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
import temporalio.client
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from temporalio.worker import Worker

from stigmer_sdk import (
    AgentExecution,
    ExecutionPhase,
    MessageType,
    StigmerClient,
    StigmerRPCError,
)
from stigmer_sdk.api.agentic.agentexecution.v1 import io_pb2 as agent_io
from stigmer_sdk.api.agentic.agentexecution.v1 import query_pb2_grpc as agent_query
from stigmer_sdk.api.agentic.agentexecution.v1 import status_pb2 as agent_status
from stigmer_sdk.client import NO_RETRY, ClientOptions
from stigmer_sdk.idempotency import idempotency_key
from stigmer_sdk.sandbox import sandboxed_workflow_runner
from stigmer_sdk.service.app import StigmerService, with_settings
from stigmer_sdk.service.auth import (
    AuthConfig,
    AuthConfigError,
    Principal,
    Role,
    StaticKeys,
    hash_api_key,
)
from stigmer_sdk.service.executions import ExecutionUpdates
from stigmer_sdk.service.runner import Script, ScriptedRunner
from stigmer_sdk.service.scopes import ScopePolicy
from stigmer_sdk.service.servicer import EdgeInterceptor
from stigmer_sdk.service.start_invoke import workflow_id_for
from stigmer_sdk.service.store import ExecutionKind, open_store
from stigmer_sdk.system_activity import SystemActivities
from stigmer_sdk.testing import CallerOptions, CallerWorkflow, DevServer, caller_activity

from helpers.fixtures import SCRIPTS, all_ids, ask, service_config

pytestmark = pytest.mark.integration

CREATE = "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/create"
PRINCIPALS = {"alice": "caller", "bob": "caller", "runner": "runner"}

Factory = Callable[..., Any]


@dataclasses.dataclass
class Secured:
    service: StigmerService
    clients: dict[str, StigmerClient]
    store_url: str


@pytest.fixture
async def secured(dev_server: DevServer, tmp_path: Path) -> AsyncIterator[Factory]:
    """Start a service with API keys (alice, bob: callers; runner) and the given settings."""
    started: list[tuple[StigmerService, list[StigmerClient]]] = []

    async def start(**settings: Any) -> Secured:
        suffix = uuid.uuid4().hex[:8]
        store_url = f"sqlite:///{tmp_path / f'{suffix}.db'}"
        keys = StaticKeys.parse(
            "\n".join(f"{hash_api_key(f'key-{n}')} {n} {r}" for n, r in PRINCIPALS.items())
        )
        config = dataclasses.replace(
            with_settings(service_config(dev_server, store_url, suffix), **settings),
            auth=AuthConfig(keys=keys),
            drain_grace=timedelta(seconds=1),  # "slow" runs need not finish at the end
        )
        runner = ScriptedRunner({**SCRIPTS, "steady": Script(duration=timedelta(seconds=2))})
        service = await StigmerService(config, runner=runner).start()
        clients = {
            name: await StigmerClient.connect(
                service.target, ClientOptions(retry=NO_RETRY, api_key=f"key-{name}")
            )
            for name in PRINCIPALS
        }
        started.append((service, list(clients.values())))
        return Secured(service, clients, store_url)

    yield start
    for service, clients in started:
        for client in clients:
            await client.close()
        await service.stop()


def _reason(error: grpc.aio.AioRpcError) -> str:
    status = rpc_status.from_call(error)
    assert status is not None
    info = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(info)
    assert info.domain == "stigmer.ai"
    return info.reason


async def _raw_create(target: str, principal: str, request: AgentExecution) -> AgentExecution:
    async with grpc.aio.insecure_channel(target) as channel:
        create = channel.unary_unary(
            CREATE,
            request_serializer=AgentExecution.SerializeToString,
            response_deserializer=AgentExecution.FromString,
        )
        result: AgentExecution = await create(
            request, metadata=[("authorization", f"Bearer key-{principal}")]
        )
        return result


# --- the service owns status ---------------------------------------------------------------


async def test_status_tokens_are_stripped_on_every_path(secured: Factory) -> None:
    edge = await secured()
    alice, runner = edge.clients["alice"], edge.clients["runner"]
    request = ask("slow", "a question")
    request.status.callback_token = b"bearer-from-create"
    request.status.phase = ExecutionPhase.EXECUTION_COMPLETED
    request.status.messages.add(type=MessageType.MESSAGE_AI, content="SEEDED-BY-CALLER")
    ack = await alice.create(request)
    # The caller's status is ignored: no token, no seeded message, the service's phase.
    assert ack.status.callback_token == b""
    assert ack.status.phase == ExecutionPhase.EXECUTION_PENDING
    assert "SEEDED-BY-CALLER" not in str(ack)
    execution_id = ack.metadata.id

    update = agent_status.AgentExecutionStatus(
        phase=ExecutionPhase.EXECUTION_IN_PROGRESS, callback_token=b"bearer-from-runner"
    )
    updated = await runner.update_agent_execution_status(execution_id, update)
    assert updated.status.phase == ExecutionPhase.EXECUTION_IN_PROGRESS
    assert updated.status.callback_token == b""
    for reader in (alice, runner):
        fetched = await reader.get_agent_execution(execution_id)
        assert fetched.status.callback_token == b""
    async for streamed in alice.subscribe_agent_execution(execution_id):
        assert streamed.status.callback_token == b""
        break
    async with await open_store(edge.store_url) as store:
        row = await store.get(execution_id)
    assert row is not None
    assert b"bearer-from" not in row.execution
    assert b"SEEDED-BY-CALLER" not in row.execution


async def test_a_status_token_never_reaches_the_caller_or_history(
    secured: Factory, temporal_client: temporalio.client.Client
) -> None:
    """A runner's updateStatus with a token while the caller waits: the delivered result, the
    caller's history and the service's invoke workflow history never carry it."""
    edge = await secured()
    queue = f"callers-{uuid.uuid4().hex[:8]}"
    async with Worker(
        temporal_client,
        task_queue=queue,
        workflows=[CallerWorkflow],
        activities=[
            caller_activity(edge.clients["alice"]),
            *SystemActivities(temporal_client).activities(),
        ],
        workflow_runner=sandboxed_workflow_runner(),
    ):
        caller = await temporal_client.start_workflow(
            CallerWorkflow.run,
            args=[ask("steady", "a question"), CallerOptions()],
            id=f"caller-{uuid.uuid4()}",
            task_queue=queue,
        )
        while not (ids := await all_ids(edge.store_url)):
            await asyncio.sleep(0.05)
        update = agent_status.AgentExecutionStatus(
            phase=ExecutionPhase.EXECUTION_IN_PROGRESS, callback_token=b"BEARER-IN-STATUS"
        )
        await edge.clients["runner"].update_agent_execution_status(ids[0], update)
        result = await asyncio.wait_for(caller.result(), 60)
        caller_history = await caller.fetch_history()
        invoke_history = await temporal_client.get_workflow_handle(
            workflow_id_for(ExecutionKind.AGENT, ids[0])
        ).fetch_history()
    assert isinstance(result, AgentExecution)
    assert result.status.phase == ExecutionPhase.EXECUTION_COMPLETED
    assert result.status.callback_token == b""
    for history in (caller_history, invoke_history):
        text = history.to_json()
        assert "BEARER-IN-STATUS" not in text
        assert base64.b64encode(b"BEARER-IN-STATUS").decode() not in text


# --- idempotency keys per owner --------------------------------------------------------------


async def test_key_squatting_is_refused_without_revealing_the_owner(secured: Factory) -> None:
    edge = await secured()
    alice, bob = edge.clients["alice"], edge.clients["bob"]
    key = idempotency_key("default", f"wf-{uuid.uuid4()}", "run-1", "1")
    # Bob sends alice's key first: it is his own execution's key, nothing more.
    squatted = await bob.create(ask("quick", "squat"), idempotency_key=key)
    own = await alice.create(ask("quick", "mine"), idempotency_key=key)
    assert own.metadata.id != squatted.metadata.id
    again = await alice.create(ask("quick", "mine"), idempotency_key=key)
    assert again.metadata.id == own.metadata.id
    # Bob's repeat answers his own execution: it tells him nothing about alice's.
    repeat = await bob.create(ask("quick", "squat"), idempotency_key=key)
    assert repeat.metadata.id == squatted.metadata.id
    assert own.metadata.id not in str(repeat)
    with pytest.raises(StigmerRPCError) as foreign:
        await bob.get_agent_execution(own.metadata.id)
    assert foreign.value.code == grpc.StatusCode.NOT_FOUND
    assert len(await all_ids(edge.store_url)) == 2


async def test_only_the_creator_may_cancel_and_a_cancel_is_idempotent(secured: Factory) -> None:
    """``cancel`` is scoped as ``get``: another principal's execution is NOT_FOUND (and stays
    running); the creator's cancel stops it (CANCELLED); a cancel of a terminal execution
    returns it unchanged."""
    edge = await secured()
    alice, bob = edge.clients["alice"], edge.clients["bob"]
    created = await alice.create(ask("slow"))
    execution_id = created.metadata.id
    with pytest.raises(StigmerRPCError) as foreign:
        await bob.cancel_agent_execution(execution_id)
    assert foreign.value.code == grpc.StatusCode.NOT_FOUND
    # The same answer as get's: nothing tells bob the execution exists.
    assert str(foreign.value) == str(await _code_of(bob.get_agent_execution(execution_id)))
    with pytest.raises(StigmerRPCError) as unknown:
        await alice.cancel_agent_execution("aex_unknown")
    assert unknown.value.code == grpc.StatusCode.NOT_FOUND
    unchanged = await alice.get_agent_execution(execution_id)
    assert "stigmer.ai/cancel-requested" not in unchanged.metadata.annotations

    accepted = await alice.cancel_agent_execution(execution_id)
    assert accepted.metadata.annotations["stigmer.ai/cancel-requested"] == "true"
    repeated = await alice.cancel_agent_execution(execution_id)  # before the run stopped
    assert repeated.metadata.id == execution_id
    temporal = edge.service.temporal_client
    assert temporal is not None
    await temporal.get_workflow_handle(workflow_id_for(ExecutionKind.AGENT, execution_id)).result()
    cancelled = await alice.get_agent_execution(execution_id)
    assert cancelled.status.phase == ExecutionPhase.EXECUTION_CANCELLED
    again = await alice.cancel_agent_execution(execution_id)
    assert again == cancelled  # terminal: returned unchanged
    assert await alice.get_agent_execution(execution_id) == cancelled


async def _code_of(call: Any) -> StigmerRPCError:
    try:
        await call
    except StigmerRPCError as error:
        return error
    raise AssertionError("the call succeeded")


# --- quotas ----------------------------------------------------------------------------------


async def test_open_executions_quota_is_resource_exhausted(secured: Factory) -> None:
    edge = await secured(max_open_executions_per_principal=2)
    key = idempotency_key("default", f"wf-{uuid.uuid4()}", "run-1", "1")
    first = ask("slow")
    opened = await edge.clients["alice"].create(first, idempotency_key=key)
    await edge.clients["alice"].create(ask("slow"))
    # A retried create of an execution already open opens nothing: no quota applies.
    again = await edge.clients["alice"].create(first, idempotency_key=key)
    assert again.metadata.id == opened.metadata.id
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _raw_create(edge.service.target, "alice", ask("slow"))
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "2 open executions" in (caught.value.details() or "")
    assert _reason(caught.value) == "OPEN_EXECUTIONS_QUOTA_EXCEEDED"
    with pytest.raises(StigmerRPCError) as typed:
        await edge.clients["alice"].create(ask("slow"))
    assert typed.value.retryable  # later, once some have finished
    # Another principal has a quota of its own.
    assert (await edge.clients["bob"].create(ask("slow"))).metadata.id
    assert len(await all_ids(edge.store_url)) == 3


async def test_create_rate_is_resource_exhausted(secured: Factory) -> None:
    edge = await secured(create_rate_per_principal=0.01, create_burst_per_principal=2)
    for _ in range(2):
        await edge.clients["alice"].create(ask())
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _raw_create(edge.service.target, "alice", ask())
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert _reason(caught.value) == "CREATE_RATE_EXCEEDED"
    assert (await edge.clients["bob"].create(ask())).metadata.id


def _subscribe(channel: grpc.aio.Channel, principal: str, execution_id: str) -> Any:
    """A raw subscribe call, so that the test can cancel it (the server then frees its place)."""
    stub = agent_query.AgentExecutionQueryControllerStub(channel)
    return stub.subscribe(
        agent_io.AgentExecutionId(value=execution_id),
        metadata=[("authorization", f"Bearer key-{principal}")],
    )


async def test_subscriptions_are_bounded_per_principal(secured: Factory) -> None:
    edge = await secured(max_subscriptions_per_principal=1)
    execution_id = (await edge.clients["alice"].create(ask("slow"))).metadata.id
    async with grpc.aio.insecure_channel(edge.service.target) as channel:
        first = _subscribe(channel, "alice", execution_id)
        assert (await first.read()).metadata.id == execution_id
        second = _subscribe(channel, "alice", execution_id)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await second.read()
        assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "too many open subscriptions" in (caught.value.details() or "")
        assert _reason(caught.value) == "SUBSCRIPTION_LIMIT_EXCEEDED"
        # The bound is per principal.
        runner = _subscribe(channel, "runner", execution_id)
        assert (await runner.read()).metadata.id == execution_id
        runner.cancel()
        # A cancelled stream gives its place back (once the server has seen the cancellation).
        first.cancel()
        for _ in range(200):
            again = _subscribe(channel, "alice", execution_id)
            try:
                assert (await again.read()).metadata.id == execution_id
                again.cancel()
                break
            except grpc.aio.AioRpcError:
                await asyncio.sleep(0.05)
        else:
            raise AssertionError("the cancelled subscription's place was never given back")


async def test_concurrent_calls_are_bounded(secured: Factory) -> None:
    edge = await secured(max_concurrent_rpcs=2)
    alice = edge.clients["alice"]
    execution_id = (await alice.create(ask("slow"))).metadata.id
    async with grpc.aio.insecure_channel(edge.service.target) as channel:
        streams = [_subscribe(channel, "alice", execution_id) for _ in range(2)]
        for stream in streams:
            await stream.read()
        with pytest.raises(StigmerRPCError) as caught:
            await alice.get_agent_execution(execution_id)
        assert caught.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        for stream in streams:
            stream.cancel()


# --- authentication before the body is decoded ------------------------------------------------


class _Context:
    """Just enough of a servicer context for the interceptor: no credentials."""

    def invocation_metadata(self) -> tuple[()]:
        return ()

    def auth_context(self) -> dict[str, list[bytes]]:
        return {}

    async def abort(self, code: grpc.StatusCode, details: str) -> None:
        raise PermissionError(f"{code.name}: {details}")


async def test_a_stranger_body_is_not_decoded_before_authentication() -> None:
    decoded: list[bytes] = []

    def deserializer(data: bytes) -> AgentExecution:
        decoded.append(data)
        return AgentExecution.FromString(data)

    async def behaviour(request: AgentExecution, context: object) -> AgentExecution:
        return request

    keys = StaticKeys.parse(f"{hash_api_key('k')} alice")
    interceptor = EdgeInterceptor(AuthConfig(keys=keys).authenticator())
    handler = grpc.unary_unary_rpc_method_handler(
        behaviour, deserializer, AgentExecution.SerializeToString
    )

    async def continuation(details: object) -> grpc.RpcMethodHandler:
        return handler

    @dataclasses.dataclass
    class Details:
        method: str = CREATE
        invocation_metadata: tuple[()] = ()

    wrapped = await interceptor.intercept_service(continuation, Details())  # type: ignore[arg-type]
    assert wrapped.request_deserializer is None  # gRPC hands the raw bytes on
    with pytest.raises(PermissionError, match="UNAUTHENTICATED"):
        await wrapped.unary_unary(ask().SerializeToString(), _Context())
    assert decoded == []


# --- update locks -----------------------------------------------------------------------------


async def test_update_locks_are_released(tmp_path: Path) -> None:
    async with await open_store(f"sqlite:///{tmp_path / 'locks.db'}") as store:
        updates = ExecutionUpdates(store)
        ids = []
        for number in range(5):
            row, _ = await store.create(
                id=f"aex_{number}",
                kind=ExecutionKind.AGENT,
                execution=ask().SerializeToString(),
                callback_token=b"",
                idempotency_key=None,
            )
            ids.append(row.id)

        def progress(execution: Any) -> None:
            execution.status.phase = ExecutionPhase.EXECUTION_IN_PROGRESS

        await asyncio.gather(*(updates.update(i, progress) for i in ids * 3))
        assert updates.locks_held == 0


# --- scopes -----------------------------------------------------------------------------------


def test_scopes_are_parsed_per_principal_with_a_default() -> None:
    policy = ScopePolicy.parse(
        [
            "key:alice=workflow:alice-*",
            "key:alice=workflow:shared",
            "jwt:svc=namespace:stigmer",
            "*=workflow:none-",
        ]
    )
    alice = policy.scope_of(Principal("key:alice", frozenset({Role.CALLER})))
    assert alice.allows("default", "alice-1")
    assert alice.allows("other", "shared")  # no namespace rule: not limited by namespace
    assert not alice.allows("default", "bob-1")
    svc = policy.scope_of(Principal("jwt:svc", frozenset({Role.CALLER})))
    assert svc.allows("stigmer", "anything")
    assert not svc.allows("default", "anything")
    stranger = policy.scope_of(Principal("key:carol", frozenset({Role.CALLER})))
    assert not stranger.allows("default", "alice-1")
    assert policy.restricts
    assert not ScopePolicy.parse([]).restricts
    for bad in ("key:alice", "=workflow:x", "key:alice=run:x", "key:alice=workflow:"):
        with pytest.raises(AuthConfigError):
            ScopePolicy.parse([bad])
