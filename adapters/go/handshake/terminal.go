package handshake

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
)

// GetExecutionActivityName is the name of the caller-side activity that fetches an execution
// until it is terminal. [ExecuteToTerminal] schedules it; register it on the caller's worker with
// [CallerActivities.Register].
const GetExecutionActivityName = contract.ActivityGetExecution

// FailureTypeGetExecutionFailed is the type of the non-retryable application error with which the
// [GetExecutionActivityName] activity fails when the service refuses get permanently (NOT_FOUND,
// PERMISSION_DENIED, ...), and with which [ExecuteToTerminal] fails when the delivered execution
// is not terminal and has no id. Transient errors are retried inside the activity.
const FailureTypeGetExecutionFailed = contract.FailureGetExecutionFailed

// IsTerminal reports whether the execution's phase (status.phase, of an AgentExecution or a
// WorkflowExecution of any generated copy of the API) is terminal: COMPLETED (3), FAILED (4) or
// CANCELLED (5). A nil execution, or another message, is not terminal.
func IsTerminal(execution proto.Message) bool {
	return terminalPhase(phaseOf(execution))
}

func terminalPhase(phase int32) bool { return phase >= 3 && phase <= 5 }

// Defaults of the get-execution activity, the same in every SDK: its polling ([CallerActivities])
// and its activity options ([TerminalOptions]).
const (
	// DefaultPollInterval is the first wait between two gets of a non-terminal execution.
	DefaultPollInterval = contract.RetryGetExecutionPollInitialInterval
	// DefaultMaxPollInterval bounds the wait between two gets; it doubles from DefaultPollInterval.
	DefaultMaxPollInterval = contract.RetryGetExecutionPollMaximumInterval
	// DefaultGetTimeout bounds one get call.
	DefaultGetTimeout = contract.TimeoutGet
	// DefaultGetExecutionStartToClose is the start-to-close timeout of the get-execution activity.
	DefaultGetExecutionStartToClose = contract.TimeoutGetExecutionStartToClose
	// DefaultGetExecutionHeartbeat is its heartbeat timeout; it exceeds [DefaultMaxPollInterval].
	DefaultGetExecutionHeartbeat = contract.TimeoutGetExecutionHeartbeat
	// DefaultGetExecutionMaximumAttempts is its maximum number of attempts (initial retry
	// interval 1 s; [FailureTypeGetExecutionFailed] is not retried).
	DefaultGetExecutionMaximumAttempts = contract.RetryGetExecutionMaximumAttempts
)

// CallerActivities holds the caller-side activity [GetExecutionActivityName], which calls the
// service's get until the execution is terminal. Register it on the worker that runs the caller's
// workflows ([CallerActivities.Register]).
type CallerActivities struct {
	// Conn is the connection to the Stigmer service ([NewConn]). Its get calls use the RPC
	// method paths of the API and the message types registered by whichever generated copy of
	// the API the program links (this SDK's, or Stigmer's stubs).
	Conn grpc.ClientConnInterface
	// PollInterval is the first wait between two gets (zero: [DefaultPollInterval]); it doubles up
	// to MaxPollInterval (zero: [DefaultMaxPollInterval]).
	PollInterval, MaxPollInterval time.Duration
	// GetTimeout bounds one get call (zero: [DefaultGetTimeout]).
	GetTimeout time.Duration
	// WatchInterval is the first wait between two gets of [CallerActivities.WatchExecution] (zero:
	// [DefaultWatchInterval]); it doubles up to MaxWatchInterval (zero: [DefaultMaxWatchInterval]).
	WatchInterval, MaxWatchInterval time.Duration
	// CallOptions are added to every get and cancel call (for example per-call credentials).
	CallOptions []grpc.CallOption
}

// NewCallerActivities returns the caller activities querying the Stigmer service on conn (for
// example from [NewConn]).
func NewCallerActivities(conn grpc.ClientConnInterface) *CallerActivities {
	return &CallerActivities{Conn: conn}
}

// Register registers a's activities on w under [GetExecutionActivityName],
// [WatchExecutionActivityName] and [CancelExecutionActivityName].
func (a *CallerActivities) Register(w worker.ActivityRegistry) {
	w.RegisterActivityWithOptions(a.GetExecution, activity.RegisterOptions{Name: GetExecutionActivityName})
	w.RegisterActivityWithOptions(a.WatchExecution, activity.RegisterOptions{Name: WatchExecutionActivityName})
	w.RegisterActivityWithOptions(a.CancelExecution, activity.RegisterOptions{Name: CancelExecutionActivityName})
}

// GetExecution calls get for the execution until its phase is terminal and returns it (an
// AgentExecution or a WorkflowExecution, as binary/protobuf, the same in every SDK) without its
// callback tokens (spec and status), which some services echo and which must stay out of history.
// After every get it heartbeats (the details are the phase seen, -1 after an error) and waits with
// exponential backoff; a transient error (UNAVAILABLE, DEADLINE_EXCEEDED, ...) is retried the same
// way. A permanent error fails it with the non-retryable type [FailureTypeGetExecutionFailed]; the
// activity's context ending (cancellation, timeout) ends it.
func (a *CallerActivities) GetExecution(ctx context.Context, req *sdkv1.GetExecutionInput) (converter.RawValue, error) {
	var none converter.RawValue
	id := req.GetExecutionId()
	if a.Conn == nil {
		return none, temporal.NewNonRetryableApplicationError(
			"stigmer: CallerActivities has no connection to the Stigmer service", FailureTypeGetExecutionFailed, nil)
	}
	if id == "" {
		return none, temporal.NewNonRetryableApplicationError("stigmer: the execution id is empty", FailureTypeGetExecutionFailed, nil)
	}
	get := func(ctx context.Context) (proto.Message, error) { return a.getOnce(ctx, req.GetKind(), id) }
	logger := activity.GetLogger(ctx)
	wait := durationOr(a.PollInterval, DefaultPollInterval)
	maxWait := durationOr(a.MaxPollInterval, DefaultMaxPollInterval)
	for attempt := 1; ; attempt++ {
		got, err := get(ctx)
		phase := int32(-1)
		switch {
		case err == nil:
			phase = phaseOf(got)
			if terminalPhase(phase) {
				clearCallbackToken(got) // some services return it: keep it out of history
				p, err := converter.NewProtoPayloadConverter().ToPayload(got)
				if err != nil {
					return none, err
				}
				logger.Info("Fetched the terminal execution", "execution_id", id, "phase", phase, "gets", attempt)
				return converter.NewRawValue(p), nil
			}
		case ctx.Err() != nil:
			return none, ctx.Err()
		case errors.Is(err, errNoExecutionType) || !createFailureRetryable(grpcCode(err)):
			return none, temporal.NewNonRetryableApplicationError(
				"get "+id+": "+codeName(grpcCode(err))+": "+grpcMessage(err), FailureTypeGetExecutionFailed, nil)
		default:
			logger.Warn("Get of the execution failed, retrying", "execution_id", id,
				"error", codeName(grpcCode(err))+": "+grpcMessage(err))
		}
		activity.RecordHeartbeat(ctx, phase)
		select {
		case <-ctx.Done():
			return none, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, maxWait)
	}
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// TerminalOptions configures [ExecuteToTerminal]. The zero value is the default.
type TerminalOptions struct {
	// GetExecution are the activity options of the get-execution activity. Zero timeouts take
	// [DefaultGetExecutionStartToClose] and [DefaultGetExecutionHeartbeat], a nil retry policy
	// [DefaultGetExecutionMaximumAttempts] attempts; an empty task queue is the workflow's
	// (register [CallerActivities] on the caller's worker).
	GetExecution workflow.ActivityOptions
	// WatchAfter is how long the handshake may stay pending before the execution is watched with
	// [WatchExecutionActivityName] (zero: [DefaultWatchAfter]; negative: never watched).
	WatchAfter time.Duration
	// Watch are the activity options of the watch activity. Zero timeouts: unbounded
	// start-to-close, heartbeat timeout [DefaultWatchHeartbeat]; an empty task queue is the
	// workflow's.
	Watch workflow.ActivityOptions
	// Cancel are the activity options of [CancelExecutionActivityName], which tells the service
	// to cancel the execution when the workflow is cancelled while the handshake is pending. Zero
	// timeouts: start-to-close [DefaultCancelExecutionStartToClose], schedule-to-close
	// [DefaultCancelExecutionScheduleToClose]; a nil retry policy: the contract's (1 s doubling up
	// to 10 s, [DefaultCancelExecutionMaximumAttempts] attempts, [FailureTypeCancelFailed] not
	// retried); an empty task queue is Watch's (the workflow's when that is empty too).
	Cancel workflow.ActivityOptions
}

// The changes of ExecuteToTerminal's commands, marked with workflow.GetVersion so that histories
// recorded before a change keep their commands.
const (
	// watchVersion: the handshake is raced against the watch.
	watchVersion = contract.WatchVersion
	// cancelVersion: the cancellation of a pending handshake is pushed to the service.
	cancelVersion = contract.CancelVersion
)

// ExecuteToTerminal runs the caller's handshake activity (a function or a name, whose only
// argument is req, as for an activity built on [ExecuteAgentAndWaitPending] or
// [ExecuteWorkflowAndWaitPending]) with the activity options already on ctx, and returns the
// terminal execution: when the execution the service delivered is not terminal (some services
// deliver the execution as created), it fetches the terminal one with the activity
// [GetExecutionActivityName]. The execution it returns never carries spec.callback_token. It also
// records the caller-side metrics [MetricCallerHandshakes] and [MetricCallerHandshakeDuration]
// (from the scheduling of the handshake activity to its resolution) through the workflow's
// metrics handler. The zero [TerminalOptions] are the defaults.
//
//	ctx = workflow.WithActivityOptions(ctx, handshake.ActivityOptions(30*time.Minute))
//	done, err := handshake.ExecuteToTerminal(ctx, handshake.TerminalOptions{}, a.RunAgent, req)
//	// done.GetStatus().GetMessages() holds the agent's reply.
func ExecuteToTerminal[T proto.Message](ctx workflow.Context, opts TerminalOptions, handshakeActivity any, req T) (T, error) {
	var zero, delivered T
	var err error
	if workflow.GetVersion(ctx, watchVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		err = ObserveHandshake(ctx, workflow.ExecuteActivity(ctx, handshakeActivity, req), &delivered)
	} else {
		err = executeWatched(ctx, opts, handshakeActivity, req, &delivered)
	}
	if err != nil {
		return zero, err
	}
	clearCallbackToken(delivered)
	if IsTerminal(delivered) {
		return delivered, nil
	}
	id := executionID(delivered)
	if id == "" {
		return zero, temporal.NewNonRetryableApplicationError(
			"the delivered execution is not terminal and has no metadata.id to fetch it by",
			FailureTypeGetExecutionFailed, nil)
	}
	kind := executionKind(delivered)
	workflow.GetLogger(ctx).Info("The delivered execution is not terminal, fetching the terminal one",
		"execution_id", id, "phase", phaseOf(delivered))
	ao := opts.GetExecution
	ao.StartToCloseTimeout = durationOr(ao.StartToCloseTimeout, DefaultGetExecutionStartToClose)
	ao.HeartbeatTimeout = durationOr(ao.HeartbeatTimeout, DefaultGetExecutionHeartbeat)
	if ao.RetryPolicy == nil {
		ao.RetryPolicy = retryPolicy(contract.RetryGetExecution)
	}
	// The input travels as binary/protobuf, as in every SDK.
	input, err := converter.NewProtoPayloadConverter().ToPayload(&sdkv1.GetExecutionInput{Kind: kind, ExecutionId: id})
	if err != nil {
		return zero, err
	}
	var final T
	err = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, ao), GetExecutionActivityName,
		converter.NewRawValue(input)).Get(ctx, &final)
	if err != nil {
		return zero, err
	}
	clearCallbackToken(final)
	return final, nil
}

// clearCallbackToken removes the callback tokens (spec.callback_token, and
// status.callback_token of agent executions) from an execution: a service that echoes the token
// (the deployed Stigmer service does, in its completion and its get) must not make the caller's
// workflow carry it further.
func clearCallbackToken(m proto.Message) {
	if kindOf(m) == "" || !m.ProtoReflect().IsValid() {
		return
	}
	for _, part := range []protoreflect.Name{"spec", "status"} {
		if msg := sub(m.ProtoReflect(), part); msg != nil {
			clearField(msg, "callback_token")
		}
	}
}

// executionKind is the sdk.v1 kind of an execution message.
func executionKind(m proto.Message) sdkv1.ExecutionKind {
	if kindOf(m) == KindWorkflowExecution {
		return sdkv1.ExecutionKind_EXECUTION_KIND_WORKFLOW
	}
	return sdkv1.ExecutionKind_EXECUTION_KIND_AGENT
}

// errNoExecutionType: the program links no generated copy of the execution API's types.
var errNoExecutionType = errors.New("stigmer: the execution API's message types are not linked into this program")

// getOnce calls get for the execution id of kind, with the get timeout, on a.Conn, with the
// request and reply types registered by the program's generated copy of the API.
func (a *CallerActivities) getOnce(ctx context.Context, kind sdkv1.ExecutionKind, id string) (proto.Message, error) {
	return a.callOnce(ctx, kind, id, agentGetMethod, workflowGetMethod)
}

// handshakeOutcome names how the handshake activity resolved, for [MetricCallerHandshakes].
func handshakeOutcome(err error) string {
	var (
		canceled *temporal.CanceledError
		timeout  *temporal.TimeoutError
	)
	switch {
	case err == nil:
		return "completed"
	case errors.As(err, &canceled):
		return "cancelled"
	case errors.As(err, &timeout):
		return "timed_out"
	default:
		return "failed"
	}
}
