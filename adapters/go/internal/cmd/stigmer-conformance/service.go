package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/commons/apiresource"
	conformancev1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/conformance/v1"
	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
)

// completeViaSystemActivityWorkflowName is the service's workflow that completes through the
// system activity.
const completeViaSystemActivityWorkflowName = "conformance/complete-via-system-activity"

// systemInputJSON is the fault FAULT_SYSTEM_INPUT_JSON: the system-activity workflow sends its
// input through the workflow's data converter (json/protobuf), as the Go SDK did before the
// contract fixed binary/protobuf.
var systemInputJSON atomic.Bool

// completeTimeout bounds one CompleteRequest, the system-activity workflow included (its activity
// may take 3 attempts of up to 1 minute, but real runs answer in well under a second).
const completeTimeout = 4 * time.Minute

// completeViaSystemActivityWorkflow is the workflow "conformance/complete-via-system-activity": it
// schedules the system activity with call.input on call.task_queue (start-to-close 1 minute, at
// most 3 attempts) and returns the activity's result. Unlike handshake.CompleteCaller it turns no
// outcome into an error: the runner wants the outcome itself.
func completeViaSystemActivityWorkflow(ctx workflow.Context, call *conformancev1.SystemActivityCall) (*sdkv1.CompleteExternalActivityResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           call.GetTaskQueue(),
		StartToCloseTimeout: handshake.DefaultSystemActivityStartToClose,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: handshake.DefaultSystemActivityMaximumAttempts},
	})
	var input any = call.GetInput() // FAULT_SYSTEM_INPUT_JSON: the workflow converter's json/protobuf
	if !systemInputJSON.Load() {
		raw, err := handshake.SystemActivityInput(call.GetInput())
		if err != nil {
			return nil, err
		}
		input = raw
	}
	var result *sdkv1.CompleteExternalActivityResult
	err := workflow.ExecuteActivity(ctx, handshake.SystemActivityName, input).Get(ctx, &result)
	return result, err
}

// serviceRole is a Stigmer AgentExecutionCommandController on loopback that records the callback
// token of each create, and completes the caller's activity with it when the runner says so.
type serviceRole struct {
	agentexecutionv1.UnimplementedAgentExecutionCommandControllerServer

	events            *frameWriter
	logger            *slog.Logger
	target            *conformancev1.TemporalTarget
	otherNamespace    string
	workflowTaskQueue string
	flipTokenByte     bool // Fault FLIP_TOKEN_BYTE
	dropFailureType   bool // Fault DROP_FAILURE_TYPE

	client  client.Client // the start request's namespace
	worker  worker.Worker // runs the system-activity workflow
	server  *grpc.Server
	address string

	mu      sync.Mutex
	tokens  map[string][]byte // by case id: the last token received
	foreign client.Client     // otherNamespace, dialled on first use
}

// startService starts the service role: its Temporal client, the worker of its system-activity
// workflow, and the gRPC server on 127.0.0.1 (port 0).
func startService(start *conformancev1.StartRequest, events *frameWriter, logger *slog.Logger) (*serviceRole, error) {
	role := start.GetService()
	systemInputJSON.Store(slices.Contains(start.GetFaults(), conformancev1.Fault_FAULT_SYSTEM_INPUT_JSON))
	s := &serviceRole{
		events:            events,
		logger:            logger,
		target:            start.GetTemporal(),
		otherNamespace:    role.GetOtherNamespace(),
		workflowTaskQueue: role.GetWorkflowTaskQueue(),
		flipTokenByte:     slices.Contains(start.GetFaults(), conformancev1.Fault_FAULT_FLIP_TOKEN_BYTE),
		dropFailureType:   slices.Contains(start.GetFaults(), conformancev1.Fault_FAULT_DROP_FAILURE_TYPE),
		tokens:            map[string][]byte{},
	}
	c, err := dial(s.target, s.target.GetNamespace(), logger)
	if err != nil {
		return nil, err
	}
	s.client = c

	if s.workflowTaskQueue != "" {
		s.worker = worker.New(c, s.workflowTaskQueue, worker.Options{})
		s.worker.RegisterWorkflowWithOptions(completeViaSystemActivityWorkflow,
			workflow.RegisterOptions{Name: completeViaSystemActivityWorkflowName})
		if err := s.worker.Start(); err != nil {
			c.Close()
			return nil, fmt.Errorf("starting the service worker on %q: %w", s.workflowTaskQueue, err)
		}
	}

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("listening on 127.0.0.1: %w", err)
	}
	s.address = lis.Addr().String()
	s.server = grpc.NewServer()
	agentexecutionv1.RegisterAgentExecutionCommandControllerServer(s.server, s)
	go func() {
		if err := s.server.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			logger.Error("gRPC server stopped", "error", err)
		}
	}()
	logger.Info("service started", "address", s.address, "workflow_task_queue", s.workflowTaskQueue,
		"flip_token_byte", s.flipTokenByte, "drop_failure_type", s.dropFailureType)
	return s, nil
}

// Create records the callback token under the case id, reports it (Event.service_token) and ACKs
// with the request, callback_token cleared and metadata.id set to the case id.
func (s *serviceRole) Create(ctx context.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	caseID := req.GetMetadata().GetAnnotations()[caseAnnotation]
	token := slices.Clone(req.GetSpec().GetCallbackToken())
	var key string
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get(handshake.IdempotencyKeyHeader); len(v) > 0 {
			key = v[0]
		}
	}

	s.mu.Lock()
	s.tokens[caseID] = token
	s.mu.Unlock()

	s.logger.Info(contract.LogCallbackTokenDetected.Message, "execution_id", caseID,
		"token_preview", handshake.TokenPreview(token), "token_digest", handshake.TokenDigest(token), "token_length", len(token))
	sum := sha256.Sum256(token)
	seen := &conformancev1.TokenSeen{CaseId: caseID, Sha256: sum[:], Length: uint32(len(token)), IdempotencyKey: key}
	if err := s.events.event(&conformancev1.Event{Event: &conformancev1.Event_ServiceToken{ServiceToken: seen}}); err != nil {
		s.logger.Error("cannot report the service token", "case", caseID, "error", err)
	}

	ack, _ := proto.Clone(req).(*agentexecutionv1.AgentExecution)
	if ack.Spec != nil {
		ack.Spec.CallbackToken = nil
	}
	if ack.Metadata == nil {
		ack.Metadata = &apiresource.ApiResourceMetadata{}
	}
	ack.Metadata.Id = caseID
	return ack, nil
}

// complete carries out a CompleteRequest with the token received for its case.
func (s *serviceRole) complete(req *conformancev1.CompleteRequest) (*conformancev1.CompleteResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), completeTimeout)
	defer cancel()

	caseID := req.GetCaseId()
	s.mu.Lock()
	received, ok := s.tokens[caseID]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("no create received for case %q", caseID)
	}
	token, err := s.useToken(received, req.GetTokenMutation())
	if err != nil {
		return nil, err
	}
	c, err := s.clientFor(req.GetForeignNamespace())
	if err != nil {
		return nil, err
	}
	s.logger.Info("completing", "case", caseID, "action", fmt.Sprintf("%T", req.GetAction()),
		"token_preview", handshake.TokenPreview(token), "token_digest", handshake.TokenDigest(token), "mutation", req.GetTokenMutation().String(),
		"foreign_namespace", req.GetForeignNamespace(), "system_activity_task_queue", req.GetSystemActivityTaskQueue())

	var in *sdkv1.CompleteExternalActivityInput
	switch action := req.GetAction().(type) {
	case *conformancev1.CompleteRequest_Heartbeat:
		outcome, err := handshake.HeartbeatExternalActivity(ctx, c, token, action.Heartbeat)
		if err != nil {
			return nil, err
		}
		mapped, message := heartbeatOutcome(outcome)
		return &conformancev1.CompleteResponse{HeartbeatOutcome: mapped, Message: message}, nil
	case *conformancev1.CompleteRequest_Result:
		in, err = handshake.ResultInput(token, action.Result, handshake.InputOptions{ExecutionID: caseID})
		if err != nil {
			return nil, err
		}
		in.ResultEncoding = req.GetEncoding()
	case *conformancev1.CompleteRequest_Failure:
		f := action.Failure
		failureType := f.GetType()
		if s.dropFailureType {
			failureType = ""
		}
		in, err = handshake.FailureInput(token, handshake.Failure{Type: failureType, Message: f.GetMessage(), NonRetryable: f.GetNonRetryable()}, handshake.InputOptions{ExecutionID: caseID})
		if err != nil {
			return nil, err
		}
		// The details are already packed: keep them as they are rather than packing the Any.
		for _, d := range f.GetDetails() {
			in.GetFailure().Details = append(in.GetFailure().Details, proto.Clone(d).(*anypb.Any))
		}
	case *conformancev1.CompleteRequest_Cancel:
		in, err = handshake.CancellationInput(token, handshake.InputOptions{ExecutionID: caseID})
		if err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("CompleteRequest for case %q has no action", caseID)
	}

	var result *sdkv1.CompleteExternalActivityResult
	if queue := req.GetSystemActivityTaskQueue(); queue != "" {
		result, err = s.completeViaSystemActivity(ctx, caseID, in, queue)
	} else {
		result, err = handshake.CompleteExternalActivity(ctx, c, in)
	}
	if err != nil {
		return nil, err
	}
	return &conformancev1.CompleteResponse{Outcome: result.GetOutcome(), Message: result.GetMessage()}, nil
}

// useToken returns the token to use for one completion: the received one with the
// FLIP_TOKEN_BYTE fault and the mutation applied, on a copy.
func (s *serviceRole) useToken(received []byte, mutation conformancev1.TokenMutation) ([]byte, error) {
	token := slices.Clone(received)
	if s.flipTokenByte && len(token) > 0 {
		token[0] ^= 1
	}
	switch mutation {
	case conformancev1.TokenMutation_TOKEN_MUTATION_UNSPECIFIED:
	case conformancev1.TokenMutation_TOKEN_MUTATION_GARBAGE:
		token = make([]byte, 32)
		if _, err := rand.Read(token); err != nil {
			return nil, fmt.Errorf("garbage token: %w", err)
		}
	case conformancev1.TokenMutation_TOKEN_MUTATION_TRUNCATED:
		token = token[:len(token)/2]
	case conformancev1.TokenMutation_TOKEN_MUTATION_EMPTY:
		token = []byte{}
	default:
		return nil, fmt.Errorf("unknown token mutation %v", mutation)
	}
	return token, nil
}

// clientFor returns the client of the start request's namespace, or with foreign a client of the
// service's other namespace (dialled on first use).
func (s *serviceRole) clientFor(foreign bool) (client.Client, error) {
	if !foreign {
		return s.client, nil
	}
	if s.otherNamespace == "" {
		return nil, fmt.Errorf("foreign_namespace asked but the service role has no other_namespace")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.foreign == nil {
		c, err := dial(s.target, s.otherNamespace, s.logger)
		if err != nil {
			return nil, err
		}
		s.foreign = c
	}
	return s.foreign, nil
}

// completeViaSystemActivity runs the workflow "conformance/complete-via-system-activity" on the
// service's workflow task queue and returns its result.
func (s *serviceRole) completeViaSystemActivity(ctx context.Context, caseID string, in *sdkv1.CompleteExternalActivityInput, queue string) (*sdkv1.CompleteExternalActivityResult, error) {
	if s.worker == nil {
		return nil, fmt.Errorf("system_activity_task_queue asked but the service role has no workflow_task_queue")
	}
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       fmt.Sprintf("conformance-complete-%s-%d", caseID, time.Now().UnixNano()),
		TaskQueue:                s.workflowTaskQueue,
		WorkflowExecutionTimeout: completeTimeout,
	}, completeViaSystemActivityWorkflowName, &conformancev1.SystemActivityCall{Input: in, TaskQueue: queue})
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", completeViaSystemActivityWorkflowName, err)
	}
	var result *sdkv1.CompleteExternalActivityResult
	if err := run.Get(ctx, &result); err != nil {
		return nil, fmt.Errorf("%s %s: %w", completeViaSystemActivityWorkflowName, run.GetID(), err)
	}
	return result, nil
}

// heartbeatOutcome maps the helper's heartbeat outcome to the protocol's, with a message for the
// outcomes the protocol does not name (a paused or reset activity still recorded the heartbeat).
func heartbeatOutcome(o handshake.HeartbeatOutcome) (conformancev1.HeartbeatOutcome, string) {
	switch o {
	case handshake.HeartbeatRecorded:
		return conformancev1.HeartbeatOutcome_HEARTBEAT_OUTCOME_RECORDED, ""
	case handshake.HeartbeatCancelRequested:
		return conformancev1.HeartbeatOutcome_HEARTBEAT_OUTCOME_CANCEL_REQUESTED, ""
	case handshake.HeartbeatPaused, handshake.HeartbeatReset:
		return conformancev1.HeartbeatOutcome_HEARTBEAT_OUTCOME_RECORDED, o.String()
	case handshake.HeartbeatAlreadyCompleted:
		return conformancev1.HeartbeatOutcome_HEARTBEAT_OUTCOME_ALREADY_COMPLETED, ""
	case handshake.HeartbeatInvalidToken:
		return conformancev1.HeartbeatOutcome_HEARTBEAT_OUTCOME_INVALID_TOKEN, ""
	case handshake.HeartbeatEmptyToken:
		return conformancev1.HeartbeatOutcome_HEARTBEAT_OUTCOME_EMPTY_TOKEN, ""
	case handshake.HeartbeatTransient:
		return conformancev1.HeartbeatOutcome_HEARTBEAT_OUTCOME_TRANSIENT, ""
	}
	return conformancev1.HeartbeatOutcome_HEARTBEAT_OUTCOME_UNSPECIFIED, o.String()
}

func (s *serviceRole) stop() {
	if s.server != nil {
		s.server.Stop()
	}
	if s.worker != nil {
		s.worker.Stop()
	}
	s.mu.Lock()
	if s.foreign != nil {
		s.foreign.Close()
		s.foreign = nil
	}
	s.mu.Unlock()
	s.client.Close()
}
