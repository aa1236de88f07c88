package handshake_test

import (
	"time"

	"go.temporal.io/sdk/workflow"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
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
