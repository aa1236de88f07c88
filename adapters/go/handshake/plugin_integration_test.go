//go:build integration

package handshake_test

import (
	"errors"
	"fmt"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshaketest"
)

// A caller set up with one plugin object: its client gets the data converter, its worker the
// system activity and the get-execution activity, without any other registration.
func TestPluginSetsUpACaller(t *testing.T) {
	e := getEnv(t)
	ctx := testContext(t)
	svc := startFake(t, e, handshaketest.FakeOptions{})
	conn, err := svc.Conn()
	if err != nil {
		t.Fatal(err)
	}
	plugin, err := handshake.NewPlugin(handshake.PluginOptions{Stigmer: conn})
	if err != nil {
		t.Fatal(err)
	}
	metrics := newRecordingMetrics()
	c, err := e.dev.Dial(client.Options{Plugins: []client.Plugin{plugin}, MetricsHandler: metrics})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	callers := startCallers(t, c, svc, worker.Options{}, true)
	tq := callers.tq

	t.Run("handshake, completed by the plugin's system activity", func(t *testing.T) {
		run, creates := callers.startInSession(ctx, t, wfTerminalCaller, "plugin-"+tq, 1)
		call := creates[0]
		// The service's workflow completes the caller through the system activity the plugin
		// registered (it completes through the worker's own client).
		svcRun, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: tq}, wfService, mustResultInput(t, call, finalExecution(call)))
		if err != nil {
			t.Fatal(err)
		}
		if err := svcRun.Get(ctx, nil); err != nil {
			t.Fatalf("service workflow: %v", err)
		}
		var got *agentexecutionv1.AgentExecution
		if err := run.Get(ctx, &got); err != nil {
			t.Fatal(err)
		}
		if got.GetStatus().GetPhase() != agentexecutionv1.ExecutionPhase_EXECUTION_COMPLETED || got.GetMetadata().GetId() != call.ExecutionID {
			t.Fatalf("caller got %v", got)
		}
	})

	for _, tc := range []struct {
		mode, env string
		wantToken bool
	}{
		{"async", "", true},
		{"blocking", "", false},
		{"env", "false", false},
		{"env", "true", true},
	} {
		t.Run(fmt.Sprintf("inner workflow, %s %s", tc.mode, tc.env), func(t *testing.T) {
			if tc.env != "" {
				t.Setenv(handshake.AsyncCompletionEnv, tc.env)
			}
			run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: tq}, wfInnerCaller,
				&agentexecutionv1.AgentExecution{Spec: &agentexecutionv1.AgentExecutionSpec{Message: "hi"}}, tc.mode)
			if err != nil {
				t.Fatal(err)
			}
			var got *agentexecutionv1.AgentExecution
			if err := run.Get(ctx, &got); err != nil {
				t.Fatal(err)
			}
			reply := got.GetStatus().GetMessages()[0].GetContent()
			if (reply != "token of 0 bytes") != tc.wantToken {
				t.Fatalf("inner workflow answered %q; want a token: %v", reply, tc.wantToken)
			}
		})
	}

	t.Run("inner workflow failing, async", func(t *testing.T) {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: tq}, wfInnerCaller,
			&agentexecutionv1.AgentExecution{Spec: &agentexecutionv1.AgentExecutionSpec{Message: "fail"}}, "async")
		if err != nil {
			t.Fatal(err)
		}
		var appErr *temporal.ApplicationError
		if err := run.Get(ctx, nil); !errors.As(err, &appErr) || appErr.Type() != handshake.FailureTypeAgentExecutionFailed || !appErr.NonRetryable() {
			t.Fatalf("caller error %v, want the inner workflow's %s", err, handshake.FailureTypeAgentExecutionFailed)
		}
	})

	// ObserveHandshake recorded the inner-shape handshakes: five completed... and one failed.
	counts, _ := metrics.snapshot()
	if got := sumMetric(counts, handshake.MetricCallerHandshakes, "outcome=completed", "service=go"); got != 5 {
		t.Errorf("completed handshakes = %d, want 5 (one terminal, four inner)", got)
	}
	if got := sumMetric(counts, handshake.MetricCallerHandshakes, "outcome=failed", "service=go"); got != 1 {
		t.Errorf("failed handshakes = %d, want 1", got)
	}
}
