package handshake

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
)

// SystemActivityName is the name the completion system activity is registered under, in every
// Stigmer SDK, so that a workflow in one language can schedule it on a worker in another.
const SystemActivityName = contract.ActivitySystem

// SystemActivities holds the completion system activity. Register it with
// [RegisterSystemActivities] (or worker.RegisterActivityWithOptions under [SystemActivityName]).
type SystemActivities struct {
	// Completer does the work. Its Logger and MetricsHandler may be nil: the activity's are used.
	Completer *Completer
}

// NewSystemActivities returns the system activities completing through the Temporal client c,
// which must be connected to the namespace of the callers' activities.
func NewSystemActivities(c client.Client) *SystemActivities {
	return &SystemActivities{Completer: NewCompleter(c)}
}

// RegisterSystemActivities registers the completion system activity on w under
// [SystemActivityName], completing through the Temporal client c.
func RegisterSystemActivities(w worker.ActivityRegistry, c client.Client) {
	NewSystemActivities(c).Register(w)
}

// Register registers a's completion activity on w under [SystemActivityName]: the one that
// accepts both inputs ([SystemActivities.CompletePayload]).
func (a *SystemActivities) Register(w worker.ActivityRegistry) {
	w.RegisterActivityWithOptions(a.CompletePayload, activity.RegisterOptions{Name: SystemActivityName})
}

// CompletePayload is the system activity as registered: it accepts both the proto
// [sdkv1.CompleteExternalActivityInput] (binary/protobuf, json/protobuf, or its Go-struct JSON)
// and the deployed Stigmer Go service's [JSONCompletionInput] (json/plain), so that one worker
// serves the workflows of both. It then behaves as [SystemActivities.CompleteExternalActivity]
// (the JSON input through [Completer.CompleteJSON]); an undecodable input fails it with the
// non-retryable type [FailureTypeCompletionInvalidInput].
func (a *SystemActivities) CompletePayload(ctx context.Context, input converter.RawValue) (*sdkv1.CompleteExternalActivityResult, error) {
	in, js, err := decodeCompletionInput(input.Payload())
	if err != nil {
		return activityOutcome(nil, err)
	}
	if js != nil {
		return activityOutcome(a.Completer.CompleteJSON(ctx, js))
	}
	return a.CompleteExternalActivity(ctx, in)
}

// CompleteExternalActivity is the system activity (contract section 5). It completes the caller's
// activity as [Completer.Complete] does and returns the outcomes COMPLETED, ALREADY_COMPLETED,
// INVALID_TOKEN and EMPTY_TOKEN as its result. On TRANSIENT it fails with a retryable application
// error of type [FailureTypeCompletionTransient], so that Temporal retries it; an input that cannot be
// turned into a completion fails it with the non-retryable type [FailureTypeCompletionInvalidInput];
// other errors fail it as they are.
func (a *SystemActivities) CompleteExternalActivity(ctx context.Context, input *sdkv1.CompleteExternalActivityInput) (*sdkv1.CompleteExternalActivityResult, error) {
	return activityOutcome(a.Completer.Complete(ctx, input))
}

// activityOutcome turns a completion's outcome into the system activity's result or error.
func activityOutcome(result *sdkv1.CompleteExternalActivityResult, err error) (*sdkv1.CompleteExternalActivityResult, error) {
	if err != nil {
		if errors.Is(err, ErrInvalidCompletionInput) {
			return nil, temporal.NewNonRetryableApplicationError(err.Error(), FailureTypeCompletionInvalidInput, nil)
		}
		return nil, err
	}
	if result.GetOutcome() == OutcomeTransient {
		return nil, temporal.NewApplicationErrorWithOptions(
			"TRANSIENT: "+result.GetMessage()+" (token "+result.GetTokenPreview()+")",
			FailureTypeCompletionTransient, temporal.ApplicationErrorOptions{})
	}
	return result, nil
}

// Defaults of [CompleteCallerOptions].
const (
	// DefaultSystemActivityStartToClose is the start-to-close timeout of the system activity.
	DefaultSystemActivityStartToClose = contract.TimeoutSystemActivityStartToClose
	// DefaultSystemActivityMaximumAttempts is the maximum number of attempts of the system activity.
	DefaultSystemActivityMaximumAttempts = contract.RetrySystemActivityMaximumAttempts
)

// SystemActivityInput is input as the contract sends it to the system activity: binary/protobuf
// with its messageType, whatever the workflow's data converter prefers (Go's default puts
// json/protobuf first, which a Python or Java worker lacking the result's type cannot read). Pass
// it to workflow.ExecuteActivity with [SystemActivityName]; [CompleteCaller] does.
func SystemActivityInput(input *sdkv1.CompleteExternalActivityInput) (converter.RawValue, error) {
	payload, err := converter.NewProtoPayloadConverter().ToPayload(input)
	if err != nil {
		return converter.RawValue{}, err
	}
	return converter.NewRawValue(payload), nil
}

// CompleteCallerOptions configures [CompleteCaller]. The zero value is the contract's
// default: the workflow's task queue, start-to-close 1 minute, at most 3 attempts.
type CompleteCallerOptions struct {
	// TaskQueue of the worker that runs the system activity. Empty: the workflow's task queue.
	TaskQueue string
	// StartToCloseTimeout of each attempt. Zero: [DefaultSystemActivityStartToClose].
	StartToCloseTimeout time.Duration
	// MaximumAttempts of the system activity. Zero: [DefaultSystemActivityMaximumAttempts].
	MaximumAttempts int32
}

// CompleteCaller completes the caller's activity from a workflow: workflow code must
// stay deterministic and cannot call the Temporal client, so it schedules the system activity
// [SystemActivityName]. The semantics follow contract section 5 and depend on the input:
//
//   - Success path (input carries a result, or no outcome): an outcome other than COMPLETED,
//     ALREADY_COMPLETED or EMPTY_TOKEN, or the system activity failing after its retries, returns a
//     non-retryable application error of type [FailureTypeCompletionFailed]; return it from the
//     workflow so that the workflow fails. ALREADY_COMPLETED is logged as a warning (the caller
//     has moved on) and is not an error.
//   - Failure path (input carries a failure or a cancellation): a completion problem is logged and
//     the error is always nil, so that the execution's original error stands. The result is nil
//     when the system activity failed.
//
// An empty callback token (a fire-and-forget execution) schedules nothing and returns EMPTY_TOKEN.
func CompleteCaller(ctx workflow.Context, input *sdkv1.CompleteExternalActivityInput, opts CompleteCallerOptions) (*sdkv1.CompleteExternalActivityResult, error) {
	logger := workflow.GetLogger(ctx)
	preview, digest := TokenPreview(input.GetCallbackToken()), TokenDigest(input.GetCallbackToken())
	executionID := input.GetExecutionId()
	successPath := true
	switch input.GetOutcome().(type) {
	case *sdkv1.CompleteExternalActivityInput_Failure, *sdkv1.CompleteExternalActivityInput_Cancellation:
		successPath = false
	}

	if len(input.GetCallbackToken()) == 0 {
		logger.Info(contract.LogNoCallbackToken.Message, "execution_id", executionID)
		return &sdkv1.CompleteExternalActivityResult{
			Outcome:      OutcomeEmptyToken,
			Message:      contract.EmptyTokenMessage,
			TokenPreview: preview,
		}, nil
	}

	if successPath {
		logger.Info(contract.LogCompletingSuccess.Message, "execution_id", executionID, "token_preview", preview, "token_digest", digest)
	} else {
		logger.Info(contract.LogCompletingError.Message, "execution_id", executionID, "token_preview", preview, "token_digest", digest)
	}

	ao := workflow.ActivityOptions{
		TaskQueue:           opts.TaskQueue,
		StartToCloseTimeout: opts.StartToCloseTimeout,
		RetryPolicy:         retryPolicy(contract.RetrySystemActivity),
	}
	if ao.StartToCloseTimeout <= 0 {
		ao.StartToCloseTimeout = DefaultSystemActivityStartToClose
	}
	if opts.MaximumAttempts > 0 {
		ao.RetryPolicy.MaximumAttempts = opts.MaximumAttempts
	}

	payload, err := SystemActivityInput(input)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(
			"stigmer: encoding the system activity's input: "+err.Error(), FailureTypeCompletionFailed, err)
	}
	var result *sdkv1.CompleteExternalActivityResult
	err = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, ao), SystemActivityName, payload).Get(ctx, &result)
	if err != nil {
		logger.Error(contract.LogCompletionFailed.Message,
			"execution_id", executionID, "token_preview", preview, "token_digest", digest, "error", err.Error())
		if !successPath {
			return nil, nil
		}
		return nil, temporal.NewNonRetryableApplicationError(
			"stigmer: completing the caller's activity failed (token "+preview+")", FailureTypeCompletionFailed, err)
	}

	switch result.GetOutcome() {
	case OutcomeCompleted, OutcomeEmptyToken:
		return result, nil
	case OutcomeAlreadyCompleted:
		logger.Warn(contract.LogAlreadyCompleted.Message,
			"execution_id", executionID, "token_preview", preview, "token_digest", digest)
		return result, nil
	}
	// A known outcome (invalid token, transient) at the contract's level; ERROR is for the unknown.
	logger.Warn(contract.LogCompletionFailed.Message, "execution_id", executionID, "token_preview", preview, "token_digest", digest,
		"error", outcomeName(result.GetOutcome())+": "+result.GetMessage())
	if !successPath {
		return result, nil
	}
	return result, temporal.NewNonRetryableApplicationError(
		"stigmer: completing the caller's activity failed: "+result.GetOutcome().String()+": "+result.GetMessage()+
			" (token "+preview+")", FailureTypeCompletionFailed, nil)
}

// ActivityOptions returns the activity options for a caller activity that uses
// [ExecuteAgentAndWaitPending] or [ExecuteWorkflowAndWaitPending] (contract section 6):
//
//   - start-to-close 2 × expectedDuration + 5 minutes, or 24 hours when expectedDuration is
//     unknown (zero or negative);
//   - retry policy: initial interval 1 s, backoff 2.0, maximum interval 1 minute, at most 3
//     attempts, [FailureTypeEmptyTaskToken], [FailureTypeLocalActivity] and [FailureTypeInvalidRequest]
//     non-retryable (permanent create failures are already flagged non-retryable). Retries are safe: a retry re-sends the same idempotency key with its
//     new token, and the service moves the existing execution to that token;
//   - no heartbeat timeout. Set HeartbeatTimeout yourself when the service relays heartbeats.
func ActivityOptions(expectedDuration time.Duration) workflow.ActivityOptions {
	startToClose := contract.TimeoutHandshakeUnknownDurationStartToClose
	if expectedDuration > 0 {
		startToClose = 2*expectedDuration + contract.TimeoutHandshakeStartToCloseMargin
	}
	return workflow.ActivityOptions{
		StartToCloseTimeout: startToClose,
		RetryPolicy:         retryPolicy(contract.RetryHandshakeActivity),
	}
}

// retryPolicy is the Temporal retry policy of one of the contract's policies, with its own copy
// of the non-retryable types.
func retryPolicy(p contract.RetryPolicy) *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:        p.InitialInterval,
		BackoffCoefficient:     p.Backoff,
		MaximumInterval:        p.MaximumInterval,
		MaximumAttempts:        p.MaximumAttempts,
		NonRetryableErrorTypes: append([]string(nil), p.NonRetryable...),
	}
}
