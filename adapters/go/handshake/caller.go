package handshake

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpcmetadata "google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
)

// DefaultCreateTimeout is the deadline of the create call when [CreateOptions].Timeout is zero.
const DefaultCreateTimeout = contract.TimeoutCreate

// CreateOptions configures [ExecuteAgentAndWaitPending] and [ExecuteWorkflowAndWaitPending]. The
// zero value is the default.
type CreateOptions struct {
	// Timeout is the deadline of the create call. Zero: [DefaultCreateTimeout]. A shorter
	// deadline already on the activity's context still applies.
	Timeout time.Duration
	// CallOptions are added to the create call (for example per-call credentials).
	CallOptions []grpc.CallOption
}

// ExecuteAgentAndWaitPending starts an agent execution on the Stigmer service and leaves the
// calling activity pending until the service completes it (the token handshake). Call it from a
// Temporal activity:
//
//   - it refuses a local activity with a non-retryable application error of type
//     [FailureTypeLocalActivity], then takes the activity's task token and refuses an empty one with a
//     non-retryable application error of type [FailureTypeEmptyTaskToken] (the code is not running in
//     an activity);
//   - it fills api_version, kind and, when empty, metadata.name ([ExecutionName]) as the deployed
//     Stigmer service requires, and refuses before any call, with a non-retryable application error
//     of type [FailureTypeInvalidRequest], a request that service would refuse for a missing field;
//   - it clones execution (the caller's message is never modified), sets spec.callback_token to the
//     token's raw bytes and writes the idempotency key ([IdempotencyKey]) to
//     metadata.annotations[[IdempotencyKeyAnnotation]] and the [IdempotencyKeyHeader] request
//     metadata;
//   - it calls create with a deadline ([DefaultCreateTimeout] unless [CreateOptions].Timeout) and logs
//     the token preview ([TokenPreview]), digest ([TokenDigest]) and length and the execution id,
//     never the token itself;
//   - on success it returns the service's ACK and [activity.ErrResultPending] itself, unwrapped:
//     the worker recognises pending activities by comparing the returned error with that exact
//     value, so do not wrap it (fmt.Errorf("...: %w", err) would fail the activity instead).
//     Return it from the activity as is, for example `return nil, err` or directly
//     `return handshake.ExecuteAgentAndWaitPending(ctx, c, execution, handshake.CreateOptions{})`;
//   - if create fails, it returns an application error of type [FailureTypeCreateFailed] whose message
//     starts with the gRPC code name, retryable or not by the contract's code table (section 1); the
//     activity then fails at once and does not go pending. When the service's google.rpc.ErrorInfo
//     (domain [ErrorInfoDomain]) gives a reason no retry can overcome (SPEC_TOO_LARGE,
//     IDEMPOTENCY_CONFLICT_OWNER, _REQUEST or _ACTIVITY), the error is the non-retryable
//     [FailureTypeInvalidRequest] instead, whatever the code.
//
// When the execution ends, the caller's activity result is the final
// *agentexecutionv1.AgentExecution, or an application failure.
func ExecuteAgentAndWaitPending[T proto.Message](ctx context.Context, client Creator[T], execution T, opts CreateOptions) (T, error) {
	return executeAndWaitPending(ctx, KindAgentExecution, client, execution, opts)
}

// ExecuteWorkflowAndWaitPending is [ExecuteAgentAndWaitPending] for workflow executions: it starts
// a workflow execution through the WorkflowExecutionCommandController with spec.callback_token set
// to the activity's task token, and returns the ACK and [activity.ErrResultPending] (unwrapped).
// Everything else (idempotency key, deadline, logs, errors) is as for agent executions.
func ExecuteWorkflowAndWaitPending[T proto.Message](ctx context.Context, client Creator[T], execution T, opts CreateOptions) (T, error) {
	return executeAndWaitPending(ctx, KindWorkflowExecution, client, execution, opts)
}

// Creator is the create call of an execution command controller client: the generated
// AgentExecutionCommandControllerClient or WorkflowExecutionCommandControllerClient of any
// generated copy of the API (this SDK's, or Stigmer's github.com/stigmer/stigmer/apis/stubs/go).
type Creator[T proto.Message] interface {
	Create(ctx context.Context, in T, opts ...grpc.CallOption) (T, error)
}

// executeAndWaitPending is the language-neutral part of the caller side. prepare fills the
// (already cloned) request (the deployed-service fields, the idempotency annotation, the token) and
// returns what the deployed service would refuse it for; create sends the request.
func executeAndWaitPending[T proto.Message](ctx context.Context, kind string, client Creator[T], execution T, opts CreateOptions) (T, error) {
	var zero T
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultCreateTimeout
	}
	// The caller's message is never modified; a nil one is an empty request.
	req := execution.ProtoReflect().Type().New().Interface().(T)
	if execution.ProtoReflect().IsValid() {
		req = proto.Clone(execution).(T)
	}
	if kindOf(req) != kind {
		return zero, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("stigmer: %s is not a %s", req.ProtoReflect().Descriptor().FullName(), kind), FailureTypeInvalidRequest, nil)
	}

	if !activity.IsActivity(ctx) {
		return zero, emptyTaskTokenError()
	}
	info := activity.GetInfo(ctx)
	if info.IsLocalActivity {
		return zero, temporal.NewNonRetryableApplicationError(
			"stigmer: ExecuteAgentAndWaitPending and ExecuteWorkflowAndWaitPending cannot run in a local "+
				"activity (it has no task token a service could complete); schedule a regular activity",
			FailureTypeLocalActivity, nil)
	}
	token := info.TaskToken
	if len(token) == 0 {
		return zero, emptyTaskTokenError()
	}
	logger := activity.GetLogger(ctx)
	preview, digest := TokenPreview(token), TokenDigest(token)
	logger.Info(contract.LogTokenTaken.Message,
		"token_preview", preview, "token_digest", digest, "token_length", len(token), "activity_id", info.ActivityID)

	key := IdempotencyKey(info.WorkflowNamespace, info.WorkflowExecution.ID, info.WorkflowExecution.RunID, info.ActivityID)
	violations := prepare(req, kind, key)
	if spec := mutableSub(req.ProtoReflect(), "spec"); spec != nil {
		setBytes(spec, "callback_token", append([]byte(nil), token...))
	}
	if len(violations) > 0 {
		failure := invalidRequestError(kind, violations)
		logger.Warn(contract.LogCreateRefused.Message,
			"activity_id", info.ActivityID, "token_preview", preview, "token_digest", digest,
			"violations", violationsText(violations))
		return zero, failure
	}

	metrics := stigmerMetrics(activity.GetMetricsHandler(ctx))
	metrics.Counter(MetricCallerHandshakesStarted).Inc(1)
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	callCtx = grpcmetadata.AppendToOutgoingContext(callCtx, IdempotencyKeyHeader, key)
	ack, err := client.Create(callCtx, req, opts.CallOptions...)
	if err != nil {
		failure := createFailedError(err)
		code := grpcCode(err)
		reason := refusalReason(err)
		logger.Warn(contract.LogCreateFailed.Message,
			"activity_id", info.ActivityID, "token_preview", preview, "token_digest", digest,
			"code", codeName(code), "retryable", reason == "" && createFailureRetryable(code))
		return zero, failure
	}
	metrics.Counter(MetricCallerHandshakesPending).Inc(1)
	// For the watch of ExecuteToTerminal: the execution id as the pending activity's heartbeat.
	recordExecutionID(ctx, kind, executionID(ack), token)
	started := contract.LogAckAgent.Message
	if kind == KindWorkflowExecution {
		started = contract.LogAckWorkflow.Message
	}
	logger.Info(started,
		"execution_id", executionID(ack), "token_preview", preview, "token_digest", digest,
		"token_length", len(token))
	return ack, activity.ErrResultPending
}

func emptyTaskTokenError() error {
	return temporal.NewNonRetryableApplicationError(
		"stigmer: the activity has no task token; ExecuteAgentAndWaitPending and "+
			"ExecuteWorkflowAndWaitPending must be called from inside a Temporal activity",
		FailureTypeEmptyTaskToken, nil)
}

// createFailureRetryable reports whether a failed create call with this gRPC code is worth
// retrying (contract section 1): UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED,
// INTERNAL, UNKNOWN and CANCELLED are; every other code is not.
func createFailureRetryable(c codes.Code) bool {
	switch c {
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Aborted,
		codes.Internal, codes.Unknown, codes.Canceled:
		return true
	default:
		return false
	}
}

// ErrorInfoDomain is the google.rpc.ErrorInfo domain of the Stigmer service's refusals.
const ErrorInfoDomain = contract.ErrorInfoDomain

// nonRetryableReasons are the google.rpc.ErrorInfo reasons (domain [ErrorInfoDomain]) with which
// the Stigmer service refuses a create that no retry can make succeed, whatever the gRPC code
// (SPEC_TOO_LARGE comes with RESOURCE_EXHAUSTED, which is otherwise retryable). The same list in
// every SDK (docs/handshake-contract.md, section 1).
var nonRetryableReasons = map[string]bool{
	"SPEC_TOO_LARGE":                true,
	"IDEMPOTENCY_CONFLICT_OWNER":    true,
	"IDEMPOTENCY_CONFLICT_REQUEST":  true,
	"IDEMPOTENCY_CONFLICT_ACTIVITY": true,
}

// refusalReason returns the reason of err's google.rpc.ErrorInfo detail of domain
// [ErrorInfoDomain] when it is one that cannot succeed on retry, else "".
func refusalReason(err error) string {
	s, ok := status.FromError(err)
	if !ok {
		return ""
	}
	for _, d := range s.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetDomain() == ErrorInfoDomain && nonRetryableReasons[info.GetReason()] {
			return info.GetReason()
		}
	}
	return ""
}

// createFailedError maps a failed create call to its application error, "<CODE_NAME>: <server
// message>": of type [FailureTypeInvalidRequest], non-retryable, when the service's ErrorInfo says no
// retry can succeed (SPEC_TOO_LARGE, IDEMPOTENCY_CONFLICT_*; the message then ends with
// " (reason <REASON>)"), else of type [FailureTypeCreateFailed], non-retryable unless
// [createFailureRetryable].
func createFailedError(err error) error {
	code := grpcCode(err)
	msg := codeName(code)
	if serverMsg := grpcMessage(err); serverMsg != "" {
		msg += ": " + serverMsg
	}
	if reason := refusalReason(err); reason != "" {
		return temporal.NewNonRetryableApplicationError(msg+" (reason "+reason+")", FailureTypeInvalidRequest, nil)
	}
	return temporal.NewApplicationErrorWithOptions(msg, FailureTypeCreateFailed,
		temporal.ApplicationErrorOptions{NonRetryable: !createFailureRetryable(code)})
}
