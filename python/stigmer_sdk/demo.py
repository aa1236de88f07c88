"""``stigmer-sdk demo``: the whole handshake on embedded defaults, step by step.

Starts a Temporal dev server, the reference service on SQLite, and a caller worker; runs a caller
workflow whose activity calls an agent through :func:`~stigmer_sdk.execute_and_wait_pending`;
and prints each step of the handshake with its timing, the result and the handshake overhead.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import temporalio.client
from rich.console import Console
from rich.table import Table
from temporalio import activity, workflow
from temporalio.worker import Worker

with workflow.unsafe.imports_passed_through():
    from stigmer_sdk.api.agentic.agentexecution.v1.api_pb2 import AgentExecution
    from stigmer_sdk.api.agentic.agentexecution.v1.enum_pb2 import ExecutionPhase, MessageType
    from stigmer_sdk.api.agentic.agentexecution.v1.spec_pb2 import AgentExecutionSpec
    from stigmer_sdk.caller import execute_and_wait_pending, handshake_activity_options
    from stigmer_sdk.client import StigmerClient
    from stigmer_sdk.service.app import ServiceConfig, StigmerService, TemporalConnection
    from stigmer_sdk.service.server import ServiceSettings
    from stigmer_sdk.testing import DevServer
    from stigmer_sdk.worker import sandboxed_workflow_runner

CALLER_TASK_QUEUE = "stigmer-demo-caller"


@workflow.defn(name="stigmer-demo/caller")
class DemoCallerWorkflow:
    """A caller workflow: one activity that calls an agent and waits for its answer."""

    @workflow.run
    async def run(self, request: AgentExecution) -> AgentExecution:
        result: AgentExecution = await workflow.execute_activity(
            "stigmer-demo/ask-agent",
            request,
            result_type=AgentExecution,
            **handshake_activity_options(timedelta(minutes=1)),
        )
        return result


class DemoActivities:
    def __init__(self, stigmer: StigmerClient) -> None:
        self._stigmer = stigmer

    @activity.defn(name="stigmer-demo/ask-agent")
    async def ask_agent(self, request: AgentExecution) -> AgentExecution:
        """The one call a caller's activity needs."""
        await execute_and_wait_pending(self._stigmer, request)


#: Log messages that mark the handshake's steps, and how the demo describes each.
_STEPS = (
    ("Extracted task token", "caller", "activity took its task token"),
    ("Callback token detected", "service", "persisted the execution with the token"),
    ("Execution accepted", "service", "ACK sent"),
    ("started, activity pending", "caller", "activity returned pending: worker slot released"),
    ("Completing external activity with success", "service", "completing the caller"),
    ("External activity completed successfully", "service", "caller's activity completed"),
)


@dataclass
class _Step:
    at: float
    actor: str
    text: str
    detail: str


class _StepRecorder(logging.Handler):
    """Turns the SDK's own log lines into the demo's steps, as they happen."""

    def __init__(self, console: Console, started: float) -> None:
        super().__init__(logging.INFO)
        self.console = console
        self.started = started
        self.steps: list[_Step] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        for marker, actor, text in _STEPS:
            if marker in message:
                fields = message[message.index(marker) + len(marker) :].strip()
                self.show(actor, text, fields)

    def show(self, actor: str, text: str, detail: str = "") -> None:
        step = _Step(time.perf_counter() - self.started, actor, text, detail)
        self.steps.append(step)
        colour = {"caller": "cyan", "service": "magenta", "agent": "yellow"}.get(actor, "white")
        self.console.print(
            f"[dim]+{step.at:7.3f}s[/dim]  [{colour}]{actor:>7}[/{colour}]  {text}"
            + (f"  [dim]{detail}[/dim]" if detail else "")
        )


def _parse_time(text: str) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


async def handshake_overhead(
    client: temporalio.client.Client, workflow_id: str, result: AgentExecution
) -> timedelta | None:
    """The caller activity's time (scheduled to completed, from its history) minus the agent's
    run time (from the result's status): what the handshake itself cost. ``None`` if unknown."""
    scheduled = completed = None
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
        if event.HasField("activity_task_scheduled_event_attributes"):
            scheduled = event.event_time.ToDatetime()
        if event.HasField("activity_task_completed_event_attributes"):
            completed = event.event_time.ToDatetime()
    started_at = _parse_time(result.status.started_at)
    completed_at = _parse_time(result.status.completed_at)
    if not (scheduled and completed and started_at and completed_at):
        return None
    return (completed - scheduled) - (completed_at - started_at)


async def run_demo(
    *,
    agent_id: str = "research-assistant",
    message: str = "the history of the token handshake",
    data_dir: Path | None = None,
    console: Console | None = None,
) -> AgentExecution:
    """Run the demo and return the agent's result as the caller's workflow received it."""
    console = console or Console()
    started = time.perf_counter()
    recorder = _StepRecorder(console, started)
    sdk_logger = logging.getLogger("stigmer_sdk")
    sdk_logger.addHandler(recorder)
    previous_level = sdk_logger.level
    sdk_logger.setLevel(logging.INFO)
    with tempfile.TemporaryDirectory(prefix="stigmer-demo-") as scratch:
        directory = data_dir or Path(scratch)
        try:
            return await _run(agent_id, message, directory, console, recorder)
        finally:
            sdk_logger.removeHandler(recorder)
            sdk_logger.setLevel(previous_level)


async def _run(
    agent_id: str,
    message: str,
    directory: Path,
    console: Console,
    recorder: _StepRecorder,
) -> AgentExecution:
    console.rule("[bold]Stigmer token handshake demo")
    async with DevServer(ui=True) as temporal:
        recorder.show("setup", f"Temporal dev server on {temporal.target}", f"UI {temporal.ui_url}")
        config = ServiceConfig(
            listen="127.0.0.1:0",
            temporal=TemporalConnection(address=temporal.target),
            store_url=f"sqlite:///{directory / 'stigmer.db'}",
            settings=ServiceSettings(caller_heartbeat_interval=timedelta(seconds=2)),
        )
        async with StigmerService(config) as service:
            recorder.show(
                "setup", f"Stigmer service on {service.target}", f"store {config.store_url}"
            )
            client = await temporalio.client.Client.connect(temporal.target)
            stigmer = await StigmerClient.connect(service.target)
            async with Worker(
                client,
                task_queue=CALLER_TASK_QUEUE,
                workflows=[DemoCallerWorkflow],
                activities=[DemoActivities(stigmer).ask_agent],
                max_concurrent_activities=1,
                workflow_runner=sandboxed_workflow_runner(),
            ):
                request = AgentExecution(
                    spec=AgentExecutionSpec(agent_id=agent_id, message=message)
                )
                workflow_id = f"demo-caller-{uuid.uuid4().hex[:8]}"
                recorder.show("caller", f"workflow {workflow_id} starts, asking {agent_id!r}")
                handle = await client.start_workflow(
                    DemoCallerWorkflow.run, request, id=workflow_id, task_queue=CALLER_TASK_QUEUE
                )
                watcher = asyncio.create_task(_watch_agent(stigmer, recorder))
                result = await handle.result()
                watcher.cancel()
                recorder.show("caller", "workflow resumed with the agent's result")
            await stigmer.close()
            overhead = await _report(client, workflow_id, result, console, recorder)
        console.print(
            f"\nHandshake overhead: [bold]{overhead}[/bold] (caller's activity time minus the "
            "agent's run time)."
        )
        console.print(
            f"Temporal UI while it runs: {temporal.ui_url} - run [bold]stigmer-sdk serve --dev"
            "[/bold] to keep one up."
        )
    return result


async def _watch_agent(stigmer: StigmerClient, recorder: _StepRecorder) -> None:
    """Follow the execution once its id is known, and show the agent's progress."""
    while not any("ACK" in step.text for step in recorder.steps):
        await asyncio.sleep(0.01)
    ack = next(step for step in recorder.steps if "ACK" in step.text)
    execution_id = ack.detail.split("execution_id=")[1].split()[0]
    shown = 0
    async for update in stigmer.subscribe_agent_execution(execution_id):
        for note in update.status.messages[shown:]:
            if note.type == MessageType.MESSAGE_SYSTEM:
                recorder.show("agent", note.content)
        shown = len(update.status.messages)


async def _report(
    client: temporalio.client.Client,
    workflow_id: str,
    result: AgentExecution,
    console: Console,
    recorder: _StepRecorder,
) -> str:
    table = Table(title="Result, as the caller's workflow received it", show_header=False)
    table.add_row("execution id", result.metadata.id)
    table.add_row("phase", ExecutionPhase.Name(result.status.phase))
    replies = [m.content for m in result.status.messages if m.type == MessageType.MESSAGE_AI]
    table.add_row("agent reply", replies[-1] if replies else "")
    table.add_row("callback_token in result", "absent" if not result.spec.callback_token else "!")
    console.print(table)
    overhead = await handshake_overhead(client, workflow_id, result)
    if overhead is None:
        return "unknown"
    return f"{overhead.total_seconds() * 1000:.0f} ms"
