"""``StigmerClient``: a typed asyncio client for the Stigmer execution API.

One client holds one ``grpc.aio`` channel and serves the agent and workflow command and query
controllers. Every call has a deadline, retries UNAVAILABLE (and only UNAVAILABLE) with
exponential backoff within it, through gRPC's own retry support (a ``retryPolicy`` in the
channel's service config, see `service_config`), and turns error statuses into typed
`stigmer_sdk.errors` exceptions. With ``api_key`` set, every call carries
``authorization: Bearer <key>``.

Example:
    ```python
    async def main() -> None:
        async with await StigmerClient.connect("localhost:7234") as client:
            ack = await client.create(AgentExecution(spec=AgentExecutionSpec(
                agent_id="support-bot", message="Summarise ticket 42")))
            print(ack.metadata.id)
    ```
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar, overload

import grpc
import grpc.aio

from stigmer_sdk import _contract
from stigmer_sdk._execution import Execution
from stigmer_sdk.api.agentic.agentexecution.v1 import api_pb2 as agent_api
from stigmer_sdk.api.agentic.agentexecution.v1 import command_pb2_grpc as agent_command
from stigmer_sdk.api.agentic.agentexecution.v1 import io_pb2 as agent_io
from stigmer_sdk.api.agentic.agentexecution.v1 import query_pb2_grpc as agent_query
from stigmer_sdk.api.agentic.agentexecution.v1 import status_pb2 as agent_status
from stigmer_sdk.api.agentic.workflowexecution.v1 import api_pb2 as workflow_api
from stigmer_sdk.api.agentic.workflowexecution.v1 import command_pb2_grpc as workflow_command
from stigmer_sdk.api.agentic.workflowexecution.v1 import io_pb2 as workflow_io
from stigmer_sdk.api.agentic.workflowexecution.v1 import query_pb2_grpc as workflow_query
from stigmer_sdk.api.agentic.workflowexecution.v1 import status_pb2 as workflow_status
from stigmer_sdk.errors import StigmerRPCError
from stigmer_sdk.idempotency import IDEMPOTENCY_METADATA_KEY

_T = TypeVar("_T")

#: Metadata key for the API key, sent as ``authorization: Bearer <key>``.
AUTHORIZATION_METADATA_KEY = _contract.HEADER_AUTHORIZATION

#: The services a client calls; the retry policy applies to each of their methods.
SERVICES = (
    "ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController",
    "ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryController",
    "ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController",
    "ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryController",
)
#: gRPC's cap on ``retryPolicy.maxAttempts``: larger values are treated as 5.
GRPC_MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class TLSConfig:
    """TLS, and mutual TLS when a client certificate is given.

    All fields are PEM bytes. With no ``server_root_ca_cert`` the system roots are used.
    """

    server_root_ca_cert: bytes | None = None
    client_cert: bytes | None = None
    client_private_key: bytes | None = None
    #: Overrides the name the server certificate must carry (for tests and private CAs).
    server_name_override: str | None = None

    def __post_init__(self) -> None:
        if (self.client_cert is None) != (self.client_private_key is None):
            raise ValueError("mTLS needs both client_cert and client_private_key")

    def credentials(self) -> grpc.ChannelCredentials:
        """The gRPC channel credentials for this configuration."""
        return grpc.ssl_channel_credentials(
            root_certificates=self.server_root_ca_cert,
            private_key=self.client_private_key,
            certificate_chain=self.client_cert,
        )


@dataclass(frozen=True)
class RetryConfig:
    """Backoff for calls that fail with UNAVAILABLE. Other codes are never retried here.

    Carried out by gRPC itself (`service_config`), within each call's deadline.
    ``max_attempts`` counts the first attempt; gRPC caps it at 5. With ``wait_for_ready`` (the
    default) a call to a service that cannot be reached waits for it until the deadline, instead
    of failing at once; it then fails with `UnavailableError`.
    """

    max_attempts: int = GRPC_MAX_ATTEMPTS
    initial_backoff: timedelta = timedelta(milliseconds=100)
    max_backoff: timedelta = timedelta(seconds=5)
    multiplier: float = 2.0
    wait_for_ready: bool = True

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.initial_backoff <= timedelta(0) or self.max_backoff <= timedelta(0):
            raise ValueError("backoffs must be positive")
        if self.multiplier <= 0:
            raise ValueError("multiplier must be positive")


#: Retries disabled: one attempt only, failing at once when the service is unreachable.
NO_RETRY = RetryConfig(max_attempts=1, wait_for_ready=False)


def _duration(value: timedelta) -> str:
    return f"{value.total_seconds():.9f}s"


def service_config(retry: RetryConfig) -> str:
    """The gRPC service config (JSON) that carries out ``retry`` on every Stigmer method.

    Examples:
        >>> config = json.loads(service_config(RetryConfig()))
        >>> config["methodConfig"][0]["retryPolicy"]["maxAttempts"]
        5
        >>> config["methodConfig"][0]["retryPolicy"]["retryableStatusCodes"]
        ['UNAVAILABLE']
    """
    method: dict[str, Any] = {
        "name": [{"service": service} for service in SERVICES],
        "waitForReady": retry.wait_for_ready,
    }
    if retry.max_attempts > 1:
        method["retryPolicy"] = {
            "maxAttempts": min(retry.max_attempts, GRPC_MAX_ATTEMPTS),
            "initialBackoff": _duration(retry.initial_backoff),
            "maxBackoff": _duration(retry.max_backoff),
            "backoffMultiplier": retry.multiplier,
            "retryableStatusCodes": ["UNAVAILABLE"],
        }
    return json.dumps({"methodConfig": [method]})


@dataclass(frozen=True)
class ClientOptions:
    """Connection options of a `StigmerClient`."""

    #: ``True`` for TLS with system roots, or a `TLSConfig`; ``False`` for plaintext.
    tls: bool | TLSConfig = False
    #: Default deadline of each call; a call may pass its own ``timeout``.
    default_timeout: timedelta = timedelta(seconds=30)
    #: Metadata sent with every call, such as tenant headers.
    metadata: Mapping[str, str] = field(default_factory=dict)
    #: Sent as ``authorization: Bearer <api_key>``.
    api_key: str | None = None
    retry: RetryConfig = field(default_factory=RetryConfig)
    #: How long ``connect`` waits for the service to answer before it fails with
    #: ``UnavailableError`` naming the address; ``None`` connects lazily (the first call waits,
    #: for a service that may start later).
    connect_timeout: timedelta | None = timedelta(seconds=5)
    #: Extra gRPC channel options.
    channel_options: Sequence[tuple[str, int | str]] = ()


async def _wait_until_ready(channel: grpc.aio.Channel, target: str, timeout: timedelta) -> None:
    """Wait for ``channel`` to connect; close it and raise ``UnavailableError`` if it does not."""
    try:
        await asyncio.wait_for(channel.channel_ready(), timeout.total_seconds())
    except TimeoutError:
        await channel.close()
        raise StigmerRPCError.for_code(
            grpc.StatusCode.UNAVAILABLE,
            f"no Stigmer service answered at {target} within {timeout.total_seconds():g} s "
            "(nothing listening there, or the TLS handshake failed): is it running there, with "
            "these TLS settings? (`stigmer-sdk serve --dev` starts one on localhost:7234; "
            "ClientOptions(connect_timeout=None) connects lazily instead)",
        ) from None


class StigmerClient:
    """Typed asyncio client for the agent and workflow execution controllers.

    Create it with `connect` (or wrap an existing channel with the constructor) and close it
    with `close` or ``async with``.
    """

    def __init__(
        self,
        channel: grpc.aio.Channel,
        options: ClientOptions | None = None,
        *,
        target: str | None = None,
    ) -> None:
        """Wrap an open channel. The client closes it in `close`.

        Retries are the channel's: `connect` configures them (`service_config`); a
        channel opened elsewhere retries only if given that service config. ``target`` (the
        channel's address) goes into the message of every UNAVAILABLE error.
        """
        self._channel = channel
        self._options = options or ClientOptions()
        self._target = target
        self._agent_command = agent_command.AgentExecutionCommandControllerStub(channel)
        self._agent_query = agent_query.AgentExecutionQueryControllerStub(channel)
        self._workflow_command = workflow_command.WorkflowExecutionCommandControllerStub(channel)
        self._workflow_query = workflow_query.WorkflowExecutionQueryControllerStub(channel)

    @classmethod
    async def connect(cls, target: str, options: ClientOptions | None = None) -> StigmerClient:
        """Open a channel to ``target`` (``host:port``) and check that the service answers.

        Waits at most ``options.connect_timeout`` (5 s by default) for the connection; an
        unreachable service fails with `UnavailableError` naming
        ``target``. With ``connect_timeout=None`` the channel connects lazily instead, and the
        first call reports an unreachable service after its retries.

        Raises:
            UnavailableError: no service answered at ``target`` within ``connect_timeout``.
        """
        options = options or ClientOptions()
        channel_options = [*options.channel_options]
        if not any(name == "grpc.service_config" for name, _ in channel_options):
            channel_options.append(("grpc.service_config", service_config(options.retry)))
            channel_options.append(("grpc.enable_retries", 1))
        if isinstance(options.tls, TLSConfig) and options.tls.server_name_override:
            channel_options.append(
                ("grpc.ssl_target_name_override", options.tls.server_name_override)
            )
        if options.tls:
            tls = options.tls if isinstance(options.tls, TLSConfig) else TLSConfig()
            channel = grpc.aio.secure_channel(target, tls.credentials(), options=channel_options)
        else:
            channel = grpc.aio.insecure_channel(target, options=channel_options)
        if options.connect_timeout is not None:
            await _wait_until_ready(channel, target, options.connect_timeout)
        return cls(channel, options, target=target)

    @property
    def options(self) -> ClientOptions:
        """The options this client was created with."""
        return self._options

    async def close(self) -> None:
        """Close the channel; calls in flight are cancelled."""
        await self._channel.close()

    async def __aenter__(self) -> StigmerClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- calls ---------------------------------------------------------------------------------

    def _metadata(
        self, extra: Mapping[str, str] | None, idempotency_key: str | None
    ) -> list[tuple[str, str]]:
        metadata = dict(self._options.metadata)
        if self._options.api_key:
            metadata[AUTHORIZATION_METADATA_KEY] = f"Bearer {self._options.api_key}"
        metadata.update(extra or {})
        if idempotency_key:
            metadata[IDEMPOTENCY_METADATA_KEY] = idempotency_key
        return list(metadata.items())

    async def _unary(
        self,
        call: Callable[..., Awaitable[_T]],
        request: object,
        *,
        timeout: timedelta | None,
        metadata: Mapping[str, str] | None,
        idempotency_key: str | None = None,
    ) -> _T:
        deadline_seconds = (timeout or self._options.default_timeout).total_seconds()
        try:
            return await call(
                request,
                timeout=deadline_seconds,
                metadata=self._metadata(metadata, idempotency_key),
            )
        except grpc.RpcError as error:
            raise self._translate(error) from None

    def _translate(self, error: grpc.RpcError) -> StigmerRPCError:
        """The typed error; a deadline spent waiting for an unreachable service is UNAVAILABLE.

        An UNAVAILABLE error names the address it could not reach.
        """
        translated = StigmerRPCError.from_grpc_error(error)
        if (
            translated.code == grpc.StatusCode.DEADLINE_EXCEEDED
            and self._options.retry.wait_for_ready
            and self._channel.get_state() != grpc.ChannelConnectivity.READY
        ):
            translated = StigmerRPCError.for_code(
                grpc.StatusCode.UNAVAILABLE,
                f"the service could not be reached within the deadline ({translated.message})",
            )
        if translated.code == grpc.StatusCode.UNAVAILABLE and self._target:
            return StigmerRPCError.for_code(
                translated.code,
                f"{translated.message} (target {self._target})",
                translated.field_violations,
                reason=translated.reason,
            )
        return translated

    @overload
    async def create(
        self,
        execution: agent_api.AgentExecution,
        *,
        idempotency_key: str | None = None,
        timeout: timedelta | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> agent_api.AgentExecution: ...

    @overload
    async def create(
        self,
        execution: workflow_api.WorkflowExecution,
        *,
        idempotency_key: str | None = None,
        timeout: timedelta | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> workflow_api.WorkflowExecution: ...

    async def create(
        self,
        execution: Execution,
        *,
        idempotency_key: str | None = None,
        timeout: timedelta | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> Execution:
        """Create an agent or workflow execution and return the service's ACK.

        Args:
            execution: the execution to create; its type picks the controller.
            idempotency_key: sent as ``stigmer-idempotency-key`` metadata; a repeated key returns
                the existing execution (see `stigmer_sdk.idempotency`).
            timeout: deadline for the call, retries included.
            metadata: extra call metadata.

        Raises:
            StigmerRPCError: a subclass chosen by status code, such as
                `InvalidArgumentError` with field violations.
        """
        if isinstance(execution, agent_api.AgentExecution):
            return await self._unary(
                self._agent_command.create,
                execution,
                timeout=timeout,
                metadata=metadata,
                idempotency_key=idempotency_key,
            )
        if isinstance(execution, workflow_api.WorkflowExecution):
            return await self._unary(
                self._workflow_command.create,
                execution,
                timeout=timeout,
                metadata=metadata,
                idempotency_key=idempotency_key,
            )
        raise TypeError(f"expected AgentExecution or WorkflowExecution, got {type(execution)}")

    async def get_agent_execution(
        self,
        execution_id: str,
        *,
        timeout: timedelta | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> agent_api.AgentExecution:
        """Fetch one agent execution; `NotFoundError` if unknown."""
        return await self._unary(
            self._agent_query.get,
            agent_io.AgentExecutionId(value=execution_id),
            timeout=timeout,
            metadata=metadata,
        )

    async def get_workflow_execution(
        self,
        execution_id: str,
        *,
        timeout: timedelta | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> workflow_api.WorkflowExecution:
        """Fetch one workflow execution; `NotFoundError` if unknown."""
        return await self._unary(
            self._workflow_query.get,
            workflow_io.WorkflowExecutionId(value=execution_id),
            timeout=timeout,
            metadata=metadata,
        )

    async def cancel_agent_execution(
        self,
        execution_id: str,
        *,
        timeout: timedelta | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> agent_api.AgentExecution:
        """Ask the service to stop an agent execution the caller created; the execution as it
        is now (a terminal one unchanged). It ends CANCELLED once its run has stopped.

        `NotFoundError` for an unknown execution or another principal's; the deployed Stigmer
        service answers `UnimplementedError`.
        """
        return await self._unary(
            self._agent_command.cancel,
            agent_io.AgentExecutionId(value=execution_id),
            timeout=timeout,
            metadata=metadata,
        )

    async def cancel_workflow_execution(
        self,
        execution_id: str,
        *,
        timeout: timedelta | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> workflow_api.WorkflowExecution:
        """`cancel_agent_execution` for a workflow execution."""
        return await self._unary(
            self._workflow_command.cancel,
            workflow_io.WorkflowExecutionId(value=execution_id),
            timeout=timeout,
            metadata=metadata,
        )

    async def update_agent_execution_status(
        self,
        execution_id: str,
        status: agent_status.AgentExecutionStatus,
        *,
        timeout: timedelta | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> agent_api.AgentExecution:
        """Replace the status of an agent execution (used by agent runtimes)."""
        return await self._unary(
            self._agent_command.updateStatus,
            agent_io.AgentExecutionUpdateStatusInput(execution_id=execution_id, status=status),
            timeout=timeout,
            metadata=metadata,
        )

    async def update_workflow_execution_status(
        self,
        execution_id: str,
        status: workflow_status.WorkflowExecutionStatus,
        *,
        timeout: timedelta | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> workflow_api.WorkflowExecution:
        """Replace the status of a workflow execution (used by workflow runtimes)."""
        return await self._unary(
            self._workflow_command.updateStatus,
            workflow_io.WorkflowExecutionUpdateStatusInput(
                execution_id=execution_id, status=status
            ),
            timeout=timeout,
            metadata=metadata,
        )

    async def _stream(
        self,
        call: Callable[..., Any],
        request: object,
        timeout: timedelta | None,
        metadata: Mapping[str, str] | None,
    ) -> AsyncIterator[Any]:
        stream = call(
            request,
            timeout=timeout.total_seconds() if timeout else None,
            metadata=self._metadata(metadata, None),
        )
        try:
            async for update in stream:
                yield update
        except grpc.RpcError as error:
            raise self._translate(error) from None

    async def subscribe_agent_execution(
        self,
        execution_id: str,
        *,
        timeout: timedelta | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> AsyncIterator[agent_api.AgentExecution]:
        """Stream an agent execution: its current state, then each change until it ends.

        ``timeout`` bounds the whole stream (default: none).
        """
        request = agent_io.AgentExecutionId(value=execution_id)
        async for update in self._stream(self._agent_query.subscribe, request, timeout, metadata):
            yield update

    async def subscribe_workflow_execution(
        self,
        execution_id: str,
        *,
        timeout: timedelta | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> AsyncIterator[workflow_api.WorkflowExecution]:
        """Stream a workflow execution: its current state, then each change until it ends."""
        request = workflow_io.WorkflowExecutionId(value=execution_id)
        async for update in self._stream(
            self._workflow_query.subscribe, request, timeout, metadata
        ):
            yield update
