//go:build integration

package handshaketest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshaketest"
)

const otherNamespace = "kit-other"

var (
	serverOnce sync.Once
	server     *handshaketest.DevServer
	serverErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if server != nil {
		_ = server.Stop()
	}
	os.Exit(code)
}

// devServer is one dev server for this file's tests, started on first use. The tests fail (never
// skip) when it cannot start.
func devServer(t *testing.T) *handshaketest.DevServer {
	t.Helper()
	serverOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		server, serverErr = handshaketest.StartDevServer(ctx, handshaketest.DevServerOptions{Namespaces: []string{otherNamespace}})
	})
	if serverErr != nil {
		t.Fatal(serverErr)
	}
	return server
}

// caller is a caller's workflow for the kit's tests: one handshake activity; a cancellation is
// waited for and reported as the error "cancelled".
func caller(ctx workflow.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	ao := handshake.ActivityOptions(time.Minute)
	ao.RetryPolicy.MaximumAttempts = 1
	ao.WaitForCancellation = true
	var out *agentexecutionv1.AgentExecution
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, ao), "RunAgent", req).Get(ctx, &out)
	var canceled *temporal.CanceledError
	if errors.As(err, &canceled) {
		return nil, temporal.NewNonRetryableApplicationError("cancelled", "CANCELLED", nil)
	}
	return out, err
}

func TestFakeFinishesHandshakes(t *testing.T) {
	ctx := testContext(t)
	dev := devServer(t)
	svc := fake(t, dev.Client())
	tq := "kit-" + t.Name()
	w := worker.New(dev.Client(), tq, worker.Options{})
	w.RegisterWorkflow(caller)
	w.RegisterActivity(&Activities{Agents: svc.AgentClient()})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	start := func(t *testing.T) (client.WorkflowRun, handshaketest.CreateCall) {
		t.Helper()
		n := len(svc.Calls()) + 1
		run, err := dev.Client().ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: tq}, caller,
			&agentexecutionv1.AgentExecution{Spec: &agentexecutionv1.AgentExecutionSpec{AgentId: "agt-1", Message: t.Name()}})
		if err != nil {
			t.Fatal(err)
		}
		calls, err := svc.WaitForCalls(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		return run, calls[n-1]
	}
	phase := func(call handshaketest.CreateCall) agentexecutionv1.ExecutionPhase {
		e, _ := svc.Execution(call.ExecutionID)
		return e.(*agentexecutionv1.AgentExecution).GetStatus().GetPhase()
	}

	t.Run("complete", func(t *testing.T) {
		run, call := start(t)
		if res, err := svc.Complete(ctx, call, "four"); err != nil || res.GetOutcome() != handshake.OutcomeCompleted {
			t.Fatalf("Complete = %v, %v", res, err)
		}
		var got *agentexecutionv1.AgentExecution
		if err := run.Get(ctx, &got); err != nil {
			t.Fatal(err)
		}
		messages := got.GetStatus().GetMessages()
		if got.GetMetadata().GetId() != call.ExecutionID || got.GetStatus().GetPhase() != agentexecutionv1.ExecutionPhase_EXECUTION_COMPLETED ||
			len(messages) != 1 || messages[0].GetContent() != "four" || messages[0].GetType() != agentexecutionv1.MessageType_MESSAGE_AI {
			t.Fatalf("caller got %v", got)
		}
		if phase(call) != agentexecutionv1.ExecutionPhase_EXECUTION_COMPLETED {
			t.Fatalf("get answers phase %v", phase(call))
		}
		// A second completion finds the activity closed.
		if res, err := svc.Complete(ctx, call, ""); err != nil || res.GetOutcome() != handshake.OutcomeAlreadyCompleted {
			t.Fatalf("second Complete = %v, %v", res, err)
		}
	})

	t.Run("fail", func(t *testing.T) {
		for i, tc := range []struct {
			failure         handshake.Failure
			wantType, wantM string
		}{
			{handshake.Failure{NonRetryable: true}, handshaketest.DefaultFailureType, handshaketest.DefaultFailureMessage},
			{handshake.Failure{Type: "QUOTA", Message: "out of tokens"}, "QUOTA", "out of tokens"},
		} {
			run, call := start(t)
			if res, err := svc.Fail(ctx, call, tc.failure); err != nil || res.GetOutcome() != handshake.OutcomeCompleted {
				t.Fatalf("Fail = %v, %v", res, err)
			}
			var appErr *temporal.ApplicationError
			if err := run.Get(ctx, nil); !errors.As(err, &appErr) || appErr.Type() != tc.wantType ||
				appErr.Message() != tc.wantM || appErr.NonRetryable() != tc.failure.NonRetryable {
				t.Fatalf("case %d: caller error %v", i, err)
			}
			if phase(call) != agentexecutionv1.ExecutionPhase_EXECUTION_FAILED {
				t.Fatalf("get answers phase %v", phase(call))
			}
		}
	})

	t.Run("cancel", func(t *testing.T) {
		run, call := start(t)
		done := make(chan error, 1)
		go func() {
			res, err := svc.Cancel(ctx, call)
			if err == nil && res.GetOutcome() != handshake.OutcomeCompleted {
				err = fmt.Errorf("outcome %v", res.GetOutcome())
			}
			done <- err
		}()
		// Cancel heartbeats until the caller's workflow asks; only then is the workflow cancelled.
		if err := dev.Client().CancelWorkflow(ctx, run.GetID(), run.GetRunID()); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatalf("Cancel: %v", err)
		}
		var appErr *temporal.ApplicationError
		if err := run.Get(ctx, nil); !errors.As(err, &appErr) || appErr.Type() != "CANCELLED" {
			t.Fatalf("caller error %v, want the activity's cancellation", err)
		}
		if phase(call) != agentexecutionv1.ExecutionPhase_EXECUTION_CANCELLED {
			t.Fatalf("get answers phase %v", phase(call))
		}
	})
}

func TestCancelGivesUpWhenTheActivityIsClosed(t *testing.T) {
	ctx := testContext(t)
	dev := devServer(t)
	svc := fake(t, dev.Client())
	call := handshaketest.CreateCall{Execution: &agentexecutionv1.AgentExecution{
		Spec: &agentexecutionv1.AgentExecutionSpec{CallbackToken: []byte("not a task token")},
	}}
	if _, err := svc.Cancel(ctx, call); err == nil || !strings.Contains(err.Error(), "INVALID_TOKEN") {
		t.Fatalf("Cancel with a bad token: %v, want an INVALID_TOKEN error", err)
	}
}

func TestDevServerNamespacesAndClients(t *testing.T) {
	ctx := testContext(t)
	dev := devServer(t)
	if got := dev.Namespaces(); len(got) != 1 || got[0] != otherNamespace {
		t.Fatalf("Namespaces() = %v", got)
	}
	other, err := dev.Dial(client.Options{Namespace: otherNamespace})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: otherNamespace}); err != nil {
		t.Fatal(err)
	}
	if _, err := dev.Client().CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(dev.HostPort(), "127.0.0.1:") {
		t.Fatalf("HostPort() = %q, want loopback", dev.HostPort())
	}
}
