"""Agent and workflow runners: where executions actually run.

The service's workflow runs each execution through an activity on a runner task queue:

- ``stigmer/agent-runner/run`` on ``agent_execution_runner``, taking and returning an
  ``AgentExecution``;
- ``stigmer/workflow-runner/run`` on ``workflow_execution_runner``, taking and returning a
  ``WorkflowExecution``.

Plug in a real runtime either way:

1. a Python object implementing :class:`Runner`, served by the service's own worker
   (``StigmerService(config, runner=MyRunner())``); or
2. an activity with the name above, served by your own worker on the runner task queue (in any
   language), with the built-in runner turned off (``serve --no-builtin-runner``).

The runner returns the execution with its final status. It should heartbeat (the built-in worker
does it for a :class:`Runner`), and a failure should be an ``ApplicationError`` whose type, message
and non_retryable flag the caller will see.

:class:`ScriptedRunner` is a deterministic runner for demos and tests.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

from google.protobuf import struct_pb2
from temporalio import activity
from temporalio.exceptions import ApplicationError

from stigmer_sdk.api.agentic.agentexecution.v1 import api_pb2 as agent_api
from stigmer_sdk.api.agentic.agentexecution.v1 import enum_pb2 as agent_enum
from stigmer_sdk.api.agentic.workflowexecution.v1 import api_pb2 as workflow_api
from stigmer_sdk.api.agentic.workflowexecution.v1 import enum_pb2 as workflow_enum

AGENT_RUNNER_ACTIVITY = "stigmer/agent-runner/run"
WORKFLOW_RUNNER_ACTIVITY = "stigmer/workflow-runner/run"
AGENT_RUNNER_TASK_QUEUE = "agent_execution_runner"
WORKFLOW_RUNNER_TASK_QUEUE = "workflow_execution_runner"

#: Failure type of an agent that failed, unless the runner chose another.
AGENT_EXECUTION_FAILED = "AGENT_EXECUTION_FAILED"

_R = TypeVar("_R")

#: Reports a progress message; the built-in worker heartbeats it and records it.
ProgressReporter = Callable[[str], Awaitable[None]]


def now_rfc3339() -> str:
    """The current time in RFC 3339, UTC, as the API's timestamp strings are."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Runner(Protocol):
    """A runtime for agent and workflow executions."""

    def knows_agent(self, agent_id: str) -> bool:
        """Whether ``create`` should accept this agent (NOT_FOUND otherwise)."""
        ...

    def knows_workflow(self, workflow_id: str) -> bool:
        """Whether ``create`` should accept this workflow (NOT_FOUND otherwise)."""
        ...

    async def run_agent(
        self, execution: agent_api.AgentExecution, progress: ProgressReporter
    ) -> agent_api.AgentExecution:
        """Run the agent to its end and return the execution with its final status."""
        ...

    async def run_workflow(
        self, execution: workflow_api.WorkflowExecution, progress: ProgressReporter
    ) -> workflow_api.WorkflowExecution:
        """Run the workflow to its end and return the execution with its final status."""
        ...


@dataclass(frozen=True)
class Script:
    """What a scripted agent or workflow does."""

    #: How long it runs. Cancellation is honoured throughout.
    duration: timedelta = timedelta(seconds=1)
    #: The reply; ``{message}`` is replaced by the execution's message.
    reply: str = "Done: {message}"
    #: Progress messages, spread evenly over the duration.
    progress: tuple[str, ...] = ("thinking", "calling tools", "writing the answer")
    #: Fail with this type and message instead of replying.
    failure_type: str | None = None
    failure_message: str = "the scripted agent failed"
    failure_non_retryable: bool = True


#: Scripts of the built-in demo agents.
DEMO_SCRIPTS: Mapping[str, Script] = {
    "echo": Script(duration=timedelta(seconds=2)),
    "research-assistant": Script(
        duration=timedelta(seconds=3),
        reply="Here is a summary of '{message}': three sources agree, one dissents.",
        progress=("reading sources", "comparing claims", "drafting the summary"),
    ),
    "deep-research": Script(
        duration=timedelta(seconds=8),
        reply="After a long look at '{message}': the evidence is mixed.",
        progress=("planning", "searching", "reading", "cross-checking", "writing"),
    ),
    "failing": Script(
        duration=timedelta(milliseconds=200),
        failure_type=AGENT_EXECUTION_FAILED,
        failure_message="the agent could not finish: tool quota exceeded",
    ),
}


@dataclass
class ScriptedRunner:
    """A deterministic runner for demos and tests: each agent or workflow id has a script.

    Example:
        >>> runner = ScriptedRunner({"slow": Script(duration=timedelta(minutes=5))})
        >>> runner.knows_agent("slow"), runner.knows_agent("nope")
        (True, False)
    """

    scripts: Mapping[str, Script] = field(default_factory=lambda: dict(DEMO_SCRIPTS))

    def knows_agent(self, agent_id: str) -> bool:
        """Agents are the scripts' ids."""
        return agent_id in self.scripts

    def knows_workflow(self, workflow_id: str) -> bool:
        """Workflows are the scripts' ids too."""
        return workflow_id in self.scripts

    async def _play(self, script_id: str, message: str, progress: ProgressReporter) -> str:
        script = self.scripts[script_id]
        steps = max(len(script.progress), 1)
        pause = script.duration.total_seconds() / steps
        for note in script.progress or ("working",):
            await progress(note)
            await asyncio.sleep(pause)
        if script.failure_type:
            raise ApplicationError(
                script.failure_message,
                type=script.failure_type,
                non_retryable=script.failure_non_retryable,
            )
        return script.reply.format(message=message)

    async def run_agent(
        self, execution: agent_api.AgentExecution, progress: ProgressReporter
    ) -> agent_api.AgentExecution:
        """Play the agent's script and answer with one AI message."""
        reply = await self._play(execution.spec.agent_id, execution.spec.message, progress)
        result = agent_api.AgentExecution()
        result.CopyFrom(execution)
        result.status.phase = agent_enum.EXECUTION_COMPLETED
        result.status.messages.add(
            type=agent_enum.MESSAGE_AI, content=reply, timestamp=now_rfc3339()
        )
        return result

    async def run_workflow(
        self, execution: workflow_api.WorkflowExecution, progress: ProgressReporter
    ) -> workflow_api.WorkflowExecution:
        """Play the workflow's script and put the reply into ``status.output``."""
        script_id = execution.spec.workflow_id or execution.spec.workflow_instance_id
        reply = await self._play(script_id, execution.spec.trigger_message, progress)
        result = workflow_api.WorkflowExecution()
        result.CopyFrom(execution)
        result.status.phase = workflow_enum.EXECUTION_COMPLETED
        result.status.output.CopyFrom(struct_pb2.Struct(fields={"reply": _string(reply)}))
        return result


def _string(value: str) -> struct_pb2.Value:
    return struct_pb2.Value(string_value=value)


class RunnerActivities:
    """Serves a :class:`Runner` as the runner activities, heartbeating its progress."""

    def __init__(
        self,
        runner: Runner,
        on_progress: Callable[[str, str], Awaitable[None]] | None = None,
        heartbeat_every: timedelta = timedelta(seconds=5),
    ) -> None:
        """``on_progress(execution_id, note)`` records progress, for instance in the store."""
        self._runner = runner
        self._on_progress = on_progress
        self._heartbeat_every = heartbeat_every

    async def _with_heartbeats(
        self, execution_id: str, work: Callable[[ProgressReporter], Awaitable[_R]]
    ) -> _R:
        async def progress(note: str) -> None:
            activity.heartbeat(note)
            if self._on_progress is not None:
                await self._on_progress(execution_id, note)

        timeout = activity.info().heartbeat_timeout
        # Beat well inside the heartbeat timeout, however the workflow set it.
        every = min(self._heartbeat_every, timeout / 3) if timeout else self._heartbeat_every

        async def keep_alive() -> None:
            while True:
                await asyncio.sleep(every.total_seconds())
                activity.heartbeat()

        ticker = asyncio.create_task(keep_alive())
        try:
            return await work(progress)
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker

    @activity.defn(name=AGENT_RUNNER_ACTIVITY)
    async def run_agent(self, execution: agent_api.AgentExecution) -> agent_api.AgentExecution:
        """Run one agent execution."""
        return await self._with_heartbeats(
            execution.metadata.id, lambda progress: self._runner.run_agent(execution, progress)
        )

    @activity.defn(name=WORKFLOW_RUNNER_ACTIVITY)
    async def run_workflow(
        self, execution: workflow_api.WorkflowExecution
    ) -> workflow_api.WorkflowExecution:
        """Run one workflow execution."""
        return await self._with_heartbeats(
            execution.metadata.id, lambda progress: self._runner.run_workflow(execution, progress)
        )
