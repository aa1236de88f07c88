"""The service's edge against a real gRPC server, a real dev server and both store backends:
authentication, per-principal authorisation, retries bound to their activity, bad input, the
deployed service's create validation, and one service per address."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import grpc
import grpc.aio
import pytest
import temporalio.client
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from temporalio import activity
from temporalio.worker import Worker

from stigmer_sdk import (
    AgentExecution,
    AgentExecutionSpec,
    ExecutionPhase,
    MessageType,
    StigmerClient,
    StigmerRPCError,
    TLSConfig,
    WorkflowExecution,
    WorkflowExecutionSpec,
)
from stigmer_sdk.api.agentic.agentexecution.v1 import io_pb2 as agent_io
from stigmer_sdk.api.agentic.agentexecution.v1 import query_pb2_grpc as agent_query
from stigmer_sdk.api.agentic.agentexecution.v1 import status_pb2 as agent_status
from stigmer_sdk.api.commons.apiresource import enum_pb2 as resource_enum
from stigmer_sdk.client import NO_RETRY, ClientOptions
from stigmer_sdk.idempotency import IDEMPOTENCY_METADATA_KEY, idempotency_key
from stigmer_sdk.sandbox import sandboxed_workflow_runner
from stigmer_sdk.service.app import ListenerTLS, ServiceStartError, StigmerService, with_settings
from stigmer_sdk.service.auth import (
    AuthConfig,
    StaticKeys,
    hash_api_key,
    parse_certificate_roles,
)
from stigmer_sdk.service.codec import MAX_SPEC_BYTES
from stigmer_sdk.service.runner import Script, ScriptedRunner
from stigmer_sdk.service.servicer import MAX_REQUEST_BYTES
from stigmer_sdk.system_activity import SystemActivities
from stigmer_sdk.testing import CallerOptions, CallerWorkflow, DevServer, caller_activity

from helpers.cli import wait_serving
from helpers.fixtures import SCRIPTS, all_ids, count_rows, service_config

pytestmark = pytest.mark.integration

API_VERSION = "agentic.stigmer.ai/v1"
CREATE = "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/create"
WORKFLOW_CREATE = (
    "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController/create"
)
#: name → (API key, roles).
PRINCIPALS = {
    "alice": ("key-alice", "caller"),
    "bob": ("key-bob", "caller"),
    "runner": ("key-runner", "runner"),
    "admin": ("key-admin", "admin"),
}
#: Client certificate common names of the mTLS test.
PEERS = ("billing", "shipping", "runner-cn", "stranger")
EDGE_SCRIPTS = {
    **SCRIPTS,
    # Long enough for a hijack attempt while the victim is pending.
    "steady": Script(duration=timedelta(seconds=3), reply="steady answer to {message}"),
}


def ask(agent_id: str = "quick", message: str = "what changed?", name: str = "") -> AgentExecution:
    """A create request as the deployed service wants it."""
    request = AgentExecution(
        api_version=API_VERSION,
        kind="AgentExecution",
        spec=AgentExecutionSpec(agent_id=agent_id, message=message),
    )
    request.metadata.name = name or f"exec-{uuid.uuid4().hex[:20]}"
    return request


@dataclass
class Edge:
    service: StigmerService
    clients: dict[str, StigmerClient]
    temporal: temporalio.client.Client
    store_url: str
    suffix: str

    def client(self, name: str) -> StigmerClient:
        return self.clients[name]


def _keys() -> StaticKeys:
    return StaticKeys.parse(
        "\n".join(
            f"{hash_api_key(key)} {name} {roles}" for name, (key, roles) in PRINCIPALS.items()
        )
    )


@pytest.fixture
async def edge(
    dev_server: DevServer, temporal_client: temporalio.client.Client, store_url: str
) -> AsyncIterator[Edge]:
    suffix = uuid.uuid4().hex[:8]
    config = dataclasses.replace(
        with_settings(service_config(dev_server, store_url, suffix), require_resource_fields=True),
        auth=AuthConfig(keys=_keys()),
        health_listen="127.0.0.1:0",
    )
    async with StigmerService(config, runner=ScriptedRunner(EDGE_SCRIPTS)) as service:
        clients = {
            name: await StigmerClient.connect(
                service.target, ClientOptions(retry=NO_RETRY, api_key=key)
            )
            for name, (key, _) in PRINCIPALS.items()
        }
        clients["nobody"] = await StigmerClient.connect(
            service.target, ClientOptions(retry=NO_RETRY)
        )
        clients["stranger"] = await StigmerClient.connect(
            service.target, ClientOptions(retry=NO_RETRY, api_key="key-guessed")
        )
        yield Edge(service, clients, temporal_client, store_url, suffix)
        for client in clients.values():
            await client.close()


async def _code(call: object) -> grpc.StatusCode:
    with pytest.raises(StigmerRPCError) as caught:
        await call  # type: ignore[misc]
    return caught.value.code


# --- authentication and authorisation ------------------------------------------------------

#: Every service of the main port, by full name.
SERVED = (
    "ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController",
    "ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryController",
    "ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController",
    "ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryController",
    "grpc.health.v1.Health",
)


async def _raw_call(channel: grpc.aio.Channel, method: str, streaming: bool) -> grpc.StatusCode:
    """Call ``method`` with an empty body and no credentials; its status code."""
    try:
        if streaming:
            async for _ in channel.unary_stream(method)(b"", timeout=10):
                pass
        else:
            await channel.unary_unary(method)(b"", timeout=10)
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def test_the_health_check_alone_answers_without_credentials(edge: Edge) -> None:
    import importlib

    from google.protobuf import descriptor, descriptor_pool
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    from stigmer_sdk.api._pool import POOL
    from stigmer_sdk.service.health import READINESS_SERVICE

    for kind in ("agentexecution", "workflowexecution"):  # their services join the SDK's pool
        for module in ("command_pb2", "query_pb2"):
            importlib.import_module(f"stigmer_sdk.api.agentic.{kind}.v1.{module}")

    def find_service(name: str) -> descriptor.ServiceDescriptor:
        """The SDK's services are in its private pool, the health service in the default one."""
        try:
            return POOL.FindServiceByName(name)
        except KeyError:
            return descriptor_pool.Default().FindServiceByName(name)

    health_target = f"127.0.0.1:{edge.service.health_port}"
    for target in (edge.service.target, health_target):  # probes need no credential and no TLS
        async with grpc.aio.insecure_channel(target) as channel:
            check = health_pb2_grpc.HealthStub(channel).Check
            for name in ("", READINESS_SERVICE):
                response = await check(health_pb2.HealthCheckRequest(service=name), timeout=10)
                assert response.status == health_pb2.HealthCheckResponse.SERVING
    methods = [
        (f"/{service.full_name}/{method.name}", method.server_streaming)
        for service in map(find_service, SERVED)
        for method in service.methods
    ]
    assert len(methods) >= 10
    async with grpc.aio.insecure_channel(edge.service.target) as channel:
        codes = {
            method: await _raw_call(channel, method, streaming) for method, streaming in methods
        }
    assert codes.pop("/grpc.health.v1.Health/Check") == grpc.StatusCode.OK
    # Everything else, Health/Watch (a stream) included, needs credentials.
    assert set(codes.values()) == {grpc.StatusCode.UNAUTHENTICATED}, codes
    # The health-only port serves Check and nothing else: no stream, no execution.
    async with grpc.aio.insecure_channel(health_target) as channel:
        codes = {
            method: await _raw_call(channel, method, streaming) for method, streaming in methods
        }
    assert codes.pop("/grpc.health.v1.Health/Check") == grpc.StatusCode.OK
    assert set(codes.values()) == {grpc.StatusCode.UNIMPLEMENTED}, codes


async def test_unauthenticated_calls_get_unauthenticated(edge: Edge) -> None:
    ack = await edge.client("alice").create(ask())
    for name in ("nobody", "stranger"):
        client = edge.client(name)
        assert await _code(client.create(ask())) == grpc.StatusCode.UNAUTHENTICATED
        assert (
            await _code(client.get_agent_execution(ack.metadata.id))
            == grpc.StatusCode.UNAUTHENTICATED
        )
        with pytest.raises(StigmerRPCError) as caught:
            async for _ in client.subscribe_agent_execution(ack.metadata.id):
                pass
        assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED
    # A garbage body from a stranger is refused as unauthenticated, before it is looked at.
    async with grpc.aio.insecure_channel(edge.service.target) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as raw:
            await channel.unary_unary(CREATE)(b"\xff\xff\xff")
        assert raw.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert await count_rows(edge.store_url) == 1


async def test_another_principals_execution_is_not_found(edge: Edge) -> None:
    alice, bob = edge.client("alice"), edge.client("bob")
    ack = await alice.create(ask("steady"))
    execution_id = ack.metadata.id
    assert (await alice.get_agent_execution(execution_id)).metadata.id == execution_id

    missing = await _code(bob.get_agent_execution(f"aex_{uuid.uuid4().hex}"))
    assert missing == grpc.StatusCode.NOT_FOUND
    with pytest.raises(StigmerRPCError) as foreign:
        await bob.get_agent_execution(execution_id)
    # Exactly what a missing execution gets: existence does not leak.
    assert foreign.value.code == grpc.StatusCode.NOT_FOUND
    assert foreign.value.message == f"execution {execution_id} not found"
    status = agent_status.AgentExecutionStatus(phase=ExecutionPhase.EXECUTION_FAILED)
    assert (
        await _code(bob.update_agent_execution_status(execution_id, status))
        == grpc.StatusCode.NOT_FOUND
    )
    with pytest.raises(StigmerRPCError) as streamed:
        async for _ in bob.subscribe_agent_execution(execution_id):
            pass
    assert streamed.value.code == grpc.StatusCode.NOT_FOUND
    # The owner reads but does not write status; a runner and an admin do both.
    assert (
        await _code(alice.update_agent_execution_status(execution_id, status))
        == grpc.StatusCode.PERMISSION_DENIED
    )
    assert (await edge.client("runner").get_agent_execution(execution_id)).metadata.id
    assert (await edge.client("admin").get_agent_execution(execution_id)).metadata.id
    progress = agent_status.AgentExecutionStatus(phase=ExecutionPhase.EXECUTION_IN_PROGRESS)
    updated = await edge.client("runner").update_agent_execution_status(execution_id, progress)
    assert updated.status.phase == ExecutionPhase.EXECUTION_IN_PROGRESS
    # A runner creates nothing.
    assert await _code(edge.client("runner").create(ask())) == grpc.StatusCode.PERMISSION_DENIED
    async for update in alice.subscribe_agent_execution(execution_id):
        if update.status.phase == ExecutionPhase.EXECUTION_COMPLETED:
            break


# --- retries bound to their activity -------------------------------------------------------


async def test_a_reused_key_with_another_request_is_refused(edge: Edge) -> None:
    alice = edge.client("alice")
    key = idempotency_key("default", f"wf-{uuid.uuid4()}", "run", "1")
    first = ask("quick", "first question", name="exec-same")
    ack = await alice.create(first, idempotency_key=key)
    again = await alice.create(first, idempotency_key=key)
    assert again.metadata.id == ack.metadata.id

    different = ask("quick", "another question", name="exec-same")
    with pytest.raises(StigmerRPCError) as caught:
        await alice.create(different, idempotency_key=key)
    assert caught.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert "different request" in caught.value.message
    assert not caught.value.retryable
    # Keys are per owner: another principal's use of the key is an execution of its own, and
    # its answer says nothing of alice's.
    bobs = await edge.client("bob").create(first, idempotency_key=key)
    assert bobs.metadata.id != ack.metadata.id
    assert sorted(await all_ids(edge.store_url)) == sorted([ack.metadata.id, bobs.metadata.id])


async def test_the_key_sent_twice_is_invalid_argument(edge: Edge) -> None:
    async with grpc.aio.insecure_channel(edge.service.target) as channel:
        create = channel.unary_unary(
            CREATE,
            request_serializer=AgentExecution.SerializeToString,
            response_deserializer=AgentExecution.FromString,
        )
        auth = ("authorization", "Bearer key-alice")
        with pytest.raises(grpc.aio.AioRpcError) as twice:
            await create(
                ask(),
                metadata=[
                    auth,
                    (IDEMPOTENCY_METADATA_KEY, "v1:a"),
                    (IDEMPOTENCY_METADATA_KEY, "v1:b"),
                ],
            )
        assert twice.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "more than once" in (twice.value.details() or "")
        annotated = ask()
        annotated.metadata.annotations["stigmer.ai/idempotency-key"] = "v1:other"
        with pytest.raises(grpc.aio.AioRpcError) as differing:
            await create(annotated, metadata=[auth, (IDEMPOTENCY_METADATA_KEY, "v1:a")])
        assert differing.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert await count_rows(edge.store_url) == 0


class Hijacker:
    """A hostile caller: creates with a victim's idempotency key and its own task token."""

    def __init__(self, stigmer: StigmerClient) -> None:
        self._stigmer = stigmer
        self.victim_key = ""

    @activity.defn(name="hijack")
    async def hijack(self, request: AgentExecution) -> AgentExecution:
        attempt = AgentExecution()
        attempt.CopyFrom(request)
        attempt.spec.callback_token = activity.info().task_token
        attempt.metadata.annotations["stigmer.ai/idempotency-key"] = self.victim_key
        try:
            await self._stigmer.create(attempt, idempotency_key=self.victim_key)
        except StigmerRPCError as refused:
            outcome = AgentExecution()
            outcome.status.error = f"{refused.code.name}: {refused.message}"
            return outcome
        activity.raise_complete_async()  # taken over: wait for the victim's result


async def _hijack(edge: Edge, attacker: str, victim_key: str, request: AgentExecution) -> str:
    queue = f"attacker-{uuid.uuid4().hex[:8]}"
    hijacker = Hijacker(edge.client(attacker))
    hijacker.victim_key = victim_key
    async with Worker(
        edge.temporal,
        task_queue=queue,
        workflows=[CallerWorkflow],
        activities=[hijacker.hijack],
        workflow_runner=sandboxed_workflow_runner(),
    ):
        result = await asyncio.wait_for(
            edge.temporal.execute_workflow(
                CallerWorkflow.run,
                args=[request, CallerOptions(activity="hijack", start_to_close_seconds=20)],
                id=f"attacker-{uuid.uuid4()}",
                task_queue=queue,
            ),
            30,
        )
    assert isinstance(result, AgentExecution)
    return result.status.error


async def test_a_hijack_is_refused_and_the_victim_resumes_with_its_own_result(edge: Edge) -> None:
    queue = f"victim-{edge.suffix}"
    request = ask("steady", "the victim's secret question", name="exec-victim")
    async with Worker(
        edge.temporal,
        task_queue=queue,
        workflows=[CallerWorkflow],
        activities=[
            caller_activity(edge.client("alice")),
            *SystemActivities(edge.temporal).activities(),
        ],
        workflow_runner=sandboxed_workflow_runner(),
    ):
        victim = await edge.temporal.start_workflow(
            CallerWorkflow.run,
            args=[request, CallerOptions(start_to_close_seconds=60)],
            id=f"victim-{uuid.uuid4()}",
            task_queue=queue,
        )
        while not await all_ids(edge.store_url):
            await asyncio.sleep(0.05)
        victim_key = idempotency_key("default", victim.id, victim.result_run_id or "", "1")

        # Another principal, or the same one (a compromised sibling service), the same request,
        # its own token: an SDK key must be the key of the token's own activity.
        for attacker in ("bob", "alice"):
            refused = await _hijack(edge, attacker, victim_key, request)
            assert refused.startswith("INVALID_ARGUMENT"), refused
            assert "not the key of the callback token's activity" in refused

        result = await asyncio.wait_for(victim.result(), 60)
    assert isinstance(result, AgentExecution)
    assert result.status.phase == ExecutionPhase.EXECUTION_COMPLETED
    replies = [m.content for m in result.status.messages if m.type == MessageType.MESSAGE_AI]
    assert replies == ["steady answer to the victim's secret question"]
    assert len(await all_ids(edge.store_url)) == 1


# --- bad input -----------------------------------------------------------------------------


async def test_undecodable_bodies_are_invalid_argument_with_one_line_each(
    edge: Edge, caplog: pytest.LogCaptureFixture
) -> None:
    bodies = [
        b"\xff\xff\xff\xff",  # not a message
        b"\x0a\x05\xc3\x28abc",  # api_version: invalid UTF-8
        b"\x22\x03\x12\x01",  # spec truncated
        bytes(ask().SerializeToString()[:-1]),  # cut short
    ]
    caplog.set_level(logging.INFO, logger="stigmer_sdk")
    caplog.set_level(logging.INFO, logger="grpc")
    async with grpc.aio.insecure_channel(edge.service.target) as channel:
        for method in (CREATE, WORKFLOW_CREATE):
            create = channel.unary_unary(method)
            for body in bodies:
                caplog.clear()
                with pytest.raises(grpc.aio.AioRpcError) as caught:
                    await create(body, metadata=[("authorization", "Bearer key-alice")])
                assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, body
                assert "not a valid message" in (caught.value.details() or "")
                # The replica's background bookkeeping (gauge leadership, readiness) may log
                # at any time; the request itself writes one line.
                lines = [r for r in caplog.records if r.name != "stigmer_sdk.service.replica"]
                assert len(lines) == 1, [r.getMessage() for r in lines]
                assert lines[0].exc_info is None
                assert "Traceback" not in caplog.text
    assert await count_rows(edge.store_url) == 0


def sized(size: int, agent_id: str = "quick") -> AgentExecution:
    """A request whose spec serializes to exactly ``size`` bytes."""
    request = ask(agent_id, "")
    length = size
    for _ in range(8):
        request.spec.message = "x" * length
        length += size - request.spec.ByteSize()
    assert request.spec.ByteSize() == size
    return request


async def test_spec_size_limit(edge: Edge) -> None:
    alice = edge.client("alice")
    over = sized(MAX_SPEC_BYTES + 1)
    with pytest.raises(StigmerRPCError) as caught:
        await alice.create(over)
    assert caught.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert f"the limit is {MAX_SPEC_BYTES} bytes" in caught.value.message
    # RESOURCE_EXHAUSTED is usually worth retrying; with this reason the client knows it is not.
    assert caught.value.reason == "SPEC_TOO_LARGE"
    assert not caught.value.retryable
    async with grpc.aio.insecure_channel(edge.service.target) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as raw:
            await channel.unary_unary(CREATE)(
                over.SerializeToString(), metadata=[("authorization", "Bearer key-alice")]
            )
    status = rpc_status.from_call(raw.value)
    assert status is not None
    info = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(info)
    assert (info.domain, info.reason) == ("stigmer.ai", "SPEC_TOO_LARGE")
    # gRPC refuses a body far above the limit before it is decoded.
    huge = ask("quick", "y" * (MAX_REQUEST_BYTES + 1))
    assert await _code(alice.create(huge)) == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert await count_rows(edge.store_url) == 0
    # At the limit the spec is accepted (the service's workflow runs it: see test_service).
    ack = await alice.create(sized(MAX_SPEC_BYTES))
    assert ack.metadata.id


@pytest.mark.parametrize(
    ("change", "field", "description"),
    [
        ({"api_version": ""}, "api_version", f"must equal `{API_VERSION}`"),
        ({"api_version": "agentic.stigmer.ai/v2"}, "api_version", "must equal"),
        ({"kind": ""}, "kind", "must equal `AgentExecution`"),
        ({"kind": "WorkflowExecution"}, "kind", "must equal `AgentExecution`"),
        ({"name": ""}, "metadata", "name must contain an ASCII letter or digit"),
        ({"name": "¡¿ ✓"}, "metadata", "name must contain an ASCII letter or digit"),
        ({"owner_scope": "organization"}, "metadata", "owner_scope must be unspecified"),
        ({"session": "ses-1"}, "spec.agent_id", "this service runs agents by id"),
        ({"metadata": None}, "metadata", "value is required"),
    ],
)
async def test_create_is_validated_as_the_deployed_service_does(
    edge: Edge, change: dict[str, str | None], field: str, description: str
) -> None:
    request = ask()
    if "metadata" in change:
        request.ClearField("metadata")
    if "name" in change:
        request.metadata.name = change["name"] or ""
    if "owner_scope" in change:
        request.metadata.owner_scope = resource_enum.organization
    if "session" in change:
        request.spec.session_id = change["session"] or ""
        request.spec.agent_id = ""
    for attribute in ("api_version", "kind"):
        if attribute in change:
            setattr(request, attribute, change[attribute])
    async with grpc.aio.insecure_channel(edge.service.target) as channel:
        create = channel.unary_unary(
            CREATE,
            request_serializer=AgentExecution.SerializeToString,
            response_deserializer=AgentExecution.FromString,
        )
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await create(request, metadata=[("authorization", "Bearer key-alice")])
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(caught.value)
    assert status is not None
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    violations = {v.field: v.description for v in bad_request.field_violations}
    assert description in violations[field], violations
    assert await count_rows(edge.store_url) == 0


async def test_a_workflow_execution_is_validated_too(edge: Edge) -> None:
    request = WorkflowExecution(
        api_version=API_VERSION,
        kind="AgentExecution",
        spec=WorkflowExecutionSpec(workflow_id="wf-1"),
    )
    request.metadata.name = "exec-w"
    with pytest.raises(StigmerRPCError) as caught:
        await edge.client("alice").create(request)
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in caught.value.field_violations] == ["kind"]


# --- one service per address ---------------------------------------------------------------


async def test_a_second_service_on_a_used_address_is_refused(edge: Edge) -> None:
    config = dataclasses.replace(edge.service.config, listen=edge.service.target)
    second = StigmerService(config)
    with pytest.raises(ServiceStartError, match="in use"):
        await second.start()
    # Refused before it touched Temporal or the store, and the first still answers.
    assert second.temporal_client is None
    assert second.store is None
    ack = await edge.client("alice").create(ask())
    assert (await edge.client("alice").get_agent_execution(ack.metadata.id)).metadata.id


async def test_request_fields_reach_the_log_escaped_and_bounded(
    edge: Edge, caplog: pytest.LogCaptureFixture
) -> None:
    forged = "aex_1\n2026-01-01 INFO Execution accepted execution_id=aex_forged " + "x" * 2000
    with caplog.at_level(logging.INFO, "stigmer_sdk.service"):
        code = await _code(edge.client("alice").get_agent_execution(forged))
    assert code == grpc.StatusCode.NOT_FOUND
    (line,) = [r.getMessage() for r in caplog.records if "aex_1" in r.getMessage()]
    assert "\n" not in line
    assert "aex_1\\x0a2026-01-01 INFO" in line
    assert len(line) < 1000
    assert "characters)" in line


async def test_get_by_an_empty_id_is_invalid_argument(edge: Edge) -> None:
    async with grpc.aio.insecure_channel(edge.service.target) as channel:
        get = agent_query.AgentExecutionQueryControllerStub(channel).get
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await get(
                agent_io.AgentExecutionId(value=""),
                metadata=[("authorization", "Bearer key-alice")],
            )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


# --- mTLS identities -----------------------------------------------------------------------


async def test_client_certificates_are_principals(dev_server: DevServer, tmp_path: Path) -> None:
    from cryptography import x509

    from helpers.tls import issue as _issue

    ca, ca_name, ca_key = _issue("edge-ca", None, ca=True)
    server_pem, _, _ = _issue("localhost", (ca_name, ca_key), ca=False)
    pems = {name: _issue(name, (ca_name, ca_key), ca=False, sans=[])[0] for name in PEERS}
    # CN "billing" but SAN "impostor.corp": known by its SAN only, so not billing.
    pems["impostor"] = _issue(
        "billing", (ca_name, ca_key), ca=False, sans=[x509.DNSName("impostor.corp")]
    )[0]
    config = dataclasses.replace(
        with_settings(
            service_config(dev_server, f"sqlite:///{tmp_path / 'stigmer.db'}", "edge-mtls"),
            require_resource_fields=True,
        ),
        listen="localhost:0",
        listen_tls=ListenerTLS(server_pem.cert, server_pem.key, client_ca=ca.cert),
        auth=AuthConfig(
            certificate_roles=parse_certificate_roles(
                ["billing=caller", "shipping=caller", "runner-cn=runner"]
            )
        ),
    )
    async with StigmerService(config, runner=ScriptedRunner(SCRIPTS)) as service:
        clients = {
            name: await StigmerClient.connect(
                service.target,
                ClientOptions(
                    tls=TLSConfig(
                        server_root_ca_cert=ca.cert,
                        client_cert=pem.cert,
                        client_private_key=pem.key,
                    ),
                    retry=NO_RETRY,
                ),
            )
            for name, pem in pems.items()
        }
        try:
            ack = await clients["billing"].create(ask())
            execution_id = ack.metadata.id
            assert (await clients["billing"].get_agent_execution(execution_id)).metadata.id
            assert (
                await _code(clients["shipping"].get_agent_execution(execution_id))
                == grpc.StatusCode.NOT_FOUND
            )
            assert (await clients["runner-cn"].get_agent_execution(execution_id)).metadata.id
            # A certificate of the CA whose identity has no role is no principal.
            assert await _code(clients["stranger"].create(ask())) == grpc.StatusCode.UNAUTHENTICATED
            assert await _code(clients["impostor"].create(ask())) == grpc.StatusCode.UNAUTHENTICATED
        finally:
            for client in clients.values():
                await client.close()


# --- serve ---------------------------------------------------------------------------------


def test_serve_refuses_an_open_non_loopback_address_and_states_the_limit(tmp_path: Path) -> None:
    from helpers.cli import run_cli

    store = f"sqlite:///{tmp_path / 'stigmer.db'}"
    refused = run_cli("serve", "--listen", "0.0.0.0:0", "--store", store, "--quiet")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    output = " ".join((refused.stdout + refused.stderr).split())
    assert "refusing to serve 0.0.0.0:0 without authentication" in output
    assert "--insecure-no-auth" in output
    assert not (tmp_path / "stigmer.db").exists()  # refused before anything was opened

    help_text = " ".join(run_cli("serve", "--help").stdout.split())
    assert "1 MiB (1048576 bytes" in help_text
    for option in ("--api-keys-file", "--jwt-jwks", "--client-cert-role", "--insecure-no-auth"):
        assert option in help_text


async def test_serve_refuses_an_address_in_use(dev_server: DevServer, tmp_path: Path) -> None:
    from helpers.cli import run_cli

    config = service_config(dev_server, f"sqlite:///{tmp_path / 'first.db'}", "edge-port")
    async with StigmerService(config) as first:
        second = await asyncio.to_thread(
            run_cli,
            "serve",
            "--listen",
            first.target,
            "--address",
            dev_server.target,
            "--store",
            f"sqlite:///{tmp_path / 'second.db'}",
            "--quiet",
            timeout=60,  # sharing the port (SO_REUSEPORT), it would serve until killed
        )
        assert second.returncode == 8, second.stdout + second.stderr  # unavailable
        output = " ".join((second.stdout + second.stderr).split())
        assert f"cannot listen on {first.target}: the address is in use" in output
        assert not (tmp_path / "second.db").exists()


async def test_plain_text_tokens_are_warned_about_on_every_start_outside_development(
    dev_server: DevServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from stigmer_sdk.service.store import load_encryption_keys

    config = service_config(dev_server, f"sqlite:///{tmp_path / 'stigmer.db'}", "edge-warn")
    key = f"k1:{base64.b64encode(bytes(32)).decode()}"
    caplog.set_level(logging.WARNING, logger="stigmer_sdk.service")
    for changes, warned in (
        ({}, True),
        ({}, True),  # every start
        ({"development": True}, False),
        ({"encryption_keys": tuple(load_encryption_keys(key))}, False),
    ):
        caplog.clear()
        async with StigmerService(dataclasses.replace(config, **changes)):
            pass
        assert ("PLAIN TEXT" in caplog.text) is warned, changes


async def test_serve_authenticates_with_the_keys_of_its_key_file(
    dev_server: DevServer, tmp_path: Path
) -> None:
    from stigmer_sdk.testing import free_port

    from helpers.cli import ServeProcess

    keys = tmp_path / "api-keys"
    keys.write_text(f"# callers\n{hash_api_key('serve-key')} billing caller\n")
    port = free_port()
    serve = ServeProcess(
        "--listen",
        f"0.0.0.0:{port}",  # not loopback: allowed because keys are configured
        "--address",
        dev_server.target,
        "--store",
        f"sqlite:///{tmp_path / 'stigmer.db'}",
        "--task-queue",
        f"svc-keys-{port}",
        "--api-keys-file",
        str(keys),
        log_path=tmp_path / "serve.log",
    )
    await serve.start()
    try:
        target = f"127.0.0.1:{port}"
        await wait_serving(target, 60)
        options = ClientOptions(retry=NO_RETRY, api_key="serve-key")
        async with await StigmerClient.connect(target, options) as client:
            ack = await client.create(ask("echo"))  # one of serve's built-in demo agents
            assert (await client.get_agent_execution(ack.metadata.id)).metadata.id
        async with await StigmerClient.connect(target, ClientOptions(retry=NO_RETRY)) as client:
            assert await _code(client.create(ask())) == grpc.StatusCode.UNAUTHENTICATED
    finally:
        await serve.kill()
    log = " ".join(serve.log().split())
    assert "API keys (1)" in log
    assert "serve-key" not in log
    assert "Traceback" not in log
