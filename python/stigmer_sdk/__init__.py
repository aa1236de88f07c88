"""Stigmer SDK: the Temporal token handshake for long-running Stigmer executions.

The caller side (inside a Temporal activity):

- `StigmerClient` talks to the Stigmer execution API;
- `execute_and_wait_pending` sends the activity's task token with the execution and
  returns the activity pending;
- `handshake_activity_options` gives the workflow the documented activity options.

The completion side (in a service, an operator's shell, or a test):

- `complete_external_activity`, `report_external_cancellation` and
  `heartbeat_external_activity` act on a token and return typed outcomes;
- `SystemActivities` is the ``stigmer/system/complete-external-activity`` activity, and
  `stigmer_sdk.in_workflow` schedules it from workflow code.

Decoding results: `data_converter` (Temporal's default data converter with
`StigmerPayloadConverter`) reads every completion shape, including the deployed Stigmer
service's Go-struct ``json/plain``; pass it to ``Client.connect``.

Token tools: `TaskToken`, `token_preview`, `short_token_digest`,
`idempotency_key`, `execution_name`.
Generated protobuf modules live under `stigmer_sdk.api`; the main messages are re-exported.
"""

from __future__ import annotations

from stigmer_sdk.api.agentic.agentexecution.v1.api_pb2 import AgentExecution
from stigmer_sdk.api.agentic.agentexecution.v1.enum_pb2 import ExecutionPhase, MessageType
from stigmer_sdk.api.agentic.agentexecution.v1.spec_pb2 import AgentExecutionSpec, ExecutionConfig
from stigmer_sdk.api.agentic.agentexecution.v1.status_pb2 import (
    AgentExecutionStatus,
    AgentMessage,
)
from stigmer_sdk.api.agentic.executioncontext.v1.execution_value_pb2 import ExecutionValue
from stigmer_sdk.api.agentic.workflowexecution.v1.api_pb2 import WorkflowExecution
from stigmer_sdk.api.agentic.workflowexecution.v1.spec_pb2 import WorkflowExecutionSpec
from stigmer_sdk.api.agentic.workflowexecution.v1.status_pb2 import WorkflowExecutionStatus
from stigmer_sdk.api.commons.apiresource.metadata_pb2 import ApiResourceMetadata
from stigmer_sdk.api.sdk.v1.completion_pb2 import (
    ActivityFailure,
    CompleteExternalActivityInput,
    CompleteExternalActivityResult,
)
from stigmer_sdk.caller import (
    CREATE_FAILED_TYPE,
    EMPTY_TASK_TOKEN_TYPE,
    GET_EXECUTION_ACTIVITY_NAME,
    INVALID_REQUEST_TYPE,
    LOCAL_ACTIVITY_TYPE,
    WATCH_AFTER,
    WATCH_EXECUTION_ACTIVITY_NAME,
    GetExecutionActivity,
    HandshakeActivityOptions,
    execute_and_wait_pending,
    handshake_activity_options,
    start_workflow_and_wait_pending,
)
from stigmer_sdk.client import ClientOptions, RetryConfig, StigmerClient, TLSConfig
from stigmer_sdk.completion import (
    CompletionOutcome,
    CompletionResult,
    HeartbeatOutcome,
    HeartbeatResult,
    PayloadEncoding,
    complete_external_activity,
    heartbeat_external_activity,
    report_external_cancellation,
)
from stigmer_sdk.converter import (
    GoJSONError,
    StigmerPayloadConverter,
    data_converter,
    from_go_json,
    with_stigmer_payloads,
)
from stigmer_sdk.errors import (
    AlreadyExistsError,
    CompletionError,
    DeadlineExceededError,
    EmptyTokenError,
    FailedPreconditionError,
    FieldViolation,
    InternalError,
    InvalidArgumentError,
    MalformedTokenError,
    NotFoundError,
    PermissionDeniedError,
    ResourceExhaustedError,
    StigmerError,
    StigmerRPCError,
    TokenError,
    TokenTooLargeError,
    UnauthenticatedError,
    UnavailableError,
    UnimplementedError,
)
from stigmer_sdk.idempotency import (
    IDEMPOTENCY_ANNOTATION,
    IDEMPOTENCY_METADATA_KEY,
    execution_name,
    idempotency_key,
)
from stigmer_sdk.plugin import StigmerPlugin
from stigmer_sdk.system_activity import SYSTEM_ACTIVITY_NAME, SystemActivities
from stigmer_sdk.tokens import (
    DEFAULT_MAX_TOKEN_BYTES,
    TaskToken,
    TokenInfo,
    short_token_digest,
    token_preview,
)

__version__ = "0.1.0"

__all__ = [
    "CREATE_FAILED_TYPE",
    "DEFAULT_MAX_TOKEN_BYTES",
    "EMPTY_TASK_TOKEN_TYPE",
    "GET_EXECUTION_ACTIVITY_NAME",
    "IDEMPOTENCY_ANNOTATION",
    "IDEMPOTENCY_METADATA_KEY",
    "INVALID_REQUEST_TYPE",
    "LOCAL_ACTIVITY_TYPE",
    "SYSTEM_ACTIVITY_NAME",
    "WATCH_AFTER",
    "WATCH_EXECUTION_ACTIVITY_NAME",
    "ActivityFailure",
    "AgentExecution",
    "AgentExecutionSpec",
    "AgentExecutionStatus",
    "AgentMessage",
    "AlreadyExistsError",
    "ApiResourceMetadata",
    "ClientOptions",
    "CompleteExternalActivityInput",
    "CompleteExternalActivityResult",
    "CompletionError",
    "CompletionOutcome",
    "CompletionResult",
    "DeadlineExceededError",
    "EmptyTokenError",
    "ExecutionConfig",
    "ExecutionPhase",
    "ExecutionValue",
    "FailedPreconditionError",
    "FieldViolation",
    "GetExecutionActivity",
    "GoJSONError",
    "HandshakeActivityOptions",
    "HeartbeatOutcome",
    "HeartbeatResult",
    "InternalError",
    "InvalidArgumentError",
    "MalformedTokenError",
    "MessageType",
    "NotFoundError",
    "PayloadEncoding",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "RetryConfig",
    "StigmerClient",
    "StigmerError",
    "StigmerPayloadConverter",
    "StigmerPlugin",
    "StigmerRPCError",
    "SystemActivities",
    "TLSConfig",
    "TaskToken",
    "TokenError",
    "TokenInfo",
    "TokenTooLargeError",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
    "WorkflowExecution",
    "WorkflowExecutionSpec",
    "WorkflowExecutionStatus",
    "complete_external_activity",
    "data_converter",
    "execute_and_wait_pending",
    "execution_name",
    "from_go_json",
    "handshake_activity_options",
    "heartbeat_external_activity",
    "idempotency_key",
    "report_external_cancellation",
    "short_token_digest",
    "start_workflow_and_wait_pending",
    "token_preview",
    "with_stigmer_payloads",
]
