package handshake_test

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// mustInput returns a function that fails t on an error: mustInput(t)(handshake.ResultInput(...)).
func mustInput(t *testing.T) func(*sdkv1.CompleteExternalActivityInput, error) *sdkv1.CompleteExternalActivityInput {
	return func(in *sdkv1.CompleteExternalActivityInput, err error) *sdkv1.CompleteExternalActivityInput {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
}

func TestCompletionInputs(t *testing.T) {
	token := []byte("token")
	done := sampleExecution()
	packed, err := handshake.PackMessage(done)
	if err != nil {
		t.Fatal(err)
	}

	result := mustInput(t)(handshake.ResultInput(token, done, handshake.InputOptions{ExecutionID: "exec-1", ResultEncoding: sdkv1.PayloadEncoding_PAYLOAD_ENCODING_JSON_PROTOBUF}))
	want := &sdkv1.CompleteExternalActivityInput{
		CallbackToken: token, ExecutionId: "exec-1",
		ResultEncoding: sdkv1.PayloadEncoding_PAYLOAD_ENCODING_JSON_PROTOBUF,
		Outcome:        &sdkv1.CompleteExternalActivityInput_Result{Result: packed},
	}
	if !proto.Equal(result, want) {
		t.Errorf("ResultInput = %v, want %v", result, want)
	}
	if null := mustInput(t)(handshake.ResultInput(token, nil, handshake.InputOptions{})); null.GetOutcome() != nil || null.GetExecutionId() != "" {
		t.Errorf("ResultInput(nil) = %v, want no outcome", null)
	}

	failure := mustInput(t)(handshake.FailureInput(token, handshake.Failure{
		Type: "AGENT_EXECUTION_FAILED", Message: "tool crashed", NonRetryable: true, Details: []proto.Message{done},
	}, handshake.InputOptions{ExecutionID: "exec-2"}))
	want = &sdkv1.CompleteExternalActivityInput{
		CallbackToken: token, ExecutionId: "exec-2",
		Outcome: &sdkv1.CompleteExternalActivityInput_Failure{Failure: &sdkv1.ActivityFailure{
			Type: "AGENT_EXECUTION_FAILED", Message: "tool crashed", NonRetryable: true, Details: []*anypb.Any{packed},
		}},
	}
	if !proto.Equal(failure, want) {
		t.Errorf("FailureInput = %v, want %v", failure, want)
	}

	cancellation := mustInput(t)(handshake.CancellationInput(token, handshake.InputOptions{ExecutionID: "exec-3", Details: []proto.Message{done}}))
	want = &sdkv1.CompleteExternalActivityInput{
		CallbackToken: token, ExecutionId: "exec-3",
		Outcome: &sdkv1.CompleteExternalActivityInput_Cancellation{
			Cancellation: &sdkv1.ActivityCancellation{Details: []*anypb.Any{packed}},
		},
	}
	if !proto.Equal(cancellation, want) {
		t.Errorf("CancellationInput = %v, want %v", cancellation, want)
	}
}

func TestCompletionInputsRefuseOptionsThatDoNotApply(t *testing.T) {
	token := []byte("token")
	json := handshake.InputOptions{ResultEncoding: sdkv1.PayloadEncoding_PAYLOAD_ENCODING_JSON_PROTOBUF}
	details := handshake.InputOptions{Details: []proto.Message{sampleExecution()}}
	for name, build := range map[string]func() (*sdkv1.CompleteExternalActivityInput, error){
		"result with details": func() (*sdkv1.CompleteExternalActivityInput, error) {
			return handshake.ResultInput(token, nil, details)
		},
		"failure with encoding": func() (*sdkv1.CompleteExternalActivityInput, error) {
			return handshake.FailureInput(token, handshake.Failure{}, json)
		},
		"failure with details": func() (*sdkv1.CompleteExternalActivityInput, error) {
			return handshake.FailureInput(token, handshake.Failure{}, details)
		},
		"cancellation with encoding": func() (*sdkv1.CompleteExternalActivityInput, error) { return handshake.CancellationInput(token, json) },
	} {
		if in, err := build(); in != nil || !errors.Is(err, handshake.ErrInvalidCompletionInput) {
			t.Errorf("%s: %v, %v; want ErrInvalidCompletionInput", name, in, err)
		}
	}
}
