package handshake_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	executioncontextv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/executioncontext/v1"
	workflowexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/workflowexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/commons/apiresource"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// fakeCommands records the create requests it receives and ACKs them.
type fakeCommands struct {
	mu        sync.Mutex
	agents    []*agentexecutionv1.AgentExecution
	workflows []*workflowexecutionv1.WorkflowExecution
	createErr error // when set, every create fails with it
}

func (f *fakeCommands) agentCreates() []*agentexecutionv1.AgentExecution {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*agentexecutionv1.AgentExecution(nil), f.agents...)
}

type fakeAgents struct {
	agentexecutionv1.AgentExecutionCommandControllerClient
	*fakeCommands
}

func (f fakeAgents) Create(_ context.Context, in *agentexecutionv1.AgentExecution, _ ...grpc.CallOption) (*agentexecutionv1.AgentExecution, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.agents = append(f.agents, proto.Clone(in).(*agentexecutionv1.AgentExecution))
	if f.createErr != nil {
		return nil, f.createErr
	}
	ack := proto.Clone(in).(*agentexecutionv1.AgentExecution)
	ack.Metadata.Id = "aex-1"
	return ack, nil
}

type fakeWorkflows struct {
	workflowexecutionv1.WorkflowExecutionCommandControllerClient
	*fakeCommands
}

func (f fakeWorkflows) Create(_ context.Context, in *workflowexecutionv1.WorkflowExecution, _ ...grpc.CallOption) (*workflowexecutionv1.WorkflowExecution, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.workflows = append(f.workflows, proto.Clone(in).(*workflowexecutionv1.WorkflowExecution))
	ack := proto.Clone(in).(*workflowexecutionv1.WorkflowExecution)
	ack.Metadata.Id = "wex-1"
	return ack, nil
}

// runCaller runs ExecuteAgentAndWaitPending in a test activity environment (as an activity, or as
// a local activity) and returns the activity's error.
func runCaller(t *testing.T, f *fakeCommands, req *agentexecutionv1.AgentExecution, local bool) error {
	t.Helper()
	_, err := runCallerLogged(t, f, req, local)
	return err
}

// runCallerLogged is runCaller that also returns the activity's log lines.
func runCallerLogged(t *testing.T, f *fakeCommands, req *agentexecutionv1.AgentExecution, local bool) ([]string, error) {
	t.Helper()
	logs := &captureLogger{}
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(logs)
	env := suite.NewTestActivityEnvironment()
	act := func(ctx context.Context, in *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
		return handshake.ExecuteAgentAndWaitPending(ctx, fakeAgents{fakeCommands: f}, in, handshake.CreateOptions{})
	}
	env.RegisterActivityWithOptions(act, activity.RegisterOptions{Name: "RunAgent"})
	var err error
	if local {
		_, err = env.ExecuteLocalActivity(act, req)
	} else {
		_, err = env.ExecuteActivity("RunAgent", req)
	}
	return logs.Lines(), err
}

func TestExecutionNameContract(t *testing.T) {
	key := handshake.IdempotencyKey("default", "wf-1", "run-1", "1")
	sum := sha256.Sum256([]byte(key))
	want := "exec-" + hex.EncodeToString(sum[:])[:20]
	if got := handshake.ExecutionName(key); got != want || len(got) != 25 {
		t.Fatalf("ExecutionName = %q, want %q", got, want)
	}
	// Fixed vector (sha256sum of the key's bytes), shared with the Python and Java SDKs.
	if got := handshake.ExecutionName("v1:64af68bd1204dce0666305e56cd78a7aebc7043e257ec1a5c5d5a8b171cc1fc6"); got != "exec-f5fdba99bcea2eb1aa06" {
		t.Fatalf("ExecutionName of the contract's example key = %q, want %q", got, want)
	}
}

func TestCreateFillsDeployedServiceFields(t *testing.T) {
	f := &fakeCommands{}
	// Only what the docs show: the agent and the message.
	req := &agentexecutionv1.AgentExecution{Spec: &agentexecutionv1.AgentExecutionSpec{AgentId: "agt-1", Message: "hi"}}
	before := proto.Clone(req)
	if err := runCaller(t, f, req, false); !isPending(err) {
		t.Fatalf("activity error %v, want the pending result", err)
	}
	if !proto.Equal(before, req) {
		t.Fatal("the caller's message was modified")
	}
	got := f.agentCreates()
	if len(got) != 1 {
		t.Fatalf("%d creates, want 1", len(got))
	}
	c := got[0]
	key := c.GetMetadata().GetAnnotations()[handshake.IdempotencyKeyAnnotation]
	if c.GetApiVersion() != handshake.APIVersion || c.GetKind() != handshake.KindAgentExecution ||
		c.GetMetadata().GetName() != handshake.ExecutionName(key) || !strings.HasPrefix(key, "v1:") {
		t.Fatalf("create carries api_version %q kind %q name %q (key %q)",
			c.GetApiVersion(), c.GetKind(), c.GetMetadata().GetName(), key)
	}
	if got := c.GetMetadata().GetAnnotations()["stigmer.ai/result-encoding"]; got != "binary/protobuf" {
		t.Fatalf("create declares result encoding %q, want binary/protobuf", got)
	}

	// A name the caller chose is kept.
	named := proto.Clone(req).(*agentexecutionv1.AgentExecution)
	named.Metadata = &apiresource.ApiResourceMetadata{Name: "mine"}
	_ = runCaller(t, f, named, false)
	if got := f.agentCreates(); len(got) != 2 || got[1].GetMetadata().GetName() != "mine" {
		t.Fatalf("the caller's name was not kept: %v", got[len(got)-1].GetMetadata())
	}
}

func TestCreateRefusesInvalidRequestsLocally(t *testing.T) {
	cases := map[string]struct {
		req  *agentexecutionv1.AgentExecution
		want string
	}{
		"no message": {
			&agentexecutionv1.AgentExecution{Spec: &agentexecutionv1.AgentExecutionSpec{AgentId: "agt-1"}},
			"spec.message: must be at least 1 characters",
		},
		"no agent or session": {
			&agentexecutionv1.AgentExecution{Spec: &agentexecutionv1.AgentExecutionSpec{Message: "hi"}},
			"spec: either agent_id or session_id must be set",
		},
		"no spec": {&agentexecutionv1.AgentExecution{},
			"invalid AgentExecution: spec: either agent_id or session_id must be set; spec.message: must be at least 1 characters"},
		"owner scope": {
			&agentexecutionv1.AgentExecution{
				Metadata: &apiresource.ApiResourceMetadata{OwnerScope: apiresource.ApiResourceOwnerScope_organization},
				Spec:     &agentexecutionv1.AgentExecutionSpec{AgentId: "a", Message: "hi"},
			},
			"metadata: AgentExecution owner_scope must be unspecified (inherits premission from session)",
		},
		"name without a letter or digit": {
			&agentexecutionv1.AgentExecution{
				Metadata: &apiresource.ApiResourceMetadata{Name: "--- é"},
				Spec:     &agentexecutionv1.AgentExecutionSpec{AgentId: "a", Message: "hi"},
			},
			"metadata: name must contain an ASCII letter or digit (the slug is derived from it)",
		},
		"empty runtime env value": {
			&agentexecutionv1.AgentExecution{Spec: &agentexecutionv1.AgentExecutionSpec{
				AgentId: "a", Message: "hi",
				RuntimeEnv: map[string]*executioncontextv1.ExecutionValue{"B": {}, "A": {Value: "1"}, "C": {IsSecret: true}},
			}},
			`spec.runtime_env["B"].value: must be at least 1 characters; spec.runtime_env["C"].value: must be at least 1 characters`,
		},
		"wrong kind": {
			&agentexecutionv1.AgentExecution{Kind: "Agent", Spec: &agentexecutionv1.AgentExecutionSpec{AgentId: "a", Message: "hi"}},
			"kind: must equal `AgentExecution`",
		},
		"wrong api_version": {
			&agentexecutionv1.AgentExecution{ApiVersion: "v0", Spec: &agentexecutionv1.AgentExecutionSpec{AgentId: "a", Message: "hi"}},
			"api_version: must equal `agentic.stigmer.ai/v1`",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := &fakeCommands{}
			err := runCaller(t, f, tc.req, false)
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) || appErr.Type() != handshake.FailureTypeInvalidRequest || !appErr.NonRetryable() ||
				!strings.Contains(appErr.Message(), tc.want) {
				t.Fatalf("error %v, want a non-retryable %s mentioning %q", err, handshake.FailureTypeInvalidRequest, tc.want)
			}
			if n := len(f.agentCreates()); n != 0 {
				t.Fatalf("%d creates sent for an invalid request", n)
			}
		})
	}
}

func TestWorkflowCreateFillsAndRefuses(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	logs := &captureLogger{}
	suite.SetLogger(logs)
	env := suite.NewTestActivityEnvironment()
	f := &fakeCommands{}
	act := func(ctx context.Context, in *workflowexecutionv1.WorkflowExecution) (*workflowexecutionv1.WorkflowExecution, error) {
		return handshake.ExecuteWorkflowAndWaitPending(ctx, fakeWorkflows{fakeCommands: f}, in, handshake.CreateOptions{})
	}
	env.RegisterActivityWithOptions(act, activity.RegisterOptions{Name: "RunWorkflow"})
	ok := &workflowexecutionv1.WorkflowExecution{Spec: &workflowexecutionv1.WorkflowExecutionSpec{WorkflowId: "wfl-1"}}
	if _, err := env.ExecuteActivity("RunWorkflow", ok); !isPending(err) {
		t.Fatalf("activity error %v, want the pending result", err)
	}
	if len(f.workflows) != 1 {
		t.Fatalf("%d creates, want 1", len(f.workflows))
	}
	c := f.workflows[0]
	found := false
	for _, l := range logs.Lines() {
		found = found || (strings.HasPrefix(l, "INFO Workflow execution started, activity pending ") &&
			strings.Contains(l, " token_digest="))
	}
	if !found {
		t.Fatalf("no workflow-kind ACK line in %q", logs.Lines())
	}
	key := c.GetMetadata().GetAnnotations()[handshake.IdempotencyKeyAnnotation]
	if c.GetApiVersion() != handshake.APIVersion || c.GetKind() != handshake.KindWorkflowExecution ||
		c.GetMetadata().GetName() != handshake.ExecutionName(key) {
		t.Fatalf("create carries api_version %q kind %q name %q", c.GetApiVersion(), c.GetKind(), c.GetMetadata().GetName())
	}

	_, err := env.ExecuteActivity("RunWorkflow", &workflowexecutionv1.WorkflowExecution{})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != handshake.FailureTypeInvalidRequest ||
		appErr.Message() != "invalid WorkflowExecution: spec: either workflow_id or workflow_instance_id must be set" {
		t.Fatalf("error %v, want %s", err, handshake.FailureTypeInvalidRequest)
	}
	platform := &workflowexecutionv1.WorkflowExecution{
		Metadata: &apiresource.ApiResourceMetadata{OwnerScope: apiresource.ApiResourceOwnerScope_platform},
		Spec:     &workflowexecutionv1.WorkflowExecutionSpec{WorkflowId: "wfl-1"},
	}
	_, err = env.ExecuteActivity("RunWorkflow", platform)
	if !errors.As(err, &appErr) || appErr.Message() != "invalid WorkflowExecution: metadata: WorkflowExecution resources can only have organization or identity_account scope" {
		t.Fatalf("error %v, want the owner scope refused", err)
	}
	if len(f.workflows) != 1 {
		t.Fatal("an invalid request was sent")
	}
}

// isPending reports whether the test environment saw the activity go pending.
func isPending(err error) bool {
	return err != nil && strings.Contains(err.Error(), activity.ErrResultPending.Error())
}

func TestTokenDigest(t *testing.T) {
	token := []byte("a task token")
	sum := sha256.Sum256(token)
	if got, want := handshake.TokenDigest(token), hex.EncodeToString(sum[:])[:12]; got != want {
		t.Fatalf("TokenDigest = %q, want %q", got, want)
	}
	// Fixed vector shared with the Python and Java SDKs: SHA-256("") starts e3b0c44298fc.
	if got := handshake.TokenDigest(nil); got != "e3b0c44298fc" {
		t.Fatalf("TokenDigest(nil) = %q", got)
	}
	// Tokens of one namespace share their preview, not their digest.
	a, b := append([]byte("same prefix of twenty-odd bytes"), 1), append([]byte("same prefix of twenty-odd bytes"), 2)
	if handshake.TokenPreview(a) != handshake.TokenPreview(b) || handshake.TokenDigest(a) == handshake.TokenDigest(b) {
		t.Fatal("the digest does not tell tokens with one preview apart")
	}
}

func TestLocalActivityIsRefused(t *testing.T) {
	f := &fakeCommands{}
	req := &agentexecutionv1.AgentExecution{Spec: &agentexecutionv1.AgentExecutionSpec{AgentId: "agt-1", Message: "hi"}}
	err := runCaller(t, f, req, true)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != handshake.FailureTypeLocalActivity || !appErr.NonRetryable() {
		t.Fatalf("error %v, want a non-retryable %s", err, handshake.FailureTypeLocalActivity)
	}
	if n := len(f.agentCreates()); n != 0 {
		t.Fatalf("%d creates sent from a local activity", n)
	}
}

func TestAckLogLine(t *testing.T) {
	f := &fakeCommands{}
	req := &agentexecutionv1.AgentExecution{Spec: &agentexecutionv1.AgentExecutionSpec{AgentId: "agt-1", Message: "hi"}}
	lines, err := runCallerLogged(t, f, req, false)
	if !isPending(err) {
		t.Fatalf("activity error %v, want pending", err)
	}
	var ack string
	for _, l := range lines {
		if strings.HasPrefix(l, "INFO Agent execution started, activity pending ") {
			ack = l
		}
	}
	if ack == "" {
		t.Fatalf("no ACK log line in %q", lines)
	}
	for _, field := range []string{"execution_id=aex-1", "token_preview=", "token_digest=", "token_length="} {
		if !strings.Contains(ack, " "+field) {
			t.Errorf("ACK line %q lacks %s", ack, field)
		}
	}
	if strings.Contains(ack, "token_digest=e3b0c44298fc") {
		t.Errorf("ACK line digests an empty token: %q", ack)
	}
}

// A refusal whose google.rpc.ErrorInfo says no retry can succeed is non-retryable
// STIGMER_INVALID_REQUEST whatever its code; without it the code decides.
func TestCreateRefusalReasonsThatCannotSucceedAreNotRetried(t *testing.T) {
	refusal := func(code codes.Code, domain, reason string) error {
		st, err := status.New(code, "refused").WithDetails(&errdetails.ErrorInfo{Domain: domain, Reason: reason})
		if err != nil {
			t.Fatal(err)
		}
		return st.Err()
	}
	req := &agentexecutionv1.AgentExecution{Spec: &agentexecutionv1.AgentExecutionSpec{AgentId: "agt-1", Message: "hi"}}
	for _, tc := range []struct {
		err          error
		wantType     string
		nonRetryable bool
	}{
		{refusal(codes.ResourceExhausted, handshake.ErrorInfoDomain, "SPEC_TOO_LARGE"), handshake.FailureTypeInvalidRequest, true},
		{refusal(codes.FailedPrecondition, handshake.ErrorInfoDomain, "IDEMPOTENCY_CONFLICT_REQUEST"), handshake.FailureTypeInvalidRequest, true},
		{refusal(codes.ResourceExhausted, handshake.ErrorInfoDomain, "RATE_LIMITED"), handshake.FailureTypeCreateFailed, false},
		{refusal(codes.ResourceExhausted, "example.com", "SPEC_TOO_LARGE"), handshake.FailureTypeCreateFailed, false},
		{status.Error(codes.ResourceExhausted, "busy"), handshake.FailureTypeCreateFailed, false},
	} {
		err := runCaller(t, &fakeCommands{createErr: tc.err}, req, false)
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.Type() != tc.wantType || appErr.NonRetryable() != tc.nonRetryable ||
			!strings.HasPrefix(appErr.Message(), "RESOURCE_EXHAUSTED: ") && !strings.HasPrefix(appErr.Message(), "FAILED_PRECONDITION: ") {
			t.Fatalf("create refused with %v: activity error %v, want %s non-retryable=%v", tc.err, err, tc.wantType, tc.nonRetryable)
		}
	}
}
