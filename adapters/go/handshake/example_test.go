package handshake_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"log"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

func ExampleTokenPreview() {
	token := []byte("a Temporal task token is a bearer credential")
	fmt.Println(handshake.TokenPreview(token))
	fmt.Println(handshake.TokenPreview([]byte("short")))
	fmt.Println(handshake.TokenPreview(nil))
	// Output:
	// YSBUZW1wb3JhbCB0YXNr...
	// c2hv...
	// <empty>
}

func ExampleTokenDigest() {
	// Unlike the preview, the digest tells apart the tokens of one namespace.
	fmt.Println(handshake.TokenDigest([]byte("a Temporal task token is a bearer credential")))
	// Output:
	// d43d2083faf0
}

func ExampleExecutionName() {
	// The metadata.name of an execution whose request has none: the same on every attempt.
	fmt.Println(handshake.ExecutionName(handshake.IdempotencyKey("default", "wf-1", "run-1", "1")))
	// Output:
	// exec-f5fdba99bcea2eb1aa06
}

func ExampleIdempotencyKey() {
	// Every attempt of one activity yields the same key, although each has a new task token.
	fmt.Println(handshake.IdempotencyKey("default", "wf-1", "run-1", "1"))
	// Output:
	// v1:64af68bd1204dce0666305e56cd78a7aebc7043e257ec1a5c5d5a8b171cc1fc6
}

func ExampleActivityOptions() {
	o := handshake.ActivityOptions(30 * time.Minute)
	fmt.Println(o.StartToCloseTimeout, o.RetryPolicy.MaximumAttempts, o.RetryPolicy.NonRetryableErrorTypes)
	fmt.Println(handshake.ActivityOptions(0).StartToCloseTimeout)
	// Output:
	// 1h5m0s 3 [STIGMER_EMPTY_TASK_TOKEN STIGMER_LOCAL_ACTIVITY STIGMER_INVALID_REQUEST]
	// 24h0m0s
}

// Activities of a caller that runs Stigmer agents.
type Activities struct {
	Agents agentexecutionv1.AgentExecutionCommandControllerClient
}

// RunAgent starts the agent and leaves the activity pending; the Stigmer service completes it
// with the final AgentExecution when the agent is done.
func (a *Activities) RunAgent(ctx context.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	// The error is activity.ErrResultPending itself on success: return it unwrapped.
	return handshake.ExecuteAgentAndWaitPending(ctx, a.Agents, req, handshake.CreateOptions{Timeout: 10 * time.Second})
}

// CallerWorkflow waits for the agent without holding a worker slot, and gets the terminal
// execution (its final status and messages).
func CallerWorkflow(ctx workflow.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	ctx = workflow.WithActivityOptions(ctx, handshake.ActivityOptions(30*time.Minute))
	var a *Activities
	return handshake.ExecuteToTerminal(ctx, handshake.TerminalOptions{}, a.RunAgent, req)
}

// The caller side: a worker with a handshake activity and the get-execution activity.
func Example_caller() {
	// NewDataConverter decodes every completion a Stigmer service sends.
	c, err := client.Dial(client.Options{HostPort: "localhost:7233", DataConverter: handshake.NewDataConverter()})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	conn, err := handshake.NewConn("stigmer.example:443", handshake.ConnOptions{TLS: &tls.Config{}, APIKey: "my-key"})
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	w := worker.New(c, "my-queue", worker.Options{})
	w.RegisterWorkflow(CallerWorkflow)
	w.RegisterActivity(&Activities{Agents: agentexecutionv1.NewAgentExecutionCommandControllerClient(conn)})
	handshake.NewCallerActivities(conn).Register(w)
	if err := w.Run(worker.InterruptCh()); err != nil {
		log.Fatal(err)
	}
}

// InvokeAgentWorkflow stands for the service's workflow that runs an execution and then completes
// the caller through the system activity.
func InvokeAgentWorkflow(ctx workflow.Context, execution *agentexecutionv1.AgentExecution) error {
	token := execution.GetSpec().GetCallbackToken()
	// ... run the agent, producing the final execution ...
	in, err := handshake.ResultInput(token, execution, handshake.InputOptions{ExecutionID: execution.GetMetadata().GetId()})
	if err != nil {
		return err
	}
	// Success path: a completion problem fails this workflow.
	_, err = handshake.CompleteCaller(ctx, in, handshake.CompleteCallerOptions{})
	return err
}

// The service side: complete a caller's activity, directly or from a workflow.
func Example_service() {
	c, err := client.Dial(client.Options{HostPort: "localhost:7233"})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	// From a workflow: register the system activity and the workflow that schedules it.
	w := worker.New(c, "stigmer-service", worker.Options{})
	handshake.RegisterSystemActivities(w, c)
	w.RegisterWorkflow(InvokeAgentWorkflow)

	// Directly, for example from a request handler.
	var token []byte // spec.callback_token of the execution
	in, err := handshake.FailureInput(token, handshake.Failure{
		Type: handshake.FailureTypeAgentExecutionFailed, Message: "agent crashed", NonRetryable: true,
	}, handshake.InputOptions{ExecutionID: "exec-1"})
	if err != nil {
		log.Fatal(err)
	}
	res, err := handshake.CompleteExternalActivity(context.Background(), c, in)
	if err != nil {
		log.Fatal(err) // PERMISSION_DENIED and the like
	}
	switch res.GetOutcome() {
	case sdkv1.CompleteExternalActivityOutcome_COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_TRANSIENT:
		// retry later
	default:
		log.Printf("completion %v: %s", res.GetOutcome(), res.GetMessage())
	}
}
