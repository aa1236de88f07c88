package handshake

import (
	"errors"
	"fmt"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

func TestHandshakeOutcome(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{nil, "completed"},
		{temporal.NewApplicationError("agent crashed", "AGENT_EXECUTION_FAILED"), "failed"},
		{errors.New("boom"), "failed"},
		{fmt.Errorf("activity: %w", temporal.NewCanceledError()), "cancelled"},
		{fmt.Errorf("activity: %w", temporal.NewTimeoutError(enumspb.TIMEOUT_TYPE_START_TO_CLOSE, nil)), "timed_out"},
	}
	for _, tc := range cases {
		if got := handshakeOutcome(tc.err); got != tc.want {
			t.Errorf("handshakeOutcome(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
