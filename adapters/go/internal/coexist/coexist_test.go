package coexist_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	stubs "github.com/stigmer/stigmer-sdk/adapters/go/internal/coexist/stubs/ai/stigmer/agentic/agentexecution/v1"
)

// The program starts (no registration conflict) and the execution API's files and types are the
// stubs' own, with what the SDK's copy lacks.
func TestTheStubsAreTheRegisteredCopy(t *testing.T) {
	fd, err := protoregistry.GlobalFiles.FindFileByPath("ai/stigmer/agentic/agentexecution/v1/api.proto")
	if err != nil {
		t.Fatal(err)
	}
	if fd.Messages().ByName("StigmerOnlyNote") == nil {
		t.Fatal("the registered api.proto is not the stubs' copy")
	}
	mt, err := protoregistry.GlobalTypes.FindMessageByName("ai.stigmer.agentic.agentexecution.v1.AgentExecution")
	if err != nil {
		t.Fatal(err)
	}
	if got := reflect.TypeOf(mt.Zero().Interface()); got != reflect.TypeOf(&stubs.AgentExecution{}) {
		t.Fatalf("registered AgentExecution is %v", got)
	}
}

// recordingCreator is the stubs' command client, recording what it is sent.
type recordingCreator struct {
	stubs.AgentExecutionCommandControllerClient
	sent []*stubs.AgentExecution
}

func (r *recordingCreator) Create(_ context.Context, in *stubs.AgentExecution, _ ...grpc.CallOption) (*stubs.AgentExecution, error) {
	r.sent = append(r.sent, proto.Clone(in).(*stubs.AgentExecution))
	ack := proto.Clone(in).(*stubs.AgentExecution)
	ack.Metadata.Id = "exec-1"
	ack.Spec.CallbackToken = nil
	return ack, nil
}

// The caller side works on the stubs' messages: filled, annotated, carrying the token, and the
// stubs' own field kept.
func TestCallerFillsTheStubsRequest(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	creator := &recordingCreator{}
	env.RegisterActivityWithOptions(func(ctx context.Context, req *stubs.AgentExecution) (*stubs.AgentExecution, error) {
		return handshake.ExecuteAgentAndWaitPending(ctx, creator, req, handshake.CreateOptions{})
	}, activity.RegisterOptions{Name: "RunAgent"})
	req := &stubs.AgentExecution{Spec: &stubs.AgentExecutionSpec{AgentId: "agt-1", Message: "hi", StigmerOnlyNote: "kept"}}
	_, err := env.ExecuteActivity("RunAgent", req)
	if err == nil || !strings.Contains(err.Error(), activity.ErrResultPending.Error()) {
		t.Fatalf("activity error %v, want the pending result", err)
	}
	if len(creator.sent) != 1 {
		t.Fatalf("%d creates", len(creator.sent))
	}
	sent := creator.sent[0]
	annotations := sent.GetMetadata().GetAnnotations()
	if sent.GetKind() != handshake.KindAgentExecution || sent.GetApiVersion() != handshake.APIVersion ||
		!strings.HasPrefix(sent.GetMetadata().GetName(), "exec-") || len(sent.GetSpec().GetCallbackToken()) == 0 ||
		!strings.HasPrefix(annotations[handshake.IdempotencyKeyAnnotation], "v1:") ||
		annotations[handshake.ResultEncodingAnnotation] != handshake.ResultEncodingBinaryProtobuf ||
		sent.GetSpec().GetStigmerOnlyNote() != "kept" {
		t.Fatalf("create sent %v", sent)
	}
}
