// Package metrics exports the Stigmer SDK's metrics, and Temporal's, to Prometheus through
// Temporal's own tally handler (go.temporal.io/sdk/contrib/tally) on a Prometheus naming scope:
// Temporal's metrics keep their Prometheus names (counters end in _total, timers are histograms in
// seconds ending in _seconds), contribtally.ScopeFromHandler finds the scope, and the SDK's
// duration histograms get the contract's buckets ([handshake.DurationBuckets], in seconds) while
// Temporal's keep the reporter's. It is a Go module of its own, so that the core module does not
// depend on tally or the Prometheus client. Give the handler to the Temporal client, and so to its
// workers:
//
//	reg := prometheus.NewRegistry()
//	handler, closer := metrics.NewPrometheusHandler(reg, time.Second)
//	defer closer.Close()
//	c, err := client.Dial(client.Options{MetricsHandler: handler, DataConverter: handshake.NewDataConverter()})
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
package metrics

import (
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	contribtally "go.temporal.io/sdk/contrib/tally"

	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// ReporterOptions returns the tally Prometheus reporter options that register on reg and record
// every timer as a histogram in seconds. A registration conflict (one metric name registered with
// two label sets) is logged and the metric dropped, instead of the reporter's default panic.
func ReporterOptions(reg prometheus.Registerer) tallyprom.Options {
	return tallyprom.Options{
		Registerer:       reg,
		DefaultTimerType: tallyprom.HistogramTimerType,
		OnRegisterError: func(err error) {
			slog.Warn("stigmer: a metric could not be registered with Prometheus", "error", err.Error())
		},
	}
}

// NewPrometheusHandler returns a Temporal metrics handler that reports to the Prometheus registry
// reg every reportEvery (counters and gauges; histograms at once), and the closer that flushes and
// stops it. It is [NewHandler] on a root scope with Temporal's Prometheus sanitizer and naming
// scope.
func NewPrometheusHandler(reg prometheus.Registerer, reportEvery time.Duration) (client.MetricsHandler, io.Closer) {
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  tallyprom.NewReporter(ReporterOptions(reg)),
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &contribtally.PrometheusSanitizeOptions,
	}, reportEvery)
	return NewHandler(contribtally.NewPrometheusNamingScope(scope)), closer
}

// NewHandler returns contribtally.NewMetricsHandler(scope), except that the SDK's duration
// metrics (names starting with "stigmer_") are histograms with the contract's buckets. Build scope
// with contribtally.NewPrometheusNamingScope for Prometheus. contribtally.ScopeFromHandler
// returns scope.
func NewHandler(scope tally.Scope) client.MetricsHandler {
	return handler{temporal: contribtally.NewMetricsHandler(scope), scope: scope}
}

// sdkPrefix starts the name of every metric of the SDK.
const sdkPrefix = "stigmer_"

// handler is Temporal's tally handler with the SDK's timers as contract-bucketed histograms.
type handler struct {
	temporal client.MetricsHandler
	scope    tally.Scope
}

func (h handler) WithTags(tags map[string]string) client.MetricsHandler {
	return handler{temporal: h.temporal.WithTags(tags), scope: h.scope.Tagged(tags)}
}

func (h handler) Counter(name string) client.MetricsCounter { return h.temporal.Counter(name) }

func (h handler) Gauge(name string) client.MetricsGauge { return h.temporal.Gauge(name) }

func (h handler) Timer(name string) client.MetricsTimer {
	if !strings.HasPrefix(name, sdkPrefix) {
		return h.temporal.Timer(name)
	}
	return histogramTimer{h.scope.Histogram(name, durationBuckets)}
}

// Unwrap returns Temporal's handler, so that contribtally.ScopeFromHandler finds the scope.
func (h handler) Unwrap() client.MetricsHandler { return h.temporal }

// durationBuckets are [handshake.DurationBuckets] as tally duration buckets.
var durationBuckets = func() tally.DurationBuckets {
	var b tally.DurationBuckets
	for _, seconds := range handshake.DurationBuckets() {
		b = append(b, time.Duration(seconds*float64(time.Second)))
	}
	return b
}()

type histogramTimer struct{ h tally.Histogram }

func (t histogramTimer) Record(d time.Duration) { t.h.RecordDuration(d) }
