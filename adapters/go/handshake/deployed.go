package handshake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
)

// FailureTypeAgentExecutionFailed is the type of the non-retryable application error with which a
// caller is failed when a [JSONCompletionInput] carries an Error.
const FailureTypeAgentExecutionFailed = contract.FailureAgentExecutionFailed

// Typed failures of an execution, as a Stigmer service delivers them to the caller's activity
// (non-retryable application errors; the same types in every SDK).
const (
	// FailureTypeAgentExecutionCancelled: the execution was cancelled.
	FailureTypeAgentExecutionCancelled = contract.FailureAgentExecutionCancelled
	// FailureTypeAgentExecutionTimeout: the agent ran past its deadline.
	FailureTypeAgentExecutionTimeout = contract.FailureAgentExecutionTimeout
)

// NoFailureMessage is the message of the failure delivered for a [JSONCompletionInput] whose Error
// carries no message (the deployed service's Go error becomes {} in JSON).
const NoFailureMessage = contract.NoFailureMessage

// JSONCompletionInput is the input that the deployed Stigmer Go service schedules for the system
// activity [SystemActivityName], encoded json/plain by Go's encoding/json:
//
//	{"CallbackToken": "<base64>", "Result": <any JSON or null>, "Error": <object or null>}
//
// [SystemActivities] accepts it beside the proto [sdkv1.CompleteExternalActivityInput], so that a
// worker built on the SDK can serve that service's completions.
type JSONCompletionInput struct {
	// CallbackToken is the caller's task token (Base64 in JSON).
	CallbackToken []byte
	// Result is the execution, as Go's encoding/json wrote it; JSON null or absent for none.
	Result json.RawMessage
	// Error, when present (even {}), fails the caller with [FailureTypeAgentExecutionFailed].
	Error json.RawMessage
}

// present reports whether a JSON value was sent and is not null.
func present(raw json.RawMessage) bool {
	trimmed := bytes.TrimSpace(raw)
	return len(trimmed) > 0 && !bytes.Equal(trimmed, []byte("null"))
}

// CompleteJSON delivers a [JSONCompletionInput] to the caller's activity, as [Completer.Complete]
// delivers the proto input, with the same outcomes:
//
//   - an Error that is present (even {}) fails the caller with a non-retryable application error
//     of type [FailureTypeAgentExecutionFailed] whose message is the error's message (the error itself
//     when it is a JSON string, else the first string under "message", "Message", "msg", "error",
//     "Error", "cause" or "Cause", looking into objects found there), else [NoFailureMessage];
//   - otherwise the Result is delivered as a json/plain payload without the callback tokens the
//     deployed service leaves in it (the caller decodes it with [NewDataConverter] or the other
//     SDKs' converters); no Result delivers null.
func (c *Completer) CompleteJSON(ctx context.Context, input *JSONCompletionInput) (*sdkv1.CompleteExternalActivityResult, error) {
	if input == nil {
		return nil, fmt.Errorf("%w: nil JSONCompletionInput", ErrInvalidCompletionInput)
	}
	logger, metrics := c.logger(ctx), c.metrics(ctx)
	start := time.Now()
	executionID := resultExecutionID(input.Result)
	if len(input.CallbackToken) == 0 {
		return emptyToken(logger, metrics, executionID, start), nil
	}
	d := delivery{token: input.CallbackToken, executionID: executionID, start: start}
	switch {
	case present(input.Error):
		d.kind = "error"
		d.failWith = temporal.NewApplicationErrorWithOptions(failureMessage(input.Error), FailureTypeAgentExecutionFailed,
			temporal.ApplicationErrorOptions{NonRetryable: true})
	case present(input.Result):
		d.kind = "success"
		d.result = converter.NewRawValue(&commonpb.Payload{
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte(converter.MetadataEncodingJSON)},
			Data:     withoutTokens(input.Result),
		})
	default:
		d.kind = "success"
		d.result = converter.NewRawValue(nullPayload())
	}
	return c.deliver(ctx, logger, metrics, d)
}

// resultExecutionID returns metadata.id of a JSON execution, for the log lines; "" if none.
func resultExecutionID(result json.RawMessage) string {
	var e struct {
		Metadata struct {
			ID string `json:"id"`
		} `json:"metadata"`
	}
	if !present(result) || json.Unmarshal(result, &e) != nil {
		return ""
	}
	return e.Metadata.ID
}

// messageKeys are the members a JSON error's message is looked for under, in order (the same in
// every SDK).
var messageKeys = []string{"message", "Message", "msg", "error", "Error", "cause", "Cause"}

// failureMessage finds the message of a JSON error, or [NoFailureMessage].
func failureMessage(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return NoFailureMessage
	}
	if msg := errorMessage(v); msg != "" {
		return msg
	}
	return NoFailureMessage
}

// errorMessage returns a JSON error's message: the string itself, or the first non-empty string
// under one of messageKeys (looking into objects found there); "" if none.
func errorMessage(v any) string {
	switch e := v.(type) {
	case string:
		return e
	case map[string]any:
		for _, k := range messageKeys {
			switch m := e[k].(type) {
			case string:
				if m != "" {
					return m
				}
			case map[string]any:
				if nested := errorMessage(m); nested != "" {
					return nested
				}
			}
		}
	}
	return ""
}

// withoutTokens returns a JSON execution without the callback tokens (spec.callback_token,
// status.callback_token) that the deployed service leaves in it, compact; anything else as it is.
func withoutTokens(result json.RawMessage) json.RawMessage {
	var execution map[string]json.RawMessage
	if json.Unmarshal(result, &execution) != nil {
		return bytes.TrimSpace(result)
	}
	for _, part := range []string{"spec", "status"} {
		var section map[string]json.RawMessage
		if json.Unmarshal(execution[part], &section) != nil {
			continue
		}
		if _, ok := section["callback_token"]; !ok {
			continue
		}
		delete(section, "callback_token")
		if cleaned, err := json.Marshal(section); err == nil {
			execution[part] = cleaned
		}
	}
	cleaned, err := json.Marshal(execution)
	if err != nil {
		return bytes.TrimSpace(result)
	}
	return cleaned
}

// decodeCompletionInput turns the system activity's input payload into either input: the proto
// (binary/protobuf, json/protobuf with unknown fields discarded, or json/plain Go-struct JSON of
// it) or the deployed service's [JSONCompletionInput] (json/plain with a "CallbackToken" member).
func decodeCompletionInput(p *commonpb.Payload) (*sdkv1.CompleteExternalActivityInput, *JSONCompletionInput, error) {
	in := &sdkv1.CompleteExternalActivityInput{}
	wantType := string(in.ProtoReflect().Descriptor().FullName())
	encoding := string(p.GetMetadata()[converter.MetadataEncoding])
	if mt := string(p.GetMetadata()[converter.MetadataMessageType]); mt != "" && mt != wantType &&
		(encoding == converter.MetadataEncodingProto || encoding == converter.MetadataEncodingProtoJSON) {
		return nil, nil, fmt.Errorf("%w: input message type %s, want %s", ErrInvalidCompletionInput, mt, wantType)
	}
	switch encoding {
	case converter.MetadataEncodingProto:
		if err := proto.Unmarshal(p.GetData(), in); err != nil {
			return nil, nil, fmt.Errorf("%w: decoding the binary input: %v", ErrInvalidCompletionInput, err)
		}
		return in, nil, nil
	case converter.MetadataEncodingProtoJSON:
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(p.GetData(), in); err != nil {
			return nil, nil, fmt.Errorf("%w: decoding the JSON input: %v", ErrInvalidCompletionInput, err)
		}
		return in, nil, nil
	case converter.MetadataEncodingJSON:
		var members map[string]json.RawMessage
		if err := json.Unmarshal(p.GetData(), &members); err != nil {
			return nil, nil, fmt.Errorf("%w: decoding the JSON input: %v", ErrInvalidCompletionInput, err)
		}
		if _, ok := members["CallbackToken"]; ok {
			js := &JSONCompletionInput{}
			if err := json.Unmarshal(p.GetData(), js); err != nil {
				return nil, nil, fmt.Errorf("%w: decoding the JSON input: %v", ErrInvalidCompletionInput, err)
			}
			return nil, js, nil
		}
		if err := unmarshalGoJSON(p.GetData(), in); err != nil {
			return nil, nil, fmt.Errorf("%w: decoding the JSON input: %v", ErrInvalidCompletionInput, err)
		}
		return in, nil, nil
	default:
		return nil, nil, fmt.Errorf("%w: input encoding %q", ErrInvalidCompletionInput, encoding)
	}
}
