package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/commons/apiresource"
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
	if in.GetLocalActivity() {
		localCtx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
			StartToCloseTimeout: opts.StartToCloseTimeout,
			RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
		})
		var result *agentexecutionv1.AgentExecution
		err := workflow.ExecuteLocalActivity(localCtx, callAgentActivity, in).Get(ctx, &result)
		return result, err
	}
	ctx = workflow.WithActivityOptions(ctx, opts)
	if in.GetTerminal() {
		return executeToTerminal(ctx, in)
	}
	var result *agentexecutionv1.AgentExecution
	err := workflow.ExecuteActivity(ctx, callAgentActivity, in).Get(ctx, &result)
	return result, err
}

// Annotations through which the terminal-path workflow hands the handshake activity what it needs
// beyond the execution (handshake.ExecuteToTerminal passes only the execution); the activity
// removes them before create.
const (
	serviceAddressAnnotation = "conformance.stigmer.ai/service-address"
	crashAnnotation          = "conformance.stigmer.ai/crash-before-attempt"
	callAgentTerminal        = "conformance/call-agent-terminal"
)

// getExecutionQueue is the task queue of the get-execution worker for one service.
func getExecutionQueue(callerQueue, serviceAddress string) string {
	return callerQueue + "@" + serviceAddress
}

// executeToTerminal runs the handshake through the SDK's terminal-result helper, with the
// activity options already on ctx.
func executeToTerminal(ctx workflow.Context, in *conformancev1.CallerInput) (*agentexecutionv1.AgentExecution, error) {
	req := proto.Clone(in.GetRequest()).(*agentexecutionv1.AgentExecution)
	if req.Metadata == nil {
		req.Metadata = &apiresource.ApiResourceMetadata{}
	}
	if req.Metadata.Annotations == nil {
		req.Metadata.Annotations = map[string]string{}
	}
	req.Metadata.Annotations[serviceAddressAnnotation] = in.GetServiceAddress()
	req.Metadata.Annotations[crashAnnotation] = strconv.Itoa(int(in.GetCrashBeforeAttempt()))
	// The caller activities (get and watch) run on the worker polling this service.
	callerQueue := getExecutionQueue(workflow.GetInfo(ctx).TaskQueueName, in.GetServiceAddress())
	opts := handshake.TerminalOptions{
		GetExecution: workflow.ActivityOptions{TaskQueue: callerQueue},
		Watch:        workflow.ActivityOptions{TaskQueue: callerQueue},
	}
	return handshake.ExecuteToTerminal(ctx, opts, callAgentTerminal, req)
}

// callerRole runs the caller worker: the workflow "conformance/caller" and the activity
// "conformance/call-agent" on the role's task queue.
type callerRole struct {
	events *frameWriter
	logger *slog.Logger
	client client.Client
	worker worker.Worker

	queue string

	mu         sync.Mutex
	conns      map[string]*grpc.ClientConn // by service address
	getWorkers []worker.Worker             // get-execution workers, one per service address
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
	r := &callerRole{events: events, logger: logger, client: c, queue: queue, conns: map[string]*grpc.ClientConn{}}
	r.worker = worker.New(c, queue, worker.Options{})
	r.worker.RegisterWorkflowWithOptions(callerWorkflow, workflow.RegisterOptions{Name: callerWorkflowName})
	r.worker.RegisterActivityWithOptions(r.callAgent, activity.RegisterOptions{Name: callAgentActivity})
	r.worker.RegisterActivityWithOptions(r.callAgentTerminal, activity.RegisterOptions{Name: callAgentTerminal})
	if err := r.worker.Start(); err != nil {
		c.Close()
		return nil, fmt.Errorf("starting the caller worker on %q: %w", queue, err)
	}
	logger.Info("caller worker started", "task_queue", queue)
	return r, nil
}

// report emits Event.caller_token for the running activity attempt.
func (r *callerRole) report(ctx context.Context, req *agentexecutionv1.AgentExecution) {
	info := activity.GetInfo(ctx)
	token := info.TaskToken
	sum := sha256.Sum256(token)
	caseID := req.GetMetadata().GetAnnotations()[caseAnnotation]
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
		"token_preview", handshake.TokenPreview(token), "token_digest", handshake.TokenDigest(token),
		"token_length", len(token), "attempt", info.Attempt)
	if err := r.events.event(&conformancev1.Event{Event: &conformancev1.Event_CallerToken{CallerToken: seen}}); err != nil {
		r.logger.Error("cannot report the caller token", "case", caseID, "error", err)
	}
}

// handshake starts the execution through handshake.ExecuteAgentAndWaitPending and returns its ACK
// and error unchanged, so that activity.ErrResultPending reaches the worker unwrapped; an attempt
// before crashBefore fails instead, as if the worker died after create.
func (r *callerRole) handshake(ctx context.Context, address string, req *agentexecutionv1.AgentExecution, crashBefore int32) (*agentexecutionv1.AgentExecution, error) {
	conn, err := r.conn(address)
	if err != nil {
		return nil, err
	}
	agents := agentexecutionv1.NewAgentExecutionCommandControllerClient(conn)
	ack, err := handshake.ExecuteAgentAndWaitPending(ctx, agents, req, handshake.CreateOptions{})
	if attempt := activity.GetInfo(ctx).Attempt; err == activity.ErrResultPending && attempt < crashBefore {
		return nil, temporal.NewApplicationError(
			fmt.Sprintf("attempt %d crashed after create", attempt), "CONFORMANCE_CRASH")
	}
	return ack, err //nolint:wrapcheck // ErrResultPending is compared by identity
}

// callAgent is the activity "conformance/call-agent". It reports its task token
// (Event.caller_token), then starts the execution through the handshake helper. With
// fire_and_forget it calls create without a token and returns the ACK.
func (r *callerRole) callAgent(ctx context.Context, in *conformancev1.CallerInput) (*agentexecutionv1.AgentExecution, error) {
	r.report(ctx, in.GetRequest())
	if in.GetFireAndForget() {
		conn, err := r.conn(in.GetServiceAddress())
		if err != nil {
			return nil, err
		}
		createCtx, cancel := context.WithTimeout(ctx, handshake.DefaultCreateTimeout)
		defer cancel()
		return agentexecutionv1.NewAgentExecutionCommandControllerClient(conn).Create(createCtx, in.GetRequest())
	}
	return r.handshake(ctx, in.GetServiceAddress(), in.GetRequest(), int32(in.GetCrashBeforeAttempt()))
}

// callAgentTerminal is the activity "conformance/call-agent-terminal", the handshake activity of
// the terminal path: its only argument is the execution, whose conformance annotations say where
// to create it (and when to crash); they are removed before create.
func (r *callerRole) callAgentTerminal(ctx context.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	r.report(ctx, req)
	req = proto.Clone(req).(*agentexecutionv1.AgentExecution)
	annotations := req.GetMetadata().GetAnnotations()
	address := annotations[serviceAddressAnnotation]
	crash, _ := strconv.Atoi(annotations[crashAnnotation])
	delete(annotations, serviceAddressAnnotation)
	delete(annotations, crashAnnotation)
	return r.handshake(ctx, address, req, int32(crash))
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
	// The terminal helper's get-execution activity, polling this service.
	w := worker.New(r.client, getExecutionQueue(r.queue, address), worker.Options{})
	handshake.NewCallerActivities(conn).Register(w)
	if err := w.Start(); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("starting the get-execution worker for %s: %w", address, err)
	}
	r.getWorkers = append(r.getWorkers, w)
	r.conns[address] = conn
	return conn, nil
}

func (r *callerRole) stop() {
	r.worker.Stop()
	for _, w := range r.getWorkers {
		w.Stop()
	}
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
