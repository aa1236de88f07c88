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

// MessageTypeFromTypeURL returns the full message name a google.protobuf.Any type URL names: the
// part after its last "/", for example "ai.stigmer.agentic.agentexecution.v1.AgentExecution" for
// "type.googleapis.com/ai.stigmer.agentic.agentexecution.v1.AgentExecution". The error wraps
// [ErrInvalidCompletionInput] when the URL names no valid message.
func MessageTypeFromTypeURL(typeURL string) (protoreflect.FullName, error) {
	name := protoreflect.FullName(typeURL[strings.LastIndexByte(typeURL, '/')+1:])
	if !name.IsValid() {
		return "", fmt.Errorf("%w: type URL %q names no protobuf message", ErrInvalidCompletionInput, typeURL)
	}
	return name, nil
}

// ProtoPayload builds the Temporal payload that carries the message packed in msg, as the contract
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
func ProtoPayload(msg *anypb.Any, encoding sdkv1.PayloadEncoding) (*commonpb.Payload, error) {
	if msg == nil {
		return nil, fmt.Errorf("%w: nil google.protobuf.Any", ErrInvalidCompletionInput)
	}
	name, err := MessageTypeFromTypeURL(msg.GetTypeUrl())
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
		p, err := ProtoPayload(d, sdkv1.PayloadEncoding_PAYLOAD_ENCODING_BINARY_PROTOBUF)
		if err != nil {
			return nil, fmt.Errorf("detail %d: %w", i, err)
		}
		values = append(values, converter.NewRawValue(p))
	}
	return values, nil
}

// PackMessage packs m into a google.protobuf.Any with the deterministic binary encoding, as
// results and details of a [sdkv1.CompleteExternalActivityInput] should be.
func PackMessage(m proto.Message) (*anypb.Any, error) {
	a := &anypb.Any{}
	if err := anypb.MarshalFrom(a, m, deterministic); err != nil {
		return nil, fmt.Errorf("stigmer: packing %T: %w", m, err)
	}
	return a, nil
}

func packAll(ms []proto.Message) ([]*anypb.Any, error) {
	out := make([]*anypb.Any, 0, len(ms))
	for _, m := range ms {
		a, err := PackMessage(m)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// NewResultInput returns the input that completes the caller's activity successfully with result
// (binary/protobuf payload). A nil result completes it with no result (null).
func NewResultInput(callbackToken []byte, executionID string, result proto.Message) (*sdkv1.CompleteExternalActivityInput, error) {
	in := &sdkv1.CompleteExternalActivityInput{CallbackToken: callbackToken, ExecutionId: executionID}
	if result != nil {
		a, err := PackMessage(result)
		if err != nil {
			return nil, err
		}
		in.Outcome = &sdkv1.CompleteExternalActivityInput_Result{Result: a}
	}
	return in, nil
}

// NewFailureInput returns the input that fails the caller's activity with an application failure
// of the given message and type; details are delivered as binary/protobuf failure details.
func NewFailureInput(callbackToken []byte, executionID, message, failureType string, nonRetryable bool, details ...proto.Message) (*sdkv1.CompleteExternalActivityInput, error) {
	packed, err := packAll(details)
	if err != nil {
		return nil, err
	}
	return &sdkv1.CompleteExternalActivityInput{
		CallbackToken: callbackToken,
		ExecutionId:   executionID,
		Outcome: &sdkv1.CompleteExternalActivityInput_Failure{Failure: &sdkv1.ActivityFailure{
			Message: message, Type: failureType, NonRetryable: nonRetryable, Details: packed,
		}},
	}, nil
}

// NewCancellationInput returns the input that reports the caller's activity cancelled, with the
// given details. Use it after a heartbeat answered [HeartbeatCancelRequested].
func NewCancellationInput(callbackToken []byte, executionID string, details ...proto.Message) (*sdkv1.CompleteExternalActivityInput, error) {
	packed, err := packAll(details)
	if err != nil {
		return nil, err
	}
	return &sdkv1.CompleteExternalActivityInput{
		CallbackToken: callbackToken,
		ExecutionId:   executionID,
		Outcome: &sdkv1.CompleteExternalActivityInput_Cancellation{
			Cancellation: &sdkv1.ActivityCancellation{Details: packed},
		},
	}, nil
}
