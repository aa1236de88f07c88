//go:build integration

package tracing_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"

	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshaketest"
	"github.com/stigmer/stigmer-sdk/adapters/go/tracing"
)

// A caller set up with one plugin object (tracing interceptor included) and a traced connection:
// the workflow, its handshake activity and the create call are one trace, whose context reaches
// the Stigmer service in the create's metadata; checked with an in-memory exporter.
func TestTracedHandshakeIsOneTrace(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	server, service := handshaketest.StartForTest(ctx, t, handshaketest.DevServerOptions{}, handshaketest.FakeOptions{})
	conn, err := handshake.NewConn(service.Target(), tracing.ConnOptions(tp, handshake.ConnOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	tracer, err := tracing.NewInterceptor(tp)
	if err != nil {
		t.Fatal(err)
	}
	plugin, err := handshake.NewPlugin(handshake.PluginOptions{Stigmer: conn, Interceptors: []interceptor.Interceptor{tracer}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := server.Dial(client.Options{Plugins: []client.Plugin{plugin}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	run, call, err := service.AskAgentOnce(ctx, c, "traced", conn)
	if err != nil {
		t.Fatal(err)
	}

	spans := exporter.GetSpans()
	byName := map[string]tracetest.SpanStub{}
	for _, s := range spans {
		// One span each: the plugin's interceptors run once (a client interceptor that is also a
		// worker interceptor reaches the workers without being listed again).
		if _, twice := byName[s.Name]; twice {
			t.Errorf("span %s recorded twice", s.Name)
		}
		byName[s.Name] = s
	}
	start, ok := byName["StartWorkflow:AskAgent"]
	if !ok {
		t.Fatalf("no StartWorkflow:AskAgent span among %d", len(spans))
	}
	traceID := start.SpanContext.TraceID()
	var createSpan bool
	for _, want := range []string{"RunWorkflow:AskAgent", "StartActivity:RunAgent", "RunActivity:RunAgent"} {
		s, ok := byName[want]
		if !ok || s.SpanContext.TraceID() != traceID {
			t.Errorf("span %s missing or in another trace (found: %v)", want, ok)
		}
	}
	for _, s := range spans {
		if strings.HasSuffix(strings.ToLower(s.Name), "agentexecutioncommandcontroller/create") {
			createSpan = true
			if s.SpanContext.TraceID() != traceID {
				t.Errorf("the create call's span %s is in another trace", s.Name)
			}
		}
	}
	if !createSpan {
		t.Error("no client span for the create call")
	}
	// The workflow records the resumption under its RunWorkflow span, with the contract's attributes.
	resumed, ok := byName[handshake.ResumedSpanName]
	if !ok {
		t.Fatalf("no %s span", handshake.ResumedSpanName)
	}
	if resumed.Parent.SpanID() != byName["RunWorkflow:AskAgent"].SpanContext.SpanID() || resumed.SpanContext.TraceID() != traceID {
		t.Errorf("%s is not a child of RunWorkflow:AskAgent in the trace", resumed.Name)
	}
	if resumed.SpanKind != trace.SpanKindInternal {
		t.Errorf("%s has kind %v", resumed.Name, resumed.SpanKind)
	}
	got := map[string]string{}
	for _, a := range resumed.Attributes {
		got[string(a.Key)] = a.Value.Emit()
	}
	want := map[string]string{"temporalWorkflowID": run.GetID(), "temporalRunID": run.GetRunID(), "outcome": "completed"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s attributes = %v, want %v", resumed.Name, got, want)
	}
	// The service receives the trace context with the create.
	traceparent := call.Metadata.Get("traceparent")
	if len(traceparent) != 1 || !strings.Contains(traceparent[0], traceID.String()) {
		t.Errorf("the create carried traceparent %v, want one of trace %s", traceparent, traceID)
	}
}
