package handshake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
)

// WatchExecutionActivityName is the caller-side activity that [ExecuteToTerminal] starts when its
// handshake activity is still pending after [DefaultWatchAfter]: it calls get until the execution
// is terminal, so that a FAILED or CANCELLED execution reaches the caller as a typed failure even
// from a service whose completion never arrives (the deployed Go server, issue 19). Register it
// with [CallerActivities.Register] (or [NewPlugin]).
const WatchExecutionActivityName = contract.ActivityWatchExecution

// Defaults of the watch (the same in every SDK; docs/handshake-contract.md).
const (
	// DefaultWatchAfter is how long [ExecuteToTerminal] waits for the handshake before it starts
	// watching the execution.
	DefaultWatchAfter = contract.TimeoutWatchAfter
	// DefaultWatchInterval is the first wait between two gets of the watch; it doubles up to
	// [DefaultMaxWatchInterval].
	DefaultWatchInterval = contract.RetryWatchExecutionPollInitialInterval
	// DefaultMaxWatchInterval caps the wait between two gets of the watch.
	DefaultMaxWatchInterval = contract.RetryWatchExecutionPollMaximumInterval
	// DefaultWatchHeartbeat is the heartbeat timeout of the watch activity.
	DefaultWatchHeartbeat = contract.TimeoutWatchExecutionHeartbeat
)

// WatchInput is the input of [WatchExecutionActivityName]: which of the workflow's activities is
// the pending handshake (its activity id), and the execution's kind. The activity finds the
// execution id in that activity's heartbeat details, which the handshake activity records after
// the service's ACK.
type WatchInput struct {
	ActivityID string              `json:"activity_id"`
	Kind       sdkv1.ExecutionKind `json:"kind"`
}

// recordExecutionID records the ACKed execution's id as the pending handshake activity's
// heartbeat details (a binary/protobuf GetExecutionInput), from a goroutine through the worker's
// client, so that the handshake's return is not delayed; a failure only means no watch.
func recordExecutionID(ctx context.Context, kind string, executionID string, token []byte) {
	c := activity.GetClient(ctx)
	if c == nil || executionID == "" {
		return
	}
	k := sdkv1.ExecutionKind_EXECUTION_KIND_AGENT
	if kind == KindWorkflowExecution {
		k = sdkv1.ExecutionKind_EXECUTION_KIND_WORKFLOW
	}
	p, err := converter.NewProtoPayloadConverter().ToPayload(&sdkv1.GetExecutionInput{Kind: k, ExecutionId: executionID})
	if err != nil {
		return
	}
	request := &workflowservice.RecordActivityTaskHeartbeatRequest{
		TaskToken: append([]byte(nil), token...),
		Details:   &commonpb.Payloads{Payloads: []*commonpb.Payload{p}},
		Namespace: activity.GetInfo(ctx).WorkflowNamespace,
	}
	service := c.WorkflowService()
	go func() {
		callCtx, cancel := context.WithTimeout(context.Background(), DefaultCallTimeout)
		defer cancel()
		_, _ = service.RecordActivityTaskHeartbeat(callCtx, request)
	}()
}

// pendingExecutionID reads the execution id the handshake activity activityID recorded, or "".
// gone is true when that activity is no longer pending.
func pendingExecutionID(ctx context.Context, c client.Client, workflowID, runID, activityID string) (id string, gone bool, err error) {
	desc, err := c.DescribeWorkflowExecution(ctx, workflowID, runID)
	if err != nil {
		return "", false, err
	}
	for _, pa := range desc.GetPendingActivities() {
		if pa.GetActivityId() != activityID {
			continue
		}
		details := pa.GetHeartbeatDetails().GetPayloads()
		if len(details) == 0 {
			return "", false, nil
		}
		var in sdkv1.GetExecutionInput
		if err := proto.Unmarshal(details[0].GetData(), &in); err != nil {
			return "", false, nil
		}
		return in.GetExecutionId(), false, nil
	}
	return "", true, nil
}

// WatchExecution is the activity [WatchExecutionActivityName]: it reads the execution id from the
// pending handshake activity of its own workflow, then calls get with backoff
// ([CallerActivities].WatchInterval, doubling, capped by MaxWatchInterval) until the execution is
// terminal, and returns it (binary/protobuf, tokens cleared), heartbeating after every attempt.
// When the handshake is no longer pending it fails with the non-retryable
// [FailureTypeGetExecutionFailed]; the workflow then only waits for the handshake.
func (a *CallerActivities) WatchExecution(ctx context.Context, in WatchInput) (converter.RawValue, error) {
	var none converter.RawValue
	info := activity.GetInfo(ctx)
	c := activity.GetClient(ctx)
	wait := durationOr(a.WatchInterval, DefaultWatchInterval)
	maxWait := durationOr(a.MaxWatchInterval, DefaultMaxWatchInterval)
	id := ""
	for {
		if id == "" {
			callCtx, cancel := context.WithTimeout(ctx, durationOr(a.GetTimeout, DefaultGetTimeout))
			found, gone, err := pendingExecutionID(callCtx, c, info.WorkflowExecution.ID, info.WorkflowExecution.RunID, in.ActivityID)
			cancel()
			switch {
			case gone:
				return none, temporal.NewNonRetryableApplicationError(
					"stigmer: the handshake activity "+in.ActivityID+" is no longer pending", FailureTypeGetExecutionFailed, nil)
			case err == nil && found != "":
				id = found
				continue
			}
		} else {
			got, err := a.getOnce(ctx, in.Kind, id)
			switch {
			case err == nil && terminalPhase(phaseOf(got)):
				clearCallbackToken(got)
				p, err := converter.NewProtoPayloadConverter().ToPayload(got)
				if err != nil {
					return none, err
				}
				activity.GetLogger(ctx).Info("The watched execution is terminal", "execution_id", id, "phase", phaseOf(got))
				return converter.NewRawValue(p), nil
			case err != nil && ctx.Err() != nil:
				return none, ctx.Err()
			}
		}
		activity.RecordHeartbeat(ctx, id)
		select {
		case <-ctx.Done():
			return none, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, maxWait)
	}
}

// executeWatched runs the handshake activity and, when it is still pending after watchAfter, the
// watch activity beside it: a FAILED or CANCELLED execution seen by the watch cancels the
// handshake and returns the typed failure; the handshake resolving first cancels the watch.
func executeWatched[T proto.Message](ctx workflow.Context, opts TerminalOptions, handshakeActivity any, req T, delivered *T) error {
	ao := workflow.GetActivityOptions(ctx)
	if ao.ActivityID == "" {
		// A known id, so that the watch can find the pending handshake; a side effect keeps it
		// the same on replay.
		_ = workflow.SideEffect(ctx, func(workflow.Context) any {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			return "stigmer-handshake-" + hex.EncodeToString(b)
		}).Get(&ao.ActivityID)
	}
	// Taken when the handshake is scheduled: a history from before the pushed cancel keeps its
	// request as sent and, when cancelled, only cancels its handshake.
	pushCancel := workflow.GetVersion(ctx, cancelVersion, workflow.DefaultVersion, 1) != workflow.DefaultVersion
	parent := ctx
	if pushCancel {
		req = optedOutOfRelay(req, ao)
		// Disconnected: the workflow's cancellation must not cancel the handshake before the
		// service has been told (pushCancelIfPending).
		parent, _ = workflow.NewDisconnectedContext(ctx)
	}
	handshakeCtx, cancelHandshake := workflow.WithCancel(workflow.WithActivityOptions(parent, ao))
	defer cancelHandshake()
	handshake := workflow.ExecuteActivity(handshakeCtx, handshakeActivity, req)
	watchAfter := durationOr(opts.WatchAfter, DefaultWatchAfter)

	start := workflow.Now(ctx)
	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	watchCtx, cancelWatch := workflow.WithCancel(ctx)
	defer cancelWatch()
	var (
		handshakeDone bool
		handshakeErr  error
		ended         T    // what the watch saw: FAILED or CANCELLED
		cancelled     bool // the workflow was cancelled
	)
	kind := executionKind(req)
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(handshake, func(f workflow.Future) {
		handshakeDone = true
		handshakeErr = f.Get(ctx, delivered)
	})
	// The workflow's cancellation: with pushCancel the service is told first, then the handshake
	// is cancelled; before it, the handshake (of ctx) was cancelled with the workflow.
	sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) { cancelled = true })
	if opts.WatchAfter < 0 {
		for !handshakeDone && !cancelled {
			sel.Select(ctx)
		}
		if ok, err := pushCancelIfPending(ctx, opts, pushCancel, ao.ActivityID, kind, handshake, cancelHandshake, handshakeDone, handshakeErr, delivered); ok {
			handshakeErr = err
		}
		recordHandshakeOutcome(ctx, handshakeOutcome(handshakeErr), workflow.Now(ctx).Sub(start))
		return handshakeErr
	}
	sel.AddFuture(workflow.NewTimer(timerCtx, watchAfter), func(f workflow.Future) {
		if f.Get(ctx, nil) != nil {
			return // cancelled: the handshake resolved
		}
		wo := opts.Watch
		wo.HeartbeatTimeout = durationOr(wo.HeartbeatTimeout, DefaultWatchHeartbeat)
		if wo.StartToCloseTimeout <= 0 && wo.ScheduleToCloseTimeout <= 0 {
			wo.StartToCloseTimeout = 10 * 365 * 24 * time.Hour // unbounded: the heartbeat bounds it
		}
		if wo.RetryPolicy == nil {
			wo.RetryPolicy = &temporal.RetryPolicy{NonRetryableErrorTypes: []string{FailureTypeGetExecutionFailed}}
		}
		watch := workflow.ExecuteActivity(workflow.WithActivityOptions(watchCtx, wo), WatchExecutionActivityName,
			WatchInput{ActivityID: ao.ActivityID, Kind: kind})
		sel.AddFuture(watch, func(f workflow.Future) {
			var seen T
			if err := f.Get(ctx, &seen); err != nil {
				workflow.GetLogger(ctx).Warn("The watch of the execution ended without a terminal execution", "error", err.Error())
				return // no watch: the handshake decides
			}
			switch phaseOf(seen) {
			case 4, 5: // FAILED, CANCELLED
				ended = seen
			}
		})
	})
	for !handshakeDone && phaseOf(ended) == 0 && !cancelled {
		sel.Select(ctx)
	}
	cancelTimer()
	cancelWatch()
	if phaseOf(ended) == 0 {
		if ok, err := pushCancelIfPending(ctx, opts, pushCancel, ao.ActivityID, kind, handshake, cancelHandshake, handshakeDone, handshakeErr, delivered); ok {
			handshakeDone, handshakeErr = true, err
		}
	}
	if handshakeDone {
		recordHandshakeOutcome(ctx, handshakeOutcome(handshakeErr), workflow.Now(ctx).Sub(start))
		return handshakeErr
	}
	cancelHandshake()
	failureType, state := FailureTypeAgentExecutionFailed, "FAILED"
	if phaseOf(ended) == 5 {
		failureType, state = FailureTypeAgentExecutionCancelled, "CANCELLED"
	}
	id := executionID(ended)
	workflow.GetLogger(ctx).Warn("The execution ended while the handshake was pending", "execution_id", id, "phase", state)
	recordHandshakeOutcome(ctx, handshakeOutcome(temporal.NewApplicationError("", failureType)), workflow.Now(ctx).Sub(start))
	return temporal.NewNonRetryableApplicationError(
		watchEndedMessage(id, state), failureType, nil)
}

// watchEndedMessage is the contract's message of the typed failure the watch raises.
func watchEndedMessage(executionID, state string) string {
	return strings.NewReplacer("{execution_id}", executionID, "{state}", state).Replace(contract.WatchEndedMessage)
}

// pushCancelIfPending: when the workflow is cancelled and the handshake is still pending (or, in
// a history from before the pushed cancel, was resolved by that very cancellation), it tells the
// service (with pushCancel: [pushCancel], the handshake still pending), then cancels the handshake
// and waits for it with the activity's own cancellation type, and returns its outcome and true;
// otherwise false.
func pushCancelIfPending[T proto.Message](ctx workflow.Context, opts TerminalOptions, pushCancel bool, activityID string,
	kind sdkv1.ExecutionKind, handshake workflow.Future, cancelHandshake workflow.CancelFunc, done bool, err error, delivered *T,
) (bool, error) {
	var canceled *temporal.CanceledError
	if ctx.Err() == nil || (done && !errors.As(err, &canceled)) {
		return false, nil
	}
	if done {
		return true, err
	}
	shielded, _ := workflow.NewDisconnectedContext(ctx)
	if pushCancel {
		requestCancel(shielded, opts, activityID, kind)
	}
	cancelHandshake()
	return true, handshake.Get(shielded, delivered)
}

// optedOutOfRelay returns a copy of req with the create annotation that opts its caller out of
// the service's relayed heartbeats ([CallerHeartbeatsAnnotation]: [CallerHeartbeatsNone]): the
// helper pushes the cancel itself. req itself is returned when the handshake activity has a
// heartbeat timeout (the relay's heartbeats keep it alive), when req already carries the
// annotation (the caller's choice stands), or when it has no metadata.annotations.
func optedOutOfRelay[T proto.Message](req T, ao workflow.ActivityOptions) T {
	if ao.HeartbeatTimeout > 0 || kindOf(req) == "" || !req.ProtoReflect().IsValid() {
		return req
	}
	if md := sub(req.ProtoReflect(), "metadata"); md != nil {
		if fd := fieldOf(md, "annotations"); fd != nil && fd.IsMap() &&
			md.Get(fd).Map().Has(protoreflect.ValueOfString(CallerHeartbeatsAnnotation).MapKey()) {
			return req
		}
	}
	out := proto.Clone(req).(T)
	md := mutableSub(out.ProtoReflect(), "metadata")
	if md == nil {
		return req
	}
	fd := fieldOf(md, "annotations")
	if fd == nil || !fd.IsMap() {
		return req
	}
	md.Mutable(fd).Map().Set(protoreflect.ValueOfString(CallerHeartbeatsAnnotation).MapKey(),
		protoreflect.ValueOfString(CallerHeartbeatsNone))
	return out
}
