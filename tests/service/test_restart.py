"""A service killed with SIGKILL while an agent runs still completes the caller after restart."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
import temporalio.client

from stigmer_sdk import AgentExecution, AgentExecutionSpec, ExecutionPhase, MessageType
from stigmer_sdk.client import ClientOptions, RetryConfig, StigmerClient
from stigmer_sdk.testing import CallerOptions, CallerWorkflow, DevServer, free_port

from helpers.cli import ServeProcess, serve_args, wait_serving
from helpers.fixtures import all_ids, caller_worker

pytestmark = pytest.mark.integration


async def _wait_for_progress(client: StigmerClient, execution_id: str, timeout: float = 60) -> None:
    """Return once the agent is running and has reported progress."""

    async def wait() -> None:
        while True:
            execution = await client.get_agent_execution(execution_id)
            if execution.status.phase == ExecutionPhase.EXECUTION_IN_PROGRESS and any(
                m.type == MessageType.MESSAGE_SYSTEM for m in execution.status.messages
            ):
                return
            await asyncio.sleep(0.05)

    await asyncio.wait_for(wait(), timeout)


async def test_sigkill_during_agent_run_then_restart_completes_the_caller(
    dev_server: DevServer,
    temporal_client: temporalio.client.Client,
    store_url: str,
    tmp_path: Path,
) -> None:
    port = free_port()
    target = f"127.0.0.1:{port}"
    # The dev server outlives this test: queues of its own keep other tests' leftover
    # workflows (with rows in other stores) away from this service.
    queues = uuid.uuid4().hex[:8]
    serve = ServeProcess(
        *serve_args(target, dev_server.target, store_url, queues=queues),
        "--caller-heartbeat",
        "1s",
        "--runner-heartbeat-timeout",
        "2s",
        log_path=tmp_path / "serve.log",
    )
    await serve.start()
    try:
        await wait_serving(target)
        retry = RetryConfig(max_attempts=50)
        stigmer = await StigmerClient.connect(target, ClientOptions(retry=retry))
        caller_queue = f"caller-{uuid.uuid4().hex[:8]}"

        async with caller_worker(temporal_client, stigmer, caller_queue):
            request = AgentExecution(
                spec=AgentExecutionSpec(agent_id="deep-research", message="survive a crash")
            )
            handle = await temporal_client.start_workflow(
                CallerWorkflow.run,
                args=[request, CallerOptions()],
                id=f"caller-{uuid.uuid4()}",
                task_queue=caller_queue,
            )
            execution_id = await _wait_for_execution(store_url)
            await _wait_for_progress(stigmer, execution_id)

            await serve.kill()  # SIGKILL: no shutdown, the agent's activity dies mid-run
            await serve.start()
            await wait_serving(target)

            result = await asyncio.wait_for(handle.result(), timeout=120)
        await stigmer.close()
    finally:
        await serve.kill()

    assert result.metadata.id == execution_id
    assert result.status.phase == ExecutionPhase.EXECUTION_COMPLETED
    assert result.status.messages[-1].content == (
        "After a long look at 'survive a crash': the evidence is mixed."
    )
    assert "Traceback" not in serve.log()


async def _wait_for_execution(store_url: str, timeout: float = 60) -> str:
    async def wait() -> str:
        while True:
            ids = await all_ids(store_url)
            if ids:
                return ids[0]
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(wait(), timeout)
