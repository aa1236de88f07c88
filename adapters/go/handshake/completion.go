package handshake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/grpc/codes"

	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
)

// Outcome aliases, so that callers need not spell the generated enum names.
const (
	// OutcomeCompleted: Temporal accepted the completion.
	OutcomeCompleted = sdkv1.CompleteExternalActivityOutcome_COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED
	// OutcomeAlreadyCompleted: Temporal answered NOT_FOUND (token used, activity timed out,
	// workflow closed).
	OutcomeAlreadyCompleted = sdkv1.CompleteExternalActivityOutcome_COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED
	// OutcomeInvalidToken: Temporal answered INVALID_ARGUMENT (garbled or truncated token, token
	// from another namespace).
	OutcomeInvalidToken = sdkv1.CompleteExternalActivityOutcome_COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_INVALID_TOKEN
	// OutcomeEmptyToken: the token was empty and nothing was sent.
	OutcomeEmptyToken = sdkv1.CompleteExternalActivityOutcome_COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN
	// OutcomeTransient: a transient error (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED,
	// ABORTED, INTERNAL, UNKNOWN); worth retrying.
	OutcomeTransient = sdkv1.CompleteExternalActivityOutcome_COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_TRANSIENT
)

// DefaultCompletionTimeout bounds one completion or heartbeat call when [Completer.Timeout] is
// zero. The Temporal client retries transient errors internally until this deadline; after it the
// outcome is TRANSIENT. It fits the one-minute start-to-close timeout of the system activity.
const DefaultCompletionTimeout = contract.TimeoutCompletionRpc

// Metric names (contract section 7). No label ever carries a token or its preview.
const (
	// MetricCompletions counts completion attempts by "status" (the lower-case outcome, or "error").
	MetricCompletions = contract.MetricCompletionsName
	// MetricCompletionDuration times completion attempts by "status".
	MetricCompletionDuration = contract.MetricCompletionDurationName
	// MetricErrors counts failed completion attempts by "error_type".
	MetricErrors = contract.MetricErrorsName
)

// Completer completes, fails, cancels and heartbeats caller activities by task token (contract
// section 4). Without Client it works only inside an activity (see Client). A Completer is safe
// for concurrent use.
type Completer struct {
	// Client is the Temporal client connected to the caller's namespace. Nil: the client of the
	// worker running the activity whose context is given (activity.GetClient), as for the system
	// activity that [NewPlugin] registers.
	Client client.Client
	// Logger receives the completion log lines. Nil: the activity logger when the context is an
	// activity context, else slog.Default().
	Logger log.Logger
	// MetricsHandler receives the completion metrics. Nil: the activity metrics handler when the
	// context is an activity context, else none.
	MetricsHandler client.MetricsHandler
	// Timeout bounds each call to Temporal. Zero: [DefaultCompletionTimeout].
	Timeout time.Duration
}

// NewCompleter returns a [Completer] for the given Temporal client, with default logger, metrics
// and timeout.
func NewCompleter(c client.Client) *Completer { return &Completer{Client: c} }

// CompleteExternalActivity completes the caller's activity named by input.callback_token with
// the result, failure or cancellation in input, using c. It is (&Completer{Client: c}).Complete.
func CompleteExternalActivity(ctx context.Context, c client.Client, input *sdkv1.CompleteExternalActivityInput) (*sdkv1.CompleteExternalActivityResult, error) {
	return NewCompleter(c).Complete(ctx, input)
}

// Complete delivers input to the caller's activity and reports what became of it:
//
//   - a result is sent as the contract's result payload (binary/protobuf unless
//     input.result_encoding asks for json/protobuf), passed to Temporal untouched as a
//     converter.RawValue; no outcome at all completes with a null result;
//   - a failure becomes a temporal.ApplicationError with its message, type, non_retryable flag
//     and details (binary/protobuf payloads);
//   - a cancellation reports the activity cancelled (RespondActivityTaskCanceled) with its
//     details.
//
// The known cases are returned as outcomes with a nil error: COMPLETED, ALREADY_COMPLETED
// (Temporal NOT_FOUND), INVALID_TOKEN (INVALID_ARGUMENT), EMPTY_TOKEN (nothing sent) and
// TRANSIENT (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNKNOWN).
// Any other Temporal error (PERMISSION_DENIED, UNAUTHENTICATED, ...) is returned as an error that
// wraps it, as a [*CompletionError] (errors.As) with Temporal's gRPC code; an input that cannot be
// turned into a completion returns a [*CompletionError] wrapping [ErrInvalidCompletionInput]
// (errors.Is). Neither the result nor the errors ever contain the token, only its
// preview.
func (c *Completer) Complete(ctx context.Context, input *sdkv1.CompleteExternalActivityInput) (*sdkv1.CompleteExternalActivityResult, error) {
	if input == nil {
		return nil, fmt.Errorf("%w: nil CompleteExternalActivityInput", ErrInvalidCompletionInput)
	}
	logger, metrics := c.logger(ctx), c.metrics(ctx)
	token := input.GetCallbackToken()
	preview, digest := TokenPreview(token), TokenDigest(token)
	executionID := input.GetExecutionId()
	start := time.Now()

	if len(token) == 0 {
		return emptyToken(logger, metrics, executionID, start), nil
	}

	var (
		result   any
		failWith error
		kind     string
	)
	switch o := input.GetOutcome().(type) {
	case nil:
		kind = "success"
		result = converter.NewRawValue(nullPayload())
	case *sdkv1.CompleteExternalActivityInput_Result:
		kind = "success"
		p, err := protoPayload(o.Result, input.GetResultEncoding())
		if err != nil {
			return nil, c.invalidInput(logger, metrics, executionID, preview, digest, fmt.Errorf("result: %w", err))
		}
		result = converter.NewRawValue(p)
	case *sdkv1.CompleteExternalActivityInput_Failure:
		kind = "error"
		details, err := detailValues(o.Failure.GetDetails())
		if err != nil {
			return nil, c.invalidInput(logger, metrics, executionID, preview, digest, fmt.Errorf("failure %w", err))
		}
		failWith = temporal.NewApplicationErrorWithOptions(o.Failure.GetMessage(), o.Failure.GetType(),
			temporal.ApplicationErrorOptions{NonRetryable: o.Failure.GetNonRetryable(), Details: details})
	case *sdkv1.CompleteExternalActivityInput_Cancellation:
		kind = "cancellation"
		details, err := detailValues(o.Cancellation.GetDetails())
		if err != nil {
			return nil, c.invalidInput(logger, metrics, executionID, preview, digest, fmt.Errorf("cancellation %w", err))
		}
		failWith = temporal.NewCanceledError(details...)
	default:
		return nil, c.invalidInput(logger, metrics, executionID, preview, digest,
			fmt.Errorf("%w: unknown outcome %T", ErrInvalidCompletionInput, o))
	}

	return c.deliver(ctx, logger, metrics, delivery{
		token: token, executionID: executionID, kind: kind, result: result, failWith: failWith, start: start,
	})
}

// delivery is one completion ready to be sent: a result (kind "success") or an error.
type delivery struct {
	token       []byte
	executionID string
	kind        string // "success", "error" or "cancellation", for the log line
	result      any
	failWith    error
	start       time.Time
}

// completingMessage is the contract's log line for each kind of delivery.
var completingMessage = map[string]string{
	"success":      contract.LogCompletingSuccess.Message,
	"error":        contract.LogCompletingError.Message,
	"cancellation": contract.LogCompletingCancellation.Message,
}

// deliver sends d to Temporal and maps the answer to an outcome (see [Completer.Complete]).
func (c *Completer) deliver(ctx context.Context, logger log.Logger, metrics client.MetricsHandler, d delivery) (*sdkv1.CompleteExternalActivityResult, error) {
	token, executionID, start := d.token, d.executionID, d.start
	preview, digest := TokenPreview(token), TokenDigest(token)
	logger.Info(completingMessage[d.kind], "execution_id", executionID, "token_preview", preview, "token_digest", digest)
	result, failWith := d.result, d.failWith
	callCtx, cancel := context.WithTimeout(ctx, c.timeout())
	err := c.temporalClient(ctx).CompleteActivity(callCtx, token, result, failWith)
	cancel()
	elapsed := time.Since(start)

	if err == nil {
		logger.Info(contract.LogCompleted.Message, "execution_id", executionID, "token_preview", preview, "token_digest", digest)
		recordCompletion(metrics, OutcomeCompleted, "", elapsed)
		return &sdkv1.CompleteExternalActivityResult{Outcome: OutcomeCompleted, TokenPreview: preview}, nil
	}

	code := grpcCode(err)
	outcome, known := completionOutcome(code)
	if !known {
		logger.Error(contract.LogCompletionFailed.Message,
			"execution_id", executionID, "token_preview", preview, "token_digest", digest, "error", err.Error())
		recordCompletion(metrics, sdkv1.CompleteExternalActivityOutcome_COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_UNSPECIFIED,
			strings.ToLower(codeName(code)), elapsed)
		return nil, &CompletionError{Op: "completing", Code: code, TokenPreview: preview, ExecutionID: executionID, Err: err}
	}
	message := codeName(code) + ": " + grpcMessage(err)
	// A known outcome (already completed, invalid token, transient) at the contract's level.
	logger.Warn(contract.LogCompletionFailed.Message, "execution_id", executionID, "token_preview", preview, "token_digest", digest,
		"error", message)
	recordCompletion(metrics, outcome, outcomeName(outcome), elapsed)
	return &sdkv1.CompleteExternalActivityResult{Outcome: outcome, Message: message, TokenPreview: preview}, nil
}

// emptyToken answers EMPTY_TOKEN for a completion without a token: nothing is sent.
func emptyToken(logger log.Logger, metrics client.MetricsHandler, executionID string, start time.Time) *sdkv1.CompleteExternalActivityResult {
	logger.Info(contract.LogNoCallbackToken.Message, "execution_id", executionID)
	recordCompletion(metrics, OutcomeEmptyToken, outcomeName(OutcomeEmptyToken), time.Since(start))
	return &sdkv1.CompleteExternalActivityResult{
		Outcome:      OutcomeEmptyToken,
		Message:      contract.EmptyTokenMessage,
		TokenPreview: TokenPreview(nil),
	}
}

// completionOutcome maps a Temporal error code to its outcome; known is false for the codes that
// are returned as errors.
func completionOutcome(code codes.Code) (outcome sdkv1.CompleteExternalActivityOutcome, known bool) {
	switch code {
	case codes.NotFound:
		return OutcomeAlreadyCompleted, true
	case codes.InvalidArgument:
		return OutcomeInvalidToken, true
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Aborted,
		codes.Internal, codes.Unknown:
		return OutcomeTransient, true
	default:
		return sdkv1.CompleteExternalActivityOutcome_COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_UNSPECIFIED, false
	}
}

func (c *Completer) invalidInput(logger log.Logger, metrics client.MetricsHandler, executionID, preview, digest string, err error) error {
	logger.Error(contract.LogCompletionFailed.Message,
		"execution_id", executionID, "token_preview", preview, "token_digest", digest, "error", err.Error())
	recordCompletion(metrics, sdkv1.CompleteExternalActivityOutcome_COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_UNSPECIFIED,
		"invalid_input", 0)
	return &CompletionError{Op: "completing", TokenPreview: preview, ExecutionID: executionID, Err: err}
}

// outcomeName is the lower-case outcome name used in log fields and metric labels, for example
// "already_completed".
func outcomeName(o sdkv1.CompleteExternalActivityOutcome) string {
	return strings.ToLower(strings.TrimPrefix(o.String(), "COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_"))
}

func recordCompletion(h client.MetricsHandler, outcome sdkv1.CompleteExternalActivityOutcome, errorType string, d time.Duration) {
	h = stigmerMetrics(h)
	status := "error"
	if outcome != sdkv1.CompleteExternalActivityOutcome_COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_UNSPECIFIED {
		status = outcomeName(outcome)
	}
	tagged := h.WithTags(map[string]string{contract.MetricCompletions.Labels[0]: status})
	tagged.Counter(MetricCompletions).Inc(1)
	tagged.Timer(MetricCompletionDuration).Record(d)
	if errorType != "" {
		h.WithTags(map[string]string{contract.MetricErrors.Labels[0]: errorType}).Counter(MetricErrors).Inc(1)
	}
}

func (c *Completer) logger(ctx context.Context) log.Logger {
	switch {
	case c.Logger != nil:
		return c.Logger
	case activity.IsActivity(ctx):
		return activity.GetLogger(ctx)
	default:
		return log.NewStructuredLogger(slog.Default())
	}
}

func (c *Completer) metrics(ctx context.Context) client.MetricsHandler {
	switch {
	case c.MetricsHandler != nil:
		return c.MetricsHandler
	case activity.IsActivity(ctx):
		return activity.GetMetricsHandler(ctx)
	default:
		return client.MetricsNopHandler
	}
}

func (c *Completer) temporalClient(ctx context.Context) client.Client {
	if c.Client == nil && activity.IsActivity(ctx) {
		return activity.GetClient(ctx)
	}
	return c.Client
}

func (c *Completer) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultCompletionTimeout
}

// HeartbeatOutcome is what became of a heartbeat sent for a caller's activity.
type HeartbeatOutcome int

const (
	// HeartbeatUnspecified is the zero value; never returned with a nil error.
	HeartbeatUnspecified HeartbeatOutcome = iota
	// HeartbeatRecorded: Temporal recorded the heartbeat; keep going.
	HeartbeatRecorded
	// HeartbeatCancelRequested: the caller's workflow requested cancellation of the activity. Stop
	// the execution and report the activity cancelled ([CancellationInput]).
	HeartbeatCancelRequested
	// HeartbeatPaused: the activity was paused on the server.
	HeartbeatPaused
	// HeartbeatReset: the activity was reset on the server.
	HeartbeatReset
	// HeartbeatAlreadyCompleted: Temporal answered NOT_FOUND: the activity is closed (completed,
	// timed out, or its workflow closed).
	HeartbeatAlreadyCompleted
	// HeartbeatInvalidToken: Temporal answered INVALID_ARGUMENT: the token is garbled, truncated
	// or from another namespace.
	HeartbeatInvalidToken
	// HeartbeatEmptyToken: the token is empty; nothing was sent.
	HeartbeatEmptyToken
	// HeartbeatTransient: a transient error; retry later.
	HeartbeatTransient
)

var heartbeatOutcomeNames = [...]string{
	"UNSPECIFIED", "RECORDED", "CANCEL_REQUESTED", "PAUSED", "RESET", "ALREADY_COMPLETED",
	"INVALID_TOKEN", "EMPTY_TOKEN", "TRANSIENT",
}

// String returns the upper-case name of the outcome, for example "CANCEL_REQUESTED".
func (o HeartbeatOutcome) String() string {
	if o >= 0 && int(o) < len(heartbeatOutcomeNames) {
		return heartbeatOutcomeNames[o]
	}
	return fmt.Sprintf("HeartbeatOutcome(%d)", int(o))
}

// HeartbeatExternalActivity records a heartbeat for the caller's activity identified by token,
// using c. It is (&Completer{Client: c}).Heartbeat.
func HeartbeatExternalActivity(ctx context.Context, c client.Client, token []byte, details ...any) (HeartbeatOutcome, error) {
	return NewCompleter(c).Heartbeat(ctx, token, details...)
}

// Heartbeat records a heartbeat with details (encoded by the client's data converter) for the
// caller's activity identified by token, through client.RecordActivityHeartbeat. Heartbeating is
// how a service learns that the caller's workflow requested cancellation: the outcome is then
// [HeartbeatCancelRequested]. The known cases return a nil error; other errors are returned as a
// [*CompletionError] that wraps them, with the token preview and never the token.
func (c *Completer) Heartbeat(ctx context.Context, token []byte, details ...any) (HeartbeatOutcome, error) {
	if len(token) == 0 {
		return HeartbeatEmptyToken, nil
	}
	callCtx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	err := c.temporalClient(ctx).RecordActivityHeartbeat(callCtx, token, details...)
	if err == nil {
		return HeartbeatRecorded, nil
	}
	var canceled *temporal.CanceledError
	switch {
	case errors.As(err, &canceled):
		return HeartbeatCancelRequested, nil
	case errors.Is(err, activity.ErrActivityPaused):
		return HeartbeatPaused, nil
	case errors.Is(err, activity.ErrActivityReset):
		return HeartbeatReset, nil
	}
	code := grpcCode(err)
	outcome, known := completionOutcome(code)
	if !known {
		return HeartbeatUnspecified, &CompletionError{Op: "heartbeating", Code: code, TokenPreview: TokenPreview(token), Err: err}
	}
	switch outcome {
	case OutcomeAlreadyCompleted:
		return HeartbeatAlreadyCompleted, nil
	case OutcomeInvalidToken:
		return HeartbeatInvalidToken, nil
	default:
		return HeartbeatTransient, nil
	}
}
