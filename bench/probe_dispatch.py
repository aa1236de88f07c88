"""Probe where a workflow's tasks wait: dispatch gaps read from histories (docs/performance.md).

Runs a two-activity workflow back to back (or with a pause between runs) on a dev server with
the history queue processors' read limit at the server's default (20 reads per second per
shard) or lifted (:data:`stigmer_sdk.testing.FAST_PATH_DYNAMIC_CONFIG`), and prints the median
WorkflowTaskScheduled -> WorkflowTaskStarted and ActivityTaskScheduled -> Started gaps. The
worker has 4 activity slots and 5 activity polls (temporalio's default), so no slot is free for
eager activity dispatch and every task goes through matching.

With the default limit, back-to-back runs spend the limiter's burst allowance within a few
workflows; from then on every dispatch waits for the next read, about 45 ms. A pause between
runs refills it; lifting the limit removes the wait.

``python bench/probe_dispatch.py [-n 12]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import uuid
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from stigmer_sdk.testing import DevServer

#: The server's own default for history.transferProcessorMaxPollRPS (and the other processors).
SERVER_DEFAULT_READS_PER_SECOND = 20


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


async def probe(server: DevServer, count: int, pause: float) -> tuple[float, float]:
    """Median (workflow-task wait, activity wait) in ms over ``count`` runs."""
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
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        for _ in range(count):
            handle = await client.start_workflow(
                TwoActivities.run, id=f"probe-{uuid.uuid4()}", task_queue=queue
            )
            await handle.result()
            waits = await gaps(handle)
            workflow_waits += waits[0]
            activity_waits += waits[1]
            await asyncio.sleep(pause)
    return statistics.median(workflow_waits), statistics.median(activity_waits)


async def main(count: int, pause: float) -> None:
    print("| queue read limit | runs | workflow task wait p50 | activity wait p50 |")
    print("|---|---|---|---|")
    default = {"history.transferProcessorMaxPollRPS": SERVER_DEFAULT_READS_PER_SECOND}
    for label, dynamic_config in (("server default (20/s per shard)", default), ("lifted", {})):
        async with DevServer(dynamic_config=dynamic_config) as server:
            await probe(server, 2, 0.0)  # warm up
            await asyncio.sleep(3)  # a full allowance for each set-up
            for runs, wait in (("back to back", 0.0), (f"{pause:g} s apart", pause)):
                workflow_wait, activity_wait = await probe(server, count, wait)
                print(f"| {label} | {runs} | {workflow_wait:.1f} ms | {activity_wait:.1f} ms |")
                await asyncio.sleep(3)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--count", type=int, default=12)
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between spaced runs")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.count, arguments.pause))
