// Package createrules checks agent and workflow execution requests against the create rules: the
// buf.validate constraints declared on the execution API's protos (docs/handshake-contract.md
// section 1.2), with protovalidate, as the Python and Java SDKs and the reference service do.
//
// The rules are read from the SDK's own descriptors, embedded here (execution_api.binpb, written
// by `make generate`) and loaded into a private registry: the handshake package must link beside
// another generated copy of the API (Stigmer's stubs) without registering the same files twice,
// and the rules checked must be the SDK's whatever copy the caller built its request with. A
// request is copied into a dynamic message of the SDK's descriptor through its wire form.
package createrules

import (
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"sync"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

//go:embed execution_api.binpb
var executionAPI []byte

// Violation is one create rule a request breaks: protovalidate's field path and the rule's message.
type Violation struct {
	Field       string
	Description string
}

var (
	files = sync.OnceValues(func() (*protoregistry.Files, error) {
		var set descriptorpb.FileDescriptorSet
		// The buf.validate options parse as known extensions: protovalidate links their types.
		if err := proto.Unmarshal(executionAPI, &set); err != nil {
			return nil, err
		}
		return protodesc.NewFiles(&set)
	})
	validator = sync.OnceValues(func() (protovalidate.Validator, error) { return protovalidate.New() })
)

// Check returns the create rules req breaks, sorted by field path, then description (as every
// SDK sorts them). req is an AgentExecution or WorkflowExecution of any generated copy of the
// API. The error reports a request that cannot be read as one, or rules that cannot be checked.
func Check(req proto.Message) ([]Violation, error) {
	fs, err := files()
	if err != nil {
		return nil, fmt.Errorf("createrules: the embedded descriptors: %w", err)
	}
	name := req.ProtoReflect().Descriptor().FullName()
	found, err := fs.FindDescriptorByName(name)
	if err != nil {
		return nil, fmt.Errorf("createrules: %s is not an execution: %w", name, err)
	}
	desc, ok := found.(protoreflect.MessageDescriptor)
	if !ok {
		return nil, fmt.Errorf("createrules: %s is not a message", name)
	}
	wire, err := proto.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("createrules: %w", err)
	}
	own := dynamicpb.NewMessage(desc)
	if err := proto.Unmarshal(wire, own); err != nil {
		return nil, fmt.Errorf("createrules: %w", err)
	}
	v, err := validator()
	if err != nil {
		return nil, fmt.Errorf("createrules: %w", err)
	}
	err = v.Validate(own)
	if err == nil {
		return nil, nil
	}
	var invalid *protovalidate.ValidationError
	if !errors.As(err, &invalid) {
		return nil, fmt.Errorf("createrules: the rules could not be checked: %w", err)
	}
	violations := make([]Violation, 0, len(invalid.Violations))
	for _, each := range invalid.Violations {
		violations = append(violations,
			Violation{protovalidate.FieldPathString(each.Proto.GetField()), each.Proto.GetMessage()})
	}
	slices.SortStableFunc(violations, func(a, b Violation) int {
		return cmp.Or(cmp.Compare(a.Field, b.Field), cmp.Compare(a.Description, b.Description))
	})
	return violations, nil
}
