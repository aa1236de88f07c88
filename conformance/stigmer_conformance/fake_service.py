"""A fake Stigmer command service, run by the runner: it answers create with a scripted gRPC status.

Each create names its case in the ``conformance.stigmer.ai/case`` annotation; the runner scripts
the status code and message of the case first (:meth:`FakeService.script`). It counts the creates
it received per case, which shows the client's own gRPC retries.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import grpc
import grpc.aio

from stigmer_sdk import AgentExecution
from stigmer_sdk.api.agentic.agentexecution.v1 import command_pb2_grpc

CASE_ANNOTATION = "conformance.stigmer.ai/case"


class FakeService(command_pb2_grpc.AgentExecutionCommandControllerServicer):
    """Answers every create of a scripted case with its status; unknown cases get NOT_FOUND."""

    def __init__(self) -> None:
        self._script: dict[str, tuple[grpc.StatusCode, str]] = {}
        self.creates: Counter[str] = Counter()
        self._server: grpc.aio.Server | None = None
        self.address = ""

    def script(self, case_id: str, code: grpc.StatusCode, message: str) -> None:
        self._script[case_id] = (code, message)

    async def create(self, request: AgentExecution, context: Any) -> AgentExecution:  # type: ignore[override]
        case_id = request.metadata.annotations.get(CASE_ANNOTATION, "")
        self.creates[case_id] += 1
        code, message = self._script.get(case_id, (grpc.StatusCode.NOT_FOUND, "unscripted case"))
        await context.abort(code, message)
        raise AssertionError("abort returned")  # pragma: no cover - abort raises

    async def start(self) -> str:
        self._server = grpc.aio.server()
        command_pb2_grpc.add_AgentExecutionCommandControllerServicer_to_server(self, self._server)
        port = self._server.add_insecure_port("127.0.0.1:0")
        await self._server.start()
        self.address = f"127.0.0.1:{port}"
        return self.address

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop(grace=None)
