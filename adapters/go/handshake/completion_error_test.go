package handshake_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/anypb"

	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// refusingClient is a Temporal client that refuses completions and heartbeats with err.
type refusingClient struct {
	client.Client
	err error
}

func (r refusingClient) CompleteActivity(context.Context, []byte, any, error) error { return r.err }

func (r refusingClient) RecordActivityHeartbeat(context.Context, []byte, ...any) error { return r.err }

func TestCompletionErrorIsTyped(t *testing.T) {
	token := []byte("a task token that must never appear in an error message")
	completer := &handshake.Completer{Client: refusingClient{err: serviceerror.NewPermissionDenied("no access to namespace", "")}, Logger: nopLogger}
	in, err := handshake.ResultInput(token, nil, handshake.InputOptions{ExecutionID: "exec-7"})
	if err != nil {
		t.Fatal(err)
	}

	_, err = completer.Complete(context.Background(), in)
	var completionErr *handshake.CompletionError
	if !errors.As(err, &completionErr) || completionErr.Code != codes.PermissionDenied || completionErr.Op != "completing" ||
		completionErr.ExecutionID != "exec-7" || completionErr.TokenPreview != handshake.TokenPreview(token) {
		t.Fatalf("Complete error %#v, want a *CompletionError with PERMISSION_DENIED", err)
	}
	var denied *serviceerror.PermissionDenied
	if !errors.As(err, &denied) || strings.Contains(err.Error(), string(token)) {
		t.Fatalf("Complete error %q: want Temporal's error wrapped, and no token", err)
	}

	_, err = completer.Heartbeat(context.Background(), token)
	if !errors.As(err, &completionErr) || completionErr.Code != codes.PermissionDenied || completionErr.Op != "heartbeating" {
		t.Fatalf("Heartbeat error %#v, want a *CompletionError with PERMISSION_DENIED", err)
	}

	bad := &sdkv1.CompleteExternalActivityInput{CallbackToken: token, Outcome: &sdkv1.CompleteExternalActivityInput_Result{
		Result: &anypb.Any{TypeUrl: "type.googleapis.com/"},
	}}
	_, err = completer.Complete(context.Background(), bad)
	if !errors.As(err, &completionErr) || completionErr.Code != codes.OK || !errors.Is(err, handshake.ErrInvalidCompletionInput) {
		t.Fatalf("Complete of an invalid input: %#v, want a *CompletionError wrapping ErrInvalidCompletionInput", err)
	}
}
