"""OpenTelemetry tracing of the handshake: one trace from the caller's workflow to its resumption.

Needs the ``[otel]`` extra (``pip install 'stigmer-handshake[otel]'``). With tracing enabled:

- Temporal calls, workflows and activities get spans from temporalio's ``TracingInterceptor``
  (``StartWorkflow:``, ``RunWorkflow:``, ``StartActivity:``, ``RunActivity:``), its context carried
  in Temporal headers;
- gRPC calls get spans from ``opentelemetry-instrumentation-grpc``, which carries the context in
  the call's metadata (``traceparent``): the caller activity's ``create`` links the service's
  handling, and so its invoke workflow, runner and completion, into the caller's trace;
- the caller's workflow records a ``StigmerHandshakeResumed`` span when the handshake activity
  resolves (`stigmer_sdk.metrics.observe_handshake`).

The reference service enables it with ``stigmer-sdk serve --otlp-endpoint`` (or
`configure_otlp`). A caller enables it with `enable_tracing` before it connects its
Temporal client (with ``interceptors=client_interceptors()``) and its `StigmerClient`.

Example:
    ```python
    shutdown = configure_otlp("http://otel-collector:4317", service_name="my-caller")
    client = await Client.connect("temporal:7233", interceptors=client_interceptors())
    stigmer = await StigmerClient.connect("stigmer:7234")  # instrumented channel
    ...
    shutdown()
    ```
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from stigmer_sdk._contract import (
    TRACING_OUTCOME_ATTRIBUTE,
    TRACING_RESUMED_SPAN,
    TRACING_TRACER_NAME,
)

if TYPE_CHECKING:
    import temporalio.client
    from opentelemetry.sdk.trace import TracerProvider

#: The span the caller's workflow records when its handshake activity resolves (the same in the
#: Go and Java SDKs): attributes ``temporalWorkflowID``, ``temporalRunID`` and ``outcome``.
RESUMED_SPAN = TRACING_RESUMED_SPAN

#: The attribute of `RESUMED_SPAN` that holds the outcome (``completed``, ``failed``, ...).
OUTCOME_ATTRIBUTE = TRACING_OUTCOME_ATTRIBUTE

#: Name of the tracer (instrumentation scope) of the SDK's spans.
TRACER_NAME = TRACING_TRACER_NAME

_interceptor: Any = None


def enable_tracing(provider: TracerProvider | None = None) -> Callable[[], None]:
    """Trace gRPC calls (client and server) and Temporal calls with ``provider`` (default: the
    global tracer provider). Call before connecting clients and creating servers.

    Returns the function that undoes it (uninstruments gRPC; later clients get no interceptor).

    Raises:
        ImportError: the ``[otel]`` extra is not installed.
    """
    global _interceptor
    import opentelemetry.trace
    from opentelemetry.instrumentation.grpc import (
        GrpcAioInstrumentorClient,
        GrpcAioInstrumentorServer,
    )
    from temporalio.contrib.opentelemetry import TracingInterceptor

    tracer_provider = provider or opentelemetry.trace.get_tracer_provider()
    instrumentors = (
        GrpcAioInstrumentorClient(),  # type: ignore[no-untyped-call]
        GrpcAioInstrumentorServer(),  # type: ignore[no-untyped-call]
    )
    for instrumentor in instrumentors:
        instrumentor.instrument(tracer_provider=tracer_provider)
    _interceptor = TracingInterceptor(tracer_provider.get_tracer(TRACER_NAME))

    def disable() -> None:
        global _interceptor
        _interceptor = None
        for instrumentor in instrumentors:
            instrumentor.uninstrument()

    return disable


def client_interceptors() -> Sequence[temporalio.client.Interceptor]:
    """The Temporal client interceptors that tracing needs: ``[TracingInterceptor]`` once
    `enable_tracing` ran, else none. They apply to the client's workers too."""
    return [_interceptor] if _interceptor is not None else []


def configure_otlp(endpoint: str, *, service_name: str) -> Callable[[], None]:
    """Export spans over OTLP/gRPC to ``endpoint`` and `enable_tracing` with them.

    Returns the shutdown function (flushes the exporter). Raises ``ImportError`` without the
    ``[otel]`` extra.
    """
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, timeout=5)))
    disable = enable_tracing(provider)

    def shutdown() -> None:
        disable()
        provider.shutdown()

    return shutdown


def workflow_span(name: str, attributes: dict[str, str] | None = None) -> None:
    """Record a completed span in the running workflow, under its ``RunWorkflow`` span.

    Does nothing without the ``[otel]`` extra, or when the worker has no tracing interceptor, or
    during replay.
    """
    try:
        from temporalio.contrib.opentelemetry import TracingWorkflowInboundInterceptor
    except ImportError:
        return
    interceptor = TracingWorkflowInboundInterceptor._from_context()
    if interceptor is not None:
        interceptor._completed_span(name, additional_attributes=attributes)
