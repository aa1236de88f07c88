"""The standard gRPC health service: liveness, readiness and drain of one replica."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import grpc.aio
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from stigmer_sdk.service.app import StigmerService
from stigmer_sdk.service.health import READINESS_SERVICE, ReplicaHealth
from stigmer_sdk.service.runner import ScriptedRunner
from stigmer_sdk.testing import DevServer

from helpers.fixtures import SCRIPTS, service_config

pytestmark = pytest.mark.integration

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def _status(target: str, service: str) -> int:
    async with grpc.aio.insecure_channel(target) as channel:
        response = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=5
        )
        return int(response.status)


@pytest.fixture
async def service(dev_server: DevServer, tmp_path: object) -> AsyncIterator[StigmerService]:
    config = service_config(dev_server, f"sqlite:///{tmp_path}/stigmer.db", uuid.uuid4().hex[:8])
    config = replace(config, readiness_interval=timedelta(milliseconds=100))
    async with StigmerService(config, runner=ScriptedRunner(SCRIPTS)) as running:
        yield running


async def test_a_started_replica_is_live_and_ready(service: StigmerService) -> None:
    assert await _status(service.target, "") == SERVING
    assert await _status(service.target, READINESS_SERVICE) == SERVING


async def test_draining_turns_readiness_off_and_keeps_liveness(service: StigmerService) -> None:
    assert service.health is not None
    await service.health.drain()
    await asyncio.sleep(0.3)  # the readiness loop must not turn it back on
    assert await _status(service.target, READINESS_SERVICE) == NOT_SERVING
    assert await _status(service.target, "") == SERVING


async def test_readiness_follows_its_dependencies() -> None:
    healthy = True

    async def dependency() -> None:
        if not healthy:
            raise ConnectionError("store unreachable")

    health = ReplicaHealth([("store", dependency)], interval=0.05)
    server = grpc.aio.server()
    health.add_to(server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    target = f"127.0.0.1:{port}"
    try:
        await health.start()
        assert await _status(target, READINESS_SERVICE) == SERVING
        healthy = False
        await asyncio.sleep(0.3)
        assert await _status(target, READINESS_SERVICE) == NOT_SERVING
        assert await _status(target, "") == SERVING
        healthy = True
        await asyncio.sleep(0.3)
        assert await _status(target, READINESS_SERVICE) == SERVING
        await health.stop()
        assert await _status(target, "") == NOT_SERVING
    finally:
        await server.stop(None)
