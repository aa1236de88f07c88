package handshake

import (
	"fmt"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"

	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
)

// deterministic is the binary encoding of every protobuf payload this package writes.
var deterministic = proto.MarshalOptions{Deterministic: true}

// messageTypeFromTypeURL returns the full message name a google.protobuf.Any type URL names: the
// part after its last "/", for example "ai.stigmer.agentic.agentexecution.v1.AgentExecution" for
// "type.googleapis.com/ai.stigmer.agentic.agentexecution.v1.AgentExecution". The error wraps
// [ErrInvalidCompletionInput] when the URL names no valid message.
func messageTypeFromTypeURL(typeURL string) (protoreflect.FullName, error) {
	name := protoreflect.FullName(typeURL[strings.LastIndexByte(typeURL, '/')+1:])
	if !name.IsValid() {
		return "", fmt.Errorf("%w: type URL %q names no protobuf message", ErrInvalidCompletionInput, typeURL)
	}
	return name, nil
}

// protoPayload builds the Temporal payload that carries the message packed in msg, as the contract
// (section 4, "Result payload") fixes it:
//
//   - [sdkv1.PayloadEncoding_PAYLOAD_ENCODING_BINARY_PROTOBUF] (and UNSPECIFIED, the default):
//     metadata encoding "binary/protobuf", messageType the full message name from the type URL,
//     data the deterministic binary encoding. When the type is registered in
//     protoregistry.GlobalTypes the message is re-encoded deterministically; otherwise msg.Value is
//     taken as it is (it must then already be deterministic), so the completing worker needs no
//     compiled-in knowledge of the type.
//   - [sdkv1.PayloadEncoding_PAYLOAD_ENCODING_JSON_PROTOBUF]: metadata encoding "json/protobuf",
//     messageType as above, data the protojson encoding. The type must be registered in
//     protoregistry.GlobalTypes (link its generated Go package into the worker).
//
// Every Temporal SDK's default data converter decodes the payload into the caller's declared
// result type. Errors wrap [ErrInvalidCompletionInput].
func protoPayload(msg *anypb.Any, encoding sdkv1.PayloadEncoding) (*commonpb.Payload, error) {
	if msg == nil {
		return nil, fmt.Errorf("%w: nil google.protobuf.Any", ErrInvalidCompletionInput)
	}
	name, err := messageTypeFromTypeURL(msg.GetTypeUrl())
	if err != nil {
		return nil, err
	}
	mt, lookupErr := protoregistry.GlobalTypes.FindMessageByName(name)

	var (
		data         []byte
		encodingName string
	)
	switch encoding {
	case sdkv1.PayloadEncoding_PAYLOAD_ENCODING_UNSPECIFIED, sdkv1.PayloadEncoding_PAYLOAD_ENCODING_BINARY_PROTOBUF:
		encodingName = converter.MetadataEncodingProto
		data = msg.GetValue()
		if lookupErr == nil {
			m := mt.New().Interface()
			if err := proto.Unmarshal(msg.GetValue(), m); err != nil {
				return nil, fmt.Errorf("%w: decoding %s: %v", ErrInvalidCompletionInput, name, err)
			}
			if data, err = deterministic.Marshal(m); err != nil {
				return nil, fmt.Errorf("%w: encoding %s: %v", ErrInvalidCompletionInput, name, err)
			}
		}
	case sdkv1.PayloadEncoding_PAYLOAD_ENCODING_JSON_PROTOBUF:
		encodingName = converter.MetadataEncodingProtoJSON
		if lookupErr != nil {
			return nil, fmt.Errorf("%w: JSON encoding needs message type %s in protoregistry.GlobalTypes: %v",
				ErrInvalidCompletionInput, name, lookupErr)
		}
		m := mt.New().Interface()
		if err := proto.Unmarshal(msg.GetValue(), m); err != nil {
			return nil, fmt.Errorf("%w: decoding %s: %v", ErrInvalidCompletionInput, name, err)
		}
		if data, err = protojson.Marshal(m); err != nil {
			return nil, fmt.Errorf("%w: JSON-encoding %s: %v", ErrInvalidCompletionInput, name, err)
		}
	default:
		return nil, fmt.Errorf("%w: unknown result encoding %v", ErrInvalidCompletionInput, encoding)
	}
	if data == nil {
		data = []byte{}
	}
	return &commonpb.Payload{
		Metadata: map[string][]byte{
			converter.MetadataEncoding:    []byte(encodingName),
			converter.MetadataMessageType: []byte(name),
		},
		Data: data,
	}, nil
}

// nullPayload is the payload of a successful completion without a result: what every Temporal
// SDK's default converter writes for null (nil, None).
func nullPayload() *commonpb.Payload {
	return &commonpb.Payload{Metadata: map[string][]byte{
		converter.MetadataEncoding: []byte(converter.MetadataEncodingNil),
	}}
}

// detailValues turns failure or cancellation details into binary/protobuf raw values, one each.
func detailValues(details []*anypb.Any) ([]any, error) {
	values := make([]any, 0, len(details))
	for i, d := range details {
		p, err := protoPayload(d, sdkv1.PayloadEncoding_PAYLOAD_ENCODING_BINARY_PROTOBUF)
		if err != nil {
			return nil, fmt.Errorf("detail %d: %w", i, err)
		}
		values = append(values, converter.NewRawValue(p))
	}
	return values, nil
}

// packMessage packs m into a google.protobuf.Any with the deterministic binary encoding, as
// results and details of a [sdkv1.CompleteExternalActivityInput] should be.
func packMessage(m proto.Message) (*anypb.Any, error) {
	a := &anypb.Any{}
	if err := anypb.MarshalFrom(a, m, deterministic); err != nil {
		return nil, fmt.Errorf("stigmer: packing %T: %w", m, err)
	}
	return a, nil
}

func packAll(ms []proto.Message) ([]*anypb.Any, error) {
	out := make([]*anypb.Any, 0, len(ms))
	for _, m := range ms {
		a, err := packMessage(m)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Failure is how an execution failed, as the caller's activity receives it: a Temporal application
// failure with this Type, Message and NonRetryable flag, and Details delivered as binary/protobuf
// failure details (decoded with temporal.ApplicationError.Details).
type Failure struct {
	// Type is the application failure's type, for example [FailureTypeAgentExecutionFailed]. The
	// caller's retry policy matches it against its NonRetryableErrorTypes.
	Type string
	// Message is the failure's message.
	Message string
	// NonRetryable fails the caller's activity for good, whatever its retry policy.
	NonRetryable bool
	// Details are delivered as binary/protobuf failure details, in order.
	Details []proto.Message
}

// InputOptions are the optional fields of the completion input that [ResultInput],
// [FailureInput] or [CancellationInput] builds. Every completion input takes its parameters in
// the same order, in Go as in Java (docs/handshake-contract.md, "Completion inputs across
// languages"): the callback token, then the outcome (the result, or a [Failure]; a cancellation
// has none), then options. The zero value sets none.
type InputOptions struct {
	// ExecutionID names the Stigmer execution the completion is for (input.execution_id). It is
	// only logged, beside the token preview.
	ExecutionID string
	// ResultEncoding chooses the encoding of a result's payload (input.result_encoding):
	// binary/protobuf (the default) or json/protobuf. Only [ResultInput] accepts it.
	ResultEncoding sdkv1.PayloadEncoding
	// Details are cancellation details, delivered as binary/protobuf details of the caller's
	// temporal.CanceledError. Only [CancellationInput] accepts them: a failure's details go in
	// [Failure].Details.
	Details []proto.Message
}

// inputFor builds a new input for token from opts, refusing options that do not apply to kind.
func inputFor(token []byte, kind string, opts InputOptions) (*sdkv1.CompleteExternalActivityInput, error) {
	if opts.ResultEncoding != sdkv1.PayloadEncoding_PAYLOAD_ENCODING_UNSPECIFIED && kind != "result" {
		return nil, fmt.Errorf("%w: ResultEncoding applies to a result, not to a %s", ErrInvalidCompletionInput, kind)
	}
	if len(opts.Details) > 0 && kind != "cancellation" {
		return nil, fmt.Errorf("%w: Details apply to a cancellation, not to a %s (a failure's details go in Failure.Details)",
			ErrInvalidCompletionInput, kind)
	}
	return &sdkv1.CompleteExternalActivityInput{
		CallbackToken: token, ExecutionId: opts.ExecutionID, ResultEncoding: opts.ResultEncoding,
	}, nil
}

// ResultInput returns the input that completes the caller's activity successfully with result
// (a binary/protobuf payload unless [InputOptions].ResultEncoding asks for json/protobuf). A nil result
// completes it with no result (null). Errors wrap [ErrInvalidCompletionInput] or come from
// packing the result.
//
//	in, err := handshake.ResultInput(token, finalExecution, handshake.InputOptions{ExecutionID: id})
func ResultInput(callbackToken []byte, result proto.Message, opts InputOptions) (*sdkv1.CompleteExternalActivityInput, error) {
	in, err := inputFor(callbackToken, "result", opts)
	if err != nil {
		return nil, err
	}
	if result != nil {
		a, err := packMessage(result)
		if err != nil {
			return nil, err
		}
		in.Outcome = &sdkv1.CompleteExternalActivityInput_Result{Result: a}
	}
	return in, nil
}

// FailureInput returns the input that fails the caller's activity with failure.
//
//	in, err := handshake.FailureInput(token, handshake.Failure{
//		Type: handshake.FailureTypeAgentExecutionFailed, Message: "tool crashed", NonRetryable: true,
//	}, handshake.InputOptions{ExecutionID: id})
func FailureInput(callbackToken []byte, failure Failure, opts InputOptions) (*sdkv1.CompleteExternalActivityInput, error) {
	in, err := inputFor(callbackToken, "failure", opts)
	if err != nil {
		return nil, err
	}
	packed, err := packAll(failure.Details)
	if err != nil {
		return nil, err
	}
	in.Outcome = &sdkv1.CompleteExternalActivityInput_Failure{Failure: &sdkv1.ActivityFailure{
		Message: failure.Message, Type: failure.Type, NonRetryable: failure.NonRetryable, Details: packed,
	}}
	return in, nil
}

// CancellationInput returns the input that reports the caller's activity cancelled, with the
// details of [InputOptions].Details. Use it after a heartbeat answered [HeartbeatCancelRequested].
//
//	in, err := handshake.CancellationInput(token, handshake.InputOptions{ExecutionID: id, Details: []proto.Message{cancelled}})
func CancellationInput(callbackToken []byte, opts InputOptions) (*sdkv1.CompleteExternalActivityInput, error) {
	in, err := inputFor(callbackToken, "cancellation", opts)
	if err != nil {
		return nil, err
	}
	packed, err := packAll(opts.Details)
	if err != nil {
		return nil, err
	}
	in.Outcome = &sdkv1.CompleteExternalActivityInput_Cancellation{
		Cancellation: &sdkv1.ActivityCancellation{Details: packed},
	}
	return in, nil
}
