"""The execution model, in one place: kinds, message types, phases, the terminal set, tokens.

An execution is an ``AgentExecution`` or a ``WorkflowExecution``; the two are alike in
everything this module covers. Its kind has one enum, `ExecutionKind`, that says how each
vocabulary spells it: the store's value (``agent``), the resource ``kind`` field
(``AgentExecution``), the SDK proto's ``ai.stigmer.sdk.v1.ExecutionKind`` number, the message
class. Phases are the generated ``ExecutionPhase`` enum (both execution packages number
their phases alike). Used by the SDK (`stigmer_sdk.caller`, `stigmer_sdk.in_workflow`, the test
kit) and the service; imports nothing of either.
"""

from __future__ import annotations

import enum
from typing import Any, TypeVar

from google.protobuf import message

from stigmer_sdk import _contract
from stigmer_sdk.api.agentic.agentexecution.v1 import api_pb2 as agent_api
from stigmer_sdk.api.agentic.agentexecution.v1.enum_pb2 import ExecutionPhase as ExecutionPhase
from stigmer_sdk.api.agentic.workflowexecution.v1 import api_pb2 as workflow_api
from stigmer_sdk.api.sdk.v1 import caller_pb2

#: An execution of either kind.
Execution = agent_api.AgentExecution | workflow_api.WorkflowExecution
#: One execution type throughout a signature (an agent execution in, an agent execution out).
ExecutionT = TypeVar("ExecutionT", agent_api.AgentExecution, workflow_api.WorkflowExecution)
#: The same, for a caller that may hold either (the union itself).
_AnyExecutionT = TypeVar("_AnyExecutionT", bound=Execution)

#: The ``api_version`` of every execution resource.
API_VERSION = _contract.API_VERSION
#: The resource ``kind`` of agent executions.
AGENT_EXECUTION_KIND = _contract.AGENT_EXECUTION_KIND
#: The resource ``kind`` of workflow executions.
WORKFLOW_EXECUTION_KIND = _contract.WORKFLOW_EXECUTION_KIND

#: Phases after which an execution no longer changes.
TERMINAL_PHASES = frozenset(
    {
        ExecutionPhase.EXECUTION_COMPLETED,
        ExecutionPhase.EXECUTION_FAILED,
        ExecutionPhase.EXECUTION_CANCELLED,
    }
)

_AGENT_MESSAGE = agent_api.AgentExecution.DESCRIPTOR.full_name


class ExecutionKind(enum.Enum):
    """Which of the two executions; its value is the store's spelling."""

    AGENT = "agent"
    WORKFLOW = "workflow"

    @property
    def message_type(self) -> type[Execution]:
        """The SDK's proto message of this kind."""
        if self is ExecutionKind.AGENT:
            return agent_api.AgentExecution
        return workflow_api.WorkflowExecution

    @property
    def resource_kind(self) -> str:
        """The resource's ``kind`` field: ``AgentExecution`` or ``WorkflowExecution``."""
        return AGENT_EXECUTION_KIND if self is ExecutionKind.AGENT else WORKFLOW_EXECUTION_KIND

    @property
    def proto(self) -> caller_pb2.ExecutionKind.ValueType:
        """The ``ai.stigmer.sdk.v1.ExecutionKind`` number."""
        if self is ExecutionKind.AGENT:
            return caller_pb2.EXECUTION_KIND_AGENT
        return caller_pb2.EXECUTION_KIND_WORKFLOW

    @classmethod
    def of(cls, execution: message.Message) -> ExecutionKind:
        """The kind of a message, by its full name (so another generated class counts too).

        Examples:
            >>> ExecutionKind.of(agent_api.AgentExecution()).resource_kind
            'AgentExecution'
        """
        return cls.AGENT if execution.DESCRIPTOR.full_name == _AGENT_MESSAGE else cls.WORKFLOW

    @classmethod
    def from_proto(cls, kind: int) -> ExecutionKind:
        """The kind of an ``ai.stigmer.sdk.v1.ExecutionKind`` number (workflow unless agent)."""
        return cls.AGENT if kind == caller_pb2.EXECUTION_KIND_AGENT else cls.WORKFLOW


def is_terminal(execution: Execution) -> bool:
    """Whether the execution's phase is COMPLETED, FAILED or CANCELLED."""
    return execution.status.phase in TERMINAL_PHASES


def set_phase(execution: Execution, phase: int) -> None:
    """Set the phase; both execution packages number their phases alike."""
    status: Any = execution.status
    status.phase = phase


def clear_callback_tokens(execution: _AnyExecutionT) -> _AnyExecutionT:
    """Clear every callback token the execution carries, in place, and return it.

    ``spec.callback_token``, and ``status.callback_token`` of agent executions (the deployed
    Stigmer service keeps one there): a token must not be stored, returned or passed on through
    a workflow's history.
    """
    execution.spec.ClearField("callback_token")
    if ExecutionKind.of(execution) is ExecutionKind.AGENT:
        status: Any = execution.status
        status.ClearField("callback_token")
    return execution
