package handshake_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// sharedTestdata is the path of a file in the repository's testdata/ folder: go test runs in the
// package's directory, and the folder is found by walking up from there (Go's embed cannot reach
// a parent directory).
func sharedTestdata(t *testing.T, parts ...string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		candidate := filepath.Join(append([]string{dir, "testdata"}, parts...)...)
		if _, err := os.Stat(candidate); err == nil {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no testdata/%s above the package directory", filepath.Join(parts...))
		}
		dir = parent
	}
}

// capturedPayload reads one of the deployed Stigmer service's payloads (the repository's
// testdata/deployed-service, shared by every language's tests) as a Temporal payload.
func capturedPayload(t *testing.T, name string) *commonpb.Payload {
	t.Helper()
	raw, err := os.ReadFile(sharedTestdata(t, "deployed-service", name))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Metadata map[string]string `json:"metadata"`
		Data     json.RawMessage   `json:"data"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	p := &commonpb.Payload{Metadata: map[string][]byte{}, Data: doc.Data}
	for k, v := range doc.Metadata {
		p.Metadata[k] = []byte(v)
	}
	return p
}

func TestDataConverterDecodesDeployedJSONPlainCompletion(t *testing.T) {
	p := capturedPayload(t, "completion-success.json")
	if got := string(p.GetMetadata()["encoding"]); got != "json/plain" {
		t.Fatalf("captured encoding %q", got)
	}
	var got *agentexecutionv1.AgentExecution
	if err := handshake.NewDataConverter().FromPayload(p, &got); err != nil {
		t.Fatal(err)
	}
	token, _ := base64.StdEncoding.DecodeString("CiQnCV+wm3M8t/Mtdv75hYEWwARXTMrKzi9rLVlpwqMaChiBhH3VT/EYDmSkaK5GWJzbp4rjKogZi3cUbGb1e9GhRYfV06Wh5KGflwXRXc/hiQblMkTJWLJ1f/k81Cj5VUcTYU2l2BXvrXFO4sv+EvgXyF6Hy/RraAzfQRdgzF+kNopjgmrHMA==")
	switch {
	case got.GetApiVersion() != "agentic.stigmer.ai/v1" || got.GetKind() != "AgentExecution":
		t.Fatalf("api_version %q kind %q", got.GetApiVersion(), got.GetKind())
	case got.GetMetadata().GetId() != "aex-01m8r54we0wrtb949nvtg43c2h" || got.GetMetadata().GetName() != "interop-raw":
		t.Fatalf("metadata %v", got.GetMetadata())
	case got.GetMetadata().GetAnnotations()[handshake.IdempotencyKeyAnnotation] != "v1:b387d4532a32de8a31e4b37c390bb9c2e8ef4a4922a4c512f3c98daa8164c149":
		t.Fatalf("annotations %v", got.GetMetadata().GetAnnotations())
	case got.GetSpec().GetAgentId() != "agt-01m8r535a66j1kqchbr2njr6tg" || got.GetSpec().GetMessage() != "hello raw" ||
		got.GetSpec().GetSessionId() != "ses-01m8r54weggdskmfr8g1055p4n":
		t.Fatalf("spec %v", got.GetSpec())
	case !bytes.Equal(got.GetSpec().GetCallbackToken(), token) || len(token) == 0:
		t.Fatal("spec.callback_token is not the Base64-decoded token")
	case got.GetStatus().GetPhase() != agentexecutionv1.ExecutionPhase_EXECUTION_PENDING:
		t.Fatalf("phase %v, want PENDING (the enum number 1)", got.GetStatus().GetPhase())
	}
	// Timestamps as {"seconds", "nanos"}, nested messages, strings (the deployed schema's audit).
	audit := got.GetStatus().GetAudit().GetSpecAudit()
	if audit.GetCreatedAt().GetSeconds() != 1796107039 || audit.GetCreatedAt().GetNanos() != 168535530 ||
		audit.GetCreatedBy().GetId() != "system" || audit.GetEvent() != "created" {
		t.Fatalf("status.audit.spec_audit %v", audit)
	}
	// Temporal's default converter cannot be trusted with it (the reason for the converter).
	var plain *agentexecutionv1.AgentExecution
	if err := converter.GetDefaultDataConverter().FromPayload(p, &plain); err == nil && proto.Equal(plain, got) {
		t.Log("note: the default converter happened to decode this payload as well")
	}
}

// richExecution uses every shape the Go-struct JSON has: maps of messages, repeated messages,
// enums, bytes, a Timestamp inside an Any, a oneof (in CompleteExternalActivityInput) and Struct.
func richExecution() *agentexecutionv1.AgentExecution {
	e := sampleExecution()
	e.Spec.CallbackToken = []byte{0, 1, 2, 0xfe, 0xff}
	e.Status.Messages = append(e.Status.Messages, &agentexecutionv1.AgentMessage{Type: agentexecutionv1.MessageType_MESSAGE_HUMAN, Content: "q"})
	return e
}

func TestGoJSONRoundTripsGeneratedStructs(t *testing.T) {
	exec := richExecution()
	// What the deployed Go service does: encoding/json of the generated struct.
	data, err := json.Marshal(exec)
	if err != nil {
		t.Fatal(err)
	}
	var got agentexecutionv1.AgentExecution
	if err := handshake.UnmarshalGoJSON(data, &got); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(&got, exec) {
		t.Fatalf("decoded %v, want %v", &got, exec)
	}

	// A oneof holding an Any, and google.protobuf.Struct and Timestamp in Go-struct form.
	packed, err := handshake.PackMessage(exec)
	if err != nil {
		t.Fatal(err)
	}
	in := &sdkv1.CompleteExternalActivityInput{
		CallbackToken: []byte("tok"), ExecutionId: "aex-1",
		ResultEncoding: sdkv1.PayloadEncoding_PAYLOAD_ENCODING_JSON_PROTOBUF,
		Outcome:        &sdkv1.CompleteExternalActivityInput_Result{Result: packed},
	}
	data, err = json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var gotIn sdkv1.CompleteExternalActivityInput
	if err := handshake.UnmarshalGoJSON(data, &gotIn); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(&gotIn, in) {
		t.Fatalf("decoded %v, want %v", &gotIn, in)
	}
	st, err := structpb.NewStruct(map[string]any{"a": 1.5, "b": []any{"x", true, nil}, "c": map[string]any{"d": "e"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []proto.Message{st, timestamppb.New(timestamppb.Now().AsTime())} {
		data, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got := m.ProtoReflect().New().Interface()
		if err := handshake.UnmarshalGoJSON(data, got); err != nil {
			t.Fatalf("%T: %v", m, err)
		}
		if !proto.Equal(got, m) {
			t.Fatalf("%T: decoded %v, want %v (from %s)", m, got, m, data)
		}
	}
}

func TestGoJSONIgnoresUnknownAndAcceptsProtoJSONForms(t *testing.T) {
	data := []byte(`{"api_version":"agentic.stigmer.ai/v1","future_field":{"x":[1,2]},"metadata":{"id":"a","owner_scope":2,"future_version":9},
		"spec":{"agentId":"agt","message":"m"},"status":{"phase":"EXECUTION_COMPLETED","future_audit":{"spec_audit":{}},"messages":[{"type":2,"content":"hi","future_calls":[]}]}}`)
	var got agentexecutionv1.AgentExecution
	if err := handshake.UnmarshalGoJSON(data, &got); err != nil {
		t.Fatal(err)
	}
	if got.GetMetadata().GetId() != "a" || got.GetSpec().GetAgentId() != "agt" ||
		got.GetStatus().GetPhase() != agentexecutionv1.ExecutionPhase_EXECUTION_COMPLETED ||
		got.GetStatus().GetMessages()[0].GetContent() != "hi" {
		t.Fatalf("decoded %v", &got)
	}
	for _, bad := range []string{`[1]`, `{"spec":"x"}`, `{"status":{"phase":true}}`, `{"spec":{"callback_token":"%%%"}}`, `{`} {
		if err := handshake.UnmarshalGoJSON([]byte(bad), &got); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestDataConverterDecodesEveryEncoding(t *testing.T) {
	exec := richExecution()
	dc := handshake.NewDataConverter()

	// json/protobuf with a field this schema lacks (a newer service's): the default converter
	// refuses it, ours ignores it.
	js, err := protojson.Marshal(exec)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	doc["status"].(map[string]any)["futureAudit"] = map[string]any{"specAudit": map[string]any{"event": "created"}}
	withUnknown, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	jsonProto := &commonpb.Payload{Metadata: map[string][]byte{
		"encoding": []byte("json/protobuf"), "messageType": []byte("ai.stigmer.agentic.agentexecution.v1.AgentExecution"),
	}, Data: withUnknown}
	var viaDefault *agentexecutionv1.AgentExecution
	if err := converter.GetDefaultDataConverter().FromPayload(jsonProto, &viaDefault); err == nil {
		t.Fatal("the default converter accepted an unknown field: the test no longer shows the difference")
	}

	bin, err := proto.Marshal(exec)
	if err != nil {
		t.Fatal(err)
	}
	binProto := &commonpb.Payload{Metadata: map[string][]byte{
		"encoding": []byte("binary/protobuf"), "messageType": []byte("ai.stigmer.agentic.agentexecution.v1.AgentExecution"),
	}, Data: append(bin, 0xa2, 0x06, 0x01, 'x')} // + unknown field 100
	goJSON, err := json.Marshal(exec)
	if err != nil {
		t.Fatal(err)
	}
	plain := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: goJSON}

	for name, p := range map[string]*commonpb.Payload{"json/protobuf": jsonProto, "binary/protobuf": binProto, "json/plain": plain} {
		var got *agentexecutionv1.AgentExecution
		if err := dc.FromPayload(p, &got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got.ProtoReflect().SetUnknown(nil)
		if !proto.Equal(got, exec) {
			t.Fatalf("%s: decoded %v, want %v", name, got, exec)
		}
	}

	// Non-proto values still travel as plain JSON, and what it writes is the default's.
	var m map[string]int
	p, err := dc.ToPayload(map[string]int{"a": 1})
	if err != nil || dc.FromPayload(p, &m) != nil || m["a"] != 1 {
		t.Fatalf("plain JSON round trip: %v %v", p, m)
	}
	mine, err := dc.ToPayload(exec)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := converter.GetDefaultDataConverter().ToPayload(exec)
	if err != nil || !proto.Equal(mine, theirs) {
		t.Fatalf("ToPayload differs from the default converter: %v vs %v", mine, theirs)
	}
}
