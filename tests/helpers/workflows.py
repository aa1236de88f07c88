"""Workflows and activities of the SDK integration tests (imported by the workers), beside the
test kit's caller (`stigmer_sdk.testing.CallerWorkflow`): each tests something that one does not
(a shape, a kind, a helper, a trap). The literal ``"run_agent"`` of the terminal callers is
recorded in the histories of tests/data/histories, which they replay."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow
from temporalio.api.common.v1 import Payload
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    import temporalio.client

    from stigmer_sdk import (
        AgentExecution,
        CompleteExternalActivityResult,
        ExecutionPhase,
        StigmerClient,
        WorkflowExecution,
        execute_and_wait_pending,
        handshake_activity_options,
        start_workflow_and_wait_pending,
    )
    from stigmer_sdk import in_workflow as stigmer_workflow
    from stigmer_sdk.caller import RESULT_ENCODING_ANNOTATION, prepare_create
    from stigmer_sdk.metrics import observe_handshake
    from stigmer_sdk.testing import CallerOptions


@workflow.defn
class WorkflowExecutionCallerWorkflow:
    """Runs a Stigmer *workflow* execution through the handshake."""

    @workflow.run
    async def run(self, request: WorkflowExecution) -> WorkflowExecution:
        result: WorkflowExecution = await workflow.execute_activity(
            "run_workflow_execution",
            request,
            result_type=WorkflowExecution,
            **handshake_activity_options(timedelta(minutes=1)),
        )
        return result


@workflow.defn
class InnerShapeCallerWorkflow:
    """Calls an agent through the inner-workflow shape (004: ExecuteWorkflowActivity)."""

    @workflow.run
    async def run(self, request: AgentExecution) -> AgentExecution:
        return await workflow.execute_activity(
            "run_inner",
            request,
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=RetryPolicy(maximum_attempts=1),
            result_type=AgentExecution,
        )


@workflow.defn
class InnerAgentWorkflow:
    """The inner workflow: does the work and completes the outer activity with the result."""

    @workflow.run
    async def run(self, request: AgentExecution, callback_token: bytes) -> AgentExecution:
        async def body() -> AgentExecution:
            await workflow.sleep(0.05)
            result = AgentExecution()
            result.CopyFrom(request)
            result.status.phase = ExecutionPhase.EXECUTION_COMPLETED
            result.metadata.id = "inner-" + workflow.info().workflow_id
            if request.spec.message == "fail":
                raise workflow_failure()
            return result

        return await stigmer_workflow.complete_caller_when_done(callback_token, body)


def workflow_failure() -> Exception:
    return ApplicationError("agent blew up", type="AGENT_EXECUTION_FAILED", non_retryable=True)


class CallerActivities:
    """The caller activities the suite needs besides the test kit's handshake activity
    (`stigmer_sdk.testing.caller_activity`)."""

    def __init__(self, stigmer: StigmerClient, temporal: temporalio.client.Client) -> None:
        self._stigmer = stigmer
        self._temporal = temporal

    @activity.defn(name="run_agent_crash_after_create")
    async def run_agent_crash_after_create(self, request: AgentExecution) -> AgentExecution:
        """Attempt 1 dies right after a successful create (as a worker crash would); the
        service's delivery to its token then finds nobody, and attempt 2 retries."""
        if activity.info().attempt > 1:
            await execute_and_wait_pending(self._stigmer, request)
        try:
            await execute_and_wait_pending(self._stigmer, request)
        except BaseException as pending:  # the complete-async signal, deliberately swallowed
            raise ApplicationError("simulated crash after create", type="CRASH") from pending
        raise AssertionError("unreachable: execute_and_wait_pending always raises")

    @activity.defn(name="run_agent_undeclared")
    async def run_agent_undeclared(self, request: AgentExecution) -> AgentExecution:
        """Creates as a caller that has not declared its result encoding (Stigmer's own Go
        workflow runner): the SDK's create without the result-encoding annotation."""
        info = activity.info()
        execution = prepare_create(request, token=info.task_token, key=info.activity_id)
        del execution.metadata.annotations[RESULT_ENCODING_ANNOTATION]
        await self._stigmer.create(execution)
        activity.raise_complete_async()

    @activity.defn(name="run_workflow_execution")
    async def run_workflow_execution(self, request: WorkflowExecution) -> WorkflowExecution:
        await execute_and_wait_pending(self._stigmer, request)

    @activity.defn(name="run_inner")
    async def run_inner(self, request: AgentExecution) -> AgentExecution:
        info = activity.info()
        result: AgentExecution = await start_workflow_and_wait_pending(
            self._temporal,
            InnerAgentWorkflow.run,
            request,
            id=f"inner-{info.workflow_id}",
            task_queue=info.task_queue,
            result_type=AgentExecution,
        )
        return result


@workflow.defn
class WatchedCallerWorkflow:
    """`TerminalCallerWorkflow` whose pending handshake is watched after ``watch_after_seconds``
    (the default, 30 s, when it is None)."""

    @workflow.run
    async def run(
        self, request: AgentExecution, watch_after_seconds: float | None
    ) -> AgentExecution:
        watch_after = (
            stigmer_workflow.WATCH_AFTER
            if watch_after_seconds is None
            else timedelta(seconds=watch_after_seconds)
        )
        return await stigmer_workflow.execute_to_terminal(
            "run_agent",
            request,
            watch_after=watch_after,
            **handshake_activity_options(timedelta(minutes=2)),
        )


@workflow.defn
class TerminalCallerWorkflow:
    """Calls an agent through the handshake and returns the terminal execution."""

    @workflow.run
    async def run(self, request: AgentExecution) -> AgentExecution:
        return await stigmer_workflow.execute_to_terminal(
            "run_agent", request, **handshake_activity_options(timedelta(minutes=1))
        )


@workflow.defn
class DeployedCompletionWorkflow:
    """Schedules the system activity as the deployed Stigmer Go service does: its JSON struct
    ``{"CallbackToken", "Result", "Error"}`` as ``json/plain``."""

    @workflow.run
    async def run(self, document: str) -> CompleteExternalActivityResult:
        return await workflow.execute_activity(
            "stigmer/system/complete-external-activity",
            RawValue(Payload(metadata={"encoding": b"json/plain"}, data=document.encode())),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=1),
            result_type=CompleteExternalActivityResult,
        )


@workflow.defn
class LocalActivityCallerWorkflow:
    """Runs the handshake activity as a LOCAL activity, which cannot complete asynchronously."""

    @workflow.run
    async def run(self, request: AgentExecution) -> AgentExecution:
        return await workflow.execute_local_activity(
            "run_agent",
            request,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(
                maximum_attempts=3, initial_interval=timedelta(milliseconds=10)
            ),
            result_type=AgentExecution,
        )


@workflow.defn
class ObservedCallerWorkflow:
    """:class:`CallerWorkflow` recording the caller-side handshake metrics."""

    @workflow.run
    async def run(self, request: AgentExecution, options: CallerOptions) -> AgentExecution:
        return await observe_handshake(
            workflow.execute_activity(
                options.activity,
                request,
                start_to_close_timeout=timedelta(seconds=options.start_to_close_seconds),
                retry_policy=RetryPolicy(maximum_attempts=options.maximum_attempts),
                result_type=AgentExecution,
            )
        )


@workflow.defn
class CancellableCallerWorkflow:
    """`TerminalCallerWorkflow` with a choice of watch: ``watch_after_seconds`` below 0 awaits the
    handshake without a watch (``watch_after=None``). For the pushed cancel's tests."""

    @workflow.run
    async def run(self, request: AgentExecution, watch_after_seconds: float) -> AgentExecution:
        return await stigmer_workflow.execute_to_terminal(
            "run_agent",
            request,
            watch_after=(
                None if watch_after_seconds < 0 else timedelta(seconds=watch_after_seconds)
            ),
            # Waits for the service to report the cancellation (the whole loop is observed).
            cancellation_type=workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
            **handshake_activity_options(timedelta(minutes=2)),
        )
