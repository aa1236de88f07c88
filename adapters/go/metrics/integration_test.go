//go:build integration

package metrics_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"

	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshaketest"
	"github.com/stigmer/stigmer-sdk/adapters/go/metrics"
)

// A Go worker with the SDK's metrics installed runs a handshake; the scrape shows Temporal's own
// metrics under their Prometheus names and the SDK's with the "service" label.
func TestWorkerExpositionKeepsTemporalNamesBesideTheSDKs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	reg := prometheus.NewRegistry()
	handler, closer := metrics.NewPrometheusHandler(reg, 50*time.Millisecond)
	defer closer.Close()
	server, service := handshaketest.StartForTest(ctx, t, handshaketest.DevServerOptions{
		ClientOptions: client.Options{MetricsHandler: handler, DataConverter: handshake.NewDataConverter()},
	}, handshaketest.FakeOptions{})
	if _, _, err := service.AskAgentOnce(ctx, server.Client(), "metrics", nil); err != nil {
		t.Fatal(err)
	}

	want := []struct{ metric, label string }{
		{"temporal_request_total", `operation="StartWorkflowExecution"`},
		{"temporal_workflow_completed_total", `workflow_type="AskAgent"`},
		{"temporal_activity_execution_latency_seconds_count", `activity_type="RunAgent"`},
		{"temporal_workflow_endtoend_latency_seconds_count", `workflow_type="AskAgent"`},
		{handshake.MetricCallerHandshakesStarted, `service="go"`},
		{handshake.MetricCallerHandshakesPending, `service="go"`},
		{handshake.MetricCallerHandshakes, `outcome="completed"`},
		{handshake.MetricCallerHandshakeDuration + "_bucket", `le="0.005"`},
	}
	// Counters are flushed every 50 ms: wait for them (a bounded wait, not a timed assertion).
	var missing []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		lines := scrape(t, reg)
		missing = nil
		for _, w := range want {
			if sample(lines, w.metric, w.label) < 0 {
				missing = append(missing, w.metric+"{"+w.label+"}")
			}
		}
		if len(missing) == 0 {
			break
		}
	}
	if len(missing) > 0 {
		t.Fatalf("the exposition lacks %s", strings.Join(missing, ", "))
	}
	for _, l := range scrape(t, reg) {
		if strings.HasPrefix(l, "stigmer_") && !strings.Contains(l, `service="go"`) {
			t.Errorf("SDK metric without the service label: %s", l)
		}
	}
}
