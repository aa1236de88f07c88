package handshaketest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
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

func fake(t *testing.T, c client.Client) *handshaketest.FakeStigmerService {
	t.Helper()
	svc, err := handshaketest.StartFakeStigmerService(c, handshaketest.FakeOptions{})
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

func TestFindTemporalCLIExplainsAMissingCLI(t *testing.T) {
	t.Setenv(handshaketest.TemporalCLIEnv, "/nonexistent/temporal")
	t.Setenv("PATH", t.TempDir())
	_, err := handshaketest.FindTemporalCLI()
	if err == nil || !strings.Contains(err.Error(), handshaketest.TemporalCLIEnv) || !strings.Contains(err.Error(), "/nonexistent/temporal") {
		t.Fatalf("FindTemporalCLI() error %v, want one naming %s and its value", err, handshaketest.TemporalCLIEnv)
	}
	if _, err := handshaketest.StartDevServer(context.Background(), handshaketest.DevServerOptions{}); err == nil {
		t.Fatal("StartDevServer without a CLI succeeded")
	}
}

// A .venv/bin/temporal above the working directory (a repository's virtual environment) is never
// picked: only the environment variable and PATH choose the binary.
func TestFindTemporalCLILooksOnlyAtTheVariableAndPath(t *testing.T) {
	root := t.TempDir()
	venvCLI := filepath.Join(root, ".venv", "bin", "temporal")
	pathDir := t.TempDir()
	pathCLI := filepath.Join(pathDir, "temporal")
	for _, p := range []string{venvCLI, pathCLI} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sub := filepath.Join(root, "adapters", "go")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	t.Setenv(handshaketest.TemporalCLIEnv, "")
	t.Setenv("PATH", t.TempDir())
	if got, err := handshaketest.FindTemporalCLI(); err == nil {
		t.Fatalf("FindTemporalCLI() = %q, want an error (the .venv above the working directory is not looked at)", got)
	}
	t.Setenv("PATH", pathDir)
	if got, err := handshaketest.FindTemporalCLI(); err != nil || got != pathCLI {
		t.Fatalf("FindTemporalCLI() = %q, %v; want %q from PATH", got, err, pathCLI)
	}
	t.Setenv(handshaketest.TemporalCLIEnv, venvCLI)
	if got, err := handshaketest.FindTemporalCLI(); err != nil || got != venvCLI {
		t.Fatalf("FindTemporalCLI() = %q, %v; want %q from %s", got, err, venvCLI, handshaketest.TemporalCLIEnv)
	}
}
