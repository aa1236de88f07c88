package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	conformancev1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/conformance/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// Names the caller worker serves.
const (
	callerWorkflowName = "conformance/caller"
	callAgentActivity  = "conformance/call-agent"
)

// defaultStartToClose applies when a CallerInput carries no start-to-close timeout.
const defaultStartToClose = 5 * time.Minute

// callerWorkflow is the workflow "conformance/caller": it runs the activity
// "conformance/call-agent" once with in and returns its result, the final AgentExecution.
func callerWorkflow(ctx workflow.Context, in *conformancev1.CallerInput) (*agentexecutionv1.AgentExecution, error) {
	opts := workflow.ActivityOptions{
		StartToCloseTimeout: seconds(in.GetStartToCloseSeconds()),
		HeartbeatTimeout:    seconds(in.GetHeartbeatTimeoutSeconds()),
		RetryPolicy: &temporal.RetryPolicy{
			MaximumAttempts: max(int32(in.GetMaximumAttempts()), 1), InitialInterval: time.Second,
		},
		// true: WAIT_CANCELLATION_COMPLETED; false: TRY_CANCEL.
		WaitForCancellation: in.GetWaitForCancellation(),
	}
	if opts.StartToCloseTimeout <= 0 {
		opts.StartToCloseTimeout = defaultStartToClose
	}
	if opts.HeartbeatTimeout < 0 {
		opts.HeartbeatTimeout = 0
	}
	ctx = workflow.WithActivityOptions(ctx, opts)
	if in.GetTerminal() {
		return executeToTerminal(ctx, in)
	}
	var result *agentexecutionv1.AgentExecution
	err := workflow.ExecuteActivity(ctx, callAgentActivity, in).Get(ctx, &result)
	return result, err
}

// executeToTerminal runs the handshake through the SDK's terminal-result helper.
func executeToTerminal(_ workflow.Context, _ *conformancev1.CallerInput) (*agentexecutionv1.AgentExecution, error) {
	return nil, temporal.NewNonRetryableApplicationError(
		"the Go SDK has no handshake.ExecuteToTerminal", "CONFORMANCE_UNSUPPORTED", nil)
}

// callerRole runs the caller worker: the workflow "conformance/caller" and the activity
// "conformance/call-agent" on the role's task queue.
type callerRole struct {
	events *frameWriter
	logger *slog.Logger
	client client.Client
	worker worker.Worker

	mu    sync.Mutex
	conns map[string]*grpc.ClientConn // by service address
}

// startCaller starts the caller role.
func startCaller(start *conformancev1.StartRequest, events *frameWriter, logger *slog.Logger) (*callerRole, error) {
	queue := start.GetCaller().GetTaskQueue()
	if queue == "" {
		return nil, fmt.Errorf("caller: empty task_queue")
	}
	c, err := dial(start.GetTemporal(), start.GetTemporal().GetNamespace(), logger)
	if err != nil {
		return nil, err
	}
	r := &callerRole{events: events, logger: logger, client: c, conns: map[string]*grpc.ClientConn{}}
	r.worker = worker.New(c, queue, worker.Options{})
	r.worker.RegisterWorkflowWithOptions(callerWorkflow, workflow.RegisterOptions{Name: callerWorkflowName})
	r.worker.RegisterActivityWithOptions(r.callAgent, activity.RegisterOptions{Name: callAgentActivity})
	if err := r.worker.Start(); err != nil {
		c.Close()
		return nil, fmt.Errorf("starting the caller worker on %q: %w", queue, err)
	}
	logger.Info("caller worker started", "task_queue", queue)
	return r, nil
}

// callAgent is the activity "conformance/call-agent". It reports its task token
// (Event.caller_token), then starts the execution through handshake.ExecuteAgentAndWaitPending and
// returns its ACK and error unchanged, so that activity.ErrResultPending reaches the worker
// unwrapped. With fire_and_forget it calls create without a token and returns the ACK.
func (r *callerRole) callAgent(ctx context.Context, in *conformancev1.CallerInput) (*agentexecutionv1.AgentExecution, error) {
	info := activity.GetInfo(ctx)
	token := info.TaskToken
	sum := sha256.Sum256(token)
	caseID := in.GetRequest().GetMetadata().GetAnnotations()[caseAnnotation]
	seen := &conformancev1.TokenSeen{
		CaseId: caseID,
		Sha256: sum[:],
		Length: uint32(len(token)),
		IdempotencyKey: handshake.IdempotencyKey(info.WorkflowNamespace, info.WorkflowExecution.ID,
			info.WorkflowExecution.RunID, info.ActivityID),
		Preview: handshake.TokenPreview(token),
		Attempt: uint32(max(info.Attempt, 0)),
	}
	r.logger.Info("caller activity took its task token", "case", caseID,
		"token_preview", handshake.TokenPreview(token), "token_digest", tokenDigest(token), "token_length", len(token), "attempt", info.Attempt)
	if err := r.events.event(&conformancev1.Event{Event: &conformancev1.Event_CallerToken{CallerToken: seen}}); err != nil {
		r.logger.Error("cannot report the caller token", "case", caseID, "error", err)
	}

	conn, err := r.conn(in.GetServiceAddress())
	if err != nil {
		return nil, err
	}
	agents := agentexecutionv1.NewAgentExecutionCommandControllerClient(conn)
	if in.GetFireAndForget() {
		createCtx, cancel := context.WithTimeout(ctx, handshake.DefaultCreateTimeout)
		defer cancel()
		return agents.Create(createCtx, in.GetRequest())
	}
	ack, err := handshake.ExecuteAgentAndWaitPending(ctx, agents, in.GetRequest())
	if err == activity.ErrResultPending && info.Attempt < int32(in.GetCrashBeforeAttempt()) {
		// Created, but the worker "dies" before the activity goes pending.
		return nil, temporal.NewApplicationError(
			fmt.Sprintf("attempt %d crashed after create", info.Attempt), "CONFORMANCE_CRASH")
	}
	// ErrResultPending is returned unwrapped: the worker compares it by identity.
	return ack, err //nolint:wrapcheck
}

// conn returns the cached gRPC connection to a service address, creating it on first use.
func (r *callerRole) conn(address string) (*grpc.ClientConn, error) {
	if address == "" {
		return nil, temporal.NewNonRetryableApplicationError("empty service_address", "CONFORMANCE_BAD_INPUT", nil)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if conn, ok := r.conns[address]; ok {
		return conn, nil
	}
	conn, err := grpc.NewClient(address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("gRPC client for %s: %w", address, err)
	}
	r.conns[address] = conn
	return conn, nil
}

func (r *callerRole) stop() {
	r.worker.Stop()
	r.client.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	for address, conn := range r.conns {
		if err := conn.Close(); err != nil {
			r.logger.Warn("closing a gRPC connection", "address", address, "error", err)
		}
	}
	r.conns = map[string]*grpc.ClientConn{}
}
