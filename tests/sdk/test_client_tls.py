"""StigmerClient over TLS and mutual TLS, against a real gRPC server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta

import grpc
import grpc.aio
import pytest

from stigmer_sdk import (
    AgentExecution,
    AgentExecutionSpec,
    ClientOptions,
    StigmerClient,
    StigmerRPCError,
    TLSConfig,
)
from stigmer_sdk.api.agentic.agentexecution.v1 import command_pb2_grpc
from stigmer_sdk.client import NO_RETRY
from stigmer_sdk.service.app import ListenerTLS, StigmerService
from stigmer_sdk.service.runner import ScriptedRunner

from helpers.fixtures import SCRIPTS, service_config
from helpers.tls import Pem
from helpers.tls import issue as _issue


class _Command(command_pb2_grpc.AgentExecutionCommandControllerServicer):
    async def create(self, request, context):  # type: ignore[override]
        ack = AgentExecution()
        ack.CopyFrom(request)
        ack.metadata.id = "exec-tls"
        return ack


@dataclass(frozen=True)
class Pki:
    ca: Pem
    client: Pem
    target: str


@pytest.fixture
async def mtls_server() -> AsyncIterator[Pki]:
    ca, ca_name, ca_key = _issue("test-ca", None, ca=True)
    server_pem, _, _ = _issue("localhost", (ca_name, ca_key), ca=False)
    client_pem, _, _ = _issue("caller", (ca_name, ca_key), ca=False)
    server = grpc.aio.server()
    command_pb2_grpc.add_AgentExecutionCommandControllerServicer_to_server(_Command(), server)
    credentials = grpc.ssl_server_credentials(
        [(server_pem.key, server_pem.cert)], root_certificates=ca.cert, require_client_auth=True
    )
    port = server.add_secure_port("127.0.0.1:0", credentials)
    await server.start()
    yield Pki(ca, client_pem, f"localhost:{port}")
    await server.stop(grace=None)


def _execution() -> AgentExecution:
    return AgentExecution(spec=AgentExecutionSpec(agent_id="a", message="over TLS"))


async def test_mutual_tls_with_a_client_certificate(mtls_server: Pki) -> None:
    tls = TLSConfig(
        server_root_ca_cert=mtls_server.ca.cert,
        client_cert=mtls_server.client.cert,
        client_private_key=mtls_server.client.key,
    )
    async with await StigmerClient.connect(mtls_server.target, ClientOptions(tls=tls)) as client:
        ack = await client.create(_execution())
    assert ack.metadata.id == "exec-tls"


async def _create_is_unavailable(target: str, tls: TLSConfig) -> None:
    """A create over ``tls`` fails UNAVAILABLE: the handshake was refused."""
    options = ClientOptions(
        tls=tls,
        retry=NO_RETRY,
        default_timeout=timedelta(seconds=5),
        connect_timeout=None,  # the call's failure is under test, not connect's
    )
    async with await StigmerClient.connect(target, options) as client:
        with pytest.raises(StigmerRPCError) as raised:
            await client.create(_execution())
    assert raised.value.code is grpc.StatusCode.UNAVAILABLE


async def test_server_rejects_a_client_without_certificate(mtls_server: Pki) -> None:
    await _create_is_unavailable(
        mtls_server.target, TLSConfig(server_root_ca_cert=mtls_server.ca.cert)
    )


async def test_client_rejects_a_server_it_does_not_trust(mtls_server: Pki) -> None:
    other_ca, _, _ = _issue("other-ca", None, ca=True)
    await _create_is_unavailable(
        mtls_server.target,
        TLSConfig(
            server_root_ca_cert=other_ca.cert,
            client_cert=mtls_server.client.cert,
            client_private_key=mtls_server.client.key,
        ),
    )


async def test_the_service_serves_mutual_tls(dev_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The reference service's own listener, with TLS and required client certificates."""

    ca, ca_name, ca_key = _issue("service-ca", None, ca=True)
    server_pem, _, _ = _issue("localhost", (ca_name, ca_key), ca=False)
    client_pem, _, _ = _issue("caller", (ca_name, ca_key), ca=False)
    config = replace(
        service_config(dev_server, f"sqlite:///{tmp_path / 'stigmer.db'}", "tls"),
        listen="localhost:0",
        listen_tls=ListenerTLS(server_pem.cert, server_pem.key, client_ca=ca.cert),
    )
    async with StigmerService(config, runner=ScriptedRunner(SCRIPTS)) as service:
        trusted = TLSConfig(
            server_root_ca_cert=ca.cert,
            client_cert=client_pem.cert,
            client_private_key=client_pem.key,
        )
        async with await StigmerClient.connect(
            service.target, ClientOptions(tls=trusted)
        ) as client:
            ack = await client.create(
                AgentExecution(spec=AgentExecutionSpec(agent_id="quick", message="secure"))
            )
        assert ack.metadata.id.startswith("aex_")

        anonymous = ClientOptions(
            tls=TLSConfig(server_root_ca_cert=ca.cert),
            retry=NO_RETRY,
            default_timeout=timedelta(seconds=5),
            connect_timeout=None,  # the call's failure is under test, not connect's
        )
        async with await StigmerClient.connect(service.target, anonymous) as client:
            with pytest.raises(StigmerRPCError) as raised:
                await client.create(_execution())
        assert raised.value.code is grpc.StatusCode.UNAVAILABLE

        async with await StigmerClient.connect(
            service.target,
            ClientOptions(
                retry=NO_RETRY, default_timeout=timedelta(seconds=5), connect_timeout=None
            ),
        ) as plaintext:
            with pytest.raises(StigmerRPCError):
                await plaintext.create(_execution())
