//go:build integration

package handshake_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	workflowexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/workflowexecution/v1"
	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshaketest"
)

// otherNamespace is registered on the dev server for the foreign-namespace token test.
const otherNamespace = "stigmer-other"

// testEnv is shared by the integration tests of this package: one Temporal dev server (the test
// kit's) and clients on both namespaces. Each test starts its own fake Stigmer service
// ([startWorker]).
type testEnv struct {
	dev   *handshaketest.DevServer
	c     client.Client // namespace "default"; its logger is logs
	other client.Client // namespace stigmer-other
	logs  *captureLogger
}

var (
	envOnce sync.Once
	env     *testEnv
	envErr  error
	queueN  atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if env != nil {
		env.other.Close()
		_ = env.dev.Stop() // closes env.c too
	}
	os.Exit(code)
}

// getEnv starts the dev server on first use; it fails (never skips) the test when it cannot
// start, for example without the Temporal CLI.
func getEnv(t *testing.T) *testEnv {
	t.Helper()
	envOnce.Do(func() {
		e := &testEnv{logs: &captureLogger{}}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if e.dev, envErr = handshaketest.StartDevServer(ctx, handshaketest.DevServerOptions{
			Namespaces: []string{otherNamespace}, ClientOptions: client.Options{Logger: e.logs},
		}); envErr != nil {
			return
		}
		e.c = e.dev.Client()
		if e.other, envErr = e.dev.Dial(client.Options{Namespace: otherNamespace}); envErr != nil {
			_ = e.dev.Stop()
			return
		}
		env = e
	})
	if envErr != nil {
		t.Fatalf("integration environment: %v", envErr)
	}
	return env
}

// startFake starts a fake Stigmer service for one test, finishing handshakes through e.c.
func startFake(t *testing.T, e *testEnv, opts handshaketest.FakeOptions) *handshaketest.FakeStigmerService {
	t.Helper()
	svc, err := handshaketest.StartFakeStigmerService(e.c, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Stop)
	return svc
}

// callerEnv is one test's caller side: a worker on a fresh task queue of c running every caller
// workflow and handshake activity of these tests, on the fake Stigmer service svc.
type callerEnv struct {
	c       client.Client
	tq      string
	svc     *handshaketest.FakeStigmerService
	metrics *recordingMetrics // startCaller's client's metrics; nil otherwise
	gets    *getHook          // startCaller's count of the fake's gets; nil otherwise
}

// startCallers starts the worker of a callerEnv on c. Unless c carries the SDK's plugin
// (viaPlugin), it also registers what the plugin brings: the caller activities on svc, with short
// poll and watch intervals, and the system activity.
func startCallers(t *testing.T, c client.Client, svc *handshaketest.FakeStigmerService, opts worker.Options, viaPlugin bool) *callerEnv {
	t.Helper()
	tq := fmt.Sprintf("tq-%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), queueN.Add(1))
	w := worker.New(c, tq, opts)
	for name, wf := range map[string]any{
		wfAgentCaller: agentCaller, wfCancellableCaller: cancellableCaller, wfWorkflowCaller: workflowCaller,
		wfService: serviceWorkflow, wfTerminalCaller: terminalCaller, wfWatchingCaller: watchingCaller,
		wfUnwatchedCaller: unwatchedCaller, wfInnerCaller: innerCaller, wfInner: innerWorkflow,
	} {
		w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: name})
	}
	acts := &callerActivities{agents: svc.AgentClient(), workflows: svc.WorkflowClient()}
	for name, act := range map[string]any{
		actRunAgent: acts.RunAgent, actRunAgentCrash: acts.RunAgentCrashAfterCreate, actRunWorkflow: acts.RunWorkflow,
		actAskInner: askInner,
	} {
		w.RegisterActivityWithOptions(act, activity.RegisterOptions{Name: name})
	}
	if !viaPlugin {
		conn, err := svc.Conn()
		if err != nil {
			t.Fatal(err)
		}
		callers := handshake.NewCallerActivities(conn)
		callers.PollInterval, callers.MaxPollInterval = 20*time.Millisecond, 100*time.Millisecond
		callers.WatchInterval, callers.MaxWatchInterval = 50*time.Millisecond, 100*time.Millisecond
		callers.Register(w)
		handshake.RegisterSystemActivities(w, c)
	}
	if err := w.Start(); err != nil {
		t.Fatalf("starting worker: %v", err)
	}
	t.Cleanup(w.Stop)
	return &callerEnv{c: c, tq: tq, svc: svc}
}

// startWorker starts a fake Stigmer service and the callers' worker on e's client.
func startWorker(t *testing.T, e *testEnv, opts worker.Options) *callerEnv {
	t.Helper()
	return startCallers(t, e.c, startFake(t, e, handshaketest.FakeOptions{}), opts, false)
}

// startInSession starts the caller workflow wf (its id: session) with an agent request in session
// followed by args, and waits for the session's first creates.
func (ce *callerEnv) startInSession(ctx context.Context, t *testing.T, wf, session string, creates int, args ...any) (client.WorkflowRun, []handshaketest.CreateCall) {
	t.Helper()
	run, err := ce.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: session, TaskQueue: ce.tq}, wf,
		append([]any{agentRequest(session, "agent-1", "go")}, args...)...)
	if err != nil {
		t.Fatalf("starting %s: %v", session, err)
	}
	return run, waitCalls(ctx, t, ce.svc, creates, inSession(session))
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func inSession(session string) func(handshaketest.CreateCall) bool {
	return func(c handshaketest.CreateCall) bool { return c.Agent().GetSpec().GetSessionId() == session }
}

func startAgentCaller(ctx context.Context, t *testing.T, e *testEnv, tq, wfID string, req *agentexecutionv1.AgentExecution, maxAttempts int32, act string) client.WorkflowRun {
	t.Helper()
	run, err := e.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: wfID, TaskQueue: tq}, wfAgentCaller, req, maxAttempts, act)
	if err != nil {
		t.Fatalf("starting %s: %v", wfID, err)
	}
	return run
}

// finalExecution is what the service completes a caller with: the ACK plus a terminal status.
func finalExecution(c handshaketest.CreateCall) *agentexecutionv1.AgentExecution {
	done := proto.Clone(c.Agent()).(*agentexecutionv1.AgentExecution)
	done.Metadata.Id = c.ExecutionID
	done.Spec.CallbackToken = nil
	done.Status = &agentexecutionv1.AgentExecutionStatus{
		Phase:       agentexecutionv1.ExecutionPhase_EXECUTION_COMPLETED,
		Messages:    []*agentexecutionv1.AgentMessage{{Type: agentexecutionv1.MessageType_MESSAGE_AI, Content: "answer to " + c.Agent().GetSpec().GetMessage()}},
		CompletedAt: "2026-01-22T10:00:00Z",
	}
	return done
}

func mustResultInput(t *testing.T, c handshaketest.CreateCall, result proto.Message) *sdkv1.CompleteExternalActivityInput {
	t.Helper()
	in, err := handshake.ResultInput(c.Token(), result, handshake.InputOptions{ExecutionID: c.ExecutionID})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func expectOutcome(t *testing.T, what string, res *sdkv1.CompleteExternalActivityResult, err error, want sdkv1.CompleteExternalActivityOutcome) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error %v", what, err)
	}
	if res.GetOutcome() != want {
		t.Fatalf("%s: outcome %v (%q), want %v", what, res.GetOutcome(), res.GetMessage(), want)
	}
}

func TestManyPendingActivitiesShareOneSlot(t *testing.T) {
	e := getEnv(t)
	ctx := testContext(t)
	callers := startWorker(t, e, worker.Options{MaxConcurrentActivityExecutionSize: 1})
	const n = 24
	session := "slot-" + callers.tq

	runs := map[string]client.WorkflowRun{}
	for i := range n {
		wfID := fmt.Sprintf("%s-caller-%02d", callers.tq, i)
		runs[wfID] = startAgentCaller(ctx, t, e, callers.tq, wfID, agentRequest(session, "agent-1", wfID), 0, actRunAgent)
	}
	// All n creates with one activity slot: each activity released the slot by going pending.
	creates := waitCalls(ctx, t, callers.svc, n, inSession(session))
	if len(creates) != n {
		t.Fatalf("%d creates, want %d (an activity was retried?)", len(creates), n)
	}

	completer := &handshake.Completer{Client: e.c, Logger: e.logs}
	want := map[string]*agentexecutionv1.AgentExecution{}
	seen := map[string]bool{}
	for i, c := range creates {
		if len(c.Token()) == 0 || seen[string(c.Token())] {
			t.Fatalf("create %d: empty or repeated token", i)
		}
		seen[string(c.Token())] = true
		if len(c.Metadata.Get(handshake.IdempotencyKeyHeader)) != 1 || c.Metadata.Get(handshake.IdempotencyKeyHeader)[0] != c.IdempotencyKey() || !strings.HasPrefix(c.IdempotencyKey(), "v1:") {
			t.Fatalf("create %d: header %v, annotation %q", i, c.Metadata.Get(handshake.IdempotencyKeyHeader), c.IdempotencyKey())
		}
		if c.Agent().GetMetadata().GetAnnotations()["team"] != "qa" {
			t.Fatalf("create %d: the caller's annotations were lost: %v", i, c.Agent().GetMetadata().GetAnnotations())
		}
		done := finalExecution(c)
		want[c.Agent().GetSpec().GetMessage()] = done
		in := mustResultInput(t, c, done)
		if i%2 == 1 { // Half of them as json/protobuf: the caller must decode both.
			in.ResultEncoding = sdkv1.PayloadEncoding_PAYLOAD_ENCODING_JSON_PROTOBUF
		}
		res, err := completer.Complete(ctx, in)
		expectOutcome(t, fmt.Sprintf("completing create %d", i), res, err, handshake.OutcomeCompleted)
		if res.GetTokenPreview() != handshake.TokenPreview(c.Token()) {
			t.Fatalf("token preview %q, want %q", res.GetTokenPreview(), handshake.TokenPreview(c.Token()))
		}
	}

	for wfID, run := range runs {
		var got *agentexecutionv1.AgentExecution
		if err := run.Get(ctx, &got); err != nil {
			t.Fatalf("%s: %v", wfID, err)
		}
		if !proto.Equal(got, want[wfID]) {
			t.Fatalf("%s returned\n%v\nwant\n%v", wfID, got, want[wfID])
		}
	}

	// Logs: previews and lengths, never a full token. (Temporal task tokens start with the
	// namespace id, so the previews of one namespace's tokens coincide; lines are told apart by
	// the workflow id tag of the activity logger and by execution id.)
	executionIDs := map[string]bool{}
	lengths := map[int]bool{}
	for _, c := range creates {
		executionIDs[c.ExecutionID] = true
		lengths[len(c.Token())] = true
	}
	extracted, started, completing, completed := 0, 0, 0, 0
	for _, line := range e.logs.Lines() {
		for token := range seen {
			if strings.Contains(line, base64.StdEncoding.EncodeToString([]byte(token))) {
				t.Fatalf("a log line contains a full token: %s", line)
			}
		}
		ours := strings.Contains(line, "WorkflowID="+callers.tq+"-caller-")
		id := ""
		if i := strings.Index(line, "execution_id="); i >= 0 {
			id = strings.Fields(line[i+len("execution_id="):])[0]
		}
		hasPreview := false
		for token := range seen {
			// The preview and, beside it, the token's own digest (contract: token_digest).
			hasPreview = hasPreview || strings.Contains(line, "token_preview="+handshake.TokenPreview([]byte(token))+
				" token_digest="+handshake.TokenDigest([]byte(token)))
		}
		switch {
		case ours && strings.Contains(line, "INFO Extracted task token ") && hasPreview:
			for l := range lengths {
				if strings.Contains(line, fmt.Sprintf("token_length=%d ", l)) {
					extracted++
					break
				}
			}
		case ours && strings.Contains(line, "INFO Agent execution started, activity pending ") && hasPreview && executionIDs[id]:
			started++
		case strings.Contains(line, "INFO Completing external activity with success ") && hasPreview && executionIDs[id]:
			completing++
		case strings.Contains(line, "INFO External activity completed successfully ") && hasPreview && executionIDs[id]:
			completed++
		}
	}
	if extracted != n || started != n || completing != n || completed != n {
		t.Fatalf("log lines: %d extracted, %d started, %d completing, %d completed; want %d each",
			extracted, started, completing, completed, n)
	}
}

func TestCompletionWithFailure(t *testing.T) {
	e := getEnv(t)
	ctx := testContext(t)
	callers := startWorker(t, e, worker.Options{})
	for _, nonRetryable := range []bool{true, false} {
		t.Run(fmt.Sprintf("non_retryable=%v", nonRetryable), func(t *testing.T) {
			session := fmt.Sprintf("fail-%s-%v", callers.tq, nonRetryable)
			// One attempt only, so that a retryable failure also reaches the workflow.
			run, creates := callers.startInSession(ctx, t, wfAgentCaller, session, 1, int32(1), actRunAgent)
			detail := finalExecution(creates[0])
			detail.Status.Phase = agentexecutionv1.ExecutionPhase_EXECUTION_FAILED
			detail.Status.Error = "tool crashed"
			in, err := handshake.FailureInput(creates[0].Token(), handshake.Failure{
				Type: "AGENT_EXECUTION_FAILED", Message: "agent execution failed: tool crashed",
				NonRetryable: nonRetryable, Details: []proto.Message{detail},
			}, handshake.InputOptions{ExecutionID: creates[0].ExecutionID})
			if err != nil {
				t.Fatal(err)
			}
			res, err := handshake.CompleteExternalActivity(ctx, e.c, in)
			expectOutcome(t, "failing the caller", res, err, handshake.OutcomeCompleted)

			err = run.Get(ctx, nil)
			var actErr *temporal.ActivityError
			var appErr *temporal.ApplicationError
			if !errors.As(err, &actErr) || !errors.As(err, &appErr) {
				t.Fatalf("workflow error %v, want an ActivityError caused by an ApplicationError", err)
			}
			if appErr.Type() != "AGENT_EXECUTION_FAILED" || appErr.Message() != "agent execution failed: tool crashed" ||
				appErr.NonRetryable() != nonRetryable {
				t.Fatalf("application error type %q message %q non-retryable %v", appErr.Type(), appErr.Message(), appErr.NonRetryable())
			}
			var got *agentexecutionv1.AgentExecution
			if err := appErr.Details(&got); err != nil {
				t.Fatalf("decoding details: %v", err)
			}
			if !proto.Equal(got, detail) {
				t.Fatalf("detail %v, want %v", got, detail)
			}
		})
	}
}

func TestCompletionOutcomes(t *testing.T) {
	e := getEnv(t)
	ctx := testContext(t)
	callers := startWorker(t, e, worker.Options{})
	session := "outcomes-" + callers.tq
	run, creates := callers.startInSession(ctx, t, wfAgentCaller, session, 1, int32(0), actRunAgent)
	c := creates[0]
	done := finalExecution(c)
	withToken := func(token []byte) *sdkv1.CompleteExternalActivityInput {
		in := mustResultInput(t, c, done)
		in.CallbackToken = token
		return in
	}
	fullB64 := base64.StdEncoding.EncodeToString(c.Token())
	check := func(what string, res *sdkv1.CompleteExternalActivityResult, err error, want sdkv1.CompleteExternalActivityOutcome, token []byte) {
		t.Helper()
		expectOutcome(t, what, res, err, want)
		if res.GetTokenPreview() != handshake.TokenPreview(token) {
			t.Fatalf("%s: preview %q, want %q", what, res.GetTokenPreview(), handshake.TokenPreview(token))
		}
		if want != handshake.OutcomeCompleted && res.GetMessage() == "" {
			t.Fatalf("%s: no message", what)
		}
		if strings.Contains(res.GetMessage(), fullB64) || strings.Contains(res.String(), fullB64) {
			t.Fatalf("%s: the result carries the token", what)
		}
	}

	// A valid, pending token sent to another namespace.
	res, err := handshake.CompleteExternalActivity(ctx, e.other, withToken(c.Token()))
	check("token from another namespace", res, err, handshake.OutcomeInvalidToken, c.Token())

	garbage := []byte("this is not a Temporal task token")
	res, err = handshake.CompleteExternalActivity(ctx, e.c, withToken(garbage))
	check("garbage token", res, err, handshake.OutcomeInvalidToken, garbage)

	truncated := c.Token()[:len(c.Token())/2]
	res, err = handshake.CompleteExternalActivity(ctx, e.c, withToken(truncated))
	check("truncated token", res, err, handshake.OutcomeInvalidToken, truncated)

	res, err = handshake.CompleteExternalActivity(ctx, e.c, withToken(nil))
	check("empty token", res, err, handshake.OutcomeEmptyToken, nil)

	// None of the above completed the caller: the real completion still works, once.
	res, err = handshake.CompleteExternalActivity(ctx, e.c, withToken(c.Token()))
	check("completion", res, err, handshake.OutcomeCompleted, c.Token())
	res, err = handshake.CompleteExternalActivity(ctx, e.c, withToken(c.Token()))
	check("duplicate completion", res, err, handshake.OutcomeAlreadyCompleted, c.Token())
	if !strings.HasPrefix(res.GetMessage(), "NOT_FOUND: ") {
		t.Fatalf("ALREADY_COMPLETED message %q, want the server's NOT_FOUND message", res.GetMessage())
	}

	var got *agentexecutionv1.AgentExecution
	if err := run.Get(ctx, &got); err != nil || !proto.Equal(got, done) {
		t.Fatalf("caller returned %v, %v; want %v", got, err, done)
	}
	if out, err := handshake.HeartbeatExternalActivity(ctx, e.c, c.Token()); err != nil || out != handshake.HeartbeatAlreadyCompleted {
		t.Fatalf("heartbeat after completion: %v, %v", out, err)
	}
	if out, err := handshake.HeartbeatExternalActivity(ctx, e.c, garbage); err != nil || out != handshake.HeartbeatInvalidToken {
		t.Fatalf("heartbeat with a garbage token: %v, %v", out, err)
	}
}

func TestCreateFailures(t *testing.T) {
	e := getEnv(t)
	ctx := testContext(t)
	callers := startWorker(t, e, worker.Options{})
	cases := []struct {
		code         codes.Code
		message      string
		agentID      string
		attempts     int32
		wantCreates  int
		wantMessage  string
		nonRetryable bool
	}{
		// Retryable: the activity is retried up to its maximum attempts.
		{codes.Unavailable, "backend down", "agent-down-" + callers.tq, 2, 2, "UNAVAILABLE: backend down", false},
		// Permanent: fails at once although three attempts are allowed.
		{codes.InvalidArgument, "spec.message: must not be empty", "agent-bad-" + callers.tq, 3, 1,
			"INVALID_ARGUMENT: spec.message: must not be empty", true},
	}
	for _, tc := range cases {
		t.Run(tc.code.String(), func(t *testing.T) {
			session := tc.agentID
			// Every attempt the policy allows would fail: a create the SDK should not have made
			// shows up in the count below.
			callers.svc.FailNext(tc.code, tc.message, int(tc.attempts))
			run := startAgentCaller(ctx, t, e, callers.tq, session, agentRequest(session, tc.agentID, "go"), tc.attempts, actRunAgent)
			err := run.Get(ctx, nil)
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) {
				t.Fatalf("workflow error %v, want an ApplicationError", err)
			}
			if appErr.Type() != handshake.FailureTypeCreateFailed || appErr.Message() != tc.wantMessage || appErr.NonRetryable() != tc.nonRetryable {
				t.Fatalf("type %q message %q non-retryable %v; want %s %q %v",
					appErr.Type(), appErr.Message(), appErr.NonRetryable(), handshake.FailureTypeCreateFailed, tc.wantMessage, tc.nonRetryable)
			}
			creates := callsMatching(callers.svc, inSession(session))
			if len(creates) != tc.wantCreates {
				t.Fatalf("%d create attempts, want %d", len(creates), tc.wantCreates)
			}
			for _, c := range creates {
				if c.ExecutionID != "" || len(c.Token()) == 0 {
					t.Fatalf("unexpected create %+v", c)
				}
			}
		})
	}
}

func TestRetriedActivityKeepsIdempotencyKey(t *testing.T) {
	e := getEnv(t)
	ctx := testContext(t)
	callers := startWorker(t, e, worker.Options{})
	session := "retry-" + callers.tq
	run, creates := callers.startInSession(ctx, t, wfAgentCaller, session, 2, int32(3), actRunAgentCrash)
	first, second := creates[0], creates[1]
	if string(first.Token()) == string(second.Token()) {
		t.Fatal("the retry sent the same token")
	}
	if first.IdempotencyKey() != second.IdempotencyKey() || len(second.Metadata.Get(handshake.IdempotencyKeyHeader)) != 1 || second.Metadata.Get(handshake.IdempotencyKeyHeader)[0] != first.IdempotencyKey() ||
		len(first.Metadata.Get(handshake.IdempotencyKeyHeader)) != 1 || first.Metadata.Get(handshake.IdempotencyKeyHeader)[0] != first.IdempotencyKey() {
		t.Fatalf("keys differ: first %q %v, second %q %v", first.IdempotencyKey(), first.Metadata.Get(handshake.IdempotencyKeyHeader), second.IdempotencyKey(), second.Metadata.Get(handshake.IdempotencyKeyHeader))
	}

	desc, err := e.c.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
	if err != nil {
		t.Fatal(err)
	}
	if len(desc.GetPendingActivities()) != 1 {
		t.Fatalf("pending activities %v", desc.GetPendingActivities())
	}
	pending := desc.GetPendingActivities()[0]
	if pending.GetAttempt() != 2 {
		t.Fatalf("pending attempt %d, want 2", pending.GetAttempt())
	}
	if want := handshake.IdempotencyKey("default", run.GetID(), run.GetRunID(), pending.GetActivityId()); first.IdempotencyKey() != want {
		t.Fatalf("key %q, want %q", first.IdempotencyKey(), want)
	}

	// The first attempt's token is dead; the second one completes the caller.
	res, err := handshake.CompleteExternalActivity(ctx, e.c, mustResultInput(t, first, finalExecution(first)))
	expectOutcome(t, "completing with the first attempt's token", res, err, handshake.OutcomeAlreadyCompleted)
	done := finalExecution(second)
	res, err = handshake.CompleteExternalActivity(ctx, e.c, mustResultInput(t, second, done))
	expectOutcome(t, "completing with the second attempt's token", res, err, handshake.OutcomeCompleted)
	var got *agentexecutionv1.AgentExecution
	if err := run.Get(ctx, &got); err != nil || !proto.Equal(got, done) {
		t.Fatalf("caller returned %v, %v", got, err)
	}
}

func TestWorkflowExecutionHandshake(t *testing.T) {
	e := getEnv(t)
	ctx := testContext(t)
	callers := startWorker(t, e, worker.Options{})
	req := &workflowexecutionv1.WorkflowExecution{
		ApiVersion: "agentic.stigmer.ai/v1",
		Kind:       "WorkflowExecution",
		Spec:       &workflowexecutionv1.WorkflowExecutionSpec{WorkflowId: "wf-def-" + callers.tq, TriggerMessage: "go"},
	}
	run, err := e.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "wfcaller-" + callers.tq, TaskQueue: callers.tq}, wfWorkflowCaller, req)
	if err != nil {
		t.Fatal(err)
	}
	creates := waitCalls(ctx, t, callers.svc, 1, func(c handshaketest.CreateCall) bool {
		return c.Workflow().GetSpec().GetWorkflowId() == req.Spec.WorkflowId
	})
	c := creates[0]
	if len(c.Token()) == 0 || len(c.Metadata.Get(handshake.IdempotencyKeyHeader)) != 1 || c.Metadata.Get(handshake.IdempotencyKeyHeader)[0] != c.IdempotencyKey() || !strings.HasPrefix(c.IdempotencyKey(), "v1:") {
		t.Fatalf("create %+v", c)
	}
	done := proto.Clone(c.Workflow()).(*workflowexecutionv1.WorkflowExecution)
	done.Spec.CallbackToken = nil
	done.Metadata.Id = c.ExecutionID
	in, err := handshake.ResultInput(c.Token(), done, handshake.InputOptions{ExecutionID: c.ExecutionID})
	if err != nil {
		t.Fatal(err)
	}
	res, err := handshake.CompleteExternalActivity(ctx, e.c, in)
	expectOutcome(t, "completing", res, err, handshake.OutcomeCompleted)
	var got *workflowexecutionv1.WorkflowExecution
	if err := run.Get(ctx, &got); err != nil || !proto.Equal(got, done) {
		t.Fatalf("caller returned %v, %v; want %v", got, err, done)
	}
}

func TestSystemActivityFromWorkflow(t *testing.T) {
	e := getEnv(t)
	ctx := testContext(t)
	callers := startWorker(t, e, worker.Options{})

	runService := func(t *testing.T, id string, in *sdkv1.CompleteExternalActivityInput) (*sdkv1.CompleteExternalActivityResult, error) {
		t.Helper()
		run, err := e.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: callers.tq}, wfService, in)
		if err != nil {
			t.Fatal(err)
		}
		var res *sdkv1.CompleteExternalActivityResult
		err = run.Get(ctx, &res)
		return res, err
	}
	pendingCaller := func(t *testing.T, name string) (client.WorkflowRun, handshaketest.CreateCall) {
		t.Helper()
		session := name + "-" + callers.tq
		run, creates := callers.startInSession(ctx, t, wfAgentCaller, session, 1, int32(1), actRunAgent)
		return run, creates[0]
	}

	t.Run("success path", func(t *testing.T) {
		run, c := pendingCaller(t, "sys-ok")
		done := finalExecution(c)
		res, err := runService(t, "svc-ok-"+callers.tq, mustResultInput(t, c, done))
		expectOutcome(t, "service workflow", res, err, handshake.OutcomeCompleted)
		var got *agentexecutionv1.AgentExecution
		if err := run.Get(ctx, &got); err != nil || !proto.Equal(got, done) {
			t.Fatalf("caller returned %v, %v; want %v", got, err, done)
		}
		// Completing again: ALREADY_COMPLETED is a warning, not a failure.
		res, err = runService(t, "svc-again-"+callers.tq, mustResultInput(t, c, done))
		expectOutcome(t, "service workflow, again", res, err, handshake.OutcomeAlreadyCompleted)
	})

	t.Run("failure path", func(t *testing.T) {
		run, c := pendingCaller(t, "sys-fail")
		in, err := handshake.FailureInput(c.Token(), handshake.Failure{
			Type: "AGENT_EXECUTION_FAILED", Message: "agent gave up", NonRetryable: true,
		}, handshake.InputOptions{ExecutionID: c.ExecutionID})
		if err != nil {
			t.Fatal(err)
		}
		res, err := runService(t, "svc-fail-"+callers.tq, in)
		expectOutcome(t, "service workflow", res, err, handshake.OutcomeCompleted)
		var appErr *temporal.ApplicationError
		if err := run.Get(ctx, nil); !errors.As(err, &appErr) || appErr.Type() != "AGENT_EXECUTION_FAILED" ||
			appErr.Message() != "agent gave up" || !appErr.NonRetryable() {
			t.Fatalf("caller error %v", err)
		}
	})

	garbage := []byte("garbage token for the system activity")
	t.Run("success path with a bad token fails the workflow", func(t *testing.T) {
		in, err := handshake.ResultInput(garbage, sampleExecution(), handshake.InputOptions{ExecutionID: "exec-x"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = runService(t, "svc-bad-"+callers.tq, in)
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.Type() != handshake.FailureTypeCompletionFailed ||
			!strings.Contains(appErr.Message(), "INVALID_TOKEN") {
			t.Fatalf("service workflow error %v, want %s with INVALID_TOKEN", err, handshake.FailureTypeCompletionFailed)
		}
	})

	t.Run("failure path with a bad token keeps the original error", func(t *testing.T) {
		in, err := handshake.FailureInput(garbage, handshake.Failure{
			Type: "AGENT_EXECUTION_FAILED", Message: "boom", NonRetryable: true,
		}, handshake.InputOptions{ExecutionID: "exec-y"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := runService(t, "svc-bad-fail-"+callers.tq, in)
		expectOutcome(t, "service workflow", res, err, handshake.OutcomeInvalidToken)
	})

	t.Run("empty token schedules nothing", func(t *testing.T) {
		res, err := runService(t, "svc-empty-"+callers.tq, &sdkv1.CompleteExternalActivityInput{ExecutionId: "exec-z"})
		expectOutcome(t, "service workflow", res, err, handshake.OutcomeEmptyToken)
	})

	for _, line := range e.logs.Lines() {
		if strings.Contains(line, base64.StdEncoding.EncodeToString(garbage)) {
			t.Fatalf("a log line contains a full token: %s", line)
		}
	}
}

func TestHeartbeatSurfacesCancelRequest(t *testing.T) {
	e := getEnv(t)
	ctx := testContext(t)
	callers := startWorker(t, e, worker.Options{})
	run, creates := callers.startInSession(ctx, t, wfCancellableCaller, "cancel-"+callers.tq, 1)
	c := creates[0]
	if out, err := handshake.HeartbeatExternalActivity(ctx, e.c, c.Token(), "progress 1"); err != nil || out != handshake.HeartbeatRecorded {
		t.Fatalf("heartbeat before cancellation: %v, %v", out, err)
	}
	if err := e.c.CancelWorkflow(ctx, run.GetID(), run.GetRunID()); err != nil {
		t.Fatal(err)
	}
	for {
		out, err := handshake.HeartbeatExternalActivity(ctx, e.c, c.Token())
		if err != nil {
			t.Fatalf("heartbeat: %v", err)
		}
		if out == handshake.HeartbeatCancelRequested {
			break
		}
		if out != handshake.HeartbeatRecorded {
			t.Fatalf("heartbeat outcome %v while waiting for the cancel request", out)
		}
		select {
		case <-ctx.Done():
			t.Fatal("the heartbeat never reported the cancel request")
		case <-time.After(20 * time.Millisecond):
		}
	}

	detail := finalExecution(c)
	detail.Status.Phase = agentexecutionv1.ExecutionPhase_EXECUTION_CANCELLED
	in, err := handshake.CancellationInput(c.Token(), handshake.InputOptions{ExecutionID: c.ExecutionID, Details: []proto.Message{detail}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := handshake.CompleteExternalActivity(ctx, e.c, in)
	expectOutcome(t, "reporting cancelled", res, err, handshake.OutcomeCompleted)
	var got *agentexecutionv1.AgentExecution
	if err := run.Get(ctx, &got); err != nil || !proto.Equal(got, detail) {
		t.Fatalf("caller returned %v, %v; want the cancellation detail %v", got, err, detail)
	}
}

// completedPayloads returns the result payloads of the ActivityTaskCompleted event in a workflow's
// history: what the caller's workflow received, byte for byte.
func completedPayloads(ctx context.Context, t *testing.T, e *testEnv, run client.WorkflowRun) []*commonpb.Payload {
	t.Helper()
	iter := e.c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		if attrs := ev.GetActivityTaskCompletedEventAttributes(); attrs != nil {
			return attrs.GetResult().GetPayloads()
		}
	}
	t.Fatal("no ActivityTaskCompleted event in the history")
	return nil
}

func TestHistoryCarriesTheExactPayload(t *testing.T) {
	e := getEnv(t)
	ctx := testContext(t)
	callers := startWorker(t, e, worker.Options{})

	t.Run("binary result", func(t *testing.T) {
		session := "payload-" + callers.tq
		run, creates := callers.startInSession(ctx, t, wfAgentCaller, session, 1, int32(0), actRunAgent)
		done := finalExecution(creates[0])
		done.Metadata.Labels = map[string]string{"z": "1", "a": "2", "k": "3", "b": "4"}
		in := mustResultInput(t, creates[0], done)
		want, err := handshake.ProtoPayload(in.GetResult(), sdkv1.PayloadEncoding_PAYLOAD_ENCODING_BINARY_PROTOBUF)
		if err != nil {
			t.Fatal(err)
		}
		res, err := handshake.CompleteExternalActivity(ctx, e.c, in)
		expectOutcome(t, "completing", res, err, handshake.OutcomeCompleted)
		if err := run.Get(ctx, nil); err != nil {
			t.Fatal(err)
		}
		got := completedPayloads(ctx, t, e, run)
		if len(got) != 1 || !proto.Equal(got[0], want) {
			t.Fatalf("history payloads %v, want [%v]", got, want)
		}
		canonical, err := proto.MarshalOptions{Deterministic: true}.Marshal(done)
		if err != nil {
			t.Fatal(err)
		}
		if string(got[0].GetData()) != string(canonical) {
			t.Fatal("the history payload is not the deterministic encoding of the result")
		}
		if string(got[0].GetMetadata()["encoding"]) != "binary/protobuf" ||
			string(got[0].GetMetadata()["messageType"]) != "ai.stigmer.agentic.agentexecution.v1.AgentExecution" {
			t.Fatalf("payload metadata %v", got[0].GetMetadata())
		}
	})

	t.Run("no result", func(t *testing.T) {
		session := "null-" + callers.tq
		run, creates := callers.startInSession(ctx, t, wfAgentCaller, session, 1, int32(0), actRunAgent)
		res, err := handshake.CompleteExternalActivity(ctx, e.c, mustResultInput(t, creates[0], nil))
		expectOutcome(t, "completing", res, err, handshake.OutcomeCompleted)
		var out *agentexecutionv1.AgentExecution
		if err := run.Get(ctx, &out); err != nil || out != nil {
			t.Fatalf("caller returned %v, %v; want nil, nil", out, err)
		}
		got := completedPayloads(ctx, t, e, run)
		if len(got) != 1 || string(got[0].GetMetadata()["encoding"]) != "binary/null" || len(got[0].GetData()) != 0 {
			t.Fatalf("history payloads %v, want one binary/null", got)
		}
	})
}
