package handshaketest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	workflowexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/workflowexecution/v1"
	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// Defaults of [FakeStigmerService.Fail] for the empty fields of its [handshake.Failure].
const (
	DefaultFailureMessage = "the agent failed"
	DefaultFailureType    = handshake.FailureTypeAgentExecutionFailed
)

// CancelPollInterval is how often [FakeStigmerService.Cancel] heartbeats while it waits for the
// cancel request.
const CancelPollInterval = 100 * time.Millisecond

const apiVersion = "agentic.stigmer.ai/v1"

// executionSeq numbers the ACKs of every fake in the process, so that execution ids never repeat
// between the fakes of one test binary.
var executionSeq atomic.Int64

// CreateCall is one create the fake received.
type CreateCall struct {
	// Execution is the request as the caller sent it, spec.callback_token included: an
	// *agentexecutionv1.AgentExecution or a *workflowexecutionv1.WorkflowExecution. Do not modify it.
	Execution proto.Message
	// Metadata is the call's gRPC request metadata (keys lower case).
	Metadata metadata.MD
	// ExecutionID is the id the fake's ACK carried ("exec-N"); empty when the create was failed
	// ([FakeStigmerService.FailNext]).
	ExecutionID string
	// Code is the status the create was answered with: codes.OK, or the code of FailNext.
	Code codes.Code
}

// Token is the caller's task token, spec.callback_token. It is a bearer credential: never log it.
func (c CreateCall) Token() []byte {
	switch e := c.Execution.(type) {
	case *agentexecutionv1.AgentExecution:
		return e.GetSpec().GetCallbackToken()
	case *workflowexecutionv1.WorkflowExecution:
		return e.GetSpec().GetCallbackToken()
	}
	return nil
}

// Agent is the request of an agent execution create; nil for a workflow execution.
func (c CreateCall) Agent() *agentexecutionv1.AgentExecution {
	e, _ := c.Execution.(*agentexecutionv1.AgentExecution)
	return e
}

// Workflow is the request of a workflow execution create; nil for an agent execution.
func (c CreateCall) Workflow() *workflowexecutionv1.WorkflowExecution {
	e, _ := c.Execution.(*workflowexecutionv1.WorkflowExecution)
	return e
}

// IdempotencyKey is the key the caller put into metadata.annotations (the annotation
// [handshake.IdempotencyKeyAnnotation]); the same key travels as the [handshake.IdempotencyKeyHeader]
// request metadata.
func (c CreateCall) IdempotencyKey() string {
	switch e := c.Execution.(type) {
	case *agentexecutionv1.AgentExecution:
		return e.GetMetadata().GetAnnotations()[handshake.IdempotencyKeyAnnotation]
	case *workflowexecutionv1.WorkflowExecution:
		return e.GetMetadata().GetAnnotations()[handshake.IdempotencyKeyAnnotation]
	}
	return ""
}

// FakeOptions configures [StartFakeStigmerService]. The zero value listens on a free loopback
// port and logs nothing.
type FakeOptions struct {
	// Address is where the fake listens. Empty: "127.0.0.1:0" (a free loopback port).
	Address string
	// ServerOptions are passed to the fake's grpc.NewServer, for example an interceptor that
	// delays or fails some calls.
	ServerOptions []grpc.ServerOption
	// Logger receives the completion log lines of Complete, Fail and Cancel. Nil: none.
	Logger log.Logger
	// CancelUnimplemented makes the cancel RPC answer UNIMPLEMENTED, as the deployed service
	// does (it is still recorded in [FakeStigmerService.CancelRequests]).
	CancelUnimplemented bool
}

// CancelRequest is one call of the cancel RPC the fake received.
type CancelRequest struct {
	// ExecutionID is the id the caller asked to cancel.
	ExecutionID string
	// Workflow is true for the workflow execution controller's cancel, false for the agent's.
	Workflow bool
	// Code is the status the call was answered with.
	Code codes.Code
}

// FakeStigmerService is a Stigmer service for the tests of a caller application: a real gRPC
// server on loopback with the agent and workflow execution command and query controllers. It
// records every create (the execution as received, callback token included, and the call's
// metadata), ACKs it with a new execution id and the token cleared, and answers get with the
// execution's latest state. The test then finishes each handshake on demand with
// [FakeStigmerService.Complete], [FakeStigmerService.Fail] or [FakeStigmerService.Cancel], which
// act on the caller's activity through Temporal as a real service's workflow would.
// [FakeStigmerService.FailNext] makes the next creates fail with a gRPC status. It is safe for
// concurrent use.
type FakeStigmerService struct {
	completer *handshake.Completer
	grpc      *grpc.Server
	addr      string
	connOnce  sync.Once
	conn      *grpc.ClientConn
	connErr   error

	mu         sync.Mutex
	calls      []CreateCall
	executions map[string]proto.Message
	failures   []error
	changed    chan struct{}
	cancels    []CancelRequest
	cancelOff  bool
	stopped    context.Context // done once Stop is called
	stop       context.CancelFunc
}

// StartFakeStigmerService starts a fake service. temporalClient (connected to the callers'
// namespace) is what Complete, Fail and Cancel use; it may be nil when the test only records
// creates. Stop the fake with [FakeStigmerService.Stop].
func StartFakeStigmerService(temporalClient client.Client, opts FakeOptions) (*FakeStigmerService, error) {
	address, logger := opts.Address, opts.Logger
	if address == "" {
		address = "127.0.0.1:0"
	}
	if logger == nil {
		logger = log.NewStructuredLogger(slogDiscard())
	}
	lis, err := net.Listen("tcp", address)
	if err != nil {
		return nil, fmt.Errorf("handshaketest: fake Stigmer service: %w", err)
	}
	s := &FakeStigmerService{
		grpc:       grpc.NewServer(opts.ServerOptions...),
		addr:       lis.Addr().String(),
		executions: map[string]proto.Message{},
		changed:    make(chan struct{}),
		cancelOff:  opts.CancelUnimplemented,
	}
	s.stopped, s.stop = context.WithCancel(context.Background())
	if temporalClient != nil {
		s.completer = &handshake.Completer{Client: temporalClient, Logger: logger, MetricsHandler: client.MetricsNopHandler}
	}
	agentexecutionv1.RegisterAgentExecutionCommandControllerServer(s.grpc, agentCommand{s: s})
	workflowexecutionv1.RegisterWorkflowExecutionCommandControllerServer(s.grpc, workflowCommand{s: s})
	agentexecutionv1.RegisterAgentExecutionQueryControllerServer(s.grpc, agentQuery{s: s})
	workflowexecutionv1.RegisterWorkflowExecutionQueryControllerServer(s.grpc, workflowQuery{s: s})
	go func() { _ = s.grpc.Serve(lis) }()
	return s, nil
}

// Target is the fake's "host:port", for [handshake.NewConn] or grpc.NewClient.
func (s *FakeStigmerService) Target() string { return s.addr }

// Conn returns a plaintext client connection to the fake, made on first use and closed by Stop.
// For a connection with the SDK's retry policy use handshake.NewConn(s.Target(), handshake.ConnOptions{}).
func (s *FakeStigmerService) Conn() (*grpc.ClientConn, error) {
	s.connOnce.Do(func() {
		s.conn, s.connErr = grpc.NewClient(s.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	})
	return s.conn, s.connErr
}

// AgentClient returns a client of the fake's agent execution command controller, on [Conn].
func (s *FakeStigmerService) AgentClient() agentexecutionv1.AgentExecutionCommandControllerClient {
	conn, err := s.Conn()
	if err != nil {
		panic(err) // grpc.NewClient only fails on a malformed target, and ours is a listener's
	}
	return agentexecutionv1.NewAgentExecutionCommandControllerClient(conn)
}

// WorkflowClient returns a client of the fake's workflow execution command controller, on [Conn].
func (s *FakeStigmerService) WorkflowClient() workflowexecutionv1.WorkflowExecutionCommandControllerClient {
	conn, err := s.Conn()
	if err != nil {
		panic(err)
	}
	return workflowexecutionv1.NewWorkflowExecutionCommandControllerClient(conn)
}

// Stop closes [Conn] and stops the server at once.
func (s *FakeStigmerService) Stop() {
	s.stop()
	if s.conn != nil {
		_ = s.conn.Close()
	}
	s.grpc.Stop()
}

// Calls returns every create received so far, failed ones included, in order.
func (s *FakeStigmerService) Calls() []CreateCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CreateCall(nil), s.calls...)
}

// WaitForCalls waits until count creates have arrived in all, and returns all of them. The error
// wraps ctx's when it ends first.
func (s *FakeStigmerService) WaitForCalls(ctx context.Context, count int) ([]CreateCall, error) {
	for {
		s.mu.Lock()
		calls, changed := append([]CreateCall(nil), s.calls...), s.changed
		s.mu.Unlock()
		if len(calls) >= count {
			return calls, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return calls, fmt.Errorf("handshaketest: waiting for %d creates (got %d): %w", count, len(calls), ctx.Err())
		}
	}
}

// FailNext makes the next times creates fail with code and message, after recording them.
func (s *FakeStigmerService) FailNext(code codes.Code, message string, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range times {
		s.failures = append(s.failures, status.Error(code, message))
	}
}

// Execution returns a copy of the execution's latest state, as get answers it, and whether the
// fake knows the id.
func (s *FakeStigmerService) Execution(executionID string) (proto.Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.executions[executionID]
	if !ok {
		return nil, false
	}
	return proto.Clone(e), true
}

// SetExecution replaces the state that get answers for executionID (an *AgentExecution or a
// *WorkflowExecution, stored as a copy), for example to make a later get see a terminal phase.
func (s *FakeStigmerService) SetExecution(executionID string, execution proto.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.executions[executionID] = proto.Clone(execution)
}

// Complete finishes the call's execution as COMPLETED (with one AI message reply, when reply is
// not empty and the execution is an agent's) and completes the caller's activity with it.
func (s *FakeStigmerService) Complete(ctx context.Context, call CreateCall, reply string) (*sdkv1.CompleteExternalActivityResult, error) {
	execution, err := s.finish(call, 3, func(e proto.Message) {
		if a, ok := e.(*agentexecutionv1.AgentExecution); ok && reply != "" {
			a.Status.Messages = append(a.Status.Messages,
				&agentexecutionv1.AgentMessage{Type: agentexecutionv1.MessageType_MESSAGE_AI, Content: reply})
		}
	})
	if err != nil {
		return nil, err
	}
	in, err := handshake.ResultInput(call.Token(), execution, handshake.InputOptions{ExecutionID: call.ExecutionID})
	if err != nil {
		return nil, err
	}
	return s.completer.Complete(ctx, in)
}

// Fail finishes the call's execution as FAILED and fails the caller's activity with failure. Its
// empty Message and Type are [DefaultFailureMessage] and [DefaultFailureType].
func (s *FakeStigmerService) Fail(ctx context.Context, call CreateCall, failure handshake.Failure) (*sdkv1.CompleteExternalActivityResult, error) {
	if _, err := s.finish(call, 4, nil); err != nil {
		return nil, err
	}
	if failure.Message == "" {
		failure.Message = DefaultFailureMessage
	}
	if failure.Type == "" {
		failure.Type = DefaultFailureType
	}
	in, err := handshake.FailureInput(call.Token(), failure, handshake.InputOptions{ExecutionID: call.ExecutionID})
	if err != nil {
		return nil, err
	}
	return s.completer.Complete(ctx, in)
}

// Cancel waits until the caller's workflow has asked to cancel the activity, learnt by heartbeating
// it every [CancelPollInterval] as a service does, then finishes the execution as CANCELLED and
// reports the activity cancelled. ctx bounds the wait. A heartbeat outcome other than RECORDED,
// CANCEL_REQUESTED or TRANSIENT (the activity closed, the token is bad) is returned as an error.
func (s *FakeStigmerService) Cancel(ctx context.Context, call CreateCall) (*sdkv1.CompleteExternalActivityResult, error) {
	if s.completer == nil {
		return nil, errNoTemporal
	}
	for {
		outcome, err := s.completer.Heartbeat(ctx, call.Token())
		if err != nil {
			return nil, err
		}
		if outcome == handshake.HeartbeatCancelRequested {
			break
		}
		if outcome != handshake.HeartbeatRecorded && outcome != handshake.HeartbeatTransient {
			return nil, fmt.Errorf("handshaketest: heartbeating execution %s while waiting for its cancel request: %v",
				call.ExecutionID, outcome)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("handshaketest: no cancel request for execution %s: %w", call.ExecutionID, ctx.Err())
		case <-time.After(CancelPollInterval):
		}
	}
	if _, err := s.finish(call, 5, nil); err != nil {
		return nil, err
	}
	in, err := handshake.CancellationInput(call.Token(), handshake.InputOptions{ExecutionID: call.ExecutionID})
	if err != nil {
		return nil, err
	}
	return s.completer.Complete(ctx, in)
}

// CancelRequests returns every call of the cancel RPC received so far, in order.
func (s *FakeStigmerService) CancelRequests() []CancelRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CancelRequest(nil), s.cancels...)
}

// WaitForCancelRequests waits until the fake has received at least count cancel calls, and
// returns them; ctx bounds the wait.
func (s *FakeStigmerService) WaitForCancelRequests(ctx context.Context, count int) ([]CancelRequest, error) {
	for {
		s.mu.Lock()
		got, changed := append([]CancelRequest(nil), s.cancels...), s.changed
		s.mu.Unlock()
		if len(got) >= count {
			return got, nil
		}
		select {
		case <-ctx.Done():
			return got, fmt.Errorf("handshaketest: %d cancel calls, want %d: %w", len(got), count, ctx.Err())
		case <-changed:
		}
	}
}

// cancelRPC answers the cancel RPC as the reference service does: the execution of id ends
// CANCELLED (a terminal one is returned unchanged), and the caller's activity is reported
// cancelled through Temporal in the background ([FakeStigmerService.reportCancelled]). Unknown
// ids answer NOT_FOUND; with [FakeOptions].CancelUnimplemented, UNIMPLEMENTED.
func (s *FakeStigmerService) cancelRPC(ctx context.Context, id string, workflowKind bool) (proto.Message, error) {
	s.mu.Lock()
	request := CancelRequest{ExecutionID: id, Workflow: workflowKind}
	defer func() {
		s.mu.Lock()
		s.cancels = append(s.cancels, request)
		close(s.changed)
		s.changed = make(chan struct{})
		s.mu.Unlock()
	}()
	if s.cancelOff {
		s.mu.Unlock()
		request.Code = codes.Unimplemented
		return nil, status.Error(codes.Unimplemented, "method cancel not implemented")
	}
	e, ok := s.executions[id]
	if !ok {
		s.mu.Unlock()
		request.Code = codes.NotFound
		return nil, status.Errorf(codes.NotFound, "execution %s not found", id)
	}
	var token []byte
	if phase := executionPhase(e); phase < 3 || phase > 5 {
		for _, c := range s.calls {
			if c.ExecutionID == id {
				token = c.Token()
			}
		}
		setPhase(e, 5)
	}
	out := proto.Clone(e)
	s.mu.Unlock()
	if token != nil && s.completer != nil {
		go s.reportCancelled(id, token)
	}
	return out, nil
}

// reportCancelled reports the caller's activity of a cancelled execution cancelled, as the
// reference service's settlement does once the run has stopped: after the caller's workflow has
// asked to cancel the activity (a helper that pushes the cancel asks right after its cancel
// call). It gives up after [DefaultCancelReportWait], when the activity is gone, or when the fake
// stops.
func (s *FakeStigmerService) reportCancelled(executionID string, token []byte) {
	ctx, cancel := context.WithTimeout(s.stopped, DefaultCancelReportWait)
	defer cancel()
	for {
		outcome, err := s.completer.Heartbeat(ctx, token)
		if err == nil && outcome == handshake.HeartbeatCancelRequested {
			break
		}
		if err != nil || (outcome != handshake.HeartbeatRecorded && outcome != handshake.HeartbeatTransient) {
			return // the activity is gone (the workflow ended) or the token is refused
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(CancelPollInterval):
		}
	}
	in, err := handshake.CancellationInput(token, handshake.InputOptions{ExecutionID: executionID})
	if err == nil {
		_, _ = s.completer.Complete(ctx, in)
	}
}

// DefaultCancelReportWait bounds how long the fake's cancel RPC waits, in the background, for the
// caller's cancel request before it reports the caller's activity cancelled.
const DefaultCancelReportWait = time.Minute

var errNoTemporal = errors.New("handshaketest: StartFakeStigmerService needs a Temporal client to finish calls")

// finish sets the call's execution to phase (3 COMPLETED, 4 FAILED, 5 CANCELLED; the same numbers
// in both kinds), applies edit, and returns a copy of the result.
func (s *FakeStigmerService) finish(call CreateCall, phase int32, edit func(proto.Message)) (proto.Message, error) {
	if s.completer == nil {
		return nil, errNoTemporal
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.executions[call.ExecutionID]
	if !ok {
		return nil, fmt.Errorf("handshaketest: no execution %q: the create was failed or not received by this fake", call.ExecutionID)
	}
	setPhase(e, phase)
	if edit != nil {
		edit(e)
	}
	return proto.Clone(e), nil
}

// create records a create and answers its ACK: the request with metadata.id set, api_version and
// kind filled when empty, and the callback token cleared, as services do.
func (s *FakeStigmerService) create(ctx context.Context, request proto.Message) (proto.Message, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	call := CreateCall{Execution: proto.Clone(request), Metadata: md.Copy()}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		close(s.changed)
		s.changed = make(chan struct{})
	}()
	if len(s.failures) > 0 {
		err := s.failures[0]
		s.failures = s.failures[1:]
		call.Code = status.Code(err)
		s.calls = append(s.calls, call)
		return nil, err
	}
	call.ExecutionID = fmt.Sprintf("exec-%d", executionSeq.Add(1))
	s.calls = append(s.calls, call)
	ack := proto.Clone(request)
	switch a := ack.(type) {
	case *agentexecutionv1.AgentExecution:
		fillACK(&a.ApiVersion, &a.Kind, "AgentExecution")
		a.Metadata = orNew(a.Metadata)
		a.Metadata.Id = call.ExecutionID
		if a.Spec != nil {
			a.Spec.CallbackToken = nil
		}
	case *workflowexecutionv1.WorkflowExecution:
		fillACK(&a.ApiVersion, &a.Kind, "WorkflowExecution")
		a.Metadata = orNew(a.Metadata)
		a.Metadata.Id = call.ExecutionID
		if a.Spec != nil {
			a.Spec.CallbackToken = nil
		}
	}
	s.executions[call.ExecutionID] = proto.Clone(ack)
	return ack, nil
}

func (s *FakeStigmerService) get(id string) (proto.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.executions[id]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "execution %s not found", id)
	}
	return proto.Clone(e), nil
}

func (s *FakeStigmerService) updateStatus(id string, set func(proto.Message)) (proto.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.executions[id]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "execution %s not found", id)
	}
	set(e)
	return proto.Clone(e), nil
}

func fillACK(apiVersionField, kindField *string, kind string) {
	if *apiVersionField == "" {
		*apiVersionField = apiVersion
	}
	if *kindField == "" {
		*kindField = kind
	}
}

// setPhase sets an execution's status.phase (the same numbers in both kinds).
func setPhase(m proto.Message, phase int32) {
	switch e := m.(type) {
	case *agentexecutionv1.AgentExecution:
		if e.Status == nil {
			e.Status = &agentexecutionv1.AgentExecutionStatus{}
		}
		e.Status.Phase = agentexecutionv1.ExecutionPhase(phase)
	case *workflowexecutionv1.WorkflowExecution:
		if e.Status == nil {
			e.Status = &workflowexecutionv1.WorkflowExecutionStatus{}
		}
		e.Status.Phase = workflowexecutionv1.ExecutionPhase(phase)
	}
}

// executionPhase is an execution's status.phase.
func executionPhase(m proto.Message) int32 {
	switch e := m.(type) {
	case *agentexecutionv1.AgentExecution:
		return int32(e.GetStatus().GetPhase())
	case *workflowexecutionv1.WorkflowExecution:
		return int32(e.GetStatus().GetPhase())
	}
	return 0
}
