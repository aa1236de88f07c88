//go:build integration

package handshake_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshaketest"
)

const wfWatchingCaller = "WatchingCaller"

// watchingCaller watches its pending handshake after 200 ms instead of 30 s.
func watchingCaller(ctx workflow.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	ao := handshake.ActivityOptions(time.Minute)
	ao.RetryPolicy.MaximumAttempts = 1
	return handshake.ExecuteToTerminal(workflow.WithActivityOptions(ctx, ao),
		handshake.TerminalOptions{WatchAfter: 200 * time.Millisecond}, actRunAgent, req)
}

// A service that never completes the caller (the deployed Go server cannot decode its own
// failure): the watch reads the execution id the handshake recorded, sees FAILED or CANCELLED by
// get, and the caller ends with the typed failure instead of waiting out its timeout.
func TestPendingHandshakeEndsWithTheWatchedFailure(t *testing.T) {
	e := getEnv(t)
	ctx := testContext(t)
	svc := startFake(t, e, handshaketest.FakeOptions{})
	conn, err := svc.Conn()
	if err != nil {
		t.Fatal(err)
	}
	tq := fmt.Sprintf("tq-watch-%d", queueN.Add(1))
	w := worker.New(e.c, tq, worker.Options{})
	w.RegisterWorkflowWithOptions(watchingCaller, workflow.RegisterOptions{Name: wfWatchingCaller})
	acts := &callerActivities{agents: svc.AgentClient()}
	w.RegisterActivityWithOptions(acts.RunAgent, activity.RegisterOptions{Name: actRunAgent})
	callers := handshake.NewCallerActivities(conn)
	callers.WatchInterval, callers.MaxWatchInterval = 50*time.Millisecond, 100*time.Millisecond
	callers.Register(w)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	for _, tc := range []struct {
		phase    agentexecutionv1.ExecutionPhase
		wantType string
	}{
		{agentexecutionv1.ExecutionPhase_EXECUTION_FAILED, handshake.FailureTypeAgentExecutionFailed},
		{agentexecutionv1.ExecutionPhase_EXECUTION_CANCELLED, handshake.FailureTypeAgentExecutionCancelled},
	} {
		t.Run(tc.phase.String(), func(t *testing.T) {
			session := "watch-" + tc.phase.String() + "-" + tq
			run, err := e.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: tq}, wfWatchingCaller, agentRequest(session, "agt-1", "hi"))
			if err != nil {
				t.Fatal(err)
			}
			call := waitCalls(ctx, t, svc, 1, inSession(session))[0]
			ended := proto.Clone(call.Agent()).(*agentexecutionv1.AgentExecution)
			ended.Metadata.Id = call.ExecutionID
			ended.Status = &agentexecutionv1.AgentExecutionStatus{Phase: tc.phase}
			svc.SetExecution(call.ExecutionID, ended) // and never complete the caller
			var appErr *temporal.ApplicationError
			if err := run.Get(ctx, nil); !errors.As(err, &appErr) || appErr.Type() != tc.wantType || !appErr.NonRetryable() ||
				!strings.Contains(appErr.Message(), call.ExecutionID) {
				t.Fatalf("caller error %v, want the non-retryable %s naming %s", err, tc.wantType, call.ExecutionID)
			}
		})
	}
}
