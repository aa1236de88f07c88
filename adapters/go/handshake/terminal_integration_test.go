//go:build integration

package handshake_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshaketest"
)

// startCaller is a caller as the docs set one up: a client with the SDK's data converter and a
// Prometheus metrics handler, a worker with the handshake activity and the caller activities, on
// a fake Stigmer service whose gets are counted.
func startCaller(t *testing.T, e *testEnv) *callerEnv {
	t.Helper()
	m := newRecordingMetrics()
	c, err := e.dev.Dial(client.Options{DataConverter: handshake.NewDataConverter(), MetricsHandler: m})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	gets := newGetHook()
	ce := startCallers(t, c, startFake(t, e, gets.option()), worker.Options{}, false)
	ce.metrics, ce.gets = m, gets
	return ce
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
		r, creates := caller.startInSession(ctx, t, wfTerminalCaller, session, 1)
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
		if err := r.Get(ctx, nil); !errors.As(err, &appErr) || appErr.Type() != handshake.FailureTypeGetExecutionFailed ||
			!strings.Contains(appErr.Message(), ": NOT_FOUND: ") {
			t.Fatalf("caller error %v, want %s NOT_FOUND", err, handshake.FailureTypeGetExecutionFailed)
		}
	})

	// The caller-side metrics, with the "service" label, as the worker recorded them (the
	// Prometheus exposition itself is checked in the metrics module).
	counts, timers := caller.metrics.snapshot()
	for _, w := range []struct {
		name string
		tags []string
		want int64
	}{
		{handshake.MetricCallerHandshakesStarted, nil, 4},
		{handshake.MetricCallerHandshakesPending, nil, 4},
		{handshake.MetricCallerHandshakes, []string{"outcome=completed"}, 3},
		{handshake.MetricCallerHandshakes, []string{"outcome=failed"}, 1},
	} {
		if got := sumMetric(counts, w.name, append(w.tags, "service=go")...); got != w.want {
			t.Errorf("caller metric %s %v = %d, want %d", w.name, w.tags, got, w.want)
		}
	}
	if got := sumMetric(timers, handshake.MetricCallerHandshakeDuration, "outcome=completed", "service=go"); got != 3 {
		t.Errorf("caller duration observations (completed) = %d, want 3", got)
	}
}

// sumMetric adds up the values recorded under name with every one of tags (and any others).
func sumMetric[V int | int64](recorded map[string]V, name string, tags ...string) int64 {
	var sum int64
	for key, v := range recorded {
		parts := strings.Split(key, ",")
		if parts[0] != name {
			continue
		}
		ok := true
		for _, tag := range tags {
			ok = ok && slices.Contains(parts[1:], tag)
		}
		if ok {
			sum += int64(v)
		}
	}
	return sum
}
