package handshake

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// The SDK works on any generated copy of the execution API (its own under adapters/go/gen, or
// Stigmer's github.com/stigmer/stigmer/apis/stubs/go) through protobuf reflection: a message is
// recognised by its full name and read or written by field name, and this package never links a
// generated package of that API, so that a program that links Stigmer's stubs can link it too.
const (
	agentExecutionName    protoreflect.FullName = "ai.stigmer.agentic.agentexecution.v1.AgentExecution"
	workflowExecutionName protoreflect.FullName = "ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution"
)

// RPC methods of the execution API, by path.
const (
	agentGetMethod    = "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryController/get"
	workflowGetMethod = "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryController/get"
	agentIDName       = protoreflect.FullName("ai.stigmer.agentic.agentexecution.v1.AgentExecutionId")
	workflowIDName    = protoreflect.FullName("ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId")
)

// kindOf is the execution kind of m by its full name: [KindAgentExecution],
// [KindWorkflowExecution], or "" for any other message.
func kindOf(m proto.Message) string {
	if m == nil {
		return ""
	}
	switch m.ProtoReflect().Descriptor().FullName() {
	case agentExecutionName:
		return KindAgentExecution
	case workflowExecutionName:
		return KindWorkflowExecution
	}
	return ""
}

// fieldOf returns m's field name, or nil when m's message has none.
func fieldOf(m protoreflect.Message, name protoreflect.Name) protoreflect.FieldDescriptor {
	return m.Descriptor().Fields().ByName(name)
}

// sub returns the submessage name of m for reading (an empty, read-only one when unset or absent).
func sub(m protoreflect.Message, name protoreflect.Name) protoreflect.Message {
	if !m.IsValid() {
		return m
	}
	fd := fieldOf(m, name)
	if fd == nil || fd.Message() == nil || !m.Has(fd) {
		return nil
	}
	return m.Get(fd).Message()
}

// mutableSub returns the submessage name of m for writing (set when unset), or nil when absent.
func mutableSub(m protoreflect.Message, name protoreflect.Name) protoreflect.Message {
	fd := fieldOf(m, name)
	if fd == nil || fd.Message() == nil {
		return nil
	}
	return m.Mutable(fd).Message()
}

func getString(m protoreflect.Message, name protoreflect.Name) string {
	if m == nil || !m.IsValid() {
		return ""
	}
	if fd := fieldOf(m, name); fd != nil && fd.Kind() == protoreflect.StringKind && !fd.IsList() && !fd.IsMap() {
		return m.Get(fd).String()
	}
	return ""
}

func setString(m protoreflect.Message, name protoreflect.Name, v string) {
	if fd := fieldOf(m, name); fd != nil && fd.Kind() == protoreflect.StringKind && !fd.IsList() && !fd.IsMap() {
		m.Set(fd, protoreflect.ValueOfString(v))
	}
}

func setBytes(m protoreflect.Message, name protoreflect.Name, v []byte) {
	if fd := fieldOf(m, name); fd != nil && fd.Kind() == protoreflect.BytesKind && !fd.IsList() {
		m.Set(fd, protoreflect.ValueOfBytes(v))
	}
}

func getEnum(m protoreflect.Message, name protoreflect.Name) int32 {
	if m == nil || !m.IsValid() {
		return 0
	}
	if fd := fieldOf(m, name); fd != nil && fd.Kind() == protoreflect.EnumKind && !fd.IsList() {
		return int32(m.Get(fd).Enum())
	}
	return 0
}

// clearField clears m's field name when m has it.
func clearField(m protoreflect.Message, name protoreflect.Name) {
	if m == nil || !m.IsValid() {
		return
	}
	if fd := fieldOf(m, name); fd != nil {
		m.Clear(fd)
	}
}

// phaseOf is the execution's status.phase (0 for anything else).
func phaseOf(m proto.Message) int32 {
	if kindOf(m) == "" {
		return 0
	}
	return getEnum(sub(m.ProtoReflect(), "status"), "phase")
}

// executionID is the execution's metadata.id.
func executionID(m proto.Message) string {
	if m == nil {
		return ""
	}
	return getString(sub(m.ProtoReflect(), "metadata"), "id")
}

// newMessage returns a new message of the type name registered in protoregistry.GlobalTypes
// (linked by whichever generated copy of the API the program uses).
func newMessage(name protoreflect.FullName) (proto.Message, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(name)
	if err != nil {
		return nil, err
	}
	return mt.New().Interface(), nil
}
