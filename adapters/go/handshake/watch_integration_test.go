//go:build integration

package handshake_test

import (
	"errors"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// A service that never completes the caller (the deployed Go server cannot decode its own
// failure): the watch reads the execution id the handshake recorded, sees FAILED or CANCELLED by
// get, and the caller ends with the typed failure instead of waiting out its timeout.
func TestPendingHandshakeEndsWithTheWatchedFailure(t *testing.T) {
	e := getEnv(t)
	ctx := testContext(t)
	callers := startWorker(t, e, worker.Options{})
	for _, tc := range []struct {
		phase    agentexecutionv1.ExecutionPhase
		wantType string
	}{
		{agentexecutionv1.ExecutionPhase_EXECUTION_FAILED, handshake.FailureTypeAgentExecutionFailed},
		{agentexecutionv1.ExecutionPhase_EXECUTION_CANCELLED, handshake.FailureTypeAgentExecutionCancelled},
	} {
		t.Run(tc.phase.String(), func(t *testing.T) {
			run, creates := callers.startInSession(ctx, t, wfWatchingCaller, "watch-"+tc.phase.String()+"-"+callers.tq, 1)
			call := creates[0]
			ended := proto.Clone(call.Agent()).(*agentexecutionv1.AgentExecution)
			ended.Metadata.Id = call.ExecutionID
			ended.Status = &agentexecutionv1.AgentExecutionStatus{Phase: tc.phase}
			callers.svc.SetExecution(call.ExecutionID, ended) // and never complete the caller
			var appErr *temporal.ApplicationError
			if err := run.Get(ctx, nil); !errors.As(err, &appErr) || appErr.Type() != tc.wantType || !appErr.NonRetryable() ||
				!strings.Contains(appErr.Message(), call.ExecutionID) {
				t.Fatalf("caller error %v, want the non-retryable %s naming %s", err, tc.wantType, call.ExecutionID)
			}
		})
	}
}
