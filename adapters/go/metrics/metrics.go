// Package metrics exports the Stigmer SDK's metrics, and Temporal's, to Prometheus through tally,
// with the histogram buckets of the contract ([handshake.DurationBuckets], in seconds) for every
// timer. Give the handler to the Temporal client, and so to its workers:
//
//	reg := prometheus.NewRegistry()
//	handler, closer := metrics.NewPrometheusHandler(reg, time.Second)
//	defer closer.Close()
//	c, err := client.Dial(client.Options{MetricsHandler: handler, DataConverter: handshake.NewDataConverter()})
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// Users of go.temporal.io/sdk/contrib/tally can use its NewMetricsHandler with a scope whose
// reporter is built from [ReporterOptions] instead.
package metrics

import (
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"

	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// ReporterOptions returns the tally Prometheus reporter options that register on reg and record
// every timer as a histogram in seconds with [handshake.DurationBuckets]. A registration conflict
// (one metric name registered with two label sets) is logged and the metric dropped, instead of
// the reporter's default panic.
func ReporterOptions(reg prometheus.Registerer) tallyprom.Options {
	return tallyprom.Options{
		Registerer:              reg,
		DefaultTimerType:        tallyprom.HistogramTimerType,
		DefaultHistogramBuckets: handshake.DurationBuckets(),
		OnRegisterError: func(err error) {
			slog.Warn("stigmer: a metric could not be registered with Prometheus", "error", err.Error())
		},
	}
}

// NewPrometheusHandler returns a Temporal metrics handler that reports to the Prometheus registry
// reg every reportEvery (counters and gauges; histograms at once), and the closer that flushes and
// stops it.
func NewPrometheusHandler(reg prometheus.Registerer, reportEvery time.Duration) (client.MetricsHandler, io.Closer) {
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  tallyprom.NewReporter(ReporterOptions(reg)),
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &tallyprom.DefaultSanitizerOpts,
	}, reportEvery)
	return NewHandler(scope), closer
}

// NewHandler adapts a tally scope to Temporal's client.MetricsHandler.
func NewHandler(scope tally.Scope) client.MetricsHandler { return handler{scope} }

type handler struct{ scope tally.Scope }

func (h handler) WithTags(tags map[string]string) client.MetricsHandler {
	return handler{h.scope.Tagged(tags)}
}

func (h handler) Counter(name string) client.MetricsCounter { return h.scope.Counter(name) }

func (h handler) Gauge(name string) client.MetricsGauge { return h.scope.Gauge(name) }

func (h handler) Timer(name string) client.MetricsTimer { return h.scope.Timer(name) }
