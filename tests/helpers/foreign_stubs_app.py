"""A caller application that uses another generated copy of the execution API beside the SDK.

``tests/interop/test_foreign_stubs.py`` generates that copy (the SDK's proto files, at the same file
paths, with a message the SDK's lack, as Stigmer's own stubs differ from the SDK's) into a
directory and runs this script with it on ``sys.path``, importing the copy before or after the
SDK. Both register the same proto files; the copy in protobuf's default pool, the SDK in its
private pool. A Temporal workflow then runs a handshake whose request and result are of the
copy's classes: its activity hands the copy's ``AgentExecution`` to
``execute_and_wait_pending``, a stand-in Stigmer service completes the caller with another
instance of the copy's class, and ``execute_to_terminal`` returns the copy's class. It prints
``OK <execution id>`` on success.

Usage: python foreign_stubs_app.py TEMPORAL_ADDRESS GENERATED_DIR sdk-first|copy-first
"""

import asyncio
import importlib
import os
import sys
import uuid
from datetime import timedelta
from typing import Any

from temporalio import workflow

COPY_MODULE = "ai.stigmer.agentic.agentexecution.v1.api_pb2"
COPY_COMPLETED = 3  # EXECUTION_COMPLETED
#: The copy's AgentExecution class and the handshake activity, set by main().
COPY_EXECUTION: Any = None
ASK_AGENT: Any = None


@workflow.defn
class AskAgent:
    @workflow.run
    async def run(self, question: str) -> str:
        from stigmer_sdk import handshake_activity_options
        from stigmer_sdk import in_workflow as stigmer_workflow

        request = COPY_EXECUTION()
        request.spec.agent_id = "echo"
        request.spec.message = question
        result = await stigmer_workflow.execute_to_terminal(
            ASK_AGENT, request, **handshake_activity_options(timedelta(minutes=1))
        )
        assert type(result) is COPY_EXECUTION, type(result)
        assert result.status.phase == COPY_COMPLETED
        assert not result.spec.callback_token
        return str(result.metadata.id)


def main(temporal_address: str, generated_dir: str, order: str) -> None:
    # Imports in the order under test; the rest of the script only runs as a program.
    sys.path.insert(0, generated_dir)
    if order == "copy-first":
        copy_api = importlib.import_module(COPY_MODULE)
    import stigmer_sdk  # noqa: F401 (imported here, in the order under test)

    if order == "sdk-first":
        copy_api = importlib.import_module(COPY_MODULE)
    asyncio.run(_run(temporal_address, copy_api.AgentExecution, copy_api.DESCRIPTOR.name))


async def _run(temporal_address: str, copy_execution: Any, copy_file: str) -> None:
    import grpc.aio
    import temporalio.client
    from google.protobuf import descriptor_pool
    from temporalio import activity
    from temporalio.worker import UnsandboxedWorkflowRunner, Worker

    import stigmer_sdk
    from stigmer_sdk.api.agentic.agentexecution.v1 import command_pb2_grpc

    # Each copy in its own pool: the copy's file (with the message the SDK lacks) in the
    # default pool, the SDK's in its private one.
    default_file = descriptor_pool.Default().FindFileByName(copy_file)
    assert "StigmerOnlyMarker" in default_file.message_types_by_name
    sdk_file = stigmer_sdk.AgentExecution.DESCRIPTOR.file
    assert "StigmerOnlyMarker" not in sdk_file.message_types_by_name

    created: asyncio.Queue[stigmer_sdk.AgentExecution] = asyncio.Queue()

    class StandInService(command_pb2_grpc.AgentExecutionCommandControllerServicer):
        """Accepts one create (decoded into the SDK's class) and hands it to the test."""

        async def create(
            self, request: stigmer_sdk.AgentExecution, context: object
        ) -> stigmer_sdk.AgentExecution:
            ack = stigmer_sdk.AgentExecution()
            ack.CopyFrom(request)
            ack.metadata.id = f"aex-{uuid.uuid4().hex[:8]}"
            await created.put(ack)
            return ack

    server = grpc.aio.server()
    command_pb2_grpc.add_AgentExecutionCommandControllerServicer_to_server(StandInService(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    stigmer = await stigmer_sdk.StigmerClient.connect(f"127.0.0.1:{port}")

    async def ask_agent(request: Any) -> Any:
        assert type(request) is copy_execution, type(request)
        await stigmer_sdk.execute_and_wait_pending(stigmer, request)

    # The activity takes and returns the copy's class: the converter decodes into it.
    ask_agent.__annotations__ = {"request": copy_execution, "return": copy_execution}
    global COPY_EXECUTION, ASK_AGENT
    COPY_EXECUTION = copy_execution
    ASK_AGENT = activity.defn(ask_agent)

    temporal = await temporalio.client.Client.connect(
        temporal_address, data_converter=stigmer_sdk.data_converter
    )
    queue = f"foreign-stubs-{uuid.uuid4().hex[:8]}"
    async with Worker(
        temporal,
        task_queue=queue,
        workflows=[AskAgent],
        activities=[ASK_AGENT],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        handle = await temporal.start_workflow(
            AskAgent.run, "what is a token handshake?", id=queue, task_queue=queue
        )
        ack = await asyncio.wait_for(created.get(), 60)
        assert ack.spec.message == "what is a token handshake?"
        done = copy_execution.FromString(ack.SerializeToString())
        done.status.phase = COPY_COMPLETED
        outcome = await stigmer_sdk.complete_external_activity(
            temporal, ack.spec.callback_token, result=done, execution_id=done.metadata.id
        )
        execution_id = await asyncio.wait_for(handle.result(), 60)
    await stigmer.close()
    await server.stop(None)
    assert outcome.outcome.name == "COMPLETED", outcome
    assert execution_id == ack.metadata.id
    print("OK", execution_id)


if __name__ == "__main__":
    main(*sys.argv[1:4])
    # Skip interpreter finalization: gRPC's threads can abort it (PyGILState_Release), which
    # has nothing to do with what this script checks and would fail it after "OK".
    sys.stdout.flush()
    os._exit(0)
