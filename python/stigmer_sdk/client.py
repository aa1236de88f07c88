"""``StigmerClient``: a typed asyncio client for the Stigmer execution API.

One client holds one ``grpc.aio`` channel and serves the agent and workflow command and query
controllers. Every call has a deadline, retries UNAVAILABLE (and only UNAVAILABLE) with
exponential backoff, and turns error statuses into typed :mod:`stigmer_sdk.errors` exceptions.

Example::

    async def main() -> None:
        async with await StigmerClient.connect("localhost:7234") as client:
            ack = await client.create(AgentExecution(spec=AgentExecutionSpec(
                agent_id="support-bot", message="Summarise ticket 42")))
            print(ack.metadata.id)
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from types import TracebackType
from typing import Any, TypeVar, overload

import grpc
import grpc.aio

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
AUTHORIZATION_METADATA_KEY = "authorization"


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
    """Backoff for calls that fail with UNAVAILABLE. Other codes are never retried here."""

    max_attempts: int = 4
    initial_backoff: timedelta = timedelta(milliseconds=100)
    max_backoff: timedelta = timedelta(seconds=5)
    multiplier: float = 2.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1-based), with full jitter."""
        ceiling = min(
            self.max_backoff.total_seconds(),
            self.initial_backoff.total_seconds() * self.multiplier ** (retry - 1),
        )
        return random.uniform(0, ceiling)


#: Retries disabled: one attempt only.
NO_RETRY = RetryConfig(max_attempts=1)


@dataclass(frozen=True)
class ClientOptions:
    """Connection options of a :class:`StigmerClient`."""

    #: ``True`` for TLS with system roots, or a :class:`TLSConfig`; ``False`` for plaintext.
    tls: bool | TLSConfig = False
    #: Default deadline of each call; a call may pass its own ``timeout``.
    default_timeout: timedelta = timedelta(seconds=30)
    #: Metadata sent with every call, such as tenant headers.
    metadata: Mapping[str, str] = field(default_factory=dict)
    #: Sent as ``authorization: Bearer <api_key>``.
    api_key: str | None = None
    retry: RetryConfig = field(default_factory=RetryConfig)
    #: Extra gRPC channel options.
    channel_options: Sequence[tuple[str, int | str]] = ()


class StigmerClient:
    """Typed asyncio client for the agent and workflow execution controllers.

    Create it with :meth:`connect` (or wrap an existing channel with the constructor) and close it
    with :meth:`close` or ``async with``.
    """

    def __init__(self, channel: grpc.aio.Channel, options: ClientOptions | None = None) -> None:
        """Wrap an open channel. The client closes it in :meth:`close`."""
        self._channel = channel
        self._options = options or ClientOptions()
        self._agent_command = agent_command.AgentExecutionCommandControllerStub(channel)
        self._agent_query = agent_query.AgentExecutionQueryControllerStub(channel)
        self._workflow_command = workflow_command.WorkflowExecutionCommandControllerStub(channel)
        self._workflow_query = workflow_query.WorkflowExecutionQueryControllerStub(channel)

    @classmethod
    async def connect(cls, target: str, options: ClientOptions | None = None) -> StigmerClient:
        """Open a channel to ``target`` (``host:port``).

        The channel connects lazily; the first call reports an unreachable service as
        :class:`~stigmer_sdk.errors.UnavailableError` after its retries.
        """
        options = options or ClientOptions()
        channel_options = [*options.channel_options]
        if isinstance(options.tls, TLSConfig) and options.tls.server_name_override:
            channel_options.append(
                ("grpc.ssl_target_name_override", options.tls.server_name_override)
            )
        if options.tls:
            tls = options.tls if isinstance(options.tls, TLSConfig) else TLSConfig()
            channel = grpc.aio.secure_channel(target, tls.credentials(), options=channel_options)
        else:
            channel = grpc.aio.insecure_channel(target, options=channel_options)
        return cls(channel, options)

    @property
    def options(self) -> ClientOptions:
        """The options this client was created with."""
        return self._options

    async def close(self) -> None:
        """Close the channel; calls in flight are cancelled."""
        await self._channel.close()

    async def __aenter__(self) -> StigmerClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
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
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + deadline_seconds
        call_metadata = self._metadata(metadata, idempotency_key)
        retry = self._options.retry
        attempt = 1
        while True:
            remaining = give_up_at - loop.time()
            try:
                return await call(request, timeout=max(remaining, 0.001), metadata=call_metadata)
            except grpc.RpcError as error:
                translated = StigmerRPCError.from_grpc_error(error)
                pause = retry.backoff(attempt)
                if (
                    translated.code != grpc.StatusCode.UNAVAILABLE
                    or attempt >= retry.max_attempts
                    or loop.time() + pause >= give_up_at
                ):
                    raise translated from None
            await asyncio.sleep(pause)
            attempt += 1

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
        execution: agent_api.AgentExecution | workflow_api.WorkflowExecution,
        *,
        idempotency_key: str | None = None,
        timeout: timedelta | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> agent_api.AgentExecution | workflow_api.WorkflowExecution:
        """Create an agent or workflow execution and return the service's ACK.

        Args:
            execution: the execution to create; its type picks the controller.
            idempotency_key: sent as ``stigmer-idempotency-key`` metadata; a repeated key returns
                the existing execution (see :mod:`stigmer_sdk.idempotency`).
            timeout: deadline for the call, retries included.
            metadata: extra call metadata.

        Raises:
            StigmerRPCError: a subclass chosen by status code, such as
                :class:`~stigmer_sdk.errors.InvalidArgumentError` with field violations.
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
        """Fetch one agent execution; :class:`~stigmer_sdk.errors.NotFoundError` if unknown."""
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
        """Fetch one workflow execution; :class:`~stigmer_sdk.errors.NotFoundError` if unknown."""
        return await self._unary(
            self._workflow_query.get,
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
            raise StigmerRPCError.from_grpc_error(error) from None

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
