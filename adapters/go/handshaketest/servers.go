package handshaketest

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	workflowexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/workflowexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/commons/apiresource"
)

// The gRPC controllers of the fake: thin typed shells over its state.

func orNew(md *apiresource.ApiResourceMetadata) *apiresource.ApiResourceMetadata {
	if md == nil {
		return &apiresource.ApiResourceMetadata{}
	}
	return md
}

// as converts a stored execution to the controller's type; a mismatch (an execution of the other
// kind stored with SetExecution) answers INTERNAL.
func as[T proto.Message](m proto.Message, err error) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	t, ok := m.(T)
	if !ok {
		return zero, status.Errorf(codes.Internal, "the fake holds a %T under this id", m)
	}
	return t, nil
}

type agentCommand struct {
	agentexecutionv1.UnimplementedAgentExecutionCommandControllerServer
	s *FakeStigmerService
}

func (c agentCommand) Create(ctx context.Context, in *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	return as[*agentexecutionv1.AgentExecution](c.s.create(ctx, in))
}

func (c agentCommand) UpdateStatus(_ context.Context, in *agentexecutionv1.AgentExecutionUpdateStatusInput) (*agentexecutionv1.AgentExecution, error) {
	return as[*agentexecutionv1.AgentExecution](c.s.updateStatus(in.GetExecutionId(), func(m proto.Message) {
		if e, ok := m.(*agentexecutionv1.AgentExecution); ok {
			e.Status = proto.Clone(in.GetStatus()).(*agentexecutionv1.AgentExecutionStatus)
		}
	}))
}

func (c agentCommand) Cancel(ctx context.Context, in *agentexecutionv1.AgentExecutionId) (*agentexecutionv1.AgentExecution, error) {
	return as[*agentexecutionv1.AgentExecution](c.s.cancelRPC(ctx, in.GetValue(), false))
}

type workflowCommand struct {
	workflowexecutionv1.UnimplementedWorkflowExecutionCommandControllerServer
	s *FakeStigmerService
}

func (c workflowCommand) Create(ctx context.Context, in *workflowexecutionv1.WorkflowExecution) (*workflowexecutionv1.WorkflowExecution, error) {
	return as[*workflowexecutionv1.WorkflowExecution](c.s.create(ctx, in))
}

func (c workflowCommand) UpdateStatus(_ context.Context, in *workflowexecutionv1.WorkflowExecutionUpdateStatusInput) (*workflowexecutionv1.WorkflowExecution, error) {
	return as[*workflowexecutionv1.WorkflowExecution](c.s.updateStatus(in.GetExecutionId(), func(m proto.Message) {
		if e, ok := m.(*workflowexecutionv1.WorkflowExecution); ok {
			e.Status = proto.Clone(in.GetStatus()).(*workflowexecutionv1.WorkflowExecutionStatus)
		}
	}))
}

func (c workflowCommand) Cancel(ctx context.Context, in *workflowexecutionv1.WorkflowExecutionId) (*workflowexecutionv1.WorkflowExecution, error) {
	return as[*workflowexecutionv1.WorkflowExecution](c.s.cancelRPC(ctx, in.GetValue(), true))
}

type agentQuery struct {
	agentexecutionv1.UnimplementedAgentExecutionQueryControllerServer
	s *FakeStigmerService
}

func (q agentQuery) Get(_ context.Context, in *agentexecutionv1.AgentExecutionId) (*agentexecutionv1.AgentExecution, error) {
	return as[*agentexecutionv1.AgentExecution](q.s.get(in.GetValue()))
}

type workflowQuery struct {
	workflowexecutionv1.UnimplementedWorkflowExecutionQueryControllerServer
	s *FakeStigmerService
}

func (q workflowQuery) Get(_ context.Context, in *workflowexecutionv1.WorkflowExecutionId) (*workflowexecutionv1.WorkflowExecution, error) {
	return as[*workflowexecutionv1.WorkflowExecution](q.s.get(in.GetValue()))
}
