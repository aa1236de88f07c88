"""Worker set-up helpers.

`stigmer_sdk.plugin.StigmerPlugin` does all of this worker set-up, and more, in one object.

Temporal's workflow sandbox re-imports workflow modules for isolation. Protobuf classes must not
be re-imported (the sandbox's copy would not be the class the data converter creates), so
workflows that use Stigmer messages need ``stigmer_sdk`` and ``google.protobuf`` passed through.
`sandboxed_workflow_runner` does that.

Example:
    ```python
    worker = Worker(
        client,
        task_queue="my-queue",
        workflows=[MyWorkflow],
        activities=[run_agent, *SystemActivities(client).activities()],
        workflow_runner=sandboxed_workflow_runner(),
    )
    ```
"""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

#: Modules the sandbox must pass through for Stigmer workflows.
PASSTHROUGH_MODULES = ("stigmer_sdk", "google.protobuf", "grpc")


def sandboxed_workflow_runner(*extra_passthrough: str) -> SandboxedWorkflowRunner:
    """The default sandbox, with `PASSTHROUGH_MODULES` and ``extra_passthrough`` passed
    through."""
    restrictions = SandboxRestrictions.default.with_passthrough_modules(
        *PASSTHROUGH_MODULES, *extra_passthrough
    )
    return SandboxedWorkflowRunner(restrictions=restrictions)
