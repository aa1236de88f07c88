// Command go-any-caller runs one token handshake the way Stigmer's own Go workflow runner does
// and prints what its workflow got, as one JSON line.
//
// Its activity creates an AgentExecution over plain gRPC exactly as the runner's
// CallAgentActivity does (name "<agent>-execution-<unix seconds>", runtime_env, the task token in
// spec.callback_token, no idempotency key, no session, no result-encoding annotation) and returns
// activity.ErrResultPending. Its workflow decodes the activity result into `any`, as the
// runner's task_builder_call_agent.go does, and reads the agent's last message from the map.
// No generated code is linked: the request is written with protowire, so this caller depends on
// nothing of the SDK.
//
// Usage: go-any-caller -temporal HOST:PORT -service HOST:PORT -agent ID -message TEXT
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protowire"
)

const createMethod = "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/create"

// Request is the workflow's input.
type Request struct {
	Service string
	Agent   string
	Message string
}

// Outcome is what the workflow got, printed as JSON.
type Outcome struct {
	// ResultType is the Go type the `any` result decoded into.
	ResultType string `json:"result_type"`
	Phase      any    `json:"phase"`
	Reply      string `json:"reply"`
}

// CallAgentWorkflow runs CallAgentActivity and decodes its result into `any`.
func CallAgentWorkflow(ctx workflow.Context, request Request) (Outcome, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var res any
	if err := workflow.ExecuteActivity(ctx, CallAgentActivity, request).Get(ctx, &res); err != nil {
		return Outcome{}, err
	}
	outcome := Outcome{ResultType: fmt.Sprintf("%T", res)}
	execution, ok := res.(map[string]any)
	if !ok {
		return outcome, nil
	}
	status, _ := execution["status"].(map[string]any)
	outcome.Phase = status["phase"]
	messages, _ := status["messages"].([]any)
	if len(messages) > 0 {
		last, _ := messages[len(messages)-1].(map[string]any)
		outcome.Reply, _ = last["content"].(string)
	}
	return outcome, nil
}

// rawCodec sends and receives already-serialized protobuf messages.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *v.(*[]byte), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*v.(*[]byte) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

func appendString(b []byte, number protowire.Number, value string) []byte {
	b = protowire.AppendTag(b, number, protowire.BytesType)
	return protowire.AppendString(b, value)
}

func appendMessage(b []byte, number protowire.Number, message []byte) []byte {
	b = protowire.AppendTag(b, number, protowire.BytesType)
	return protowire.AppendBytes(b, message)
}

// agentExecution is the AgentExecution CallAgentActivity creates (proto/ field numbers).
func agentExecution(agent, message string, token []byte) []byte {
	var metadata []byte // ApiResourceMetadata
	metadata = appendString(metadata, 1, fmt.Sprintf("%s-execution-%d", agent, time.Now().Unix()))
	var value []byte // ExecutionValue{value, is_secret: false}
	value = appendString(value, 1, "conformance")
	var entry []byte // runtime_env map entry
	entry = appendString(entry, 1, "STIGMER_CALLER")
	entry = appendMessage(entry, 2, value)
	var spec []byte // AgentExecutionSpec
	spec = appendString(spec, 2, agent)
	spec = appendString(spec, 3, message)
	spec = appendMessage(spec, 5, entry)
	spec = protowire.AppendTag(spec, 6, protowire.BytesType)
	spec = protowire.AppendBytes(spec, token)
	var execution []byte
	execution = appendString(execution, 1, "agentic.stigmer.ai/v1")
	execution = appendString(execution, 2, "AgentExecution")
	execution = appendMessage(execution, 3, metadata)
	execution = appendMessage(execution, 4, spec)
	return execution
}

// CallAgentActivity creates the execution with this activity's task token and returns pending.
func CallAgentActivity(ctx context.Context, request Request) (any, error) {
	conn, err := grpc.NewClient(request.Service, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", request.Service, err)
	}
	defer conn.Close()
	created := agentExecution(request.Agent, request.Message, activity.GetInfo(ctx).TaskToken)
	var ack []byte
	callCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := conn.Invoke(callCtx, createMethod, &created, &ack, grpc.ForceCodec(rawCodec{})); err != nil {
		return nil, fmt.Errorf("create agent execution failed: %w", err)
	}
	return nil, activity.ErrResultPending
}

func run() error {
	temporalAddress := flag.String("temporal", "127.0.0.1:7233", "Temporal frontend")
	namespace := flag.String("namespace", "default", "Temporal namespace")
	service := flag.String("service", "", "Stigmer service (host:port)")
	agent := flag.String("agent", "", "agent id")
	message := flag.String("message", "hello", "message to the agent")
	flag.Parse()
	if *service == "" || *agent == "" {
		return errors.New("-service and -agent are required")
	}
	// The SDK's log goes to stderr: stdout carries the outcome only.
	logger := log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	c, err := client.Dial(client.Options{HostPort: *temporalAddress, Namespace: *namespace, Logger: logger})
	if err != nil {
		return err
	}
	defer c.Close()
	queue := fmt.Sprintf("go-any-caller-%d", time.Now().UnixNano())
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(CallAgentWorkflow)
	w.RegisterActivity(CallAgentActivity)
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: queue, TaskQueue: queue},
		CallAgentWorkflow, Request{Service: *service, Agent: *agent, Message: *message})
	if err != nil {
		return err
	}
	var outcome Outcome
	if err := run.Get(ctx, &outcome); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(outcome)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "go-any-caller:", err)
		os.Exit(1)
	}
}
