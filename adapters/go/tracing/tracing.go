// Package tracing traces the Stigmer handshake with OpenTelemetry: one trace from the caller's
// workflow through its handshake activity and the create call into the Stigmer service (which
// continues it when it is traced too), and on to the caller's resumption. It is a Go module of
// its own, so that the core module does not depend on OpenTelemetry.
//
//   - [NewInterceptor] is Temporal's OpenTelemetry interceptor (go.temporal.io/sdk/contrib/opentelemetry):
//     spans for starting and running workflows and activities, the context carried in Temporal
//     headers. Give it to [handshake.PluginOptions].Interceptors.
//   - [ConnOptions] adds the OpenTelemetry gRPC instrumentation to [handshake.NewConn], so that
//     the create call carries the trace context (traceparent) to the Stigmer service.
//
// For example:
//
//	tp := sdktrace.NewTracerProvider(...)
//	interceptor, err := tracing.NewInterceptor(tp)
//	plugin, err := handshake.NewPlugin(handshake.PluginOptions{Interceptors: []interceptor.Interceptor{interceptor}})
//	conn, err := handshake.NewConn(addr, tracing.ConnOptions(tp, handshake.ConnOptions{APIKey: key}))
package tracing

import (
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
	"google.golang.org/grpc"

	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// TracerName is the name of the tracer (instrumentation scope) of the SDK's spans, as in the
// Python SDK.
const TracerName = "stigmer_sdk"

// propagator carries the trace context in W3C traceparent (and baggage), as the Python SDK and
// the reference service expect.
var propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// NewInterceptor returns Temporal's OpenTelemetry tracing interceptor on tp (nil: the global
// tracer provider), carrying the context with W3C trace context.
func NewInterceptor(tp trace.TracerProvider) (interceptor.Interceptor, error) {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	return opentelemetry.NewTracingInterceptor(opentelemetry.TracerOptions{
		Tracer:            tp.Tracer(TracerName),
		TextMapPropagator: propagator,
	})
}

// ConnOptions returns opts with the OpenTelemetry gRPC client instrumentation on tp (nil: the
// global tracer provider) added to its GRPCOptions: every call of the connection gets a client
// span and sends the trace context in its metadata.
func ConnOptions(tp trace.TracerProvider, opts handshake.ConnOptions) handshake.ConnOptions {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	opts.GRPCOptions = append(append([]grpc.DialOption(nil), opts.GRPCOptions...), grpc.WithStatsHandler(otelgrpc.NewClientHandler(
		otelgrpc.WithTracerProvider(tp), otelgrpc.WithPropagators(propagator))))
	return opts
}
