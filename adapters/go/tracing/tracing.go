// Package tracing traces the Stigmer handshake with OpenTelemetry: one trace from the caller's
// workflow through its handshake activity and the create call into the Stigmer service (which
// continues it when it is traced too), and on to the caller's resumption. It is a Go module of
// its own, so that the core module does not depend on OpenTelemetry.
//
//   - [NewInterceptor] is Temporal's OpenTelemetry interceptor (go.temporal.io/sdk/contrib/opentelemetry):
//     spans for starting and running workflows and activities, the context carried in Temporal
//     headers. Give it to [handshake.PluginOptions].Interceptors.
//     It also records the span [handshake.ResumedSpanName] in the caller's workflow when the
//     handshake activity resolves ([handshake.ExecuteToTerminal], [handshake.ObserveHandshake]),
//     as the Python and Java SDKs do.
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
	"context"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"

	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
	"github.com/stigmer/stigmer-sdk/adapters/go/internal/tracehook"
)

// TracerName is the name of the tracer (instrumentation scope) of the SDK's spans, as in the
// Python SDK.
const TracerName = contract.TracingTracerName

// propagator carries the trace context in W3C traceparent (and baggage), as the Python SDK and
// the reference service expect.
var propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// NewInterceptor returns Temporal's OpenTelemetry tracing interceptor on tp (nil: the global
// tracer provider), carrying the context with W3C trace context, which also records the span
// [handshake.ResumedSpanName] in the caller's workflow.
func NewInterceptor(tp trace.TracerProvider) (interceptor.Interceptor, error) {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	tracer := tp.Tracer(TracerName)
	temporalTracing, err := opentelemetry.NewTracingInterceptor(opentelemetry.TracerOptions{
		Tracer:            tracer,
		TextMapPropagator: propagator,
	})
	if err != nil {
		return nil, err
	}
	return &stigmerInterceptor{Interceptor: temporalTracing, tracer: tracer}, nil
}

// stigmerInterceptor is Temporal's tracing interceptor whose workflows also carry the recorder
// of the SDK's workflow spans.
type stigmerInterceptor struct {
	interceptor.Interceptor
	tracer trace.Tracer
}

func (i *stigmerInterceptor) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	inbound := &spanRecorderInbound{tracer: i.tracer}
	// Ours runs first: the context it passes on gets Temporal's RunWorkflow span next.
	inbound.Next = i.Interceptor.InterceptWorkflow(ctx, next)
	return inbound
}

type spanRecorderInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	tracer trace.Tracer
}

func (r *spanRecorderInbound) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	return r.Next.ExecuteWorkflow(tracehook.With(ctx, r.record), in)
}

// record records a span without duration at the current workflow time, under the workflow's
// RunWorkflow span; nothing during a replay (the first run recorded it) or without that span.
func (r *spanRecorderInbound) record(ctx workflow.Context, name string, attributes map[string]string) {
	if workflow.IsReplaying(ctx) {
		return
	}
	parent, ok := opentelemetry.SpanFromWorkflowContext(ctx)
	if !ok {
		return
	}
	attrs := make([]attribute.KeyValue, 0, len(attributes))
	for k, v := range attributes {
		attrs = append(attrs, attribute.String(k, v))
	}
	now := workflow.Now(ctx)
	_, span := r.tracer.Start(trace.ContextWithSpanContext(context.Background(), parent.SpanContext()), name,
		trace.WithTimestamp(now), trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...))
	span.End(trace.WithTimestamp(now))
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
