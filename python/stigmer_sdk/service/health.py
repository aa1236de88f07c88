"""Health, readiness and drain of one service replica.

The standard gRPC health service (``grpc.health.v1.Health``) answers on the service's own port:

- the overall status (service name ``""``) is the liveness check: SERVING while the process runs,
  including while it drains, so that an orchestrator does not kill a replica finishing its work;
- `READINESS_SERVICE` is the readiness check: SERVING only while the replica takes new
  work, that is, while its Temporal workers run and both the store and Temporal answer. It turns
  NOT_SERVING as soon as a drain starts, so a load balancer stops routing ``create`` to it.

``Health/Check`` answers without credentials; ``Health/Watch`` needs them. With ``--health-listen``
the replica also serves ``Health/Check`` alone on a separate plaintext port, for probes that speak
neither TLS nor credentials: the kubelet's (``grpc: {port: 7235, service: stigmer.readiness}``),
``grpc_health_probe -addr=... -service=stigmer.readiness``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import grpc
import grpc.aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

logger = logging.getLogger("stigmer_sdk.service.replica")

#: Health-service name of the readiness check.
READINESS_SERVICE = "stigmer.readiness"

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING

#: A dependency check: returns normally when the dependency answers, raises otherwise.
Check = Callable[[], Awaitable[object]]


class ReplicaHealth:
    """The health service of one replica and the readiness loop behind it.

    Args:
        checks: named dependency checks (the store, Temporal), all of which must pass for the
            replica to be ready.
        interval: seconds between readiness checks.
    """

    def __init__(self, checks: Sequence[tuple[str, Check]], interval: float = 5.0) -> None:
        self.servicer = health.aio.HealthServicer()
        self._checks = tuple(checks)
        self._interval = interval
        self._draining = False
        self._ready = False
        self._task: asyncio.Task[None] | None = None

    @property
    def ready(self) -> bool:
        """Whether the replica reports itself ready right now."""
        return self._ready

    def add_to(self, server: grpc.aio.Server) -> None:
        """Serve the health service on ``server`` (before it starts)."""
        health_pb2_grpc.add_HealthServicer_to_server(self.servicer, server)

    def add_check_only_to(self, server: grpc.aio.Server) -> None:
        """Serve ``Health/Check`` alone on ``server``; ``Watch`` there is UNIMPLEMENTED, so that
        an unauthenticated port holds no stream open."""
        health_pb2_grpc.add_HealthServicer_to_server(_CheckOnly(self.servicer), server)

    async def start(self) -> None:
        """Report live, run the first readiness check, and keep checking in the background."""
        await self.servicer.set("", SERVING)
        await self._check_once()
        self._task = asyncio.create_task(self._loop())

    async def drain(self) -> None:
        """Stop reporting ready for good; liveness stays SERVING until `stop`."""
        self._draining = True
        await self._set_ready(False, "draining")

    async def stop(self) -> None:
        """Stop the readiness loop and report NOT_SERVING everywhere."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.servicer.enter_graceful_shutdown()

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self._check_once()

    async def _check_once(self) -> None:
        if self._draining:
            return
        for name, check in self._checks:
            try:
                await asyncio.wait_for(check(), timeout=max(self._interval, 1.0))
            except Exception as error:  # noqa: BLE001 - any failure means not ready
                await self._set_ready(False, f"{name}: {type(error).__name__}: {error}")
                return
        await self._set_ready(True, "")

    async def _set_ready(self, ready: bool, reason: str) -> None:
        if ready != self._ready:
            if ready:
                logger.info("Replica ready")
            else:
                logger.warning("Replica not ready: %s", reason)
        self._ready = ready
        await self.servicer.set(READINESS_SERVICE, SERVING if ready else NOT_SERVING)


class _CheckOnly(health_pb2_grpc.HealthServicer):
    def __init__(self, servicer: health.aio.HealthServicer) -> None:
        self._servicer = servicer

    async def Check(
        self, request: health_pb2.HealthCheckRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> health_pb2.HealthCheckResponse:
        return await self._servicer.Check(request, context)

    async def Watch(
        self, request: health_pb2.HealthCheckRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> None:
        await context.abort(
            grpc.StatusCode.UNIMPLEMENTED, "Watch is served on the authenticated port only"
        )


__all__ = ["READINESS_SERVICE", "ReplicaHealth"]
