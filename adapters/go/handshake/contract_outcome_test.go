package handshake

import (
	"errors"
	"reflect"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
)

// The outcome label's values are the contract's, in its order.
func TestHandshakeOutcomesAreTheContracts(t *testing.T) {
	got := []string{
		handshakeOutcome(nil),
		handshakeOutcome(errors.New("boom")),
		handshakeOutcome(temporal.NewCanceledError()),
		handshakeOutcome(temporal.NewTimeoutError(enumspb.TIMEOUT_TYPE_START_TO_CLOSE, nil)),
	}
	if !reflect.DeepEqual(got, contract.Outcomes) {
		t.Fatalf("outcomes %v, the contract's are %v", got, contract.Outcomes)
	}
}

// The watch's typed failure message is the contract's template, filled.
func TestWatchEndedMessageFillsTheContractsTemplate(t *testing.T) {
	got := watchEndedMessage("aex-1", "CANCELLED")
	want := "stigmer: execution aex-1 ended CANCELLED while the caller's activity was pending (seen by get)"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
