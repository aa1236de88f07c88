package handshake

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

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
	// DefaultCancelExecutionScheduleToClose bounds all attempts, queueing included: a worker
	// that does not serve the activity delays the workflow's cancellation by at most this much.
	DefaultCancelExecutionScheduleToClose = contract.TimeoutCancelExecutionScheduleToClose
	// DefaultCancelExecutionMaximumAttempts is its maximum number of attempts.
	DefaultCancelExecutionMaximumAttempts = contract.RetryCancelExecutionMaximumAttempts
)

// RPC methods of the pushed cancel, by path (request and reply types are get's).
const (
	agentCancelMethod    = "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/cancel"
	workflowCancelMethod = "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController/cancel"
)

// CancelInput is the input of [CancelExecutionActivityName]; it has the watch's shape
// (json/plain {"activity_id", "kind"}): the pending handshake activity's id, whose heartbeat
// details hold the execution id, and the execution's kind.
type CancelInput = WatchInput

// Pushed cancellation's opt-out of the service's relayed heartbeats: [ExecuteToTerminal] puts
// this annotation, with the value [CallerHeartbeatsNone], into the request it passes to its
// handshake activity (unless the activity has a heartbeat timeout or the request already carries
// the annotation); the service then never relays heartbeats to that caller.
const (
	CallerHeartbeatsAnnotation = contract.AnnotationCallerHeartbeats
	CallerHeartbeatsNone       = contract.CallerHeartbeatsNone
)

// cancelActivityOptions fills the zero fields of o with the contract's cancel options; an empty
// task queue is the watch's (opts.Watch.TaskQueue, itself the workflow's when empty).
func cancelActivityOptions(opts TerminalOptions) workflow.ActivityOptions {
	o := opts.Cancel
	if o.TaskQueue == "" {
		o.TaskQueue = opts.Watch.TaskQueue
	}
	if o.StartToCloseTimeout <= 0 && o.ScheduleToCloseTimeout <= 0 {
		o.StartToCloseTimeout = DefaultCancelExecutionStartToClose
		o.ScheduleToCloseTimeout = DefaultCancelExecutionScheduleToClose
	}
	if o.RetryPolicy == nil {
		o.RetryPolicy = retryPolicy(contract.RetryCancelExecution)
	}
	return o
}

// requestCancel runs the cancel activity for the pending handshake activityID on ctx (a
// disconnected context) and waits for it; a failure is logged, never raised: the handshake's own
// cancellation still follows.
func requestCancel(ctx workflow.Context, opts TerminalOptions, activityID string, kind sdkv1.ExecutionKind) {
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, cancelActivityOptions(opts)),
		CancelExecutionActivityName, CancelInput{ActivityID: activityID, Kind: kind}).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("Could not cancel the execution through the Stigmer service, cancelling the handshake only",
			"activity_id", activityID, "error", err.Error())
	}
}

// cancelUnimplementedLogged: the service's UNIMPLEMENTED cancel is logged once per process.
var cancelUnimplementedLogged atomic.Bool

// CancelExecution is the activity [CancelExecutionActivityName]: it reads the execution id from
// the pending handshake activity of its own workflow (as [CallerActivities.WatchExecution] does)
// and calls the service's cancel. A handshake no longer pending has nothing to cancel (it
// returns); a pending one that has not recorded its execution yet fails it retryably, so that the
// next attempt finds it. A service that answers UNIMPLEMENTED (the deployed one) is logged once
// per process at WARNING and the activity returns normally: the handshake's own cancellation is
// all that reaches it. NOT_FOUND, PERMISSION_DENIED and INVALID_ARGUMENT fail it with the
// non-retryable [FailureTypeCancelFailed]; any other error with a retryable application error
// without a type.
func (a *CallerActivities) CancelExecution(ctx context.Context, in CancelInput) error {
	info := activity.GetInfo(ctx)
	logger := activity.GetLogger(ctx)
	if a.Conn == nil {
		return temporal.NewNonRetryableApplicationError(
			"stigmer: CallerActivities has no connection to the Stigmer service", FailureTypeCancelFailed, nil)
	}
	callCtx, cancel := context.WithTimeout(ctx, durationOr(a.GetTimeout, DefaultGetTimeout))
	id, gone, err := pendingExecutionID(callCtx, activity.GetClient(ctx), info.WorkflowExecution.ID, info.WorkflowExecution.RunID, in.ActivityID)
	cancel()
	switch {
	case gone:
		logger.Info("The handshake is no longer pending, nothing to cancel", "activity_id", in.ActivityID)
		return nil
	case err != nil:
		return temporal.NewApplicationError("stigmer: describing the workflow for its pending handshake: "+err.Error(), "")
	case id == "":
		return temporal.NewApplicationError(
			"stigmer: the handshake activity "+in.ActivityID+" has not recorded its execution yet", "")
	}
	logger.Info(contract.LogCancelRequested.Message, "execution_id", id, "activity_id", in.ActivityID)
	_, err = a.callOnce(ctx, in.Kind, id, agentCancelMethod, workflowCancelMethod)
	code := grpcCode(err)
	switch {
	case err == nil:
		return nil
	case code == codes.Unimplemented:
		if !cancelUnimplementedLogged.Swap(true) {
			logger.Warn(contract.LogCancelUnimplemented.Message, "execution_id", id, "code", codeName(code))
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
	return temporal.NewApplicationError(msg, "")
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
