"""``stigmer-sdk demo``: the whole handshake on embedded defaults, step by step.

Starts a Temporal dev server, the reference service on SQLite, and a caller worker; runs a caller
workflow (the test kit's `stigmer_sdk.testing.CallerWorkflow`) whose activity calls an agent
through `execute_and_wait_pending`;
and prints each step of the handshake with its timing, the result and the handshake overhead.
The steps come from events, never from log text: the caller activity's own code, the ACK seen by
a gRPC interceptor on the caller's channel, the service workflow's history and the execution's
updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import temporalio.client
import temporalio.service
from rich.console import Console
from rich.table import Table
from temporalio import activity, workflow
from temporalio.api.history.v1 import MarkerRecordedEventAttributes
from temporalio.worker import Worker

with workflow.unsafe.imports_passed_through():
    from stigmer_sdk.api.agentic.agentexecution.v1.api_pb2 import AgentExecution
    from stigmer_sdk.api.agentic.agentexecution.v1.enum_pb2 import ExecutionPhase, MessageType
    from stigmer_sdk.api.agentic.agentexecution.v1.spec_pb2 import AgentExecutionSpec
    from stigmer_sdk.caller import execute_and_wait_pending
    from stigmer_sdk.client import StigmerClient
    from stigmer_sdk.converter import data_converter
    from stigmer_sdk.sandbox import sandboxed_workflow_runner
    from stigmer_sdk.service.app import ServiceConfig, StigmerService, TemporalConnection
    from stigmer_sdk.service.config import ServiceSettings
    from stigmer_sdk.service.invoke_workflow import FINISH_ACTIVITY
    from stigmer_sdk.service.start_invoke import workflow_id_for
    from stigmer_sdk.service.store import ExecutionKind
    from stigmer_sdk.system_activity import SYSTEM_ACTIVITY_NAME
    from stigmer_sdk.testing import CallerOptions, CallerWorkflow, DevServer
    from stigmer_sdk.tokens import short_token_digest, token_preview

CALLER_TASK_QUEUE = "stigmer-demo-caller"
#: The demo's caller activity, run by the test kit's caller workflow (one attempt, up to the
#: documented start-to-close for a one-minute agent: 2 x 1 min + 5 min).
ASK_AGENT_ACTIVITY = "stigmer-demo/ask-agent"
CALLER_OPTIONS = CallerOptions(activity=ASK_AGENT_ACTIVITY, start_to_close_seconds=7 * 60)


class DemoActivities:
    def __init__(self, stigmer: StigmerClient, steps: _Steps) -> None:
        self._stigmer = stigmer
        self._steps = steps

    @activity.defn(name=ASK_AGENT_ACTIVITY)
    async def ask_agent(self, request: AgentExecution) -> AgentExecution:
        """The one call a caller's activity needs, with the demo's steps around it."""
        token = activity.info().task_token
        self._steps.show(
            "caller",
            "activity took its task token",
            f"token_preview={token_preview(token)} token_digest={short_token_digest(token)}",
        )
        try:
            await execute_and_wait_pending(self._stigmer, request)
        except BaseException:  # the complete-async signal once ACKed; re-raised either way
            if self._steps.acked.done():
                self._steps.show("caller", "activity returned pending: worker slot released")
            raise


@dataclass
class _Step:
    at: float
    actor: str
    text: str
    detail: str


class _Steps:
    """The demo's steps, as events arrive: the caller activity's own, the ACK from the gRPC
    call, the service workflow's history events and the execution's updates."""

    def __init__(self, console: Console, started: float, as_json: bool = False) -> None:
        self.console = console
        self.started = started
        #: Print each step as a JSON line instead of text.
        self.as_json = as_json
        self.steps: list[_Step] = []
        #: The execution id, once the service ACKed the create call.
        self.acked: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        #: Set when the service's completion of the caller's activity succeeded.
        self.caller_completed = asyncio.Event()

    def show(self, actor: str, text: str, detail: str = "") -> None:
        step = _Step(time.perf_counter() - self.started, actor, text, detail)
        self.steps.append(step)
        if self.as_json:
            self.emit({"at": round(step.at, 3), "actor": actor, "step": text, "detail": detail})
            return
        colour = {"caller": "cyan", "service": "magenta", "agent": "yellow"}.get(actor, "white")
        self.console.print(
            f"[dim]+{step.at:7.3f}s[/dim]  [{colour}]{actor:>7}[/{colour}]  {text}"
            + (f"  [dim]{detail}[/dim]" if detail else ""),
            highlight=False,
        )

    def emit(self, record: dict[str, Any]) -> None:
        """One JSON line on standard output."""
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()

    def on_ack(self, ack: AgentExecution) -> None:
        if not self.acked.done():
            self.show(
                "service",
                "ACK: persisted the execution with the token",
                f"execution_id={ack.metadata.id}",
            )
            self.acked.set_result(ack.metadata.id)


class _AckObserver(grpc.aio.UnaryUnaryClientInterceptor):
    """Sees the service's answer to ``create`` on the caller's channel."""

    def __init__(self, steps: _Steps) -> None:
        self._steps = steps

    async def intercept_unary_unary(
        self, continuation: Any, client_call_details: Any, request: Any
    ) -> Any:
        call = await continuation(client_call_details, request)
        method = client_call_details.method
        name = method.decode() if isinstance(method, bytes) else str(method)
        if name.endswith("AgentExecutionCommandController/create"):
            with contextlib.suppress(grpc.RpcError):
                self._steps.on_ack(await call)
        return call


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
    as_json: bool = False,
) -> AgentExecution:
    """Run the demo and return the agent's result as the caller's workflow received it.

    ``as_json`` prints each step, then the result, as JSON lines instead of text.
    """
    console = console or Console()
    steps = _Steps(console, time.perf_counter(), as_json)
    with tempfile.TemporaryDirectory(prefix="stigmer-demo-") as scratch:
        return await _run(agent_id, message, data_dir or Path(scratch), console, steps)


async def _run(
    agent_id: str,
    message: str,
    directory: Path,
    console: Console,
    steps: _Steps,
) -> AgentExecution:
    if not steps.as_json:
        console.rule("[bold]Stigmer token handshake demo")
    async with DevServer(ui=True) as temporal:
        steps.show("setup", f"Temporal dev server on {temporal.target}", f"UI {temporal.ui_url}")
        config = ServiceConfig(
            listen="127.0.0.1:0",
            temporal=TemporalConnection(address=temporal.target),
            store_url=f"sqlite:///{directory / 'stigmer.db'}",
            settings=ServiceSettings(caller_heartbeat_interval=timedelta(seconds=2)),
        )
        async with StigmerService(config) as service:
            steps.show("setup", f"Stigmer service on {service.target}", f"store {config.store_url}")
            client = await temporalio.client.Client.connect(
                temporal.target, data_converter=data_converter
            )
            stigmer = StigmerClient(
                grpc.aio.insecure_channel(service.target, interceptors=[_AckObserver(steps)])
            )
            async with Worker(
                client,
                task_queue=CALLER_TASK_QUEUE,
                workflows=[CallerWorkflow],
                activities=[DemoActivities(stigmer, steps).ask_agent],
                max_concurrent_activities=1,
                workflow_runner=sandboxed_workflow_runner(),
            ):
                request = AgentExecution(
                    spec=AgentExecutionSpec(agent_id=agent_id, message=message)
                )
                workflow_id = f"demo-caller-{uuid.uuid4().hex[:8]}"
                steps.show("caller", f"workflow {workflow_id} starts, asking {agent_id!r}")
                handle = await client.start_workflow(
                    CallerWorkflow.run,
                    args=[request, CALLER_OPTIONS],
                    id=workflow_id,
                    task_queue=CALLER_TASK_QUEUE,
                )
                watchers = [
                    asyncio.create_task(_watch_agent(stigmer, steps)),
                    asyncio.create_task(_watch_service_workflow(client, steps)),
                ]
                try:
                    result = await handle.result()
                    # The service's history may arrive after the caller's result: show it first.
                    await asyncio.wait_for(steps.caller_completed.wait(), 30)
                finally:
                    for watcher in watchers:
                        watcher.cancel()
                steps.show("caller", "workflow resumed with the agent's result")
            await stigmer.close()
            overhead = await handshake_overhead(client, workflow_id, result)
        _report(result, overhead, temporal.ui_url or "", console, steps)
    return result


async def _watch_agent(stigmer: StigmerClient, steps: _Steps) -> None:
    """Follow the execution once it is ACKed, and show the agent's progress."""
    execution_id = await steps.acked
    shown = 0
    async for update in stigmer.subscribe_agent_execution(execution_id):
        for note in update.status.messages[shown:]:
            if note.type == MessageType.MESSAGE_SYSTEM:
                steps.show("agent", note.content)
        shown = len(update.status.messages)


async def _watch_service_workflow(client: temporalio.client.Client, steps: _Steps) -> None:
    """Show the service workflow's steps from its history events, as they are written."""
    execution_id = await steps.acked
    handle = client.get_workflow_handle(workflow_id_for(ExecutionKind.AGENT, execution_id))
    types: dict[int, str] = {}
    while True:
        try:
            async for event in handle.fetch_history_events(wait_new_event=True):
                if event.HasField("activity_task_scheduled_event_attributes"):
                    name = event.activity_task_scheduled_event_attributes.activity_type.name
                    types[event.event_id] = name
                    if name == SYSTEM_ACTIVITY_NAME:
                        steps.show("service", "completing the caller", name)
                    else:
                        steps.show("service", "scheduled", name)
                elif event.HasField("activity_task_completed_event_attributes"):
                    scheduled = event.activity_task_completed_event_attributes.scheduled_event_id
                    if types.get(scheduled) == SYSTEM_ACTIVITY_NAME:
                        steps.show("service", "caller's activity completed")
                        steps.caller_completed.set()
                    else:  # the agent's run ended: the finish step completes the caller next
                        steps.show("service", "completing the caller", FINISH_ACTIVITY)
                elif event.HasField("marker_recorded_event_attributes"):
                    # The service's own steps are local activities, recorded as markers.
                    step = _local_activity_type(event.marker_recorded_event_attributes)
                    if step == FINISH_ACTIVITY:
                        steps.show("service", "caller's activity completed", step)
                        steps.caller_completed.set()
                    elif step:
                        steps.show("service", "recorded", step)
                elif event.HasField("workflow_execution_completed_event_attributes"):
                    steps.caller_completed.set()  # every outcome is delivered before it ends
                    return
            return
        except temporalio.service.RPCError as error:
            # The workflow may not be visible yet right after the ACK.
            if error.status is not temporalio.service.RPCStatusCode.NOT_FOUND:
                raise
            await asyncio.sleep(0.05)


def _local_activity_type(marker: MarkerRecordedEventAttributes) -> str:
    """The activity type of a local-activity marker ("" for any other marker)."""
    payloads = marker.details.get("data")
    if payloads is None or not payloads.payloads:
        return ""
    try:
        data = json.loads(payloads.payloads[0].data)
    except ValueError:
        return ""
    activity_type = data.get("activity_type", "") if isinstance(data, dict) else ""
    return activity_type if isinstance(activity_type, str) else ""


def _report(
    result: AgentExecution,
    overhead: timedelta | None,
    ui_url: str,
    console: Console,
    steps: _Steps,
) -> None:
    replies = [m.content for m in result.status.messages if m.type == MessageType.MESSAGE_AI]
    fields: dict[str, Any] = {
        "execution_id": result.metadata.id,
        "phase": ExecutionPhase.Name(result.status.phase),
        "agent_reply": replies[-1] if replies else "",
        "callback_token_in_result": bool(result.spec.callback_token),
    }
    shown = "unknown" if overhead is None else f"{overhead.total_seconds() * 1000:.0f} ms"
    if steps.as_json:
        overhead_ms = None if overhead is None else round(overhead.total_seconds() * 1000, 1)
        steps.emit({"result": fields, "overhead_ms": overhead_ms, "temporal_ui": ui_url})
        return
    table = Table(title="Result, as the caller's workflow received it", show_header=False)
    table.add_row("execution id", fields["execution_id"])
    table.add_row("phase", fields["phase"])
    table.add_row("agent reply", fields["agent_reply"])
    table.add_row(
        "callback_token in result", "present!" if result.spec.callback_token else "absent"
    )
    console.print(table)
    console.print(
        f"\nHandshake overhead: [bold]{shown}[/bold] (caller's activity time minus the "
        "agent's run time)."
    )
    console.print(
        f"Temporal UI while it runs: {ui_url} - run [bold]stigmer-sdk serve --dev"
        "[/bold] to keep one up."
    )
