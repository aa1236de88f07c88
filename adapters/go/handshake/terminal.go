package handshake

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	workflowexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/workflowexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/commons/apiresource"
)

// GetExecutionActivityName is the name of the caller-side activity that fetches an execution
// until it is terminal. [ExecuteToTerminal] schedules it; register it on the caller's worker with
// [CallerActivities.Register].
const GetExecutionActivityName = "stigmer/caller/get-execution"

// ErrTypeGetFailed is the type of the non-retryable application error with which the
// [GetExecutionActivityName] activity fails when the service refuses get permanently (NOT_FOUND,
// PERMISSION_DENIED, ...). Transient errors are retried inside the activity.
const ErrTypeGetFailed = "STIGMER_GET_FAILED"

// Execution is an agent or a workflow execution: what the handshake delivers.
type Execution interface {
	*agentexecutionv1.AgentExecution | *workflowexecutionv1.WorkflowExecution
	proto.Message
	GetMetadata() *apiresource.ApiResourceMetadata
}

// Terminal reports whether the execution's phase is terminal: COMPLETED (3), FAILED (4) or
// CANCELLED (5). A nil execution is not terminal.
func Terminal[T Execution](e T) bool {
	return terminalPhase(phaseOf(e))
}

func terminalPhase(phase int32) bool { return phase >= 3 && phase <= 5 }

func phaseOf(m proto.Message) int32 {
	switch e := m.(type) {
	case *agentexecutionv1.AgentExecution:
		return int32(e.GetStatus().GetPhase())
	case *workflowexecutionv1.WorkflowExecution:
		return int32(e.GetStatus().GetPhase())
	}
	return 0
}

// GetExecutionRequest is the input of the [GetExecutionActivityName] activity.
type GetExecutionRequest struct {
	// Kind is [KindAgentExecution] or [KindWorkflowExecution].
	Kind string `json:"kind"`
	// ExecutionID is the execution's metadata.id.
	ExecutionID string `json:"execution_id"`
}

// Defaults of [CallerActivities].
const (
	// DefaultPollInterval is the first wait between two gets of a non-terminal execution.
	DefaultPollInterval = time.Second
	// DefaultMaxPollInterval bounds the wait between two gets; it doubles from DefaultPollInterval.
	DefaultMaxPollInterval = 30 * time.Second
	// DefaultGetTimeout bounds one get call.
	DefaultGetTimeout = 10 * time.Second
)

// CallerActivities holds the caller-side activity [GetExecutionActivityName], which calls the
// service's get until the execution is terminal. Register it on the worker that runs the caller's
// workflows ([CallerActivities.Register]).
type CallerActivities struct {
	// Agents and Workflows are the service's query clients; a nil one refuses its kind.
	Agents    agentexecutionv1.AgentExecutionQueryControllerClient
	Workflows workflowexecutionv1.WorkflowExecutionQueryControllerClient
	// PollInterval is the first wait between two gets (zero: [DefaultPollInterval]); it doubles up
	// to MaxPollInterval (zero: [DefaultMaxPollInterval]).
	PollInterval, MaxPollInterval time.Duration
	// GetTimeout bounds one get call (zero: [DefaultGetTimeout]).
	GetTimeout time.Duration
	// CallOptions are added to every get call (for example per-call credentials).
	CallOptions []grpc.CallOption
}

// NewCallerActivities returns the caller activities querying the Stigmer service on conn (for
// example from [Dial]).
func NewCallerActivities(conn grpc.ClientConnInterface) *CallerActivities {
	return &CallerActivities{
		Agents:    agentexecutionv1.NewAgentExecutionQueryControllerClient(conn),
		Workflows: workflowexecutionv1.NewWorkflowExecutionQueryControllerClient(conn),
	}
}

// Register registers a's activity on w under [GetExecutionActivityName].
func (a *CallerActivities) Register(w worker.ActivityRegistry) {
	w.RegisterActivityWithOptions(a.GetExecution, activity.RegisterOptions{Name: GetExecutionActivityName})
}

// GetExecution calls get for the execution until its phase is terminal and returns it (an
// *agentexecutionv1.AgentExecution or a *workflowexecutionv1.WorkflowExecution) without
// spec.callback_token, which some services echo and which must stay out of history. Between two gets
// it heartbeats (the details are the last phase seen) and waits with exponential backoff; a
// transient error (UNAVAILABLE, DEADLINE_EXCEEDED, ...) is retried the same way. A permanent
// error fails it with the non-retryable type [ErrTypeGetFailed]; the activity's context ending
// (cancellation, timeout) ends it.
func (a *CallerActivities) GetExecution(ctx context.Context, req GetExecutionRequest) (proto.Message, error) {
	var get func(context.Context) (proto.Message, error)
	switch req.Kind {
	case KindAgentExecution:
		if a.Agents != nil {
			get = func(ctx context.Context) (proto.Message, error) {
				return a.Agents.Get(ctx, &agentexecutionv1.AgentExecutionId{Value: req.ExecutionID}, a.CallOptions...)
			}
		}
	case KindWorkflowExecution:
		if a.Workflows != nil {
			get = func(ctx context.Context) (proto.Message, error) {
				return a.Workflows.Get(ctx, &workflowexecutionv1.WorkflowExecutionId{Value: req.ExecutionID}, a.CallOptions...)
			}
		}
	}
	if get == nil {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("stigmer: no query client for execution kind %q", req.Kind), ErrTypeGetFailed, nil)
	}
	if req.ExecutionID == "" {
		return nil, temporal.NewNonRetryableApplicationError("stigmer: empty execution id", ErrTypeGetFailed, nil)
	}

	logger := activity.GetLogger(ctx)
	wait := durationOr(a.PollInterval, DefaultPollInterval)
	maxWait := durationOr(a.MaxPollInterval, DefaultMaxPollInterval)
	for attempt := 1; ; attempt++ {
		callCtx, cancel := context.WithTimeout(ctx, durationOr(a.GetTimeout, DefaultGetTimeout))
		got, err := get(callCtx)
		cancel()
		phase := int32(0)
		switch {
		case err == nil:
			phase = phaseOf(got)
			if terminalPhase(phase) {
				clearCallbackToken(got) // some services return it: keep it out of history
				logger.Info("Fetched the terminal execution", "execution_id", req.ExecutionID,
					"phase", phase, "gets", attempt)
				return got, nil
			}
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case !CreateFailureRetryable(grpcCode(err)):
			return nil, temporal.NewNonRetryableApplicationError(
				CodeName(grpcCode(err))+": "+grpcMessage(err), ErrTypeGetFailed, nil)
		default:
			logger.Warn("Get of the execution failed, retrying", "execution_id", req.ExecutionID,
				"error", CodeName(grpcCode(err))+": "+grpcMessage(err))
		}
		activity.RecordHeartbeat(ctx, phase)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
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

// Defaults of [TerminalOptions].
const (
	// DefaultGetExecutionStartToClose is the start-to-close timeout of the get-execution activity.
	DefaultGetExecutionStartToClose = 24 * time.Hour
	// DefaultGetExecutionHeartbeat is its heartbeat timeout; it exceeds [DefaultMaxPollInterval].
	DefaultGetExecutionHeartbeat = 2 * time.Minute
)

// TerminalOptions configures [ExecuteToTerminalWithOptions]. The zero value is the default.
type TerminalOptions struct {
	// GetExecution are the activity options of the get-execution activity. Zero timeouts take
	// [DefaultGetExecutionStartToClose] and [DefaultGetExecutionHeartbeat]; an empty task queue is
	// the workflow's (register [CallerActivities] on the caller's worker).
	GetExecution workflow.ActivityOptions
}

// ExecuteToTerminal runs the caller's handshake activity (a function or a name, whose only
// argument is req, as for an activity built on [ExecuteAgentAndWaitPending] or
// [ExecuteWorkflowAndWaitPending]) with the activity options already on ctx, and returns the
// terminal execution: when the execution the service delivered is not terminal (some services
// deliver the execution as created), it fetches the terminal one with the activity
// [GetExecutionActivityName]. The execution it returns never carries spec.callback_token. It is ExecuteToTerminalWithOptions with the zero [TerminalOptions].
//
//	ctx = workflow.WithActivityOptions(ctx, handshake.HandshakeActivityOptions(30*time.Minute))
//	done, err := handshake.ExecuteToTerminal(ctx, a.RunAgent, req)
//	// done.GetStatus().GetMessages() holds the agent's reply.
func ExecuteToTerminal[T Execution](ctx workflow.Context, handshakeActivity any, req T) (T, error) {
	return ExecuteToTerminalWithOptions(ctx, TerminalOptions{}, handshakeActivity, req)
}

// ExecuteToTerminalWithOptions is [ExecuteToTerminal] with options. It also records the
// caller-side metrics [MetricCallerHandshakes] and [MetricCallerHandshakeDuration] (from the
// scheduling of the handshake activity to its resolution) through the workflow's metrics handler.
func ExecuteToTerminalWithOptions[T Execution](ctx workflow.Context, opts TerminalOptions, handshakeActivity any, req T) (T, error) {
	var delivered T
	start := workflow.Now(ctx)
	err := workflow.ExecuteActivity(ctx, handshakeActivity, req).Get(ctx, &delivered)
	recordHandshakeOutcome(workflow.GetMetricsHandler(ctx), handshakeOutcome(err), workflow.Now(ctx).Sub(start))
	if err != nil {
		return delivered, err
	}
	clearCallbackToken(delivered)
	if Terminal(delivered) {
		return delivered, nil
	}
	logger := workflow.GetLogger(ctx)
	id := delivered.GetMetadata().GetId()
	if id == "" {
		logger.Warn("The delivered execution is not terminal and has no id; returning it as delivered",
			"phase", phaseOf(delivered))
		return delivered, nil
	}
	kind := KindAgentExecution
	if _, ok := any(delivered).(*workflowexecutionv1.WorkflowExecution); ok {
		kind = KindWorkflowExecution
	}
	logger.Info("The delivered execution is not terminal, fetching the terminal one",
		"execution_id", id, "phase", phaseOf(delivered))
	ao := opts.GetExecution
	ao.StartToCloseTimeout = durationOr(ao.StartToCloseTimeout, DefaultGetExecutionStartToClose)
	ao.HeartbeatTimeout = durationOr(ao.HeartbeatTimeout, DefaultGetExecutionHeartbeat)
	var final T
	err = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, ao), GetExecutionActivityName,
		GetExecutionRequest{Kind: kind, ExecutionID: id}).Get(ctx, &final)
	if err != nil {
		return delivered, err
	}
	return final, nil
}

// clearCallbackToken removes spec.callback_token from an execution: a service that echoes the
// token (the deployed Stigmer service does, in its completion and its get) must not make the
// caller's workflow carry it further.
func clearCallbackToken(m proto.Message) {
	switch e := m.(type) {
	case *agentexecutionv1.AgentExecution:
		if e.GetSpec() != nil {
			e.Spec.CallbackToken = nil
		}
	case *workflowexecutionv1.WorkflowExecution:
		if e.GetSpec() != nil {
			e.Spec.CallbackToken = nil
		}
	}
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
