package main

import (
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	conformancev1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/conformance/v1"
)

// sdkDataConverter is the data converter a Go caller installs to read every payload a Stigmer
// service sends (binary/protobuf, json/protobuf and the deployed service's json/plain).
func sdkDataConverter() converter.DataConverter {
	return handshake.NewDataConverter()
}

// decodePayload carries out a PayloadRequest: it decodes the payload into req.message_type with
// the SDK's data converter, as a caller's workflow would, and encodes the result
// deterministically.
func decodePayload(req *conformancev1.PayloadRequest) (*conformancev1.PayloadResponse, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(req.GetMessageType()))
	if err != nil {
		return nil, fmt.Errorf("message type %q: %w", req.GetMessageType(), err)
	}
	payload := &commonpb.Payload{Metadata: req.GetMetadata(), Data: req.GetData()}
	decoded := mt.New().Interface()
	if err := sdkDataConverter().FromPayload(payload, decoded); err != nil {
		return nil, fmt.Errorf("decoding the %s payload as %s: %w",
			req.GetMetadata()["encoding"], req.GetMessageType(), err)
	}
	binary, err := deterministic.Marshal(decoded)
	if err != nil {
		return nil, fmt.Errorf("encoding the decoded %s: %w", req.GetMessageType(), err)
	}
	return &conformancev1.PayloadResponse{Binary: binary}, nil
}
