//go:build integration

package coexist_test

import (
	"context"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	stubs "github.com/stigmer/stigmer-sdk/adapters/go/internal/coexist/stubs/ai/stigmer/agentic/agentexecution/v1"
	apiresource "github.com/stigmer/stigmer-sdk/adapters/go/internal/coexist/stubs/ai/stigmer/commons/apiresource"
)

// service is a Stigmer service built on the stubs: create records the token and ACKs, get answers
// the terminal execution.
type service struct {
	stubs.UnimplementedAgentExecutionCommandControllerServer
	stubs.UnimplementedAgentExecutionQueryControllerServer
	mu      sync.Mutex
	created chan *stubs.AgentExecution
	final   *stubs.AgentExecution
}

func (s *service) Create(_ context.Context, in *stubs.AgentExecution) (*stubs.AgentExecution, error) {
	s.created <- proto.Clone(in).(*stubs.AgentExecution)
	ack := proto.Clone(in).(*stubs.AgentExecution)
	ack.Metadata.Id = "exec-coexist"
	ack.Spec.CallbackToken = nil
	return ack, nil
}

func (s *service) Get(_ context.Context, in *stubs.AgentExecutionId) (*stubs.AgentExecution, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.final, nil
}

func caller(ctx workflow.Context, req *stubs.AgentExecution) (*stubs.AgentExecution, error) {
	ctx = workflow.WithActivityOptions(ctx, handshake.ActivityOptions(time.Minute))
	return handshake.ExecuteToTerminal(ctx, handshake.TerminalOptions{}, "RunAgent", req)
}

// A handshake whose request, delivery, get and result are all the stubs' messages, through one
// plugin object, on a real Temporal dev server: the delivered execution is not terminal, so the
// caller also fetches the terminal one with get.
func TestHandshakeWithTheStubsMessages(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	server, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath: os.Getenv("STIGMER_TEMPORAL_CLI"), LogLevel: "error",
	})
	if err != nil {
		t.Fatalf("dev server (STIGMER_TEMPORAL_CLI=%q): %v", os.Getenv("STIGMER_TEMPORAL_CLI"), err)
	}
	defer server.Stop()

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	svc := &service{created: make(chan *stubs.AgentExecution, 1)}
	g := grpc.NewServer()
	stubs.RegisterAgentExecutionCommandControllerServer(g, svc)
	stubs.RegisterAgentExecutionQueryControllerServer(g, svc)
	go func() { _ = g.Serve(lis) }()
	defer g.Stop()
	conn, err := handshake.NewConn(lis.Addr().String(), handshake.ConnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	plugin, err := handshake.NewPlugin(handshake.PluginOptions{Stigmer: conn})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(client.Options{HostPort: server.FrontendHostPort(), Plugins: []client.Plugin{plugin}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := worker.New(c, "coexist", worker.Options{})
	w.RegisterWorkflow(caller)
	agents := stubs.NewAgentExecutionCommandControllerClient(conn)
	w.RegisterActivityWithOptions(func(ctx context.Context, req *stubs.AgentExecution) (*stubs.AgentExecution, error) {
		return handshake.ExecuteAgentAndWaitPending(ctx, agents, req, handshake.CreateOptions{})
	}, activity.RegisterOptions{Name: "RunAgent"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: "coexist"}, caller,
		&stubs.AgentExecution{Spec: &stubs.AgentExecutionSpec{AgentId: "agt-1", Message: "hi", StigmerOnlyNote: "from the caller"}})
	if err != nil {
		t.Fatal(err)
	}
	var created *stubs.AgentExecution
	select {
	case created = <-svc.created:
	case <-ctx.Done():
		t.Fatal("no create")
	}
	if created.GetSpec().GetStigmerOnlyNote() != "from the caller" {
		t.Fatalf("create lost the stubs' field: %v", created)
	}
	final := proto.Clone(created).(*stubs.AgentExecution)
	final.Metadata.Id = "exec-coexist"
	final.Spec.CallbackToken = nil
	final.Status = &stubs.AgentExecutionStatus{
		Phase:    stubs.ExecutionPhase_EXECUTION_COMPLETED,
		Messages: []*stubs.AgentMessage{{Type: stubs.MessageType_MESSAGE_AI, Content: "four"}},
	}
	svc.mu.Lock()
	svc.final = final
	svc.mu.Unlock()

	// The service delivers the execution as created (not terminal), as the deployed one does.
	snapshot := proto.Clone(created).(*stubs.AgentExecution)
	snapshot.Metadata = &apiresource.ApiResourceMetadata{Id: "exec-coexist"}
	in, err := handshake.ResultInput(created.GetSpec().GetCallbackToken(), snapshot, handshake.InputOptions{ExecutionID: "exec-coexist"})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := handshake.CompleteExternalActivity(ctx, c, in); err != nil || res.GetOutcome() != handshake.OutcomeCompleted {
		t.Fatalf("completion %v, %v", res, err)
	}
	var got *stubs.AgentExecution
	if err := run.Get(ctx, &got); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, final) || got.GetSpec().GetStigmerOnlyNote() != "from the caller" {
		t.Fatalf("caller got %v, want %v", got, final)
	}
}
