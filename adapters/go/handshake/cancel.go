package handshake

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
)

// CancelExecutionActivityName is the caller-side activity that [ExecuteToTerminal] runs when its
// workflow is cancelled while the handshake is pending (pushed cancellation, issue 25): it calls
// the service's cancel for the pending handshake's execution, so that the agent stops at once
// instead of when the service's heartbeat relay learns of the cancellation. Register it with
// [CallerActivities.Register] (or [NewPlugin]).
const CancelExecutionActivityName = contract.ActivityCancelExecution

// FailureTypeCancelFailed is the type of the application error with which
// [CancelExecutionActivityName] fails: non-retryable when the service refuses the cancel for good
// (NOT_FOUND, PERMISSION_DENIED, INVALID_ARGUMENT), retryable otherwise. A service without cancel
// (UNIMPLEMENTED) is no failure.
const FailureTypeCancelFailed = contract.FailureCancelFailed

// Defaults of the cancel activity's options (the same in every SDK; docs/handshake-contract.md).
const (
	// DefaultCancelExecutionStartToClose is the start-to-close timeout of one attempt.
	DefaultCancelExecutionStartToClose = contract.TimeoutCancelExecutionStartToClose
	// DefaultCancelExecutionMaximumAttempts is its maximum number of attempts.
	DefaultCancelExecutionMaximumAttempts = contract.RetryCancelExecutionMaximumAttempts
)

// cancelVersion marks the workflows whose ExecuteToTerminal pushes the cancellation to the
// service; histories recorded before keep their commands (workflow.GetVersion).
const cancelVersion = contract.CancelVersion

// RPC methods of the pushed cancel, by path (request and reply types are get's).
const (
	agentCancelMethod    = "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/cancel"
	workflowCancelMethod = "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController/cancel"
)

// CancelInput is the input of [CancelExecutionActivityName]; it has the watch's shape
// (json/plain {"activity_id", "kind"}): the pending handshake activity's id, whose heartbeat
// details hold the execution id, and the execution's kind.
type CancelInput = WatchInput

// cancelActivityOptions fills the zero fields of o with the contract's cancel options.
func cancelActivityOptions(o workflow.ActivityOptions) workflow.ActivityOptions {
	if o.StartToCloseTimeout <= 0 && o.ScheduleToCloseTimeout <= 0 {
		o.StartToCloseTimeout = DefaultCancelExecutionStartToClose
	}
	if o.RetryPolicy == nil {
		o.RetryPolicy = &temporal.RetryPolicy{
			InitialInterval:        contract.RetryCancelExecution.InitialInterval,
			BackoffCoefficient:     contract.RetryCancelExecution.Backoff,
			MaximumInterval:        contract.RetryCancelExecution.MaximumInterval,
			MaximumAttempts:        DefaultCancelExecutionMaximumAttempts,
			NonRetryableErrorTypes: append([]string(nil), contract.RetryCancelExecution.NonRetryable...),
		}
	}
	return o
}

// pushCancel runs, when the workflow was cancelled while the handshake activityID is pending and
// the workflow is of the cancel version, the cancel activity in a disconnected context and waits
// for it; a failure is logged, never raised: the handshake's own cancellation still follows.
func pushCancel(ctx workflow.Context, opts TerminalOptions, activityID string, kind sdkv1.ExecutionKind) {
	shielded, _ := workflow.NewDisconnectedContext(ctx)
	if workflow.GetVersion(shielded, cancelVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(shielded, cancelActivityOptions(opts.Cancel)),
		CancelExecutionActivityName, CancelInput{ActivityID: activityID, Kind: kind}).Get(shielded, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("The cancel of the execution failed; the service's relay remains", "error", err.Error())
	}
}

// CancelExecution is the activity [CancelExecutionActivityName]: it reads the execution id from
// the pending handshake activity of its own workflow (as [CallerActivities.WatchExecution] does),
// waiting while the handshake has not recorded it yet, and calls the service's cancel. When the
// handshake is no longer pending there is nothing to cancel. A service that answers UNIMPLEMENTED
// (the deployed one) is logged once at WARNING and the activity returns normally: the service's
// relay remains what cancels the execution. NOT_FOUND, PERMISSION_DENIED and INVALID_ARGUMENT fail
// it with the non-retryable [FailureTypeCancelFailed]; any other code is retried with the
// contract's backoff within the attempt, then fails it with the retryable one.
func (a *CallerActivities) CancelExecution(ctx context.Context, in CancelInput) error {
	info := activity.GetInfo(ctx)
	logger := activity.GetLogger(ctx)
	if a.Conn == nil {
		return temporal.NewNonRetryableApplicationError(
			"stigmer: CallerActivities has no connection to the Stigmer service", FailureTypeCancelFailed, nil)
	}
	c := activity.GetClient(ctx)
	wait := contract.RetryCancelExecution.InitialInterval
	id := ""
	for id == "" {
		callCtx, cancel := context.WithTimeout(ctx, durationOr(a.GetTimeout, DefaultGetTimeout))
		found, gone, err := pendingExecutionID(callCtx, c, info.WorkflowExecution.ID, info.WorkflowExecution.RunID, in.ActivityID)
		cancel()
		switch {
		case gone:
			logger.Info("The handshake is no longer pending, nothing to cancel", "activity_id", in.ActivityID)
			return nil
		case err == nil && found != "":
			id = found
			continue
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < 2*wait {
			// Nothing recorded within the attempt (not a handshake activity?): the relay remains.
			logger.Warn("The pending handshake recorded no execution, nothing to cancel", "activity_id", in.ActivityID)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, contract.RetryCancelExecution.MaximumInterval)
	}
	wait = contract.RetryCancelExecution.InitialInterval
	for {
		_, err := a.callOnce(ctx, in.Kind, id, agentCancelMethod, workflowCancelMethod)
		code := grpcCode(err)
		switch {
		case err == nil:
			logger.Info("Cancelled the execution", "execution_id", id)
			return nil
		case code == codes.Unimplemented:
			if !a.cancelUnimplementedLogged.Swap(true) {
				logger.Warn("The Stigmer service does not implement cancel; its relay cancels the execution",
					"execution_id", id)
			}
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		}
		msg := fmt.Sprintf("cancel %s: %s: %s", id, codeName(code), grpcMessage(err))
		if errors.Is(err, errNoExecutionType) || code == codes.NotFound || code == codes.PermissionDenied ||
			code == codes.InvalidArgument {
			return temporal.NewNonRetryableApplicationError(msg, FailureTypeCancelFailed, nil)
		}
		// The contract's retry policy does not retry the failure type, so any other code is
		// retried here, with its backoff, while the attempt's deadline allows.
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < 2*wait {
			return temporal.NewApplicationError(msg, FailureTypeCancelFailed)
		}
		logger.Warn("Cancel of the execution failed, retrying", "execution_id", id, "error", codeName(code)+": "+grpcMessage(err))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, contract.RetryCancelExecution.MaximumInterval)
	}
}

// callOnce calls the execution API's method (agentMethod or workflowMethod by kind; both take the
// execution's id message and answer the execution) for id, with the get timeout, on a.Conn.
func (a *CallerActivities) callOnce(ctx context.Context, kind sdkv1.ExecutionKind, id, agentMethod, workflowMethod string) (proto.Message, error) {
	method, requestName, replyName := agentMethod, agentIDName, agentExecutionName
	if kind == sdkv1.ExecutionKind_EXECUTION_KIND_WORKFLOW {
		method, requestName, replyName = workflowMethod, workflowIDName, workflowExecutionName
	}
	request, err := newMessage(requestName)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoExecutionType, err)
	}
	reply, err := newMessage(replyName)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoExecutionType, err)
	}
	setString(request.ProtoReflect(), "value", id)
	callCtx, cancel := context.WithTimeout(ctx, durationOr(a.GetTimeout, DefaultGetTimeout))
	defer cancel()
	if err := a.Conn.Invoke(callCtx, method, request, reply, a.CallOptions...); err != nil {
		return nil, err
	}
	return reply, nil
}
