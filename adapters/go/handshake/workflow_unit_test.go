package handshake_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/commons/apiresource"
	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// Workflow-side unit tests on the Temporal Go SDK's test environment: no server, the activities
// stand in for the Stigmer service.

// scriptedAgents is a connection to a service whose get answers with the executions of phases,
// one per call, the last one repeated.
type scriptedAgents struct {
	grpc.ClientConnInterface
	phases []agentexecutionv1.ExecutionPhase
	gets   int
}

func (s *scriptedAgents) Invoke(_ context.Context, method string, args, reply any, _ ...grpc.CallOption) error {
	if method != agentexecutionv1.AgentExecutionQueryController_Get_FullMethodName {
		return fmt.Errorf("unexpected method %s", method)
	}
	phase := s.phases[min(s.gets, len(s.phases)-1)]
	s.gets++
	proto.Merge(reply.(proto.Message), &agentexecutionv1.AgentExecution{
		Metadata: &apiresource.ApiResourceMetadata{Id: args.(*agentexecutionv1.AgentExecutionId).GetValue()},
		Spec:     &agentexecutionv1.AgentExecutionSpec{CallbackToken: []byte("echoed token")},
		Status:   &agentexecutionv1.AgentExecutionStatus{Phase: phase, CallbackToken: []byte("echoed token")},
	})
	return nil
}

func newTestEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(terminalCaller, workflow.RegisterOptions{Name: wfTerminalCaller})
	return env
}

// registerDelivery registers the handshake activity as one that the service completed at once
// with delivered (what a pending activity's completion looks like to the workflow).
func registerDelivery(env *testsuite.TestWorkflowEnvironment, delivered *agentexecutionv1.AgentExecution, err error) {
	env.RegisterActivityWithOptions(func(context.Context, *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
		return delivered, err
	}, activity.RegisterOptions{Name: actRunAgent})
}

func TestExecuteToTerminalFetchesANonTerminalDeliveryOnTheTestEnvironment(t *testing.T) {
	env := newTestEnv(t)
	registerDelivery(env, &agentexecutionv1.AgentExecution{
		Metadata: &apiresource.ApiResourceMetadata{Id: "exec-1"},
		Status:   &agentexecutionv1.AgentExecutionStatus{Phase: agentexecutionv1.ExecutionPhase_EXECUTION_PENDING},
	}, nil)
	agents := &scriptedAgents{phases: []agentexecutionv1.ExecutionPhase{
		agentexecutionv1.ExecutionPhase_EXECUTION_IN_PROGRESS, agentexecutionv1.ExecutionPhase_EXECUTION_COMPLETED,
	}}
	(&handshake.CallerActivities{Conn: agents, PollInterval: time.Millisecond}).Register(env)

	env.ExecuteWorkflow(wfTerminalCaller, &agentexecutionv1.AgentExecution{})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var got *agentexecutionv1.AgentExecution
	if err := env.GetWorkflowResult(&got); err != nil {
		t.Fatal(err)
	}
	if got.GetStatus().GetPhase() != agentexecutionv1.ExecutionPhase_EXECUTION_COMPLETED || got.GetMetadata().GetId() != "exec-1" {
		t.Fatalf("result %v, want the completed exec-1", got)
	}
	if len(got.GetSpec().GetCallbackToken()) != 0 || len(got.GetStatus().GetCallbackToken()) != 0 {
		t.Fatalf("result %v carries the echoed callback token", got)
	}
	if agents.gets != 2 {
		t.Fatalf("%d gets, want 2 (in progress, completed)", agents.gets)
	}
}

func TestExecuteToTerminalReturnsATerminalDeliveryWithoutGet(t *testing.T) {
	env := newTestEnv(t)
	done := &agentexecutionv1.AgentExecution{
		Metadata: &apiresource.ApiResourceMetadata{Id: "exec-2"},
		Spec:     &agentexecutionv1.AgentExecutionSpec{CallbackToken: []byte("echoed token")},
		Status:   &agentexecutionv1.AgentExecutionStatus{Phase: agentexecutionv1.ExecutionPhase_EXECUTION_COMPLETED},
	}
	registerDelivery(env, done, nil)
	agents := &scriptedAgents{phases: []agentexecutionv1.ExecutionPhase{agentexecutionv1.ExecutionPhase_EXECUTION_COMPLETED}}
	(&handshake.CallerActivities{Conn: agents}).Register(env)

	env.ExecuteWorkflow(wfTerminalCaller, &agentexecutionv1.AgentExecution{})
	var got *agentexecutionv1.AgentExecution
	if err := env.GetWorkflowResult(&got); err != nil {
		t.Fatal(err)
	}
	want := proto.Clone(done).(*agentexecutionv1.AgentExecution)
	want.Spec.CallbackToken = nil
	if !proto.Equal(got, want) || agents.gets != 0 {
		t.Fatalf("result %v after %d gets, want %v without its token and no get", got, agents.gets, want)
	}
}

func TestExecuteToTerminalPassesATypedFailureThrough(t *testing.T) {
	env := newTestEnv(t)
	registerDelivery(env, nil, temporal.NewNonRetryableApplicationError("agent crashed", handshake.FailureTypeAgentExecutionFailed, nil))
	env.ExecuteWorkflow(wfTerminalCaller, &agentexecutionv1.AgentExecution{})
	var appErr *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != handshake.FailureTypeAgentExecutionFailed {
		t.Fatalf("workflow error %v, want %s", err, handshake.FailureTypeAgentExecutionFailed)
	}
}

// completeCallerWorkflow is a service's workflow that completes its caller with input.
func completeCallerWorkflow(ctx workflow.Context, input *sdkv1.CompleteExternalActivityInput) (*sdkv1.CompleteExternalActivityResult, error) {
	return handshake.CompleteCaller(ctx, input, handshake.CompleteCallerOptions{})
}

func TestCompleteCallerOnTheTestEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name    string
		outcome sdkv1.CompleteExternalActivityOutcome
		failure bool // the input carries a failure (failure path)
		wantErr bool
	}{
		{"completed", handshake.OutcomeCompleted, false, false},
		{"already completed is no error", handshake.OutcomeAlreadyCompleted, false, false},
		{"invalid token fails the success path", handshake.OutcomeInvalidToken, false, true},
		{"invalid token is only logged on the failure path", handshake.OutcomeInvalidToken, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestWorkflowEnvironment()
			env.RegisterWorkflow(completeCallerWorkflow)
			var scheduled int
			env.RegisterActivityWithOptions(func(_ context.Context, in *sdkv1.CompleteExternalActivityInput) (*sdkv1.CompleteExternalActivityResult, error) {
				scheduled++
				return &sdkv1.CompleteExternalActivityResult{Outcome: tc.outcome, TokenPreview: handshake.TokenPreview(in.GetCallbackToken())}, nil
			}, activity.RegisterOptions{Name: handshake.SystemActivityName})
			in, err := handshake.ResultInput([]byte("token"), &agentexecutionv1.AgentExecution{}, handshake.InputOptions{})
			if tc.failure {
				in, err = handshake.FailureInput([]byte("token"), handshake.Failure{Type: handshake.FailureTypeAgentExecutionFailed, NonRetryable: true}, handshake.InputOptions{})
			}
			if err != nil {
				t.Fatal(err)
			}
			env.ExecuteWorkflow(completeCallerWorkflow, in)
			var appErr *temporal.ApplicationError
			err = env.GetWorkflowError()
			if tc.wantErr != (err != nil) || (tc.wantErr && (!errors.As(err, &appErr) || appErr.Type() != handshake.FailureTypeCompletionFailed)) {
				t.Fatalf("workflow error %v, want error %v (%s)", err, tc.wantErr, handshake.FailureTypeCompletionFailed)
			}
			if scheduled != 1 {
				t.Fatalf("system activity scheduled %d times, want 1", scheduled)
			}
		})
	}
}

// watchedCaller is terminalCaller with the watch's options for the test environment.
func watchedCaller(ctx workflow.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	ao := handshake.ActivityOptions(time.Hour)
	ao.RetryPolicy.MaximumAttempts = 1
	return handshake.ExecuteToTerminal(workflow.WithActivityOptions(ctx, ao), handshake.TerminalOptions{}, actRunAgent, req)
}

// newWatchedCallerEnv is a test environment running watchedCaller (as "WatchedCaller"), whose
// handshake activity delivers delivered at once unless the test mocks it, with the caller
// activities registered.
func newWatchedCallerEnv(delivered *agentexecutionv1.AgentExecution) *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(watchedCaller, workflow.RegisterOptions{Name: "WatchedCaller"})
	registerDelivery(env, delivered, nil)
	(&handshake.CallerActivities{}).Register(env)
	return env
}

func executionIn(phase agentexecutionv1.ExecutionPhase) *agentexecutionv1.AgentExecution {
	return &agentexecutionv1.AgentExecution{
		Metadata: &apiresource.ApiResourceMetadata{Id: "exec-w"},
		Status:   &agentexecutionv1.AgentExecutionStatus{Phase: phase},
	}
}

// The watch of ExecuteToTerminal (issue 19 item 6): a handshake still pending after
// DefaultWatchAfter is raced against the watch activity; what the watch sees decides only when
// the execution FAILED or was CANCELLED.
func TestExecuteToTerminalWatchesAPendingHandshake(t *testing.T) {
	for _, tc := range []struct {
		name          string
		handshakeTime time.Duration // when the service's completion arrives
		watched       agentexecutionv1.ExecutionPhase
		wantType      string // the typed failure; "" for the delivered execution
		wantWatches   int
	}{
		{"failed while pending", time.Hour, agentexecutionv1.ExecutionPhase_EXECUTION_FAILED, handshake.FailureTypeAgentExecutionFailed, 1},
		{"cancelled while pending", time.Hour, agentexecutionv1.ExecutionPhase_EXECUTION_CANCELLED, handshake.FailureTypeAgentExecutionCancelled, 1},
		{"completed: the handshake delivers", time.Hour, agentexecutionv1.ExecutionPhase_EXECUTION_COMPLETED, "", 1},
		{"handshake before the watch", 10 * time.Second, agentexecutionv1.ExecutionPhase_EXECUTION_FAILED, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newWatchedCallerEnv(nil)
			env.OnActivity(actRunAgent, mock.Anything, mock.Anything).After(tc.handshakeTime).
				Return(executionIn(agentexecutionv1.ExecutionPhase_EXECUTION_COMPLETED), nil)
			watches := 0
			env.OnActivity(handshake.WatchExecutionActivityName, mock.Anything, mock.Anything).Return(
				func(context.Context, handshake.WatchInput) (converter.RawValue, error) {
					watches++
					p, err := converter.NewProtoPayloadConverter().ToPayload(executionIn(tc.watched))
					return converter.NewRawValue(p), err
				})

			env.ExecuteWorkflow("WatchedCaller", &agentexecutionv1.AgentExecution{})
			err := env.GetWorkflowError()
			var appErr *temporal.ApplicationError
			switch {
			case tc.wantType != "" && (!errors.As(err, &appErr) || appErr.Type() != tc.wantType || !appErr.NonRetryable()):
				t.Fatalf("workflow error %v, want the non-retryable %s", err, tc.wantType)
			case tc.wantType == "" && err != nil:
				t.Fatalf("workflow error %v, want the delivered execution", err)
			}
			if watches != tc.wantWatches {
				t.Fatalf("%d watches, want %d", watches, tc.wantWatches)
			}
		})
	}
}

// Pushed cancellation (issue 25): the caller's workflow cancelled while the handshake is pending
// runs the cancel activity, with the pending handshake's activity id and the contract's options,
// before the watch starts and while it runs; the workflow still ends cancelled.
func TestExecuteToTerminalPushesTheCancellationOfAPendingHandshake(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cancelAt time.Duration
	}{
		{"before the watch", 5 * time.Second},
		{"while the watch runs", handshake.DefaultWatchAfter + 10*time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newWatchedCallerEnv(nil)
			env.OnActivity(actRunAgent, mock.Anything, mock.Anything).After(time.Hour).
				Return(executionIn(agentexecutionv1.ExecutionPhase_EXECUTION_COMPLETED), nil)
			env.OnActivity(handshake.WatchExecutionActivityName, mock.Anything, mock.Anything).After(time.Hour).
				Return(converter.RawValue{}, errors.New("the watch outlived the test"))
			handshakeID := ""
			env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
				if info.ActivityType.Name == actRunAgent {
					handshakeID = info.ActivityID
				}
			})
			var inputs []handshake.CancelInput
			options := &scheduledOptions{name: handshake.CancelExecutionActivityName}
			env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{options}})
			env.OnActivity(handshake.CancelExecutionActivityName, mock.Anything, mock.Anything).Return(
				func(_ context.Context, in handshake.CancelInput) error {
					inputs = append(inputs, in)
					return nil
				})
			env.RegisterDelayedCallback(env.CancelWorkflow, tc.cancelAt)

			env.ExecuteWorkflow("WatchedCaller", &agentexecutionv1.AgentExecution{})
			var canceled *temporal.CanceledError
			if err := env.GetWorkflowError(); !errors.As(err, &canceled) {
				t.Fatalf("workflow error %v, want cancelled", err)
			}
			want := handshake.CancelInput{ActivityID: handshakeID, Kind: sdkv1.ExecutionKind_EXECUTION_KIND_AGENT}
			if handshakeID == "" || len(inputs) != 1 || inputs[0] != want {
				t.Fatalf("cancel activity inputs %+v, want one %+v", inputs, want)
			}
			if len(options.seen) != 1 {
				t.Fatalf("%d cancel activities scheduled, want 1", len(options.seen))
			}
			ao := options.seen[0]
			rp := ao.RetryPolicy
			if ao.StartToCloseTimeout != handshake.DefaultCancelExecutionStartToClose ||
				ao.ScheduleToCloseTimeout != handshake.DefaultCancelExecutionScheduleToClose || rp == nil ||
				rp.InitialInterval != time.Second || rp.BackoffCoefficient != 2 || rp.MaximumInterval != 10*time.Second ||
				rp.MaximumAttempts != handshake.DefaultCancelExecutionMaximumAttempts ||
				len(rp.NonRetryableErrorTypes) != 1 || rp.NonRetryableErrorTypes[0] != handshake.FailureTypeCancelFailed {
				t.Fatalf("cancel activity options %+v, retry policy %+v", ao, rp)
			}
		})
	}
}

// A handshake that completed is not cancelled: no cancel activity.
func TestExecuteToTerminalDoesNotCancelACompletedHandshake(t *testing.T) {
	env := newWatchedCallerEnv(executionIn(agentexecutionv1.ExecutionPhase_EXECUTION_COMPLETED))
	cancels := 0
	env.OnActivity(handshake.CancelExecutionActivityName, mock.Anything, mock.Anything).Return(
		func(context.Context, handshake.CancelInput) error { cancels++; return nil })
	env.ExecuteWorkflow("WatchedCaller", &agentexecutionv1.AgentExecution{})
	if err := env.GetWorkflowError(); err != nil || cancels != 0 {
		t.Fatalf("workflow error %v, %d cancels; want the delivered execution and none", err, cancels)
	}
}

// scheduledOptions records the activity options with which the workflow schedules the activity
// name (the test environment does not show the retry policy to the activity).
type scheduledOptions struct {
	interceptor.WorkerInterceptorBase
	name string
	seen []workflow.ActivityOptions
}

func (s *scheduledOptions) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &scheduledOptionsInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, s: s}
}

type scheduledOptionsInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	s *scheduledOptions
}

func (i *scheduledOptionsInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&scheduledOptionsOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: outbound}, s: i.s})
}

type scheduledOptionsOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	s *scheduledOptions
}

func (o *scheduledOptionsOutbound) ExecuteActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	if activityType == o.s.name {
		o.s.seen = append(o.s.seen, workflow.GetActivityOptions(ctx))
	}
	return o.Next.ExecuteActivity(ctx, activityType, args...)
}

// The opt-out of the service's relayed heartbeats: the handshake activity gets the request with
// the annotation stigmer.ai/caller-heartbeats: none, unless it has a heartbeat timeout or the
// request already says either way.
func TestExecuteToTerminalOptsTheCallerOutOfTheRelay(t *testing.T) {
	for _, tc := range []struct {
		name      string
		heartbeat time.Duration
		preset    string
		want      string
	}{
		{"no heartbeat timeout", 0, "", handshake.CallerHeartbeatsNone},
		{"a heartbeat timeout", time.Minute, "", ""},
		{"the caller's own choice", 0, "all", "all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestWorkflowEnvironment()
			env.RegisterWorkflowWithOptions(func(ctx workflow.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
				ao := handshake.ActivityOptions(time.Hour)
				ao.HeartbeatTimeout = tc.heartbeat
				return handshake.ExecuteToTerminal(workflow.WithActivityOptions(ctx, ao), handshake.TerminalOptions{}, actRunAgent, req)
			}, workflow.RegisterOptions{Name: "OptOutCaller"})
			got, sent := "", false
			env.RegisterActivityWithOptions(func(_ context.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
				got, sent = req.GetMetadata().GetAnnotations()[handshake.CallerHeartbeatsAnnotation], true
				return executionIn(agentexecutionv1.ExecutionPhase_EXECUTION_COMPLETED), nil
			}, activity.RegisterOptions{Name: actRunAgent})
			req := &agentexecutionv1.AgentExecution{Metadata: &apiresource.ApiResourceMetadata{Annotations: map[string]string{"team": "qa"}}}
			if tc.preset != "" {
				req.Metadata.Annotations[handshake.CallerHeartbeatsAnnotation] = tc.preset
			}
			env.ExecuteWorkflow("OptOutCaller", req)
			if err := env.GetWorkflowError(); err != nil || !sent {
				t.Fatalf("workflow error %v (handshake ran: %v)", err, sent)
			}
			if got != tc.want {
				t.Fatalf("annotation %q, want %q", got, tc.want)
			}
		})
	}
}
