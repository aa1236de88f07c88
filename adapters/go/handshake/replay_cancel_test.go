package handshake_test

import (
	"testing"
	"time"

	"go.temporal.io/sdk/workflow"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// Callers cancelled while their handshake was pending, recorded on a dev server with main's SDK
// before the pushed cancel (issue 25): one before its watch started, one while it ran. They must
// replay on this SDK (no cancel activity, no opt-out annotation: the stigmer/cancel-execution
// version is absent from their histories).
func cancelledUnwatchedCaller(ctx workflow.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	ao := handshake.ActivityOptions(time.Minute)
	ao.RetryPolicy.MaximumAttempts = 1
	return handshake.ExecuteToTerminal(workflow.WithActivityOptions(ctx, ao), handshake.TerminalOptions{WatchAfter: time.Hour}, actRunAgent, req)
}

func cancelledWatchedCaller(ctx workflow.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	ao := handshake.ActivityOptions(time.Minute)
	ao.RetryPolicy.MaximumAttempts = 1
	return handshake.ExecuteToTerminal(workflow.WithActivityOptions(ctx, ao), handshake.TerminalOptions{WatchAfter: 200 * time.Millisecond}, actRunAgent, req)
}

func TestCallersCancelledBeforeThePushedCancelReplay(t *testing.T) {
	for _, file := range []string{
		"testdata/replay/cancelled-unwatched-before-pushed-cancel.json",
		"testdata/replay/cancelled-watched-before-pushed-cancel.json",
	} {
		t.Run(file, func(t *testing.T) {
			r := newReplayer(t)
			r.RegisterWorkflowWithOptions(cancelledUnwatchedCaller, workflow.RegisterOptions{Name: "CancelledUnwatchedCaller"})
			r.RegisterWorkflowWithOptions(cancelledWatchedCaller, workflow.RegisterOptions{Name: "CancelledWatchedCaller"})
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, file); err != nil {
				t.Fatal(err)
			}
		})
	}
}
