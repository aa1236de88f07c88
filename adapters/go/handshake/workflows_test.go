package handshake_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	workflowexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/workflowexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/commons/apiresource"
	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
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

// agentCaller is a caller's workflow: one handshake activity with the contract's options, sped up
// for tests (initial retry interval 100 ms) and with maxAttempts when positive.
func agentCaller(ctx workflow.Context, req *agentexecutionv1.AgentExecution, maxAttempts int32, activityName string) (*agentexecutionv1.AgentExecution, error) {
	ao := handshake.ActivityOptions(time.Minute)
	ao.RetryPolicy.InitialInterval = 100 * time.Millisecond
	if maxAttempts > 0 {
		ao.RetryPolicy.MaximumAttempts = maxAttempts
	}
	var out *agentexecutionv1.AgentExecution
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, ao), activityName, req).Get(ctx, &out)
	return out, err
}

// cancellableCaller waits for the activity's cancellation and returns the execution delivered as
// the first cancellation detail.
func cancellableCaller(ctx workflow.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	ao := handshake.ActivityOptions(time.Minute)
	ao.WaitForCancellation = true
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, ao), actRunAgent, req).Get(ctx, nil)
	var canceled *temporal.CanceledError
	if !errors.As(err, &canceled) {
		return nil, fmt.Errorf("activity ended without cancellation: %v", err)
	}
	var detail *agentexecutionv1.AgentExecution
	if err := canceled.Details(&detail); err != nil {
		return nil, fmt.Errorf("decoding cancellation details: %w", err)
	}
	return detail, nil
}

func workflowCaller(ctx workflow.Context, req *workflowexecutionv1.WorkflowExecution) (*workflowexecutionv1.WorkflowExecution, error) {
	ctx = workflow.WithActivityOptions(ctx, handshake.ActivityOptions(time.Minute))
	var out *workflowexecutionv1.WorkflowExecution
	err := workflow.ExecuteActivity(ctx, actRunWorkflow, req).Get(ctx, &out)
	return out, err
}

// serviceWorkflow stands for the Stigmer service's workflow at the end of an execution.
func serviceWorkflow(ctx workflow.Context, in *sdkv1.CompleteExternalActivityInput) (*sdkv1.CompleteExternalActivityResult, error) {
	return handshake.CompleteCaller(ctx, in, handshake.CompleteCallerOptions{})
}

// callerActivities are the caller's handshake activities.
type callerActivities struct {
	agents    agentexecutionv1.AgentExecutionCommandControllerClient
	workflows workflowexecutionv1.WorkflowExecutionCommandControllerClient
}

func (a *callerActivities) RunAgent(ctx context.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	before := proto.Clone(req)
	ack, err := handshake.ExecuteAgentAndWaitPending(ctx, a.agents, req, handshake.CreateOptions{})
	if !proto.Equal(before, req) {
		return nil, temporal.NewNonRetryableApplicationError("the caller's message was modified", "TEST_MUTATED", nil)
	}
	return ack, err
}

// RunAgentCrashAfterCreate fails its first attempt after a successful create, as an activity whose
// worker crashed would; later attempts go pending.
func (a *callerActivities) RunAgentCrashAfterCreate(ctx context.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	ack, err := handshake.ExecuteAgentAndWaitPending(ctx, a.agents, req, handshake.CreateOptions{})
	if err == activity.ErrResultPending && activity.GetInfo(ctx).Attempt == 1 {
		return nil, errors.New("simulated crash after create")
	}
	return ack, err
}

func (a *callerActivities) RunWorkflow(ctx context.Context, req *workflowexecutionv1.WorkflowExecution) (*workflowexecutionv1.WorkflowExecution, error) {
	return handshake.ExecuteWorkflowAndWaitPending(ctx, a.workflows, req, handshake.CreateOptions{})
}

// agentRequest is a caller's execution request, tagged with session so that the test can find its
// creates among the recording service's.
func agentRequest(session, agentID, message string) *agentexecutionv1.AgentExecution {
	return &agentexecutionv1.AgentExecution{
		ApiVersion: "agentic.stigmer.ai/v1",
		Kind:       "AgentExecution",
		Metadata:   &apiresource.ApiResourceMetadata{Name: "run", Annotations: map[string]string{"team": "qa"}},
		Spec:       &agentexecutionv1.AgentExecutionSpec{SessionId: session, AgentId: agentID, Message: message},
	}
}
