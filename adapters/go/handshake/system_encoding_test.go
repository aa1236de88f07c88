package handshake_test

import (
	"context"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// CompleteCaller sends the system activity's input as binary/protobuf with its message type,
// although Go's default data converter (the workflow's) would pick json/protobuf: a Python or
// Java system worker reads only the contract's encoding without the result's type.
func TestCompleteCallerSendsBinaryProtobufInput(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	var encoding, messageType string
	env.RegisterActivityWithOptions(func(_ context.Context, raw converter.RawValue) (*sdkv1.CompleteExternalActivityResult, error) {
		encoding = string(raw.Payload().GetMetadata()["encoding"])
		messageType = string(raw.Payload().GetMetadata()["messageType"])
		return &sdkv1.CompleteExternalActivityResult{Outcome: handshake.OutcomeCompleted}, nil
	}, activity.RegisterOptions{Name: handshake.SystemActivityName})
	env.ExecuteWorkflow(func(ctx workflow.Context) error {
		in, err := handshake.ResultInput([]byte("a token"), sampleExecution(), handshake.InputOptions{ExecutionID: "exec-1"})
		if err != nil {
			return err
		}
		_, err = handshake.CompleteCaller(ctx, in, handshake.CompleteCallerOptions{})
		return err
	})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if encoding != "binary/protobuf" || messageType != "ai.stigmer.sdk.v1.CompleteExternalActivityInput" {
		t.Fatalf("system activity input sent as %q / %q; want binary/protobuf with its message type", encoding, messageType)
	}
}
