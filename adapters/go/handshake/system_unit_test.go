package handshake_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/anypb"

	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

func TestSystemActivityInvalidInputIsNonRetryable(t *testing.T) {
	acts := &handshake.SystemActivities{Completer: &handshake.Completer{Logger: nopLogger}}
	in := &sdkv1.CompleteExternalActivityInput{
		CallbackToken:  []byte("some token"),
		ResultEncoding: sdkv1.PayloadEncoding_PAYLOAD_ENCODING_JSON_PROTOBUF,
		Outcome: &sdkv1.CompleteExternalActivityInput_Result{Result: &anypb.Any{
			TypeUrl: "type.googleapis.com/example.v1.NotLinked", Value: []byte{1},
		}},
	}
	res, err := acts.CompleteExternalActivity(context.Background(), in)
	var appErr *temporal.ApplicationError
	if res != nil || !errors.As(err, &appErr) || appErr.Type() != handshake.FailureTypeCompletionInvalidInput || !appErr.NonRetryable() {
		t.Fatalf("got %v, %v; want a non-retryable %s", res, err, handshake.FailureTypeCompletionInvalidInput)
	}
}

// An unreachable Temporal frontend is a transient condition: the Completer answers TRANSIENT and
// the system activity fails with a retryable STIGMER_COMPLETION_TRANSIENT.
func TestUnreachableTemporalIsTransient(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	address := lis.Addr().String()
	_ = lis.Close() // nothing listens there any more
	c, err := client.NewLazyClient(client.Options{HostPort: address, Logger: nopLogger})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	completer := &handshake.Completer{Client: c, Logger: nopLogger, Timeout: 300 * time.Millisecond}
	token := []byte("a token that never reaches a server")
	in, err := handshake.ResultInput(token, sampleExecution(), handshake.InputOptions{ExecutionID: "exec-1"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := completer.Complete(context.Background(), in)
	if err != nil || res.GetOutcome() != handshake.OutcomeTransient || res.GetMessage() == "" ||
		res.GetTokenPreview() != handshake.TokenPreview(token) {
		t.Fatalf("got %v, %v; want TRANSIENT with a message and the preview", res, err)
	}

	acts := &handshake.SystemActivities{Completer: completer}
	_, err = acts.CompleteExternalActivity(context.Background(), in)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != handshake.FailureTypeCompletionTransient || appErr.NonRetryable() ||
		!strings.HasPrefix(appErr.Message(), "TRANSIENT: ") {
		t.Fatalf("system activity error %v, want a retryable %s", err, handshake.FailureTypeCompletionTransient)
	}

	if out, err := completer.Heartbeat(context.Background(), token); err != nil || out != handshake.HeartbeatTransient {
		t.Fatalf("heartbeat: %v, %v; want TRANSIENT", out, err)
	}
}
