//go:build integration

package handshaketest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshaketest"
)

// Activities are a caller application's handshake activities.
type Activities struct {
	Agents agentexecutionv1.AgentExecutionCommandControllerClient
}

// RunAgent asks the Stigmer service to run an agent and goes pending until the service delivers.
func (a *Activities) RunAgent(ctx context.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	return handshake.ExecuteAgentAndWaitPending(ctx, a.Agents, req, handshake.CreateOptions{})
}

// AskAgent is the caller's workflow under test: it returns the agent's last message.
func AskAgent(ctx workflow.Context, question string) (string, error) {
	ao := handshake.ActivityOptions(time.Minute)
	ao.RetryPolicy.MaximumAttempts = 1
	req := &agentexecutionv1.AgentExecution{Spec: &agentexecutionv1.AgentExecutionSpec{AgentId: "agt-math", Message: question}}
	done, err := handshake.ExecuteToTerminal(workflow.WithActivityOptions(ctx, ao), handshake.TerminalOptions{}, "RunAgent", req)
	if err != nil {
		return "", err
	}
	messages := done.GetStatus().GetMessages()
	if len(messages) == 0 {
		return "", nil
	}
	return messages[len(messages)-1].GetContent(), nil
}

// askThroughTheKit runs AskAgent with question on a dev server against the fake Stigmer service,
// lets finish end the handshake of the create it recorded, and returns the workflow's outcome.
func askThroughTheKit(taskQueue, question string, finish func(context.Context, *handshaketest.FakeStigmerService, handshaketest.CreateCall)) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	server, err := handshaketest.StartDevServer(ctx, handshaketest.DevServerOptions{
		ClientOptions: client.Options{DataConverter: handshake.NewDataConverter()},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer server.Stop()
	service, err := handshaketest.StartFakeStigmerService(server.Client(), handshaketest.FakeOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer service.Stop()
	conn, err := service.Conn()
	if err != nil {
		log.Fatal(err)
	}
	w := worker.New(server.Client(), taskQueue, worker.Options{})
	w.RegisterWorkflow(AskAgent)
	w.RegisterActivity(&Activities{Agents: service.AgentClient()})
	handshake.NewCallerActivities(conn).Register(w)
	if err := w.Start(); err != nil {
		log.Fatal(err)
	}
	defer w.Stop()

	run, err := server.Client().ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: taskQueue}, AskAgent, question)
	if err != nil {
		log.Fatal(err)
	}
	calls, err := service.WaitForCalls(ctx, 1)
	if err != nil {
		log.Fatal(err)
	}
	finish(ctx, service, calls[0])
	var answer string
	err = run.Get(ctx, &answer)
	return answer, err
}

// A caller's workflow tested end to end: a real Temporal dev server, the fake Stigmer service
// records the create, and the test completes the handshake with the agent's reply.
func Example() {
	answer, err := askThroughTheKit("example-complete", "2 + 2?",
		func(ctx context.Context, service *handshaketest.FakeStigmerService, call handshaketest.CreateCall) {
			fmt.Println("asked:", call.Agent().GetSpec().GetMessage())
			res, err := service.Complete(ctx, call, "four")
			if err != nil {
				log.Fatal(err)
			}
			fmt.Println("completion:", res.GetOutcome())
		})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("answer:", answer)
	// Output:
	// asked: 2 + 2?
	// completion: COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED
	// answer: four
}

// Failing the handshake: the caller's workflow sees the application failure.
func ExampleFakeStigmerService_Fail() {
	_, err := askThroughTheKit("example-fail", "divide by zero",
		func(ctx context.Context, service *handshaketest.FakeStigmerService, call handshaketest.CreateCall) {
			if _, err := service.Fail(ctx, call, handshake.Failure{Message: "tool crashed", NonRetryable: true}); err != nil {
				log.Fatal(err)
			}
		})
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		fmt.Println(appErr.Type(), appErr.Message())
	}
	// Output:
	// AGENT_EXECUTION_FAILED tool crashed
}
