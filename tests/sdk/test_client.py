"""StigmerClient against real gRPC servers on loopback: retries, typed errors, metadata."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import grpc
import grpc.aio
import pytest
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from stigmer_sdk import (
    AgentExecution,
    AgentExecutionSpec,
    ClientOptions,
    InvalidArgumentError,
    NotFoundError,
    RetryConfig,
    StigmerClient,
    StigmerRPCError,
    UnavailableError,
    execute_and_wait_pending,
)
from stigmer_sdk.api.agentic.agentexecution.v1 import command_pb2_grpc, query_pb2_grpc
from stigmer_sdk.caller import INVALID_REQUEST_TYPE

FAST_RETRY = RetryConfig(max_attempts=4, initial_backoff=timedelta(milliseconds=5))


class _Command(command_pb2_grpc.AgentExecutionCommandControllerServicer):
    def __init__(self) -> None:
        self.attempts = 0
        self.unavailable_first = 0
        #: An ErrorInfo reason to refuse every create with, as RESOURCE_EXHAUSTED.
        self.refuse_with_reason = ""
        self.metadata: list[dict[str, str]] = []

    async def create(self, request, context):  # type: ignore[override]
        self.attempts += 1
        self.metadata.append(dict(context.invocation_metadata()))
        if self.attempts <= self.unavailable_first:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "warming up")
        if self.refuse_with_reason:
            detail = any_pb2.Any()
            detail.Pack(error_details_pb2.ErrorInfo(reason=self.refuse_with_reason, domain="x"))
            status = status_pb2.Status(
                code=code_pb2.RESOURCE_EXHAUSTED, message="refused", details=[detail]
            )
            await context.abort_with_status(rpc_status.to_status(status))
        if not request.spec.message:
            bad_request = error_details_pb2.BadRequest()
            bad_request.field_violations.add(field="spec.message", description="must not be empty")
            detail = any_pb2.Any()
            detail.Pack(bad_request)
            status = status_pb2.Status(
                code=code_pb2.INVALID_ARGUMENT, message="invalid spec", details=[detail]
            )
            await context.abort_with_status(rpc_status.to_status(status))
        ack = AgentExecution()
        ack.CopyFrom(request)
        ack.metadata.id = "exec-1"
        return ack


class _Query(query_pb2_grpc.AgentExecutionQueryControllerServicer):
    async def get(self, request, context):  # type: ignore[override]
        await context.abort(grpc.StatusCode.NOT_FOUND, f"execution {request.value} not found")

    async def subscribe(self, request, context):  # type: ignore[override]
        for phase in (1, 2, 3):
            yield AgentExecution(status={"phase": phase})


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, _Command]]:
    command = _Command()
    server = grpc.aio.server()
    command_pb2_grpc.add_AgentExecutionCommandControllerServicer_to_server(command, server)
    query_pb2_grpc.add_AgentExecutionQueryControllerServicer_to_server(_Query(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield f"127.0.0.1:{port}", command
    await server.stop(grace=None)


def _execution(message: str = "hello") -> AgentExecution:
    return AgentExecution(spec=AgentExecutionSpec(agent_id="a", message=message))


async def test_retries_unavailable_then_succeeds(server: tuple[str, _Command]) -> None:
    target, command = server
    command.unavailable_first = 2
    async with await StigmerClient.connect(target, ClientOptions(retry=FAST_RETRY)) as client:
        ack = await client.create(_execution())
    assert ack.metadata.id == "exec-1"
    assert command.attempts == 3


async def test_gives_up_after_max_attempts(server: tuple[str, _Command]) -> None:
    target, command = server
    command.unavailable_first = 10
    async with await StigmerClient.connect(target, ClientOptions(retry=FAST_RETRY)) as client:
        with pytest.raises(UnavailableError) as raised:
            await client.create(_execution())
    assert command.attempts == 4
    assert raised.value.retryable
    assert raised.value.message == f"warming up (target {target})"


async def test_invalid_argument_is_typed_with_field_violations_and_not_retried(
    server: tuple[str, _Command],
) -> None:
    target, command = server
    async with await StigmerClient.connect(target, ClientOptions(retry=FAST_RETRY)) as client:
        with pytest.raises(InvalidArgumentError) as raised:
            await client.create(_execution(message=""))
    assert command.attempts == 1
    error = raised.value
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert not error.retryable
    assert [(v.field, v.description) for v in error.field_violations] == [
        ("spec.message", "must not be empty")
    ]
    assert str(error) == "INVALID_ARGUMENT: invalid spec"


async def test_sends_api_key_metadata_and_idempotency_key(server: tuple[str, _Command]) -> None:
    target, command = server
    options = ClientOptions(api_key="secret-key", metadata={"x-tenant": "acme"})
    async with await StigmerClient.connect(target, options) as client:
        await client.create(_execution(), idempotency_key="v1:abc")
    (sent,) = command.metadata
    assert sent["authorization"] == "Bearer secret-key"
    assert sent["x-tenant"] == "acme"
    assert sent["stigmer-idempotency-key"] == "v1:abc"


async def test_not_found_and_subscribe(server: tuple[str, _Command]) -> None:
    target, _ = server
    async with await StigmerClient.connect(target) as client:
        with pytest.raises(NotFoundError, match="execution e-9 not found"):
            await client.get_agent_execution("e-9")
        phases = [u.status.phase async for u in client.subscribe_agent_execution("e-1")]
    assert phases == [1, 2, 3]


async def test_unreachable_service_is_unavailable_within_the_deadline() -> None:
    options = ClientOptions(
        retry=FAST_RETRY, default_timeout=timedelta(seconds=2), connect_timeout=None
    )
    async with await StigmerClient.connect("127.0.0.1:1", options) as client:
        with pytest.raises(UnavailableError) as raised:
            await client.create(_execution())
    assert "(target 127.0.0.1:1)" in raised.value.message


async def test_connect_checks_that_the_service_answers_and_names_the_address() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        target = f"127.0.0.1:{probe.getsockname()[1]}"
    options = ClientOptions(connect_timeout=timedelta(seconds=1))
    with pytest.raises(UnavailableError) as raised:
        await StigmerClient.connect(target, options)
    assert f"no Stigmer service answered at {target}" in raised.value.message
    assert "stigmer-sdk serve --dev" in raised.value.message


async def test_a_reason_that_cannot_succeed_is_not_retryable(server: tuple[str, _Command]) -> None:
    target, command = server
    command.refuse_with_reason = "SPEC_TOO_LARGE"
    async with await StigmerClient.connect(target, ClientOptions(retry=FAST_RETRY)) as client:
        with pytest.raises(StigmerRPCError) as raised:
            await client.create(_execution())
    assert raised.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert raised.value.reason == "SPEC_TOO_LARGE"
    assert not raised.value.retryable
    # The caller's activity fails at once, non-retryable, as an invalid request.
    async with await StigmerClient.connect(target) as client:
        with pytest.raises(ApplicationError) as failure:
            await ActivityEnvironment().run(execute_and_wait_pending, client, _execution())
    assert failure.value.type == INVALID_REQUEST_TYPE
    assert failure.value.non_retryable
    assert "SPEC_TOO_LARGE" in failure.value.message
    # The same code without the reason stays retryable.
    command.refuse_with_reason = "RATE_LIMITED"
    async with await StigmerClient.connect(target, ClientOptions(retry=FAST_RETRY)) as client:
        with pytest.raises(StigmerRPCError) as raised:
            await client.create(_execution())
    assert raised.value.retryable


def test_mtls_needs_both_halves() -> None:
    from stigmer_sdk import TLSConfig

    with pytest.raises(ValueError, match="both client_cert and client_private_key"):
        TLSConfig(client_cert=b"cert")


async def test_retries_are_grpcs_own_and_capped_at_five_attempts(
    server: tuple[str, _Command],
) -> None:
    # A hand-written loop would make 10 attempts; gRPC's retry policy caps maxAttempts at 5.
    target, command = server
    command.unavailable_first = 10
    retry = RetryConfig(max_attempts=10, initial_backoff=timedelta(milliseconds=5))
    async with await StigmerClient.connect(target, ClientOptions(retry=retry)) as client:
        with pytest.raises(UnavailableError):
            await client.create(_execution())
    assert command.attempts == 5


async def test_no_retry_makes_one_attempt(server: tuple[str, _Command]) -> None:
    from stigmer_sdk.client import NO_RETRY

    target, command = server
    command.unavailable_first = 1
    async with await StigmerClient.connect(target, ClientOptions(retry=NO_RETRY)) as client:
        with pytest.raises(UnavailableError):
            await client.create(_execution())
    assert command.attempts == 1


async def test_a_service_that_comes_up_within_the_deadline_is_reached() -> None:
    # wait_for_ready: the call waits for the unreachable service instead of failing at once.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = _Command()
    late = grpc.aio.server()
    command_pb2_grpc.add_AgentExecutionCommandControllerServicer_to_server(command, late)

    async def start_later() -> None:
        # Later than 5 attempts' backoff (at most 1.5 s) could reach without waiting for ready.
        # (add_insecure_port binds the port, so it must wait too.)
        await asyncio.sleep(2)
        late.add_insecure_port(f"127.0.0.1:{port}")
        await late.start()

    options = ClientOptions(default_timeout=timedelta(seconds=30), connect_timeout=None)
    async with await StigmerClient.connect(f"127.0.0.1:{port}", options) as client:
        starter = asyncio.create_task(start_later())
        ack = await client.create(_execution())
        await starter
    await late.stop(grace=None)
    assert ack.metadata.id == "exec-1"
    assert command.attempts == 1
