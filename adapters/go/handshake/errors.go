package handshake

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
)

// Application failure types written by this package. They are part of the cross-language contract:
// the Python and Java SDKs use the same strings.
const (
	// FailureTypeEmptyTaskToken is the type of the non-retryable application error returned when the
	// caller's activity has no task token, which means the code is not running inside an activity.
	FailureTypeEmptyTaskToken = contract.FailureEmptyTaskToken
	// FailureTypeLocalActivity is the type of the non-retryable application error returned when the
	// handshake is called from a local activity: a local activity has no task token that a service
	// could complete, so it can never be left pending.
	FailureTypeLocalActivity = contract.FailureLocalActivity
	// FailureTypeInvalidRequest is the type of the non-retryable application error returned before any
	// call when the create request lacks what the deployed Stigmer service requires and the SDK
	// cannot fill (for an agent execution: spec.message, and spec.agent_id or spec.session_id).
	FailureTypeInvalidRequest = contract.FailureInvalidRequest
	// FailureTypeCreateFailed is the type of the application error returned when the service's create
	// call fails. It is retryable or not depending on the gRPC code (contract section 1: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNKNOWN and CANCELLED are).
	FailureTypeCreateFailed = contract.FailureCreateFailed
	// FailureTypeCompletionTransient is the type of the retryable application error with which the system
	// activity fails on a transient completion error, so that Temporal retries it.
	FailureTypeCompletionTransient = contract.FailureCompletionTransient
	// FailureTypeCompletionInvalidInput is the type of the non-retryable application error with which the
	// system activity fails when its input cannot be turned into a completion (for example a result
	// whose type URL names no message, or a JSON result whose type is not linked into the worker).
	// Retrying would not help.
	FailureTypeCompletionInvalidInput = contract.FailureCompletionInvalidInput
	// FailureTypeCompletionFailed is the type of the non-retryable application error returned by
	// [CompleteCaller] on the success path when the caller could not be completed.
	FailureTypeCompletionFailed = contract.FailureCompletionFailed
)

// Where the idempotency key is sent (contract section 1).
const (
	// IdempotencyKeyHeader is the gRPC request metadata key that carries the idempotency key.
	IdempotencyKeyHeader = contract.HeaderIdempotencyKey
	// IdempotencyKeyAnnotation is the metadata.annotations key that carries the idempotency key.
	IdempotencyKeyAnnotation = contract.AnnotationIdempotencyKey
)

// The result-encoding declaration (contract, "Result encoding"): every create of a Stigmer SDK
// declares that its caller decodes binary/protobuf, so the reference service delivers the terminal
// execution in that encoding; a caller without the annotation (Stigmer's own Go workflow runner,
// which decodes into any) gets json/plain in the deployed Go service's shape.
const (
	// ResultEncodingAnnotation is the metadata.annotations key of the declaration.
	ResultEncodingAnnotation = contract.AnnotationResultEncoding
	// ResultEncodingBinaryProtobuf is its value: the caller decodes binary/protobuf.
	ResultEncodingBinaryProtobuf = contract.PayloadResultEncodingDeclared
)

// ErrInvalidCompletionInput is wrapped by the errors [CompleteExternalActivity] returns when its
// input cannot be turned into a Temporal completion: a nil input, a result or detail with an empty
// or malformed type URL, or a JSON-encoded result whose message type is not registered in
// protoregistry.GlobalTypes. Test with errors.Is.
var ErrInvalidCompletionInput = errors.New("stigmer: invalid completion input")

// CompletionError is the error with which [Completer.Complete], [Completer.CompleteJSON] and
// [Completer.Heartbeat] (and the functions built on them) report a completion that is none of the
// known outcomes: Temporal refused the call for another reason (PERMISSION_DENIED,
// UNAUTHENTICATED, ...), or the input cannot be turned into a completion (it then wraps
// [ErrInvalidCompletionInput], and Code is codes.OK: nothing was sent). It carries the token's
// preview, never the token. Test with errors.As; it is the Python SDK's CompletionError and the
// Java SDK's completion exception.
type CompletionError struct {
	// Op is what failed: "completing" or "heartbeating".
	Op string
	// Code is the gRPC code of Temporal's answer; codes.OK when nothing was sent.
	Code codes.Code
	// TokenPreview identifies the caller's activity ([TokenPreview]).
	TokenPreview string
	// ExecutionID is the Stigmer execution the completion was for, when known.
	ExecutionID string
	// Err is the underlying error.
	Err error
}

func (e *CompletionError) Error() string {
	msg := "stigmer: " + e.Op + " external activity (token " + e.TokenPreview
	if e.ExecutionID != "" {
		msg += ", execution " + e.ExecutionID
	}
	return msg + "): " + e.Err.Error()
}

func (e *CompletionError) Unwrap() error { return e.Err }

// grpcCode returns the gRPC status code of err: from a Temporal serviceerror (which carries a
// status), any error with a gRPC status, or a context error. Other errors are codes.Unknown.
func grpcCode(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	var withStatus interface{ Status() *status.Status }
	if errors.As(err, &withStatus) && withStatus.Status() != nil {
		return withStatus.Status().Code()
	}
	if s, ok := status.FromError(err); ok {
		return s.Code()
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		return codes.Canceled
	}
	return codes.Unknown
}

// grpcMessage returns the server's message of err when it carries a gRPC status, else err.Error().
func grpcMessage(err error) string {
	var withStatus interface{ Status() *status.Status }
	if errors.As(err, &withStatus) && withStatus.Status() != nil {
		return withStatus.Status().Message()
	}
	if s, ok := status.FromError(err); ok {
		return s.Message()
	}
	return err.Error()
}

// codeNames are the canonical upper-case names of the gRPC codes, as in the gRPC specification
// (codes.Code.String returns CamelCase names instead).
var codeNames = map[codes.Code]string{
	codes.OK:                 "OK",
	codes.Canceled:           "CANCELLED",
	codes.Unknown:            "UNKNOWN",
	codes.InvalidArgument:    "INVALID_ARGUMENT",
	codes.DeadlineExceeded:   "DEADLINE_EXCEEDED",
	codes.NotFound:           "NOT_FOUND",
	codes.AlreadyExists:      "ALREADY_EXISTS",
	codes.PermissionDenied:   "PERMISSION_DENIED",
	codes.ResourceExhausted:  "RESOURCE_EXHAUSTED",
	codes.FailedPrecondition: "FAILED_PRECONDITION",
	codes.Aborted:            "ABORTED",
	codes.OutOfRange:         "OUT_OF_RANGE",
	codes.Unimplemented:      "UNIMPLEMENTED",
	codes.Internal:           "INTERNAL",
	codes.Unavailable:        "UNAVAILABLE",
	codes.DataLoss:           "DATA_LOSS",
	codes.Unauthenticated:    "UNAUTHENTICATED",
}

// codeName returns the canonical upper-snake-case name of a gRPC code, for example
// "INVALID_ARGUMENT" or "CANCELLED", as used at the start of STIGMER_CREATE_FAILED messages.
// Codes outside the gRPC specification are named "Code(<n>)".
func codeName(c codes.Code) string {
	if name, ok := codeNames[c]; ok {
		return name
	}
	return c.String()
}
