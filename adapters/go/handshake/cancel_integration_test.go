//go:build integration

package handshake_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshaketest"
	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
)

// cancelPendingCaller starts the caller workflow wf, waits for its create, cancels the workflow
// and returns the create and the workflow's outcome.
func cancelPendingCaller(ctx context.Context, t *testing.T, callers *callerEnv, wf string) (handshaketest.CreateCall, error) {
	t.Helper()
	run, creates := callers.startInSession(ctx, t, wf, fmt.Sprintf("cancel-%s-%d", wf, queueN.Add(1)), 1)
	if wf == wfWatchingCaller {
		waitPendingActivity(ctx, t, callers.c, run, handshake.WatchExecutionActivityName)
	}
	if err := callers.c.CancelWorkflow(ctx, run.GetID(), run.GetRunID()); err != nil {
		t.Fatal(err)
	}
	return creates[0], run.Get(ctx, nil)
}

// waitPendingActivity waits until the workflow run has a pending activity of type name.
func waitPendingActivity(ctx context.Context, t *testing.T, c client.Client, run client.WorkflowRun, name string) {
	t.Helper()
	for {
		desc, err := c.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
		if err != nil {
			t.Fatal(err)
		}
		for _, pa := range desc.GetPendingActivities() {
			if pa.GetActivityType().GetName() == name {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no pending %s activity: %v", name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// cancelsOf are the fake's cancel calls for the execution id.
func cancelsOf(svc *handshaketest.FakeStigmerService, id string) []handshaketest.CancelRequest {
	var out []handshaketest.CancelRequest
	for _, c := range svc.CancelRequests() {
		if c.ExecutionID == id {
			out = append(out, c)
		}
	}
	return out
}

// Pushed cancellation (issue 25) on a real dev server: a caller workflow cancelled while its
// handshake is pending (before its watch starts, and while the watch runs) makes the service
// receive cancel for that execution at once; the execution ends CANCELLED and the workflow ends
// cancelled.
func TestCancelledCallerPushesTheCancelToTheService(t *testing.T) {
	e := getEnv(t)
	ctx := testContext(t)
	callers := startWorker(t, e, worker.Options{})
	for _, wf := range []string{wfUnwatchedCaller, wfWatchingCaller} {
		t.Run(wf, func(t *testing.T) {
			call, err := cancelPendingCaller(ctx, t, callers, wf)
			var canceled *temporal.CanceledError
			if !errors.As(err, &canceled) {
				t.Fatalf("caller outcome %v, want cancelled", err)
			}
			// The helper opted its caller out of the relay: the create carries the annotation.
			if got := call.Agent().GetMetadata().GetAnnotations()[handshake.CallerHeartbeatsAnnotation]; got != handshake.CallerHeartbeatsNone {
				t.Fatalf("create annotation %s=%q, want %q", handshake.CallerHeartbeatsAnnotation, got, handshake.CallerHeartbeatsNone)
			}
			// The workflow waits for the cancel activity before it ends: the call is in.
			got := cancelsOf(callers.svc, call.ExecutionID)
			if len(got) != 1 || got[0].Workflow || got[0].Code != codes.OK {
				t.Fatalf("cancel calls for %s: %+v, want one agent cancel answered OK (all: %+v)",
					call.ExecutionID, got, callers.svc.CancelRequests())
			}
			ended, _ := callers.svc.Execution(call.ExecutionID)
			if phase := ended.(*agentexecutionv1.AgentExecution).GetStatus().GetPhase(); phase != agentexecutionv1.ExecutionPhase_EXECUTION_CANCELLED {
				t.Fatalf("execution %s is %v, want CANCELLED", call.ExecutionID, phase)
			}
		})
	}
}

// A service without cancel (the deployed one answers UNIMPLEMENTED): the caller's cancellation
// ends as before (the workflow cancelled, no failure), and the SDK warns once per process.
func TestCancelledCallerToleratesAServiceWithoutCancel(t *testing.T) {
	e := getEnv(t)
	ctx := testContext(t)
	svc := startFake(t, e, handshaketest.FakeOptions{CancelUnimplemented: true})
	callers := startCallers(t, e.c, svc, worker.Options{}, false)
	var ids []string
	for range 2 {
		call, err := cancelPendingCaller(ctx, t, callers, wfUnwatchedCaller)
		var canceled *temporal.CanceledError
		if !errors.As(err, &canceled) {
			t.Fatalf("caller outcome %v, want cancelled", err)
		}
		got := cancelsOf(svc, call.ExecutionID)
		if len(got) != 1 || got[0].Code != codes.Unimplemented {
			t.Fatalf("cancel calls for %s: %+v, want one answered UNIMPLEMENTED", call.ExecutionID, got)
		}
		ids = append(ids, call.ExecutionID)
	}
	// Once per process: whichever cancel met UNIMPLEMENTED first logged it.
	warnings := 0
	for _, line := range e.logs.Lines() {
		if strings.HasPrefix(line, "WARN "+contract.LogCancelUnimplemented.Message+" ") {
			warnings++
		}
	}
	if warnings != 1 {
		t.Fatalf("%d UNIMPLEMENTED warnings (cancels of %v), want 1", warnings, ids)
	}
}

// The cancel's failures: NOT_FOUND, PERMISSION_DENIED and INVALID_ARGUMENT are not retried; a
// transient code is retried until the service answers. The caller's workflow ends cancelled in
// every case.
func TestCancelExecutionRetriesOnlyTransientCodes(t *testing.T) {
	e := getEnv(t)
	ctx := testContext(t)
	for _, tc := range []struct {
		code      codes.Code
		wantCalls int // calls of cancel, failed ones included
		wantOK    bool
	}{
		{codes.NotFound, 1, false},
		{codes.PermissionDenied, 1, false},
		{codes.InvalidArgument, 1, false},
		{codes.Unavailable, 2, true}, // fails once, then reaches the fake
	} {
		t.Run(tc.code.String(), func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			failCancel := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
				if !strings.HasSuffix(info.FullMethod, "/cancel") {
					return next(ctx, req)
				}
				mu.Lock()
				calls++
				n := calls
				mu.Unlock()
				if n == 1 || !tc.wantOK {
					return nil, status.Error(tc.code, "refused by the test")
				}
				return next(ctx, req)
			}
			svc := startFake(t, e, handshaketest.FakeOptions{ServerOptions: []grpc.ServerOption{grpc.UnaryInterceptor(failCancel)}})
			callers := startCallers(t, e.c, svc, worker.Options{}, false)
			call, err := cancelPendingCaller(ctx, t, callers, wfUnwatchedCaller)
			var canceled *temporal.CanceledError
			if !errors.As(err, &canceled) {
				t.Fatalf("caller outcome %v, want cancelled", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if calls != tc.wantCalls || (len(cancelsOf(svc, call.ExecutionID)) == 1) != tc.wantOK {
				t.Fatalf("%d cancel calls, %d reached the fake; want %d, reached: %v",
					calls, len(cancelsOf(svc, call.ExecutionID)), tc.wantCalls, tc.wantOK)
			}
		})
	}
}
