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
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	workflowexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/workflowexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/commons/apiresource"
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

func fake(t *testing.T, c client.Client) *handshaketest.FakeStigmerService {
	t.Helper()
	svc, err := handshaketest.StartFakeStigmerService(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Stop)
	return svc
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestFakeRecordsCreatesAndAnswersGet(t *testing.T) {
	ctx := testContext(t)
	svc := fake(t, nil)
	conn, err := svc.Conn()
	if err != nil {
		t.Fatal(err)
	}
	req := &agentexecutionv1.AgentExecution{
		Metadata: &apiresource.ApiResourceMetadata{Annotations: map[string]string{handshake.IdempotencyKeyAnnotation: "v1:key"}},
		Spec:     &agentexecutionv1.AgentExecutionSpec{AgentId: "agt-1", Message: "hi", CallbackToken: []byte("token")},
	}
	callCtx := metadata.AppendToOutgoingContext(ctx, handshake.IdempotencyKeyHeader, "v1:key")
	ack, err := svc.AgentClient().Create(callCtx, req)
	if err != nil {
		t.Fatal(err)
	}
	calls := svc.Calls()
	if len(calls) != 1 {
		t.Fatalf("%d calls, want 1", len(calls))
	}
	call := calls[0]
	if !proto.Equal(call.Execution, req) || string(call.Token()) != "token" || call.IdempotencyKey() != "v1:key" ||
		strings.Join(call.Metadata.Get(handshake.IdempotencyKeyHeader), ",") != "v1:key" ||
		call.Code != codes.OK || call.Agent() == nil || call.Workflow() != nil {
		t.Fatalf("recorded %+v", call)
	}
	if ack.GetMetadata().GetId() != call.ExecutionID || !strings.HasPrefix(call.ExecutionID, "exec-") ||
		len(ack.GetSpec().GetCallbackToken()) != 0 || ack.GetApiVersion() != "agentic.stigmer.ai/v1" || ack.GetKind() != "AgentExecution" {
		t.Fatalf("ACK %v for call %s", ack, call.ExecutionID)
	}

	query := agentexecutionv1.NewAgentExecutionQueryControllerClient(conn)
	got, err := query.Get(ctx, &agentexecutionv1.AgentExecutionId{Value: call.ExecutionID})
	if err != nil || !proto.Equal(got, ack) {
		t.Fatalf("get = %v, %v; want the ACK %v", got, err, ack)
	}
	running := &agentexecutionv1.AgentExecutionStatus{Phase: agentexecutionv1.ExecutionPhase_EXECUTION_IN_PROGRESS}
	if _, err := svc.AgentClient().UpdateStatus(ctx, &agentexecutionv1.AgentExecutionUpdateStatusInput{
		ExecutionId: call.ExecutionID, Status: running,
	}); err != nil {
		t.Fatal(err)
	}
	if got, err := query.Get(ctx, &agentexecutionv1.AgentExecutionId{Value: call.ExecutionID}); err != nil ||
		got.GetStatus().GetPhase() != agentexecutionv1.ExecutionPhase_EXECUTION_IN_PROGRESS {
		t.Fatalf("get after updateStatus = %v, %v", got, err)
	}
	if _, err := query.Get(ctx, &agentexecutionv1.AgentExecutionId{Value: "exec-unknown"}); status.Code(err) != codes.NotFound {
		t.Fatalf("get of an unknown id: %v, want NOT_FOUND", err)
	}

	// Workflow executions too; ids never repeat.
	wf, err := svc.WorkflowClient().Create(ctx, &workflowexecutionv1.WorkflowExecution{
		Spec: &workflowexecutionv1.WorkflowExecutionSpec{WorkflowId: "wf-1", CallbackToken: []byte("token 2")},
	})
	if err != nil {
		t.Fatal(err)
	}
	calls, err = svc.WaitForCalls(ctx, 2)
	if err != nil || len(calls) != 2 || calls[1].Workflow() == nil || string(calls[1].Token()) != "token 2" ||
		wf.GetKind() != "WorkflowExecution" || wf.GetMetadata().GetId() == call.ExecutionID {
		t.Fatalf("workflow create: %v, %v, ACK %v", calls, err, wf)
	}
	if e, ok := svc.Execution(wf.GetMetadata().GetId()); !ok || !proto.Equal(e, wf) {
		t.Fatalf("Execution = %v, %v; want the ACK", e, ok)
	}

	// Finishing needs a Temporal client.
	if _, err := svc.Complete(ctx, call, "done"); err == nil {
		t.Fatal("Complete without a Temporal client succeeded")
	}
}

func TestFakeFailNext(t *testing.T) {
	ctx := testContext(t)
	svc := fake(t, nil)
	svc.FailNext(codes.Unavailable, "backend down", 2)
	req := &agentexecutionv1.AgentExecution{Spec: &agentexecutionv1.AgentExecutionSpec{AgentId: "agt-1", Message: "hi"}}
	for i := range 2 {
		if _, err := svc.AgentClient().Create(ctx, req); status.Code(err) != codes.Unavailable || status.Convert(err).Message() != "backend down" {
			t.Fatalf("create %d: %v, want UNAVAILABLE backend down", i, err)
		}
	}
	if _, err := svc.AgentClient().Create(ctx, req); err != nil {
		t.Fatalf("third create: %v", err)
	}
	calls := svc.Calls()
	if len(calls) != 3 || calls[0].Code != codes.Unavailable || calls[0].ExecutionID != "" ||
		calls[1].Code != codes.Unavailable || calls[2].Code != codes.OK || calls[2].ExecutionID == "" {
		t.Fatalf("calls %+v", calls)
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if got, err := svc.WaitForCalls(done, 4); !errors.Is(err, context.Canceled) || len(got) != 3 {
		t.Fatalf("WaitForCalls(4) = %d calls, %v; want the 3 calls and the context's error", len(got), err)
	}
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

func TestFindTemporalCLIExplainsAMissingCLI(t *testing.T) {
	t.Setenv(handshaketest.TemporalCLIEnv, "/nonexistent/temporal")
	t.Setenv("PATH", t.TempDir())
	t.Chdir(t.TempDir())
	_, err := handshaketest.FindTemporalCLI()
	if err == nil || !strings.Contains(err.Error(), handshaketest.TemporalCLIEnv) {
		t.Fatalf("FindTemporalCLI() error %v, want one naming %s", err, handshaketest.TemporalCLIEnv)
	}
	if _, err := handshaketest.StartDevServer(context.Background(), handshaketest.DevServerOptions{}); err == nil {
		t.Fatal("StartDevServer without a CLI succeeded")
	}
}
