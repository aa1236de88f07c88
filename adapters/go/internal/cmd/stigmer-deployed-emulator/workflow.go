package main

import (
	"context"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
)

// Names, as the deployed server uses them where a caller can see them.
const (
	invokeWorkflowName      = "InvokeAgentExecutionWorkflow"
	runAgentActivityName    = "emulator/run-agent"
	completionActivityName  = "stigmer/system/complete-external-activity"
	completionStartToClose  = time.Minute
	completionMaxAttempts   = 3
	runAgentStartToClose    = 5 * time.Minute
	timestampLayout         = time.RFC3339
	failedStatusMessage     = "Internal system error occurred during execution. Please contact support if this issue persists."
	failedStatusDetailsText = "Error details: "
)

// script is what a scripted agent does.
type script struct {
	duration time.Duration
	reply    string // "{message}" is replaced by the execution's message
	failure  string // non-empty: fail with this message instead of replying
}

// scripts are the agents the emulator knows (the ids of the reference service's demo agents).
var scripts = map[string]script{
	"echo":               {duration: time.Second, reply: "Done: {message}"},
	"research-assistant": {duration: 3 * time.Second, reply: "Here is a summary of '{message}'."},
	"failing":            {duration: 200 * time.Millisecond, failure: "the agent could not finish: tool quota exceeded"},
}

// completeExternalActivityInput is the deployed system activity's input: a Go struct, sent by
// Temporal's default converter as json/plain. CallbackToken becomes Base64, Result any JSON, and
// Error the encoding/json form of an error value: {} (its fields are unexported).
type completeExternalActivityInput struct {
	CallbackToken []byte
	Result        interface{}
	Error         error
}

// invokeWorkflow runs the agent, then completes the caller (when the execution carries a token)
// with the execution as it was created, or with the error.
func invokeWorkflow(ctx workflow.Context, execution *agentexecutionv1.AgentExecution, runnerQueue string) error {
	runCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           runnerQueue,
		StartToCloseTimeout: runAgentStartToClose,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	runErr := workflow.ExecuteActivity(runCtx, runAgentActivityName, execution.GetMetadata().GetId()).Get(ctx, nil)
	token := execution.GetSpec().GetCallbackToken()
	if len(token) == 0 {
		return runErr
	}
	queue := execution.GetMetadata().GetAnnotations()[completionQueueAnnotation]
	if queue == "" {
		queue = workflow.GetInfo(ctx).TaskQueueName
	}
	completeCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           queue,
		StartToCloseTimeout: completionStartToClose,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: completionMaxAttempts, InitialInterval: time.Second},
	})
	input := &completeExternalActivityInput{CallbackToken: token}
	if runErr != nil {
		input.Error = runErr
	} else {
		input.Result = execution // the snapshot as created: phase PENDING, no messages
	}
	if err := workflow.ExecuteActivity(completeCtx, completionActivityName, input).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("completing the caller failed", "error", err.Error())
		if runErr == nil {
			return err
		}
	}
	if runErr != nil {
		return temporal.NewApplicationError("Workflow execution failed", "", runErr)
	}
	return nil
}

// ownCompleter is the deployed server's own completion activity. Its input type holds Error as
// an error interface, which JSON {} cannot be decoded into: a failure never reaches the caller.
type ownCompleter struct {
	client client.Client
}

func (o *ownCompleter) complete(ctx context.Context, in *completeExternalActivityInput) error {
	if len(in.CallbackToken) == 0 {
		return nil
	}
	if in.Error != nil {
		return o.client.CompleteActivity(ctx, in.CallbackToken, nil, in.Error)
	}
	return o.client.CompleteActivity(ctx, in.CallbackToken, in.Result, nil)
}

// runner plays the scripted agents, writing their progress into the store.
type runner struct {
	store *store
}

func (r *runner) run(ctx context.Context, executionID string) error {
	e, ok := r.store.get(executionID)
	if !ok {
		return temporal.NewNonRetryableApplicationError("execution "+executionID+" not found", "NOT_FOUND", nil)
	}
	sc := scripts[e.GetSpec().GetAgentId()]
	started := time.Now().UTC().Format(timestampLayout)
	r.store.update(executionID, func(e *agentexecutionv1.AgentExecution) {
		e.Status.Phase = agentexecutionv1.ExecutionPhase_EXECUTION_IN_PROGRESS
		e.Status.StartedAt = started
		// The deployed server keeps a copy of the token in status (field 10); get returns both.
		e.Status.CallbackToken = e.GetSpec().GetCallbackToken()
		touchAudit(e)
		e.Status.Messages = append(e.Status.Messages, &agentexecutionv1.AgentMessage{
			Type: agentexecutionv1.MessageType_MESSAGE_HUMAN, Content: e.GetSpec().GetMessage(), Timestamp: started,
		})
	})
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(sc.duration):
	}
	finished := time.Now().UTC().Format(timestampLayout)
	if sc.failure != "" {
		r.store.update(executionID, func(e *agentexecutionv1.AgentExecution) {
			e.Status.Phase = agentexecutionv1.ExecutionPhase_EXECUTION_FAILED
			e.Status.Error = sc.failure
			e.Status.CompletedAt = finished
			e.Status.Messages = append(e.Status.Messages,
				&agentexecutionv1.AgentMessage{Type: agentexecutionv1.MessageType_MESSAGE_SYSTEM, Content: failedStatusMessage},
				&agentexecutionv1.AgentMessage{Type: agentexecutionv1.MessageType_MESSAGE_SYSTEM, Content: failedStatusDetailsText + sc.failure})
			touchAudit(e)
		})
		return temporal.NewNonRetryableApplicationError(sc.failure, "AGENT_EXECUTION_FAILED", nil)
	}
	r.store.update(executionID, func(e *agentexecutionv1.AgentExecution) {
		e.Status.Phase = agentexecutionv1.ExecutionPhase_EXECUTION_COMPLETED
		e.Status.CompletedAt = finished
		e.Status.Messages = append(e.Status.Messages, &agentexecutionv1.AgentMessage{
			Type:      agentexecutionv1.MessageType_MESSAGE_AI,
			Content:   strings.ReplaceAll(sc.reply, "{message}", e.GetSpec().GetMessage()),
			Timestamp: finished,
		})
		touchAudit(e)
	})
	return nil
}
