"""Agent and workflow runners: where executions actually run.

The service's workflow runs each execution through an activity on a runner task queue:

- ``stigmer/agent-runner/run`` on ``agent_execution_runner``, taking and returning an
  ``AgentExecution``;
- ``stigmer/workflow-runner/run`` on ``workflow_execution_runner``, taking and returning a
  ``WorkflowExecution``.

Plug in a real runtime either way:

1. a Python object implementing `Runner`, served by the service's own worker
   (``StigmerService(config, runner=MyRunner())``); or
2. an activity with the name above, served by your own worker on the runner task queue (in any
   language), with the built-in runner turned off (``serve --no-builtin-runner``).

The runner returns the execution with its final status. It should heartbeat (the built-in worker
does it for a `Runner`), and a failure should be an ``ApplicationError`` whose type, message
and non_retryable flag the caller will see.

**Crashes and checkpoints.** A run whose worker dies stops heartbeating; after the heartbeat
timeout Temporal retries it, with backoff, until the execution's deadline (configurable:
``ServiceSettings.runner_maximum_attempts`` and friends, ``serve --runner-max-attempts``). The
retry need not start over: the runner's latest heartbeat details are its checkpoint. A
`Runner` saves one with `RunContext.save_checkpoint` and, on the next attempt, finds
it in `RunContext.checkpoint`; an activity in another language heartbeats its checkpoint
as the details and reads them back from its activity info. So a crash costs at most the work
since the last checkpoint.

**Cancellation.** A caller's cancel request reaches the service within its caller-heartbeat
interval (``serve --caller-heartbeat``, 30 s by default) and the run within one runner heartbeat
(every 5 s, at most a third of the heartbeat timeout, on the built-in worker): about 35 s by
default. From the cancel request on, the caller gets a cancellation, even if the run still
returns a result.

**The deployed runner contract.** With ``ServiceSettings.runner_contract = "deployed"`` (``serve
--runner-contract deployed``) the service runs agents as the deployed Stigmer service does, on
the same task queue: ``EnsureThread(session_id, agent_id) -> thread_id`` (plain JSON), then
``ExecuteGraphton(AgentExecution, thread_id) -> AgentExecutionStatus`` (``json/protobuf``). The
real Stigmer agent runner can then run its agents, and `RunnerActivities` serves that
contract too (`RunnerActivities.deployed_activities`), standing in for the deployed
server's runner in tests.

`ScriptedRunner` is a deterministic runner for demos and tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from stigmer_sdk import _contract
from stigmer_sdk.api.agentic.agentexecution.v1 import api_pb2 as agent_api
from stigmer_sdk.api.agentic.agentexecution.v1 import enum_pb2 as agent_enum
from stigmer_sdk.api.agentic.agentexecution.v1 import status_pb2 as agent_status
from stigmer_sdk.api.agentic.workflowexecution.v1 import api_pb2 as workflow_api
from stigmer_sdk.api.agentic.workflowexecution.v1 import enum_pb2 as workflow_enum

logger = logging.getLogger("stigmer_sdk.service")

AGENT_RUNNER_ACTIVITY = "stigmer/agent-runner/run"
WORKFLOW_RUNNER_ACTIVITY = "stigmer/workflow-runner/run"
AGENT_RUNNER_TASK_QUEUE = _contract.TASK_QUEUE_AGENT_RUNNER
WORKFLOW_RUNNER_TASK_QUEUE = "workflow_execution_runner"

#: The deployed Stigmer service's runner activities (on ``agent_execution_runner``).
ENSURE_THREAD_ACTIVITY = "EnsureThread"
EXECUTE_GRAPHTON_ACTIVITY = "ExecuteGraphton"

#: Runner contracts the service's workflow can speak (``ServiceSettings.runner_contract``).
RUNNER_CONTRACT_SDK = "stigmer"
RUNNER_CONTRACT_DEPLOYED = "deployed"
RUNNER_CONTRACTS = (RUNNER_CONTRACT_SDK, RUNNER_CONTRACT_DEPLOYED)

#: Failure type of an agent that failed, unless the runner chose another.
AGENT_EXECUTION_FAILED = _contract.FAILURE_AGENT_EXECUTION_FAILED
#: Failure type (non-retryable) of an execution that ran past its deadline: the runner's
#: start-to-close or schedule-to-close timeout, all attempts included.
AGENT_EXECUTION_TIMEOUT = _contract.FAILURE_AGENT_EXECUTION_TIMEOUT

#: Log line of every run attempt's start (the fault suite counts runs by it).
RUN_STARTED_LOG = "Runner attempt started"
#: The log line of a run that ended with a typed failure (one line, no traceback).
RUN_FAILED_LOG = "Runner attempt failed"

_R = TypeVar("_R")


def now_rfc3339() -> str:
    """The current time in RFC 3339, UTC, as the API's timestamp strings are."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RunContext:
    """What a `Runner` gets besides the execution: progress reports and checkpoints.

    Calling it reports a progress message (``await progress("reading sources")``), which the
    built-in worker records on the execution.

    Attributes:
        execution_id: the execution being run.
        attempt: 1 for the first run, more after a crash or a retryable failure.
        checkpoint: what the previous attempt last saved with `save_checkpoint`, or
            ``None``: resume from there instead of from the start.
    """

    def __init__(
        self,
        execution_id: str,
        *,
        attempt: int = 1,
        checkpoint: bytes | None = None,
        on_progress: Callable[[str], Awaitable[None]] | None = None,
        heartbeat: Callable[..., None] | None = None,
    ) -> None:
        self.execution_id = execution_id
        self.attempt = attempt
        self.checkpoint = checkpoint
        self._saved = checkpoint
        self._on_progress = on_progress
        self._heartbeat = heartbeat

    async def __call__(self, note: str) -> None:
        """Report progress (and heartbeat). Recording it is best effort: a failure to record
        (the store unreachable, say) is logged, and the run goes on."""
        self.beat()
        if self._on_progress is None:
            return
        try:
            await self._on_progress(note)
        except Exception as error:  # noqa: BLE001 - progress must never fail the run
            logger.warning(
                "Could not record progress execution_id=%s error=%s", self.execution_id, error
            )

    async def save_checkpoint(self, data: bytes) -> None:
        """Save where the run is; a retried attempt gets ``data`` as its `checkpoint`.

        Sent as the run's heartbeat details, so it survives the worker.
        """
        self._saved = bytes(data)
        self.beat()

    def beat(self) -> None:
        """Heartbeat, carrying the latest checkpoint."""
        if self._heartbeat is not None:
            self._heartbeat(*(() if self._saved is None else (self._saved,)))


#: Reports a progress message; the built-in worker heartbeats it and records it.
ProgressReporter = RunContext


class Runner(Protocol):
    """A runtime for agent and workflow executions."""

    def knows_agent(self, agent_id: str) -> bool:
        """Whether ``create`` should accept this agent (NOT_FOUND otherwise)."""
        ...

    def knows_workflow(self, workflow_id: str) -> bool:
        """Whether ``create`` should accept this workflow (NOT_FOUND otherwise)."""
        ...

    async def run_agent(
        self, execution: agent_api.AgentExecution, progress: RunContext
    ) -> agent_api.AgentExecution:
        """Run the agent to its end and return the execution with its final status."""
        ...

    async def run_workflow(
        self, execution: workflow_api.WorkflowExecution, progress: RunContext
    ) -> workflow_api.WorkflowExecution:
        """Run the workflow to its end and return the execution with its final status."""
        ...


@dataclass(frozen=True)
class Script:
    """What a scripted agent or workflow does."""

    #: How long it runs. Cancellation is honoured throughout.
    duration: timedelta = timedelta(seconds=1)
    #: The reply; ``{message}`` is replaced by the execution's message (its first
    #: `REPLY_ECHO_LIMIT` characters, so that a reply to a spec at the size limit fits).
    reply: str = "Done: {message}"
    #: Progress messages, spread evenly over the duration; each step is a checkpoint.
    progress: tuple[str, ...] = ("thinking", "calling tools", "writing the answer")
    #: Fail with this type and message instead of replying.
    failure_type: str | None = None
    failure_message: str = "the scripted agent failed"
    failure_non_retryable: bool = True


#: How much of the message a scripted reply echoes.
REPLY_ECHO_LIMIT = 4096

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

_STEP_CHECKPOINT = b"scripted-step:"

#: Execution ids `ScriptedRunner` keeps counts for (the most recent ones).
RECENT_RUNS_KEPT = 10_000


class RecentCounts(dict[str, int]):
    """Counts per execution id that keep only the ``limit`` ids first counted most recently,
    so that a long-lived service's memory does not grow with every execution it ran."""

    def __init__(self, limit: int = RECENT_RUNS_KEPT) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: str, value: int) -> None:
        if key not in self and len(self) >= self.limit:
            del self[next(iter(self))]  # the oldest (dicts keep insertion order)
        super().__setitem__(key, value)


@dataclass
class ScriptedRunner:
    """A deterministic runner for demos and tests: each agent or workflow id has a script.

    Each progress step is a checkpoint: a run retried after a crash resumes at the step it had
    reached. `runs` counts the attempts per execution id, `resumed` those that
    resumed from a checkpoint (both for the `RECENT_RUNS_KEPT` latest executions).

    Examples:
        >>> runner = ScriptedRunner({"slow": Script(duration=timedelta(minutes=5))})
        >>> runner.knows_agent("slow"), runner.knows_agent("nope")
        (True, False)
    """

    scripts: Mapping[str, Script] = field(default_factory=lambda: dict(DEMO_SCRIPTS))
    runs: dict[str, int] = field(default_factory=RecentCounts)
    resumed: dict[str, int] = field(default_factory=RecentCounts)

    def knows_agent(self, agent_id: str) -> bool:
        """Agents are the scripts' ids."""
        return agent_id in self.scripts

    def knows_workflow(self, workflow_id: str) -> bool:
        """Workflows are the scripts' ids too."""
        return workflow_id in self.scripts

    async def _play(self, script_id: str, message: str, progress: RunContext) -> str:
        script = self.scripts[script_id]
        steps = max(len(script.progress), 1)
        pause = script.duration.total_seconds() / steps
        first = 0
        if progress.checkpoint and progress.checkpoint.startswith(_STEP_CHECKPOINT):
            first = int(progress.checkpoint.removeprefix(_STEP_CHECKPOINT) or 0)
        self.runs[progress.execution_id] = self.runs.get(progress.execution_id, 0) + 1
        if first:
            self.resumed[progress.execution_id] = self.resumed.get(progress.execution_id, 0) + 1
        logger.info(
            "Scripted run execution_id=%s attempt=%d resumed_at_step=%d of %d",
            progress.execution_id,
            progress.attempt,
            first,
            len(script.progress),
        )
        if not script.progress and pause:
            await asyncio.sleep(pause)
        for index in range(first, len(script.progress)):
            await progress(script.progress[index])
            await asyncio.sleep(pause)
            await progress.save_checkpoint(_STEP_CHECKPOINT + str(index + 1).encode())
        if script.failure_type:
            raise ApplicationError(
                script.failure_message,
                type=script.failure_type,
                non_retryable=script.failure_non_retryable,
            )
        echoed = message if len(message) <= REPLY_ECHO_LIMIT else message[:REPLY_ECHO_LIMIT] + "…"
        return script.reply.format(message=echoed)

    async def run_agent(
        self, execution: agent_api.AgentExecution, progress: RunContext
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
        self, execution: workflow_api.WorkflowExecution, progress: RunContext
    ) -> workflow_api.WorkflowExecution:
        """Play the workflow's script and put the reply into ``status.output``."""
        script_id = execution.spec.workflow_id or execution.spec.workflow_instance_id
        reply = await self._play(script_id, execution.spec.trigger_message, progress)
        result = workflow_api.WorkflowExecution()
        result.CopyFrom(execution)
        result.status.phase = workflow_enum.EXECUTION_COMPLETED
        result.status.output.update({"reply": reply})
        return result


def benign(error: ApplicationError) -> ApplicationError:
    """``error`` as a BENIGN application error (same message, type, details and retryability):
    an expected failure, which temporalio logs at DEBUG instead of WARNING with a traceback."""
    if error.category is ApplicationErrorCategory.BENIGN:
        return error
    return ApplicationError(
        error.message,
        *error.details,
        type=error.type,
        non_retryable=error.non_retryable,
        next_retry_delay=error.next_retry_delay,
        category=ApplicationErrorCategory.BENIGN,
    )


class RunnerActivities:
    """Serves a `Runner` as the runner activities, heartbeating its progress."""

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
        self, execution_id: str, work: Callable[[RunContext], Awaitable[_R]]
    ) -> _R:
        info = activity.info()
        details: Sequence[Any] = info.heartbeat_details
        checkpoint = details[0] if details and isinstance(details[0], bytes) else None
        on_progress = self._on_progress

        async def record(note: str) -> None:
            if on_progress is not None:
                await on_progress(execution_id, note)

        context = RunContext(
            execution_id,
            attempt=info.attempt,
            checkpoint=checkpoint,
            on_progress=record,
            heartbeat=activity.heartbeat,
        )
        logger.info(
            "%s activity=%s execution_id=%s attempt=%d checkpoint=%s",
            RUN_STARTED_LOG,
            info.activity_type,
            execution_id,
            info.attempt,
            "yes" if checkpoint is not None else "no",
        )
        timeout = info.heartbeat_timeout
        # Beat well inside the heartbeat timeout, however the workflow set it.
        every = min(self._heartbeat_every, timeout / 3) if timeout else self._heartbeat_every

        async def keep_alive() -> None:
            while True:
                await asyncio.sleep(every.total_seconds())
                context.beat()

        ticker = asyncio.create_task(keep_alive())
        try:
            return await work(context)
        except ApplicationError as error:
            # A typed failure is the runner's answer, not a bug: one line, and temporalio's own
            # "Completing activity as failed" drops to DEBUG (a BENIGN error) with its traceback.
            logger.info(
                "%s execution_id=%s attempt=%d type=%s non_retryable=%s message=%s",
                RUN_FAILED_LOG,
                execution_id,
                info.attempt,
                error.type,
                error.non_retryable,
                error.message,
            )
            raise benign(error) from error.__cause__
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

    @activity.defn(name=ENSURE_THREAD_ACTIVITY)
    async def ensure_thread(self, session_id: str, agent_id: str) -> str:
        """The deployed contract's first step: a conversation thread for the session."""
        return f"thread-{session_id}" if session_id else f"ephemeral-{agent_id}"

    @activity.defn(name=EXECUTE_GRAPHTON_ACTIVITY)
    async def execute_graphton(
        self, execution: agent_api.AgentExecution, thread_id: str
    ) -> agent_status.AgentExecutionStatus:
        """The deployed contract's run: the agent's final status."""
        del thread_id  # the scripted runner keeps no conversation state
        result = await self.run_agent(execution)
        return result.status

    def sdk_activities(self) -> Sequence[Callable[..., Any]]:
        """The activities of the SDK's runner contract, one per task queue (agent, workflow)."""
        return [self.run_agent, self.run_workflow]

    def deployed_activities(self) -> Sequence[Callable[..., Any]]:
        """The deployed service's agent runner contract (``EnsureThread``, ``ExecuteGraphton``)."""
        return [self.ensure_thread, self.execute_graphton]
