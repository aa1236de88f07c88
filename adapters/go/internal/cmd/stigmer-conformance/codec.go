package main

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	// Every message in proto/ must be known to protoregistry.GlobalTypes, including the contents
	// of google.protobuf.Any (resolved by name in JSON and by the completion helpers).
	_ "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	_ "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/executioncontext/v1"
	_ "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/workflowexecution/v1"
	_ "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/commons/apiresource"
	_ "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	_ "google.golang.org/protobuf/types/known/anypb"
	_ "google.golang.org/protobuf/types/known/structpb"

	conformancev1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/conformance/v1"
)

// deterministic is the encoding every output of the codec role uses: fields in field-number order,
// map entries sorted by key, unknown fields kept (after the known ones).
var deterministic = proto.MarshalOptions{Deterministic: true}

// codec carries out a CodecRequest: it decodes req.binary as req.message_type and re-encodes it
// deterministically (unknown fields are kept, as proto.Unmarshal keeps them by default), and
// parses req.json (proto3 JSON, strictly: unknown JSON fields are an error) and encodes that
// deterministically. Any failure is returned as an error.
func codec(req *conformancev1.CodecRequest) (*conformancev1.CodecResponse, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(req.GetMessageType()))
	if err != nil {
		return nil, fmt.Errorf("message type %q: %w", req.GetMessageType(), err)
	}

	decoded := mt.New().Interface()
	if err := (proto.UnmarshalOptions{}).Unmarshal(req.GetBinary(), decoded); err != nil {
		return nil, fmt.Errorf("decoding the binary form of %s: %w", req.GetMessageType(), err)
	}
	reencoded, err := deterministic.Marshal(decoded)
	if err != nil {
		return nil, fmt.Errorf("re-encoding %s: %w", req.GetMessageType(), err)
	}

	parsed := mt.New().Interface()
	if err := protojson.Unmarshal([]byte(req.GetJson()), parsed); err != nil {
		return nil, fmt.Errorf("parsing the JSON form of %s: %w", req.GetMessageType(), err)
	}
	fromJSON, err := deterministic.Marshal(parsed)
	if err != nil {
		return nil, fmt.Errorf("encoding %s parsed from JSON: %w", req.GetMessageType(), err)
	}

	return &conformancev1.CodecResponse{Reencoded: reencoded, FromJson: fromJSON}, nil
}
