"""The test kit users get (stigmer_sdk.testing): the fake service finishes real handshakes on
demand, and the dev server keeps its state across a restart."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from pathlib import Path

import grpc
import pytest
import temporalio.client
from temporalio.worker import Worker

from stigmer_sdk import (
    AgentExecution,
    AgentExecutionSpec,
    ClientOptions,
    ExecutionPhase,
    StigmerClient,
    StigmerRPCError,
)
from stigmer_sdk.client import NO_RETRY
from stigmer_sdk.sandbox import sandboxed_workflow_runner
from stigmer_sdk.testing import (
    CallerOptions,
    CallerWorkflow,
    DevServer,
    FakeStigmerService,
    caller_activity,
    free_port,
)

from helpers.assertions import assert_activity_failed, assert_cancelled
from helpers.callers import start_pending_caller

pytestmark = pytest.mark.integration


async def test_fake_service_completes_fails_and_cancels_on_demand(
    temporal_client: temporalio.client.Client,
    stigmer_service: FakeStigmerService,
    stigmer_client: StigmerClient,
    task_queue: str,
) -> None:
    """The kit's caller (its workflow and activity) against the kit's fake service."""
    async with Worker(
        temporal_client,
        task_queue=task_queue,
        workflows=[CallerWorkflow],
        activities=[caller_activity(stigmer_client)],
        workflow_runner=sandboxed_workflow_runner(),
    ):
        completed, _ = await start_pending_caller(temporal_client, stigmer_service, task_queue)
        call = stigmer_service.calls[-1]
        assert call.token  # the raw task token reached the service
        assert (await stigmer_client.get_agent_execution(call.execution_id)).status.phase == (
            ExecutionPhase.EXECUTION_PHASE_UNSPECIFIED
        )
        await stigmer_service.complete(call, reply="four")
        result = await completed.result()
        assert result.metadata.id == call.execution_id
        assert result.status.phase == ExecutionPhase.EXECUTION_COMPLETED
        assert result.status.messages[-1].content == "four"
        # get answers the execution's latest state, as a real service does
        fetched = await stigmer_client.get_agent_execution(call.execution_id)
        assert fetched.status.phase == ExecutionPhase.EXECUTION_COMPLETED
        assert not fetched.spec.callback_token

        failed, _ = await start_pending_caller(temporal_client, stigmer_service, task_queue)
        await stigmer_service.fail(stigmer_service.calls[-1], "no tools left", "AGENT_QUOTA")
        await assert_activity_failed(failed.result(), "AGENT_QUOTA", "no tools left")

        cancelled, _ = await start_pending_caller(
            temporal_client, stigmer_service, task_queue, CallerOptions(wait_for_cancellation=True)
        )
        await cancelled.cancel()
        await stigmer_service.cancel(stigmer_service.calls[-1])
        await assert_cancelled(cancelled.result())


async def test_dev_server_keeps_its_state_across_a_restart(tmp_path: Path) -> None:
    server = DevServer(port=free_port(), db_filename=tmp_path / "temporal.db")
    async with server:
        handle = await server.client.start_workflow(
            "never-polled", id="kept", task_queue=f"nobody-{uuid.uuid4().hex[:6]}"
        )
        run_id = handle.result_run_id
    await asyncio.sleep(0)
    async with server:
        description = await server.client.get_workflow_handle("kept").describe()
    assert description.run_id == run_id
    assert description.status == temporalio.client.WorkflowExecutionStatus.RUNNING


def test_dev_server_prints_nothing_on_standard_output(tmp_path: Path) -> None:
    """A command's output (JSON lines, tables) must hold nothing of the server's."""
    script = (
        "import asyncio\n"
        "from stigmer_sdk.testing import DevServer\n"
        "async def main() -> None:\n"
        "    async with DevServer() as server:\n"
        "        await server.client.count_workflows()\n"
        "asyncio.run(main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout == ""


def test_the_dev_server_lifts_the_per_shard_queue_read_limit() -> None:
    # One history shard: at the server's default of 20 reads per second every dispatch through
    # matching waits up to 50 ms once a burst allowance is spent (docs/performance.md).
    arguments = DevServer().extra_args
    for processor in ("transfer", "timer"):
        assert f"history.{processor}ProcessorMaxPollRPS=10000" in arguments


async def test_fail_matching_fails_only_the_creates_it_picks() -> None:
    """A rule fails each create it picks, retries too; the others are ACKed as usual."""

    def asking(case: str) -> AgentExecution:
        request = AgentExecution(spec=AgentExecutionSpec(agent_id="a", message="m"))
        request.metadata.annotations["case"] = case
        return request

    async with FakeStigmerService() as fake:
        fake.fail_matching(
            lambda call: call.execution.metadata.annotations["case"] == "refused",
            grpc.StatusCode.FAILED_PRECONDITION,
            "scripted refusal",
        )
        client = await StigmerClient.connect(fake.target, ClientOptions(retry=NO_RETRY))
        try:
            for _ in range(2):
                with pytest.raises(StigmerRPCError) as raised:
                    await client.create(asking("refused"))
                assert raised.value.code == grpc.StatusCode.FAILED_PRECONDITION
                assert "scripted refusal" in str(raised.value)
            ack = await client.create(asking("accepted"))
        finally:
            await client.close()
    assert ack.metadata.id == fake.calls[-1].execution_id
    cases = [call.execution.metadata.annotations["case"] for call in fake.calls]
    assert cases == ["refused", "refused", "accepted"]
