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

const wfTerminalCaller = "TerminalCaller"

// terminalCaller is a caller's workflow written with ExecuteToTerminal.
func terminalCaller(ctx workflow.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	ao := handshake.ActivityOptions(time.Minute)
	ao.RetryPolicy.MaximumAttempts = 1
	return handshake.ExecuteToTerminal(workflow.WithActivityOptions(ctx, ao), handshake.TerminalOptions{}, actRunAgent, req)
}
