package handshaketest

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// RunAgentActivityName is the handshake activity that [AskAgent] runs and [StartCaller] registers.
const RunAgentActivityName = "RunAgent"

// AskAgent is the smallest caller's workflow: it runs the handshake activity
// [RunAgentActivityName] with handshake.ActivityOptions(time.Minute) and returns the terminal
// execution (handshake.ExecuteToTerminal).
func AskAgent(ctx workflow.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	ctx = workflow.WithActivityOptions(ctx, handshake.ActivityOptions(time.Minute))
	return handshake.ExecuteToTerminal(ctx, handshake.TerminalOptions{}, RunAgentActivityName, req)
}

// StartCaller starts a worker on taskQueue of c that runs [AskAgent] and its handshake activity,
// which creates the execution through agents (handshake.ExecuteAgentAndWaitPending). The caller
// activities (get, watch, cancel) come with c's plugin (handshake.NewPlugin with Stigmer set);
// without one, a service that delivers the terminal execution needs none. Stop the worker when
// done.
func StartCaller(c client.Client, taskQueue string, agents agentexecutionv1.AgentExecutionCommandControllerClient) (worker.Worker, error) {
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(AskAgent)
	w.RegisterActivityWithOptions(func(ctx context.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
		return handshake.ExecuteAgentAndWaitPending(ctx, agents, req, handshake.CreateOptions{})
	}, activity.RegisterOptions{Name: RunAgentActivityName})
	if err := w.Start(); err != nil {
		return nil, err
	}
	return w, nil
}
