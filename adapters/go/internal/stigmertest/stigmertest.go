// Package stigmertest is a recording Stigmer service for tests: a real gRPC server on 127.0.0.1
// implementing the agent and workflow execution command controllers. It records every create
// request (callback token, idempotency metadata and annotation), answers with an ACK carrying a
// fresh execution id, and fails requests for agents or workflows it was told to fail. Its query
// controllers answer get from a script ([Server.ScriptGets]).
package stigmertest

import (
	"context"
	"fmt"
	"net"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	workflowexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/workflowexecution/v1"
)

// Header and annotation the SDK writes the idempotency key to.
const (
	header     = "stigmer-idempotency-key"
	annotation = "stigmer.ai/idempotency-key"
)

// Create is one recorded create request.
type Create struct {
	// ExecutionID is the id the ACK carried; empty when the request was failed.
	ExecutionID string
	// Token is spec.callback_token as received.
	Token []byte
	// HeaderKeys are the values of the stigmer-idempotency-key request metadata.
	HeaderKeys []string
	// Annotation is metadata.annotations["stigmer.ai/idempotency-key"].
	Annotation string
	// Agent is the request, for agent executions.
	Agent *agentexecutionv1.AgentExecution
	// Workflow is the request, for workflow executions.
	Workflow *workflowexecutionv1.WorkflowExecution
	// Code is the status the request was answered with.
	Code codes.Code
}

// Server is the recording service.
type Server struct {
	agentexecutionv1.UnimplementedAgentExecutionCommandControllerServer

	// Addr is the address the server listens on.
	Addr string

	grpc          *grpc.Server
	conn          *grpc.ClientConn
	workflow      workflowServer
	agentQuery    agentQueryServer
	workflowQuery workflowQueryServer

	mu      sync.Mutex
	creates []Create
	failing map[string]error
	gets    map[string][]any // execution id -> scripted answers (proto.Message or error)
	getN    map[string]int
	changed chan struct{}
	nextID  int
}

type workflowServer struct {
	workflowexecutionv1.UnimplementedWorkflowExecutionCommandControllerServer
	s *Server
}

// Start starts a recording server on 127.0.0.1:0 and a client connection to it.
func Start() (*Server, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		Addr:    lis.Addr().String(),
		grpc:    grpc.NewServer(),
		failing: map[string]error{},
		gets:    map[string][]any{},
		getN:    map[string]int{},
		changed: make(chan struct{}),
	}
	s.workflow.s, s.agentQuery.s, s.workflowQuery.s = s, s, s
	agentexecutionv1.RegisterAgentExecutionCommandControllerServer(s.grpc, s)
	workflowexecutionv1.RegisterWorkflowExecutionCommandControllerServer(s.grpc, &s.workflow)
	agentexecutionv1.RegisterAgentExecutionQueryControllerServer(s.grpc, &s.agentQuery)
	workflowexecutionv1.RegisterWorkflowExecutionQueryControllerServer(s.grpc, &s.workflowQuery)
	go func() { _ = s.grpc.Serve(lis) }()
	s.conn, err = grpc.NewClient(s.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		s.grpc.Stop()
		return nil, err
	}
	return s, nil
}

// Stop closes the client connection and stops the server.
func (s *Server) Stop() {
	_ = s.conn.Close()
	s.grpc.Stop()
}

// AgentClient returns a client of the agent execution command controller.
func (s *Server) AgentClient() agentexecutionv1.AgentExecutionCommandControllerClient {
	return agentexecutionv1.NewAgentExecutionCommandControllerClient(s.conn)
}

// WorkflowClient returns a client of the workflow execution command controller.
func (s *Server) WorkflowClient() workflowexecutionv1.WorkflowExecutionCommandControllerClient {
	return workflowexecutionv1.NewWorkflowExecutionCommandControllerClient(s.conn)
}

// Conn returns the server's client connection.
func (s *Server) Conn() *grpc.ClientConn { return s.conn }

// ScriptGets sets what get answers for execution id, one answer per call: a proto.Message (an
// *AgentExecution or *WorkflowExecution) or an error. The last answer repeats; without a script
// get answers NOT_FOUND.
func (s *Server) ScriptGets(id string, answers ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets[id] = answers
}

// Gets returns how many get calls execution id received.
func (s *Server) Gets(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.getN[id]
}

func (s *Server) get(id string) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.getN[id]++
	script := s.gets[id]
	if len(script) == 0 {
		return nil, status.Errorf(codes.NotFound, "execution %q not found", id)
	}
	answer := script[0]
	if len(script) > 1 {
		s.gets[id] = script[1:]
	}
	if err, ok := answer.(error); ok {
		return nil, err
	}
	return answer, nil
}

type agentQueryServer struct {
	agentexecutionv1.UnimplementedAgentExecutionQueryControllerServer
	s *Server
}

// Get answers from the script.
func (q *agentQueryServer) Get(_ context.Context, in *agentexecutionv1.AgentExecutionId) (*agentexecutionv1.AgentExecution, error) {
	answer, err := q.s.get(in.GetValue())
	if err != nil {
		return nil, err
	}
	e, ok := answer.(*agentexecutionv1.AgentExecution)
	if !ok {
		return nil, status.Errorf(codes.Internal, "scripted answer %T is no AgentExecution", answer)
	}
	return e, nil
}

type workflowQueryServer struct {
	workflowexecutionv1.UnimplementedWorkflowExecutionQueryControllerServer
	s *Server
}

// Get answers from the script.
func (q *workflowQueryServer) Get(_ context.Context, in *workflowexecutionv1.WorkflowExecutionId) (*workflowexecutionv1.WorkflowExecution, error) {
	answer, err := q.s.get(in.GetValue())
	if err != nil {
		return nil, err
	}
	e, ok := answer.(*workflowexecutionv1.WorkflowExecution)
	if !ok {
		return nil, status.Errorf(codes.Internal, "scripted answer %T is no WorkflowExecution", answer)
	}
	return e, nil
}

// Fail makes every create for this agent id (or workflow id) fail with the given status.
func (s *Server) Fail(id string, code codes.Code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing[id] = status.Error(code, message)
}

// Creates returns the creates recorded so far that match (all of them if match is nil).
func (s *Server) Creates(match func(Create) bool) []Create {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Create
	for _, c := range s.creates {
		if match == nil || match(c) {
			out = append(out, c)
		}
	}
	return out
}

// WaitCreates waits until at least n recorded creates match, or ctx ends.
func (s *Server) WaitCreates(ctx context.Context, n int, match func(Create) bool) ([]Create, error) {
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		if got := s.Creates(match); len(got) >= n {
			return got, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return s.Creates(match), fmt.Errorf("waiting for %d creates: %w (got %d)", n, ctx.Err(), len(s.Creates(match)))
		}
	}
}

func (s *Server) record(ctx context.Context, c Create, failKey string) (string, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	c.HeaderKeys = md.Get(header)
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.failing[failKey]
	if err != nil {
		c.Code = status.Code(err)
	} else {
		s.nextID++
		c.ExecutionID = fmt.Sprintf("exec-%04d", s.nextID)
	}
	s.creates = append(s.creates, c)
	close(s.changed)
	s.changed = make(chan struct{})
	return c.ExecutionID, err
}

// Create records an agent execution create and answers with its ACK: the request with a new
// metadata.id and the callback token cleared, as deployed services do.
func (s *Server) Create(ctx context.Context, in *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	id, err := s.record(ctx, Create{
		Token:      in.GetSpec().GetCallbackToken(),
		Annotation: in.GetMetadata().GetAnnotations()[annotation],
		Agent:      proto.Clone(in).(*agentexecutionv1.AgentExecution),
	}, in.GetSpec().GetAgentId())
	if err != nil {
		return nil, err
	}
	ack := proto.Clone(in).(*agentexecutionv1.AgentExecution)
	ack.Metadata.Id = id
	ack.Spec.CallbackToken = nil
	return ack, nil
}

// Create records a workflow execution create and answers with its ACK.
func (w *workflowServer) Create(ctx context.Context, in *workflowexecutionv1.WorkflowExecution) (*workflowexecutionv1.WorkflowExecution, error) {
	id, err := w.s.record(ctx, Create{
		Token:      in.GetSpec().GetCallbackToken(),
		Annotation: in.GetMetadata().GetAnnotations()[annotation],
		Workflow:   proto.Clone(in).(*workflowexecutionv1.WorkflowExecution),
	}, in.GetSpec().GetWorkflowId())
	if err != nil {
		return nil, err
	}
	ack := proto.Clone(in).(*workflowexecutionv1.WorkflowExecution)
	ack.Metadata.Id = id
	ack.Spec.CallbackToken = nil
	return ack, nil
}
