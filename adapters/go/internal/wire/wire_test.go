package wire_test

import (
	"bytes"
	"math/rand"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	executioncontextv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/executioncontext/v1"
	workflowexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/workflowexecution/v1"
)

var deterministic = proto.MarshalOptions{Deterministic: true}

func randomToken(seed int64, n int) []byte {
	token := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(token)
	return token
}

func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := deterministic.Marshal(m)
	if err != nil {
		t.Fatalf("marshal %T: %v", m, err)
	}
	return b
}

func TestAgentSpecWithOneKiBTokenRoundTripsByteForByte(t *testing.T) {
	token := randomToken(42, 1024)
	spec := &agentexecutionv1.AgentExecutionSpec{
		SessionId:       "session-1",
		AgentId:         "agent-1",
		Message:         "héllo ✓",
		ExecutionConfig: &agentexecutionv1.ExecutionConfig{ModelName: "model-x"},
		RuntimeEnv: map[string]*executioncontextv1.ExecutionValue{
			"B": {Value: "2", IsSecret: true},
			"A": {Value: "1"},
		},
		CallbackToken: token,
	}
	encoded := mustMarshal(t, spec)
	decoded := &agentexecutionv1.AgentExecutionSpec{}
	if err := proto.Unmarshal(encoded, decoded); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	if !bytes.Equal(decoded.GetCallbackToken(), token) {
		t.Fatal("callback_token changed in the round trip")
	}
	if again := mustMarshal(t, decoded); !bytes.Equal(again, encoded) {
		t.Fatalf("re-encoding differs:\n%x\n%x", again, encoded)
	}
	if !proto.Equal(spec, decoded) {
		t.Fatal("decoded spec differs from the original")
	}
}

func TestWorkflowSpecWithOneKiBTokenRoundTripsByteForByte(t *testing.T) {
	token := randomToken(7, 1024)
	spec := &workflowexecutionv1.WorkflowExecutionSpec{
		WorkflowId:      "wf-1",
		TriggerMessage:  "go",
		TriggerMetadata: map[string]string{"source": "test"},
		CallbackToken:   token,
	}
	encoded := mustMarshal(t, spec)
	decoded := &workflowexecutionv1.WorkflowExecutionSpec{}
	if err := proto.Unmarshal(encoded, decoded); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	if !bytes.Equal(decoded.GetCallbackToken(), token) {
		t.Fatal("callback_token changed in the round trip")
	}
	if again := mustMarshal(t, decoded); !bytes.Equal(again, encoded) {
		t.Fatal("re-encoding differs")
	}
}

func TestCallbackTokenTags(t *testing.T) {
	cases := []struct {
		name string
		msg  proto.Message
		tag  byte
	}{
		{"agent field 6", &agentexecutionv1.AgentExecutionSpec{CallbackToken: []byte{1, 2, 3}}, 0x32},
		{"workflow field 7", &workflowexecutionv1.WorkflowExecutionSpec{CallbackToken: []byte{1, 2, 3}}, 0x3a},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := mustMarshal(t, tc.msg)
			want := []byte{tc.tag, 3, 1, 2, 3}
			if !bytes.Equal(got, want) {
				t.Fatalf("encoded %x, want %x", got, want)
			}
		})
	}
}

func TestUnknownFieldsSurviveARelay(t *testing.T) {
	known := mustMarshal(t, &agentexecutionv1.AgentExecution{
		ApiVersion: "agentic.stigmer.ai/v1",
		Kind:       "AgentExecution",
		Spec:       &agentexecutionv1.AgentExecutionSpec{Message: "hi"},
	})
	// Field 99, length-delimited: a field a newer service knows and this relay does not.
	unknown := protowire.AppendTag(nil, 99, protowire.BytesType)
	unknown = protowire.AppendBytes(unknown, []byte("future"))
	withUnknown := append(append([]byte{}, known...), unknown...)

	relayed := &agentexecutionv1.AgentExecution{}
	if err := proto.Unmarshal(withUnknown, relayed); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	if !bytes.Equal(relayed.ProtoReflect().GetUnknown(), unknown) {
		t.Fatalf("unknown field not kept: %x", relayed.ProtoReflect().GetUnknown())
	}
	if got := mustMarshal(t, relayed); !bytes.Equal(got, withUnknown) {
		t.Fatalf("re-encoded %x, want %x", got, withUnknown)
	}
}
