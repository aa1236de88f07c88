package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/uber-go/tally/v4"
	contribtally "go.temporal.io/sdk/contrib/tally"

	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	"github.com/stigmer/stigmer-sdk/adapters/go/metrics"
)

// scrape serves reg's exposition over HTTP, as a Prometheus server would scrape it, and returns
// its lines.
func scrape(t *testing.T, reg *prometheus.Registry) []string {
	t.Helper()
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
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
	return strings.Split(string(body), "\n")
}

// sample returns the value of the first exposition line of metric that contains every label, or
// -1.
func sample(lines []string, metric string, labels ...string) float64 {
	for _, l := range lines {
		if !strings.HasPrefix(l, metric+"{") && !strings.HasPrefix(l, metric+" ") {
			continue
		}
		ok := true
		for _, label := range labels {
			ok = ok && strings.Contains(l, label)
		}
		if ok {
			v, err := strconv.ParseFloat(l[strings.LastIndexByte(l, ' ')+1:], 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

func TestDurationHistogramsUseTheContractBuckets(t *testing.T) {
	reg := prometheus.NewRegistry()
	h, closer := metrics.NewPrometheusHandler(reg, time.Hour)
	for _, name := range []string{handshake.MetricCompletionDuration, handshake.MetricCallerHandshakeDuration} {
		h.WithTags(map[string]string{"status": "completed"}).Timer(name).Record(120 * time.Millisecond)
	}
	h.Counter(handshake.MetricCallerHandshakesStarted).Inc(1)
	if err := closer.Close(); err != nil { // flushes the counter
		t.Fatal(err)
	}
	lines := scrape(t, reg)
	for _, name := range []string{handshake.MetricCompletionDuration, handshake.MetricCallerHandshakeDuration} {
		bucket := name + "_bucket"
		if got := sample(lines, bucket, `le="0.1"`); got != 0 {
			t.Errorf("%s le=0.1 = %v, want 0 (a 120 ms observation is above 100 ms)", name, got)
		}
		if got := sample(lines, bucket, `le="0.2"`); got != 1 {
			t.Errorf("%s le=0.2 = %v, want 1", name, got)
		}
		if got := sample(lines, name+"_count"); got != 1 {
			t.Errorf("%s_count = %v, want 1", name, got)
		}
		// Every bucket edge of the contract is in the exposition, and no other.
		var edges []string
		for _, l := range lines {
			if strings.HasPrefix(l, bucket+"{") {
				i := strings.Index(l, `le="`) + 4
				edges = append(edges, l[i:i+strings.IndexByte(l[i:], '"')])
			}
		}
		want := []string{}
		for _, b := range handshake.DurationBuckets() {
			want = append(want, strconv.FormatFloat(b, 'g', -1, 64))
		}
		want = append(want, "+Inf")
		if strings.Join(edges, ",") != strings.Join(want, ",") {
			t.Errorf("%s buckets %v, want %v", name, edges, want)
		}
	}
	if got := sample(lines, handshake.MetricCallerHandshakesStarted); got != 1 {
		t.Errorf("%s = %v, want 1", handshake.MetricCallerHandshakesStarted, got)
	}
}

func TestDurationBucketsAreTheContracts(t *testing.T) {
	want := "0.005 0.01 0.025 0.05 0.1 0.2 0.5 1 2.5 5 10 30 60 300 900 1800 3600 7200 14400 28800 86400"
	var got []string
	for _, b := range handshake.DurationBuckets() {
		got = append(got, strconv.FormatFloat(b, 'g', -1, 64))
	}
	if strings.Join(got, " ") != want {
		t.Fatalf("DurationBuckets = %v, want %s", got, want)
	}
	handshake.DurationBuckets()[0] = 99 // a copy: the next call is unaffected
	if handshake.DurationBuckets()[0] != 0.005 {
		t.Fatal("DurationBuckets returns shared state")
	}
}

// Temporal's metrics keep their Prometheus names beside the SDK's: counters end in _total,
// timers are histograms in seconds ending in _seconds, with the reporter's buckets, and
// contribtally.ScopeFromHandler finds the scope.
func TestTemporalMetricsKeepTheirPrometheusNames(t *testing.T) {
	reg := prometheus.NewRegistry()
	h, closer := metrics.NewPrometheusHandler(reg, time.Hour)
	tagged := h.WithTags(map[string]string{"namespace": "default"})
	tagged.Counter("temporal_request").Inc(2)
	tagged.Timer("temporal_request_latency").Record(3 * time.Millisecond)
	tagged.Timer(handshake.MetricCompletionDuration).Record(3 * time.Millisecond)
	if contribtally.ScopeFromHandler(tagged) == tally.NoopScope {
		t.Error("contribtally.ScopeFromHandler does not find the scope")
	}
	if err := closer.Close(); err != nil {
		t.Fatal(err)
	}
	lines := scrape(t, reg)
	if got := sample(lines, "temporal_request_total", `namespace="default"`); got != 2 {
		t.Errorf("temporal_request_total = %v, want 2", got)
	}
	if got := sample(lines, "temporal_request_latency_seconds_count"); got != 1 {
		t.Errorf("temporal_request_latency_seconds_count = %v, want 1", got)
	}
	// Temporal's histograms keep the reporter's buckets (0.002 is theirs; 0.025 the contract's).
	if sample(lines, "temporal_request_latency_seconds_bucket", `le="0.002"`) != 0 ||
		sample(lines, "temporal_request_latency_seconds_bucket", `le="0.025"`) != -1 {
		t.Error("temporal_request_latency_seconds does not have the reporter's default buckets")
	}
	if got := sample(lines, handshake.MetricCompletionDuration+"_bucket", `le="0.005"`); got != 1 {
		t.Errorf("%s le=0.005 = %v, want 1", handshake.MetricCompletionDuration, got)
	}
}
