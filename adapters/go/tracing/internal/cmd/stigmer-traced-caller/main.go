// Command stigmer-traced-caller is the Go side of the cross-language tracing test
// (tests/test_tracing_cross_language.py): a caller set up with one plugin object and this module's
// tracing runs one handshake against a Stigmer service (the Python reference service, traced
// too), then writes every span it recorded, one JSON object a line, for the test to join with the
// service's spans. Spans go to an in-memory exporter, never to a collector.
//
//	stigmer-traced-caller -temporal HOST:PORT -stigmer HOST:PORT -task-queue Q -spans FILE
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	"github.com/stigmer/stigmer-sdk/adapters/go/tracing"
)

// WorkflowName and ActivityName are the names the test finds among the spans.
const (
	WorkflowName = "TracedCaller"
	ActivityName = "RunAgent"
)

func tracedCaller(ctx workflow.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	ctx = workflow.WithActivityOptions(ctx, handshake.ActivityOptions(2*time.Minute))
	return handshake.ExecuteToTerminal(ctx, handshake.TerminalOptions{}, ActivityName, req)
}

// span is one line of the spans file.
type span struct {
	Name         string            `json:"name"`
	TraceID      string            `json:"trace_id"`
	SpanID       string            `json:"span_id"`
	ParentSpanID string            `json:"parent_span_id"`
	Kind         string            `json:"kind"`
	Attributes   map[string]string `json:"attributes"`
}

// result is what the command prints on stdout when the handshake ended.
type result struct {
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
	Phase      string `json:"phase"`
}

func main() {
	temporalAddr := flag.String("temporal", "127.0.0.1:7233", "Temporal frontend")
	namespace := flag.String("namespace", "default", "Temporal namespace")
	stigmerAddr := flag.String("stigmer", "", "Stigmer service")
	taskQueue := flag.String("task-queue", "traced-go", "the caller's task queue")
	agent := flag.String("agent", "quick", "agent id")
	spansPath := flag.String("spans", "", "file to write the spans to (JSON lines)")
	flag.Parse()
	if err := run(*temporalAddr, *namespace, *stigmerAddr, *taskQueue, *agent, *spansPath); err != nil {
		fmt.Fprintln(os.Stderr, "stigmer-traced-caller:", err)
		os.Exit(1)
	}
}

func run(temporalAddr, namespace, stigmerAddr, taskQueue, agent, spansPath string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	conn, err := handshake.NewConn(stigmerAddr, tracing.ConnOptions(tp, handshake.ConnOptions{}))
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	tracer, err := tracing.NewInterceptor(tp)
	if err != nil {
		return err
	}
	plugin, err := handshake.NewPlugin(handshake.PluginOptions{Stigmer: conn, Interceptors: []interceptor.Interceptor{tracer}})
	if err != nil {
		return err
	}
	c, err := client.Dial(client.Options{HostPort: temporalAddr, Namespace: namespace, Plugins: []client.Plugin{plugin}})
	if err != nil {
		return err
	}
	defer c.Close()
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(tracedCaller, workflow.RegisterOptions{Name: WorkflowName})
	agents := agentexecutionv1.NewAgentExecutionCommandControllerClient(conn)
	w.RegisterActivityWithOptions(func(ctx context.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
		return handshake.ExecuteAgentAndWaitPending(ctx, agents, req, handshake.CreateOptions{})
	}, activity.RegisterOptions{Name: ActivityName})
	if err := w.Start(); err != nil {
		return err
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: taskQueue}, WorkflowName,
		&agentexecutionv1.AgentExecution{Spec: &agentexecutionv1.AgentExecutionSpec{AgentId: agent, Message: "traced from Go"}})
	if err != nil {
		w.Stop()
		return err
	}
	var done *agentexecutionv1.AgentExecution
	err = run.Get(ctx, &done)
	// The worker's stop ends the workflow's spans (RunWorkflow ends with the workflow function).
	w.Stop()
	if err != nil {
		return err
	}
	if err := writeSpans(spansPath, exporter.GetSpans()); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(result{run.GetID(), run.GetRunID(), done.GetStatus().GetPhase().String()})
}

func writeSpans(path string, spans tracetest.SpanStubs) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, s := range spans {
		line := span{
			Name:       s.Name,
			TraceID:    s.SpanContext.TraceID().String(),
			SpanID:     s.SpanContext.SpanID().String(),
			Kind:       s.SpanKind.String(),
			Attributes: map[string]string{},
		}
		if s.Parent.IsValid() {
			line.ParentSpanID = s.Parent.SpanID().String()
		}
		for _, a := range s.Attributes {
			line.Attributes[string(a.Key)] = a.Value.Emit()
		}
		if err := enc.Encode(line); err != nil {
			_ = f.Close()
			return err
		}
	}
	return f.Close()
}
