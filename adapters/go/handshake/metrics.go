package handshake

import (
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
	"github.com/stigmer/stigmer-sdk/adapters/go/internal/tracehook"
)

// Caller-side metric names (contract, "Caller-side metrics"), recorded through Temporal's activity
// and workflow metrics handlers, so that a caller team sees its own waits. No label ever carries a
// token, its preview or its digest.
const (
	// MetricCallerHandshakesStarted counts create attempts made by the caller's activity.
	MetricCallerHandshakesStarted = contract.MetricCallerStartedName
	// MetricCallerHandshakesPending counts creates the service ACKed: the activity went pending.
	MetricCallerHandshakesPending = contract.MetricCallerPendingName
	// MetricCallerHandshakes counts resolved handshake activities by "outcome" (completed, failed,
	// cancelled, timed_out); [ExecuteToTerminal] records it in the caller's workflow.
	MetricCallerHandshakes = contract.MetricCallerHandshakesName
	// MetricCallerHandshakeDuration times handshake activities from their scheduling to their
	// resolution, in seconds, by "outcome".
	MetricCallerHandshakeDuration = contract.MetricCallerDurationName
)

// ResumedSpanName is the span the caller's workflow records when its handshake activity resolves
// ([ObserveHandshake], [ExecuteToTerminal]), when the worker traces with package tracing: a span
// without duration, at the workflow time of the resolution, under the workflow's RunWorkflow span,
// with the attributes temporalWorkflowID, temporalRunID and outcome (completed, failed, cancelled,
// timed_out). The Python and Java SDKs record the same span.
const ResumedSpanName = contract.TracingResumedSpan

// DurationBuckets returns the histogram bucket upper bounds, in seconds, of every Stigmer duration
// histogram ([MetricCompletionDuration], [MetricCallerHandshakeDuration]), the same in every SDK:
// the runbook's thresholds (50 ms, 200 ms, 500 ms, ...) are bucket edges. Configure the metrics
// exporter of the Temporal client with them (package metrics does it for tally and Prometheus);
// the returned slice is a copy.
func DurationBuckets() []float64 {
	return append([]float64(nil), contract.DurationBucketsSeconds...)
}

// ServiceLabel is the "service" label of every metric this SDK records, as the contract and the
// runbook require: "go" (the Python and Java SDKs record "python" and "java").
const ServiceLabel = contract.MetricServiceGo

// stigmerMetrics is h with the "service" label of every Stigmer metric.
func stigmerMetrics(h client.MetricsHandler) client.MetricsHandler {
	return h.WithTags(map[string]string{contract.MetricServiceLabel: ServiceLabel})
}

// recordHandshakeOutcome records a resolved handshake in the caller's workflow: the metrics and,
// when the worker traces with package tracing, the span [ResumedSpanName].
func recordHandshakeOutcome(ctx workflow.Context, outcome string, d time.Duration) {
	info := workflow.GetInfo(ctx)
	tracehook.Record(ctx, ResumedSpanName, map[string]string{
		contract.TracingWorkflowIdAttribute: info.WorkflowExecution.ID,
		contract.TracingRunIdAttribute:      info.WorkflowExecution.RunID,
		contract.TracingOutcomeAttribute:    outcome,
	})
	tagged := stigmerMetrics(workflow.GetMetricsHandler(ctx)).WithTags(map[string]string{contract.MetricCallerHandshakes.Labels[0]: outcome})
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
	recordHandshakeOutcome(ctx, handshakeOutcome(err), workflow.Now(ctx).Sub(start))
	return err
}
