package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"go.temporal.io/sdk/client"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
)

// The constants the deployed server's proto validation requires.
const (
	apiVersion = "agentic.stigmer.ai/v1"
	kind       = "AgentExecution"
)

// completionQueueAnnotation lets an execution name the task queue of its completion (a test hook).
const completionQueueAnnotation = "emulator.stigmer.ai/completion-task-queue"

// store holds the executions in memory, by id.
type store struct {
	mu         sync.Mutex
	executions map[string]*agentexecutionv1.AgentExecution
}

func newStore() *store {
	return &store{executions: map[string]*agentexecutionv1.AgentExecution{}}
}

func (s *store) put(e *agentexecutionv1.AgentExecution) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.executions[e.GetMetadata().GetId()] = proto.Clone(e).(*agentexecutionv1.AgentExecution)
}

func (s *store) get(id string) (*agentexecutionv1.AgentExecution, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.executions[id]
	if !ok {
		return nil, false
	}
	return proto.Clone(e).(*agentexecutionv1.AgentExecution), true
}

// update applies f to the stored execution id under the lock.
func (s *store) update(id string, f func(*agentexecutionv1.AgentExecution)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.executions[id]; ok {
		f(e)
	}
}

func newID(prefix string) string {
	b := make([]byte, 13)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// service is the AgentExecutionCommandController.
type service struct {
	agentexecutionv1.UnimplementedAgentExecutionCommandControllerServer
	store       *store
	temporal    client.Client
	taskQueue   string
	runnerQueue string
	logger      *slog.Logger
}

// validate refuses what the deployed server refuses, in its pipeline's order.
func validate(e *agentexecutionv1.AgentExecution) error {
	var violations []string
	if e.GetApiVersion() != apiVersion {
		violations = append(violations, "api_version: value must equal `"+apiVersion+"`")
	}
	if e.GetKind() != kind {
		violations = append(violations, "kind: value must equal `"+kind+"`")
	}
	if e.GetSpec().GetMessage() == "" {
		violations = append(violations, "spec.message: value length must be at least 1 characters")
	}
	if len(violations) > 0 {
		return status.Error(codes.InvalidArgument, strings.Join(violations, "; "))
	}
	if e.GetMetadata().GetName() == "" {
		return status.Error(codes.Unknown, "pipeline step ResolveSlug failed: resource name is empty")
	}
	if e.GetSpec().GetSessionId() == "" && e.GetSpec().GetAgentId() == "" {
		return status.Error(codes.InvalidArgument, "either session_id or agent_id must be provided")
	}
	if e.GetSpec().GetAgentId() != "" {
		if _, ok := scripts[e.GetSpec().GetAgentId()]; !ok {
			return status.Errorf(codes.NotFound, "agent %q not found", e.GetSpec().GetAgentId())
		}
	}
	return nil
}

// Create stores a new execution (the idempotency key is ignored, as the deployed server does) and
// starts its workflow; it answers with the stored execution, token included.
func (s *service) Create(ctx context.Context, in *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	if err := validate(in); err != nil {
		s.logger.Warn("create refused", "error", err)
		return nil, err
	}
	e := proto.Clone(in).(*agentexecutionv1.AgentExecution)
	md := e.GetMetadata()
	md.Id = newID("aex")
	md.Slug = md.GetName()
	if e.GetSpec().GetSessionId() == "" {
		e.GetSpec().SessionId = newID("ses")
	}
	if e.Status == nil {
		e.Status = &agentexecutionv1.AgentExecutionStatus{}
	}
	e.Status.Phase = agentexecutionv1.ExecutionPhase_EXECUTION_PENDING
	setCreatedAudit(e)
	s.store.put(e)
	s.logger.Info("execution created", "execution_id", md.GetId(), "token_length", len(e.GetSpec().GetCallbackToken()))

	_, err := s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        "invoke-agent-execution-" + md.GetId(),
		TaskQueue: s.taskQueue,
	}, invokeWorkflowName, e, s.runnerQueue)
	if err != nil {
		return nil, status.Error(codes.Internal, fmt.Sprintf("failed to start workflow: %v", err))
	}
	return e, nil
}

// query is the AgentExecutionQueryController: get returns the stored execution as it is.
type query struct {
	agentexecutionv1.UnimplementedAgentExecutionQueryControllerServer
	store *store
}

func (q *query) Get(_ context.Context, in *agentexecutionv1.AgentExecutionId) (*agentexecutionv1.AgentExecution, error) {
	e, ok := q.store.get(in.GetValue())
	if !ok {
		return nil, status.Errorf(codes.NotFound, "agent execution %q not found", in.GetValue())
	}
	return e, nil
}
