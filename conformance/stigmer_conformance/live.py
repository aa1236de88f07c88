"""Caller-side scenarios against a running Stigmer service, and the deployed-service emulator.

The same scenarios (``conformance/live-scenarios.json``) run in two settings:

- live mode: against any service given by ``--service``/``--temporal`` (a release candidate, a
  ``stigmer-sdk serve``, a deployed Stigmer server): one column, ``service``;
- the emulation: against ``stigmer-deployed-emulator`` (adapters/go/internal/cmd), which behaves
  like the deployed Go service. Column ``deployed``: its own completion activity (the deployed bug);
  columns named after a language: its completions served by that language's SDK system activity.

Each scenario's checks are reported as separate cases, so that the table shows which contract
point holds and which does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import temporalio.client
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError

from stigmer_conformance.cases import CASE_ANNOTATION, CONFORMANCE, CaseFailure, check
from stigmer_conformance.logs import ACK
from stigmer_conformance.processes import ROOT, ExecutableError, Implementation, RoleProcess
from stigmer_sdk import AgentExecution, AgentExecutionSpec
from stigmer_sdk.api.agentic.agentexecution.v1 import enum_pb2
from stigmer_sdk.api.conformance.v1 import harness_pb2 as pb
from stigmer_sdk.api.sdk.v1 import caller_pb2
from stigmer_sdk.client import StigmerClient

#: The emulator's per-execution completion queue (its test hook; see the emulator's doc).
COMPLETION_QUEUE_ANNOTATION = "emulator.stigmer.ai/completion-task-queue"
EMULATOR = "deployed-emulator"
TERMINAL_PHASES = (
    enum_pb2.EXECUTION_COMPLETED,
    enum_pb2.EXECUTION_FAILED,
    enum_pb2.EXECUTION_CANCELLED,
)


@dataclass(frozen=True)
class LiveScenario:
    name: str
    agent: str
    caller: dict[str, Any]
    checks: tuple[str, ...]
    #: The targets it runs against (empty: all).
    targets: tuple[str, ...] = ()

    @staticmethod
    def load_all() -> list[LiveScenario]:
        data = json.loads((CONFORMANCE / "live-scenarios.json").read_text())
        return [
            LiveScenario(
                s["name"],
                s["agent"],
                s.get("caller", {}),
                tuple(s["checks"]),
                tuple(s.get("targets", ())),
            )
            for s in data["scenarios"]
        ]

    def runs_against(self, target: str) -> bool:
        """Whether the scenario runs against ``target`` (a `LiveTarget` name)."""
        return not self.targets or target in self.targets


@dataclass
class LiveTarget:
    """Where the scenarios run: the service, and how its completions are served."""

    name: str
    service_address: str
    #: column -> completion task queue for the emulator's hook ("" for the service's own).
    columns: dict[str, str]
    #: agent id by scenario agent ("echo", "failing").
    agents: dict[str, str]
    start_to_close_seconds: float = 60


@dataclass
class LiveOutcome:
    """What one scenario run observed, for its checks."""

    case_id: str
    attempts: list[pb.TokenSeen] = field(default_factory=list)
    acks: list[pb.LogRecord] = field(default_factory=list)
    result: Any = None
    error: str = ""
    #: pushed-cancel: the execution the handshake recorded, and its phase seen by get afterwards.
    execution_id: str = ""
    final_phase: int = 0


def _request(case_id: str, agent_id: str, completion_queue: str) -> AgentExecution:
    """Only what the docs show (agent and message), and the case annotation."""
    request = AgentExecution(
        spec=AgentExecutionSpec(agent_id=agent_id, message=f"live case {case_id} ✓")
    )
    request.metadata.annotations[CASE_ANNOTATION] = case_id
    if completion_queue:
        request.metadata.annotations[COMPLETION_QUEUE_ANNOTATION] = completion_queue
    return request


def _digest(seen: pb.TokenSeen) -> str:
    return seen.sha256.hex()[:12]


def _acks(records: list[pb.LogRecord], attempts: list[pb.TokenSeen]) -> list[pb.LogRecord]:
    """The ACK line of each attempt's token, in order: by token_digest where the line has one,
    else the next unused line with the token's preview and length (attempts run one by one)."""
    found: list[pb.LogRecord] = []
    used: set[int] = set()
    for seen in attempts:
        for index, record in enumerate(records):
            if index in used or record.message != ACK:
                continue
            digest = record.fields.get("token_digest")
            if digest == _digest(seen) or (
                digest is None
                and record.fields.get("token_preview") == seen.preview
                and record.fields.get("token_length") == str(seen.length)
            ):
                used.add(index)
                found.append(record)
                break
    return found


async def run_live_scenario(
    temporal: temporalio.client.Client,
    caller: RoleProcess,
    caller_queue: str,
    target: LiveTarget,
    scenario: LiveScenario,
    column: str,
    case_id: str,
) -> LiveOutcome:
    """Run the scenario once; the checks read the outcome."""
    outcome = LiveOutcome(case_id)
    before = len((await caller.request(logs=pb.LogsRequest())).logs.records)
    options = scenario.caller
    caller_input = pb.CallerInput(
        request=_request(case_id, target.agents[scenario.agent], target.columns[column]),
        # A scenario's own start-to-close is a minimum (agent-failure's covers the watch bound).
        start_to_close_seconds=max(
            options.get("start_to_close_seconds", 0), target.start_to_close_seconds
        ),
        terminal=options.get("terminal", False),
        maximum_attempts=options.get("maximum_attempts", 1),
        crash_before_attempt=options.get("crash_before_attempt", 0),
        service_address=target.service_address,
    )
    handle = await temporal.start_workflow(
        "conformance/caller",
        caller_input,
        id=f"conformance-live-{uuid.uuid4()}",
        task_queue=caller_queue,
        result_type=AgentExecution,
    )
    try:
        if options.get("cancel_after_ack"):
            outcome.execution_id = await _recorded_execution_id(handle)
            await handle.cancel()
        try:
            outcome.result = await asyncio.wait_for(
                handle.result(), caller_input.start_to_close_seconds * 3 + 30
            )
        except WorkflowFailureError as error:
            outcome.result = error
        except TimeoutError:
            outcome.error = "the caller's workflow did not end in time"
    finally:
        with contextlib.suppress(Exception):
            description = await handle.describe()
            if description.status == temporalio.client.WorkflowExecutionStatus.RUNNING:
                await handle.terminate("conformance case over")
    if outcome.execution_id:
        outcome.final_phase = await _phase_once_terminal(
            target.service_address, outcome.execution_id, PUSHED_CANCEL_WAIT
        )
    outcome.attempts = caller.seen_all(case_id, "caller_token")
    records = list((await caller.request(logs=pb.LogsRequest())).logs.records)[before:]
    outcome.acks = _acks(records, outcome.attempts)
    return outcome


#: How long pushed-cancel waits for the service to report the execution terminal after the
#: caller's workflow was cancelled (a failure bound, not a measure: the run stops within one
#: cancel call, one signal and one runner heartbeat).
PUSHED_CANCEL_WAIT = 45.0


async def _recorded_execution_id(handle: temporalio.client.WorkflowHandle[Any, Any]) -> str:
    """The execution id the caller's pending handshake recorded as its heartbeat details (after
    the ACK; what the helper's cancel activity reads), once there."""

    async def wait() -> str:
        while True:
            description = await handle.describe()
            for pending in description.raw_description.pending_activities:
                details = pending.heartbeat_details.payloads
                if details:
                    recorded = caller_pb2.GetExecutionInput.FromString(details[0].data)
                    if recorded.execution_id:
                        return recorded.execution_id
            await asyncio.sleep(0.1)

    return await asyncio.wait_for(wait(), 60)


async def _phase_once_terminal(address: str, execution_id: str, wait_seconds: float) -> int:
    """The execution's phase once terminal, or the last one seen after ``wait_seconds``."""
    async with await StigmerClient.connect(address) as stigmer:
        deadline = time.monotonic() + wait_seconds
        while True:
            phase = (await stigmer.get_agent_execution(execution_id)).status.phase
            if phase in TERMINAL_PHASES or time.monotonic() > deadline:
                return phase
            await asyncio.sleep(0.2)


def _terminal(outcome: LiveOutcome) -> AgentExecution:
    check(not outcome.error, outcome.error)
    result = outcome.result
    if isinstance(result, WorkflowFailureError):
        raise CaseFailure(f"the caller's workflow failed: {_failure_text(result)}")
    check(isinstance(result, AgentExecution), f"the caller's workflow returned {result!r}")
    assert isinstance(result, AgentExecution)
    return result


def _failure_text(error: WorkflowFailureError) -> str:
    cause: BaseException | None = error.cause
    parts = []
    while cause is not None:
        kind = getattr(cause, "type", None) if isinstance(cause, ApplicationError) else None
        text = getattr(cause, "message", None) or str(cause)
        parts.append(f"{type(cause).__name__}({kind + ': ' if kind else ''}{text})")
        cause = cause.__cause__
    return " <- ".join(parts)


def check_live(outcome: LiveOutcome, name: str) -> dict[str, Any]:
    """One check of a scenario run; raises CaseFailure."""
    if name == "created":
        check(bool(outcome.attempts), "the caller's activity never ran (no token reported)")
        check(
            bool(outcome.acks),
            f"no {ACK!r} log line for the caller's token: the create was not accepted "
            f"({_terminal_or_failure(outcome)})",
        )
        return {"execution_id": outcome.acks[0].fields.get("execution_id", "")}
    if name == "ack-log":
        check(bool(outcome.attempts and outcome.acks), "no ACK line (see 'created')")
        seen, ack = outcome.attempts[-1], outcome.acks[-1]
        want = {
            "token_preview": seen.preview,
            "token_length": str(seen.length),
            "token_digest": _digest(seen),
        }
        check(bool(ack.fields.get("execution_id")), "the ACK line has no execution_id")
        for key, value in want.items():
            check(
                ack.fields.get(key) == value,
                f"ACK field {key}={ack.fields.get(key)!r}, expected {value!r}",
            )
        return {}
    if name == "terminal":
        result = _terminal(outcome)
        phase = enum_pb2.ExecutionPhase.Name(result.status.phase)
        check(
            result.status.phase == enum_pb2.EXECUTION_COMPLETED,
            f"the caller resumed with phase {phase}, not the terminal EXECUTION_COMPLETED",
        )
        replies = [m for m in result.status.messages if m.type == enum_pb2.MESSAGE_AI and m.content]
        check(bool(replies), "the terminal execution has no AI message")
        check(bool(result.metadata.id), "the terminal execution has no metadata.id")
        return {"phase": phase, "messages": len(result.status.messages)}
    if name == "no-token-in-result":
        result = _terminal(outcome)
        check(
            not result.spec.callback_token,
            f"the caller's result carries a {len(result.spec.callback_token)}-byte callback "
            "token (a bearer credential) into its workflow history",
        )
        return {}
    if name == "typed-failure":
        check(not outcome.error, outcome.error)
        result = outcome.result
        check(
            isinstance(result, WorkflowFailureError),
            f"the caller's workflow ended with {result!r}, expected a failure",
        )
        assert isinstance(result, WorkflowFailureError)
        cause: BaseException | None = result.cause
        while isinstance(cause, ActivityError):
            cause = cause.cause
        check(
            isinstance(cause, ApplicationError) and cause.type == "AGENT_EXECUTION_FAILED",
            f"the caller got {_failure_text(result)}, expected AGENT_EXECUTION_FAILED",
        )
        assert isinstance(cause, ApplicationError)
        check(bool(cause.message), "the failure has no message")
        return {"message": cause.message}
    if name == "one-execution":
        result = _terminal(outcome)
        check(len(outcome.attempts) >= 2, f"{len(outcome.attempts)} attempt(s), expected 2")
        check(
            len(outcome.acks) == len(outcome.attempts),
            f"{len(outcome.acks)} ACK lines for {len(outcome.attempts)} attempts",
        )
        ids = [ack.fields.get("execution_id", "") for ack in outcome.acks]
        check(
            len(set(ids)) == 1,
            f"the attempts created {len(set(ids))} executions ({', '.join(ids)}): the "
            "service does not honour the idempotency key, a retry started a second agent",
        )
        check(
            result.metadata.id == ids[0],
            f"the caller resumed with {result.metadata.id}, its attempts created {ids[0]}",
        )
        return {"execution_id": ids[0], "attempts": len(ids)}
    if name == "caller-cancelled":
        check(not outcome.error, outcome.error)
        result = outcome.result
        check(
            isinstance(result, WorkflowFailureError),
            f"the cancelled caller's workflow ended with {result!r}, expected a cancellation",
        )
        assert isinstance(result, WorkflowFailureError)
        check(
            isinstance(result.cause, CancelledError),
            f"the cancelled caller's workflow ended with {_failure_text(result)}, expected a "
            "cancellation (a service without cancel must not fail it)",
        )
        return {}
    if name == "execution-cancelled":
        check(bool(outcome.execution_id), outcome.error or "no execution id was recorded")
        phase = enum_pb2.ExecutionPhase.Name(outcome.final_phase)  # type: ignore[arg-type]
        check(
            outcome.final_phase == enum_pb2.EXECUTION_CANCELLED,
            f"the execution is {phase} {PUSHED_CANCEL_WAIT:g} s after the caller's workflow was "
            "cancelled, expected EXECUTION_CANCELLED: the helper did not push the cancel "
            "(stigmer/caller/cancel-execution) and the service's relay is off",
        )
        return {"execution_id": outcome.execution_id}
    raise CaseFailure(f"unknown live check {name}")


def _terminal_or_failure(outcome: LiveOutcome) -> str:
    if isinstance(outcome.result, WorkflowFailureError):
        return f"the caller failed: {_failure_text(outcome.result)}"
    return outcome.error or "the caller did not fail"


class Emulator:
    """A running stigmer-deployed-emulator process."""

    def __init__(self, log_dir: Path, name: str) -> None:
        self.log_path = log_dir / f"{EMULATOR}-{name}.log"
        self._process: asyncio.subprocess.Process | None = None
        self.address = ""

    @staticmethod
    def implementation() -> Implementation:
        data = json.loads((CONFORMANCE / "implementations.json").read_text())["services"]
        entry = data[EMULATOR]
        return Implementation(
            EMULATOR,
            tuple((step["cwd"], tuple(step["command"])) for step in entry["build"]),
            tuple(entry["run"]),
            (),
        )

    async def start(self, temporal: str, task_queue: str, completions: str) -> str:
        command = [
            *self.implementation().command(),
            f"--temporal={temporal}",
            f"--task-queue={task_queue}",
            f"--completions={completions}",
        ]
        with self.log_path.open("wb") as log:
            self._process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                cwd=ROOT,
            )
        assert self._process.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = await asyncio.wait_for(self._process.stdout.readline(), 60)
            if not line:
                break
            if line.startswith(b"listening on "):
                self.address = line.decode().split()[-1]
                return self.address
        raise ExecutableError(f"the emulator did not start; see {self.log_path}")

    async def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
