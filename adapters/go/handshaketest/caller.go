package handshaketest

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// RunAgentActivityName is the handshake activity that [AskAgent] runs and [StartCaller] registers.
const RunAgentActivityName = "RunAgent"

// AskAgent is the smallest caller's workflow: it runs the handshake activity
// [RunAgentActivityName] with handshake.ActivityOptions(time.Minute) and returns the terminal
// execution (handshake.ExecuteToTerminal).
func AskAgent(ctx workflow.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	ctx = workflow.WithActivityOptions(ctx, handshake.ActivityOptions(time.Minute))
	return handshake.ExecuteToTerminal(ctx, handshake.TerminalOptions{}, RunAgentActivityName, req)
}

// StartForTest starts a dev server with server options and a fake Stigmer service with fake
// options on its client, both stopped when the test ends; it fails the test (never skips it) when
// either cannot start.
func StartForTest(ctx context.Context, t testing.TB, server DevServerOptions, fake FakeOptions) (*DevServer, *FakeStigmerService) {
	t.Helper()
	dev, err := StartDevServer(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dev.Stop() })
	s, err := StartFakeStigmerService(dev.Client(), fake)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return dev, s
}

// AskAgentOnce runs one handshake end to end, for tests of what a handshake leaves behind
// (metrics, traces): a worker of c on taskQueue runs [AskAgent] with the question "2 + 2?" for the
// agent "agt-1", its handshake activity creating through conn (nil: the fake's own connection);
// the fake completes that create with the reply "four" ([FakeStigmerService.Complete]). It
// returns the ended run and the create. The caller activities (get, watch, cancel) come with c's
// plugin when it has one; without one, a delivery as terminal as the fake's needs none.
func (s *FakeStigmerService) AskAgentOnce(ctx context.Context, c client.Client, taskQueue string, conn grpc.ClientConnInterface) (client.WorkflowRun, CreateCall, error) {
	agents := s.AgentClient()
	if conn != nil {
		agents = agentexecutionv1.NewAgentExecutionCommandControllerClient(conn)
	}
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(AskAgent)
	w.RegisterActivityWithOptions(func(ctx context.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
		return handshake.ExecuteAgentAndWaitPending(ctx, agents, req, handshake.CreateOptions{})
	}, activity.RegisterOptions{Name: RunAgentActivityName})
	if err := w.Start(); err != nil {
		return nil, CreateCall{}, err
	}
	defer w.Stop()
	before := len(s.Calls())
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: taskQueue}, AskAgent,
		&agentexecutionv1.AgentExecution{Spec: &agentexecutionv1.AgentExecutionSpec{AgentId: "agt-1", Message: "2 + 2?"}})
	if err != nil {
		return nil, CreateCall{}, err
	}
	calls, err := s.WaitForCalls(ctx, before+1)
	if err != nil {
		return run, CreateCall{}, err
	}
	call := calls[before]
	if _, err := s.Complete(ctx, call, "four"); err != nil {
		return run, call, err
	}
	return run, call, run.Get(ctx, nil)
}
