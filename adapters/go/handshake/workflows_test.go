package handshake_test

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/commons/apiresource"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// Names under which the test workflows and activities are registered.
const (
	wfAgentCaller       = "AgentCaller"
	wfCancellableCaller = "CancellableAgentCaller"
	wfWorkflowCaller    = "WorkflowCaller"
	wfService           = "ServiceWorkflow"
	actRunAgent         = "RunAgent"
	actRunAgentCrash    = "RunAgentCrashAfterCreate"
	actRunWorkflow      = "RunWorkflow"
)

// Caller workflows written with ExecuteToTerminal, registered under these names.
const (
	wfTerminalCaller  = "TerminalCaller"
	wfWatchingCaller  = "WatchingCaller"
	wfUnwatchedCaller = "UnwatchedCaller"
)

var (
	// terminalCaller watches its pending handshake after the default 30 s.
	terminalCaller = terminalCallerWatchingAfter(0)
	// watchingCaller watches its pending handshake after 200 ms.
	watchingCaller = terminalCallerWatchingAfter(200 * time.Millisecond)
	// unwatchedCaller's handshake stays pending without a watch for the whole test.
	unwatchedCaller = terminalCallerWatchingAfter(time.Hour)
)

// terminalCallerWatchingAfter is a caller's workflow: one attempt of the handshake activity
// through ExecuteToTerminal, its pending handshake watched after watchAfter (zero: the default).
func terminalCallerWatchingAfter(watchAfter time.Duration) func(workflow.Context, *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	return func(ctx workflow.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
		ao := handshake.ActivityOptions(time.Minute)
		ao.RetryPolicy.MaximumAttempts = 1
		return handshake.ExecuteToTerminal(workflow.WithActivityOptions(ctx, ao),
			handshake.TerminalOptions{WatchAfter: watchAfter}, actRunAgent, req)
	}
}

const (
	wfInnerCaller = "InnerCaller"
	wfInner       = "InnerWorkflow"
	actAskInner   = "AskInner"
)

// innerCaller runs the inner-workflow shape's activity with mode ("async", "blocking", "env").
func innerCaller(ctx workflow.Context, req *agentexecutionv1.AgentExecution, mode string) (*agentexecutionv1.AgentExecution, error) {
	ao := handshake.ActivityOptions(time.Minute)
	ao.RetryPolicy.MaximumAttempts = 1
	ctx = workflow.WithActivityOptions(ctx, ao)
	var out *agentexecutionv1.AgentExecution
	err := handshake.ObserveHandshake(ctx, workflow.ExecuteActivity(ctx, actAskInner, req, mode), &out)
	return out, err
}

// askInner starts the inner workflow with the token (or, blocking, without) and goes pending.
func askInner(ctx context.Context, req *agentexecutionv1.AgentExecution, mode string) (*agentexecutionv1.AgentExecution, error) {
	opts := handshake.InnerWorkflowOptions{StartWorkflowOptions: client.StartWorkflowOptions{
		ID: "inner-" + activity.GetInfo(ctx).WorkflowExecution.ID, TaskQueue: activity.GetInfo(ctx).TaskQueue,
	}}
	switch mode {
	case "async":
		opts.AsyncCompletion = new(true)
	case "blocking":
		opts.AsyncCompletion = new(false)
	}
	var out *agentexecutionv1.AgentExecution
	err := handshake.StartWorkflowAndWaitPending(ctx, opts, wfInner, req, &out)
	return out, err
}

// innerWorkflow answers with the length of the token it got; a message "fail" fails it.
func innerWorkflow(ctx workflow.Context, req *agentexecutionv1.AgentExecution, token []byte) (*agentexecutionv1.AgentExecution, error) {
	return handshake.CompleteCallerWhenDone(ctx, token, handshake.CompleteCallerOptions{},
		func(ctx workflow.Context) (*agentexecutionv1.AgentExecution, error) {
			if req.GetSpec().GetMessage() == "fail" {
				return nil, temporal.NewNonRetryableApplicationError("the agent failed", handshake.FailureTypeAgentExecutionFailed, nil)
			}
			return &agentexecutionv1.AgentExecution{
				Metadata: &apiresource.ApiResourceMetadata{Id: "inner"},
				Status: &agentexecutionv1.AgentExecutionStatus{
					Phase:    agentexecutionv1.ExecutionPhase_EXECUTION_COMPLETED,
					Messages: []*agentexecutionv1.AgentMessage{{Content: fmt.Sprintf("token of %d bytes", len(token))}},
				},
			}, nil
		})
}
