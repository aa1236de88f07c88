"""Probe where a workflow's tasks wait: dispatch gaps read from histories (docs/performance.md).

Runs a two-activity workflow one at a time on a fresh dev server, in four set-ups, and prints the
median WorkflowTaskScheduled -> WorkflowTaskStarted and ActivityTaskScheduled -> Started gaps:

* activity polls 5 (temporalio's default) or 2, with 4 activity slots: with as many polls as
  slots no slot is free for eager activity dispatch;
* the starter waits for the result with ``handle.result()`` (a history long poll) or by polling
  ``describe()`` (every ``--interval`` seconds).

``python bench/probe_dispatch.py [-n 15]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import uuid
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType, WorkflowExecutionStatus
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from stigmer_sdk.testing import DevServer


@activity.defn
async def noop() -> str:
    return "done"


@workflow.defn
class TwoActivities:
    @workflow.run
    async def run(self) -> str:
        await workflow.execute_activity(noop, start_to_close_timeout=timedelta(seconds=30))
        return await workflow.execute_activity(noop, start_to_close_timeout=timedelta(seconds=30))


async def gaps(handle: WorkflowHandle[TwoActivities, str]) -> tuple[list[float], list[float]]:
    """(workflow-task waits, activity waits) in ms, from the history."""
    scheduled: dict[str, float] = {}
    workflow_waits: list[float] = []
    activity_waits: list[float] = []
    async for event in handle.fetch_history_events():
        at = event.event_time.ToNanoseconds() / 1e6
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
            scheduled["workflow"] = at
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            workflow_waits.append(at - scheduled["workflow"])
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled["activity"] = at
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            activity_waits.append(at - scheduled["activity"])
    return workflow_waits, activity_waits


async def probe(server: DevServer, polls: int, long_poll: bool, count: int, interval: float) -> str:
    client = await Client.connect(server.target)
    queue = f"probe-{uuid.uuid4().hex[:8]}"
    workflow_waits: list[float] = []
    activity_waits: list[float] = []
    async with Worker(
        client,
        task_queue=queue,
        workflows=[TwoActivities],
        activities=[noop],
        max_concurrent_activities=4,
        max_concurrent_activity_task_polls=polls,
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        for index in range(count + 2):
            handle = await client.start_workflow(
                TwoActivities.run, id=f"probe-{uuid.uuid4()}", task_queue=queue
            )
            if long_poll:
                await handle.result()
            else:
                while (await handle.describe()).raw_description.workflow_execution_info.status == (
                    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
                ):
                    await asyncio.sleep(interval)
            if index >= 2:  # the first two warm the worker up
                waits = await gaps(handle)
                workflow_waits += waits[0]
                activity_waits += waits[1]
    wait = "result() long poll" if long_poll else f"describe() every {interval:g} s"
    return (
        f"activity polls {polls}, {wait}: workflow task wait p50 "
        f"{statistics.median(workflow_waits):.1f} ms, activity wait p50 "
        f"{statistics.median(activity_waits):.1f} ms"
    )


async def main(count: int, interval: float) -> None:
    async with DevServer() as server:
        for polls in (5, 2):
            for long_poll in (True, False):
                print(await probe(server, polls, long_poll, count, interval), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--count", type=int, default=15)
    parser.add_argument("--interval", type=float, default=0.3, help="describe() polling, seconds")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.count, arguments.interval))
