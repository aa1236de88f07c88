//go:build integration

package handshake_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshaketest"
	"github.com/stigmer/stigmer-sdk/adapters/go/metrics"
)

// callerEnv is a caller as the docs set one up: a client with the SDK's data converter and a
// Prometheus metrics handler, a worker with the handshake activity and the caller activities, on
// a fake Stigmer service whose gets are counted.
type callerEnv struct {
	c    client.Client
	reg  *prometheus.Registry
	tq   string
	svc  *handshaketest.FakeStigmerService
	gets *getHook
}

func startCaller(t *testing.T, e *testEnv) *callerEnv {
	t.Helper()
	reg := prometheus.NewRegistry()
	handler, closer := metrics.NewPrometheusHandler(reg, 50*time.Millisecond)
	t.Cleanup(func() { _ = closer.Close() })
	c, err := e.dev.Dial(client.Options{DataConverter: handshake.NewDataConverter(), MetricsHandler: handler})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	tq := fmt.Sprintf("tq-%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), queueN.Add(1))
	w := worker.New(c, tq, worker.Options{})
	w.RegisterWorkflowWithOptions(terminalCaller, workflow.RegisterOptions{Name: wfTerminalCaller})
	gets := newGetHook()
	svc := startFake(t, e, gets.option())
	acts := &callerActivities{agents: svc.AgentClient(), workflows: svc.WorkflowClient()}
	w.RegisterActivityWithOptions(acts.RunAgent, activity.RegisterOptions{Name: actRunAgent})
	conn, err := svc.Conn()
	if err != nil {
		t.Fatal(err)
	}
	queries := handshake.NewCallerActivities(conn)
	queries.PollInterval, queries.MaxPollInterval = 20*time.Millisecond, 100*time.Millisecond
	queries.Register(w)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return &callerEnv{c: c, reg: reg, tq: tq, svc: svc, gets: gets}
}

// scrapeMetrics reads the caller's Prometheus exposition.
func (c *callerEnv) scrapeMetrics(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(promhttp.HandlerFor(c.reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// goJSONPayload is what the deployed Stigmer Go service completes a caller with: json/plain, Go's
// encoding/json of the generated struct.
func goJSONPayload(t *testing.T, m proto.Message) *commonpb.Payload {
	t.Helper()
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: data}
}

func TestExecuteToTerminalFetchesTheTerminalExecution(t *testing.T) {
	e := getEnv(t)
	ctx := testContext(t)
	caller := startCaller(t, e)

	run := func(t *testing.T, session string) (client.WorkflowRun, handshaketest.CreateCall) {
		t.Helper()
		req := &agentexecutionv1.AgentExecution{Spec: &agentexecutionv1.AgentExecutionSpec{
			AgentId: "agt-" + session, SessionId: session, Message: "hello",
		}}
		r, err := caller.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: session, TaskQueue: caller.tq}, wfTerminalCaller, req)
		if err != nil {
			t.Fatal(err)
		}
		creates := waitCalls(ctx, t, caller.svc, 1, inSession(session))
		return r, creates[0]
	}

	t.Run("snapshot delivered as json/plain, terminal fetched", func(t *testing.T) {
		r, c := run(t, "term-snapshot-"+caller.tq)
		snapshot := proto.Clone(c.Agent()).(*agentexecutionv1.AgentExecution)
		snapshot.Metadata.Id = c.ExecutionID
		snapshot.Status = &agentexecutionv1.AgentExecutionStatus{Phase: agentexecutionv1.ExecutionPhase_EXECUTION_PENDING}
		inProgress := proto.Clone(snapshot).(*agentexecutionv1.AgentExecution)
		inProgress.Status.Phase = agentexecutionv1.ExecutionPhase_EXECUTION_IN_PROGRESS
		done := finalExecution(c)
		// The deployed service echoes the token in its completion and its get.
		snapshot.Spec.CallbackToken = c.Token()
		echoing := proto.Clone(done).(*agentexecutionv1.AgentExecution)
		echoing.Spec.CallbackToken = c.Token()
		echoing.Status.CallbackToken = c.Token() // the deployed schema's status.callback_token
		// get answers: in progress, then UNAVAILABLE, then the terminal execution (with the tokens).
		caller.svc.SetExecution(c.ExecutionID, inProgress)
		caller.gets.setAnswer(func(id string, n int) error {
			if id != c.ExecutionID || n != 2 {
				return nil
			}
			caller.svc.SetExecution(id, echoing)
			return status.Error(codes.Unavailable, "restarting")
		})
		defer caller.gets.setAnswer(nil)

		// The deployed service completes with the execution as created, in Go-struct JSON.
		if err := e.c.CompleteActivity(ctx, c.Token(), converter.NewRawValue(goJSONPayload(t, snapshot)), nil); err != nil {
			t.Fatal(err)
		}
		var got *agentexecutionv1.AgentExecution
		if err := r.Get(ctx, &got); err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(got, done) {
			t.Fatalf("caller got %v, want the terminal %v", got, done)
		}
		if n := caller.gets.count(c.ExecutionID); n != 3 {
			t.Fatalf("%d gets, want 3 (in progress, unavailable, completed)", n)
		}
		// The get-execution activity's result and the workflow's carry no token.
		iter := caller.c.GetWorkflowHistory(ctx, r.GetID(), r.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		completed := 0
		for iter.HasNext() {
			ev, err := iter.Next()
			if err != nil {
				t.Fatal(err)
			}
			var payloads []*commonpb.Payload
			if a := ev.GetActivityTaskCompletedEventAttributes(); a != nil {
				completed++
				if completed == 1 {
					continue // the handshake activity: the service put the token there
				}
				payloads = a.GetResult().GetPayloads()
			}
			if a := ev.GetWorkflowExecutionCompletedEventAttributes(); a != nil {
				payloads = a.GetResult().GetPayloads()
			}
			for _, p := range payloads {
				if bytes.Contains(p.GetData(), c.Token()) || bytes.Contains(p.GetData(), []byte(base64.StdEncoding.EncodeToString(c.Token()))) {
					t.Fatalf("event %d (%s) carries the full token", ev.GetEventId(), ev.GetEventType())
				}
			}
		}
		if completed != 2 {
			t.Fatalf("%d completed activities, want the handshake and get-execution", completed)
		}
		// The history replays on today's code, and is the one the replay test keeps (-record-history).
		recordReplayHistory(ctx, t, caller.c, r)
	})

	t.Run("terminal delivered, no get", func(t *testing.T) {
		r, c := run(t, "term-direct-"+caller.tq)
		done := finalExecution(c)
		res, err := handshake.CompleteExternalActivity(ctx, e.c, mustResultInput(t, c, done))
		expectOutcome(t, "completion", res, err, handshake.OutcomeCompleted)
		var got *agentexecutionv1.AgentExecution
		if err := r.Get(ctx, &got); err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(got, done) || caller.gets.count(c.ExecutionID) != 0 {
			t.Fatalf("caller got %v after %d gets; want the delivered execution and no get", got, caller.gets.count(c.ExecutionID))
		}
	})

	t.Run("failure", func(t *testing.T) {
		r, c := run(t, "term-failed-"+caller.tq)
		fail := temporal.NewNonRetryableApplicationError("agent crashed", "AGENT_EXECUTION_FAILED", nil)
		if err := e.c.CompleteActivity(ctx, c.Token(), nil, fail); err != nil {
			t.Fatal(err)
		}
		var appErr *temporal.ApplicationError
		if err := r.Get(ctx, nil); !errors.As(err, &appErr) || appErr.Type() != "AGENT_EXECUTION_FAILED" {
			t.Fatalf("caller error %v, want AGENT_EXECUTION_FAILED", err)
		}
	})

	t.Run("get refused permanently", func(t *testing.T) {
		r, c := run(t, "term-gone-"+caller.tq)
		snapshot := proto.Clone(c.Agent()).(*agentexecutionv1.AgentExecution)
		// An id the service does not know: get answers NOT_FOUND.
		snapshot.Metadata.Id = "exec-gone-" + caller.tq
		if err := e.c.CompleteActivity(ctx, c.Token(), converter.NewRawValue(goJSONPayload(t, snapshot)), nil); err != nil {
			t.Fatal(err)
		}
		var appErr *temporal.ApplicationError
		if err := r.Get(ctx, nil); !errors.As(err, &appErr) || appErr.Type() != handshake.ErrTypeGetExecutionFailed ||
			!strings.Contains(appErr.Message(), ": NOT_FOUND: ") {
			t.Fatalf("caller error %v, want %s NOT_FOUND", err, handshake.ErrTypeGetExecutionFailed)
		}
	})

	// The caller-side metrics, read from the caller's real Prometheus exposition. Counters are
	// flushed every 50 ms: wait for them (a bounded wait, not a timed assertion).
	want := []string{
		handshake.MetricCallerHandshakesStarted + `{`,
		handshake.MetricCallerHandshakesPending + `{`,
		handshake.MetricCallerHandshakes + `{`,
		`outcome="completed"`,
		`outcome="failed"`,
		handshake.MetricCallerHandshakeDuration + `_bucket{`,
	}
	check := func(text string) []string {
		var problems []string
		for _, w := range want {
			if !strings.Contains(text, w) {
				problems = append(problems, "lacks "+w)
			}
		}
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(line, handshake.MetricCallerHandshakesStarted+"{") && !strings.HasSuffix(line, " 4") {
				problems = append(problems, line+", want 4")
			}
			if strings.HasPrefix(line, handshake.MetricCallerHandshakes+"{") && strings.Contains(line, `outcome="completed"`) &&
				!strings.HasSuffix(line, " 3") {
				problems = append(problems, line+", want 3")
			}
		}
		return problems
	}
	var problems []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if problems = check(caller.scrapeMetrics(t)); len(problems) == 0 {
			break
		}
	}
	for _, p := range problems {
		t.Errorf("caller metrics: %s", p)
	}
}
