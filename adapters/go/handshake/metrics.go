package handshake

import (
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
)

// Caller-side metric names (contract, "Caller-side metrics"), recorded through Temporal's activity
// and workflow metrics handlers, so that a caller team sees its own waits. No label ever carries a
// token, its preview or its digest.
const (
	// MetricCallerHandshakesStarted counts create attempts made by the caller's activity.
	MetricCallerHandshakesStarted = "stigmer_caller_handshakes_started_total"
	// MetricCallerHandshakesPending counts creates the service ACKed: the activity went pending.
	MetricCallerHandshakesPending = "stigmer_caller_handshakes_pending_total"
	// MetricCallerHandshakes counts resolved handshake activities by "outcome" (completed, failed,
	// cancelled, timed_out); [ExecuteToTerminal] records it in the caller's workflow.
	MetricCallerHandshakes = "stigmer_caller_handshakes_total"
	// MetricCallerHandshakeDuration times handshake activities from their scheduling to their
	// resolution, in seconds, by "outcome".
	MetricCallerHandshakeDuration = "stigmer_caller_handshake_duration_seconds"
)

// durationBuckets are the upper bounds, in seconds, of every Stigmer duration histogram.
var durationBuckets = [...]float64{
	0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, 14400,
	28800, 86400,
}

// DurationBuckets returns the histogram bucket upper bounds, in seconds, of every Stigmer duration
// histogram ([MetricCompletionDuration], [MetricCallerHandshakeDuration]), the same in every SDK:
// the runbook's thresholds (50 ms, 200 ms, 500 ms, ...) are bucket edges. Configure the metrics
// exporter of the Temporal client with them (package metrics does it for tally and Prometheus);
// the returned slice is a copy.
func DurationBuckets() []float64 {
	return append([]float64(nil), durationBuckets[:]...)
}

// ServiceLabel is the "service" label of every metric this SDK records, as the contract and the
// runbook require: "go" (the Python and Java SDKs record "python" and "java").
const ServiceLabel = "go"

// stigmerMetrics is h with the "service" label of every Stigmer metric.
func stigmerMetrics(h client.MetricsHandler) client.MetricsHandler {
	return h.WithTags(map[string]string{"service": ServiceLabel})
}

func recordHandshakeOutcome(h client.MetricsHandler, outcome string, d time.Duration) {
	tagged := stigmerMetrics(h).WithTags(map[string]string{"outcome": outcome})
	tagged.Counter(MetricCallerHandshakes).Inc(1)
	tagged.Timer(MetricCallerHandshakeDuration).Record(d)
}

// ObserveHandshake waits in a workflow for a handshake activity that the caller scheduled by hand
// (the future of workflow.ExecuteActivity, just called), decodes its result into valuePtr and
// records the caller-side metrics [MetricCallerHandshakes] and [MetricCallerHandshakeDuration] by
// outcome, in workflow time (replay-safe), as [ExecuteToTerminal] does. The error is returned
// unchanged. It is the Python SDK's observe_handshake.
//
//	var out *agentexecutionv1.AgentExecution
//	err := handshake.ObserveHandshake(ctx, workflow.ExecuteActivity(ctx, a.RunAgent, req), &out)
func ObserveHandshake(ctx workflow.Context, handshake workflow.Future, valuePtr any) error {
	start := workflow.Now(ctx)
	err := handshake.Get(ctx, valuePtr)
	recordHandshakeOutcome(workflow.GetMetricsHandler(ctx), handshakeOutcome(err), workflow.Now(ctx).Sub(start))
	return err
}
