package main

import (
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// exposition is a minimal Temporal metrics handler that serves what it records in the Prometheus
// text format, so that the runner can read this process's metrics from outside (the SDK's
// Prometheus support lives in the separate metrics module, which the core module does not link).
// Counters and gauges keep their names; timers are histograms in seconds with the SDK's
// [handshake.DurationBuckets], as the metrics module exports them.
type exposition struct {
	mu     sync.Mutex
	series map[string]*series
}

type series struct {
	name    string
	kind    string // counter, gauge, histogram
	labels  map[string]string
	value   float64
	buckets []float64
	counts  []uint64
	sum     float64
	count   uint64
}

func newExposition() *exposition { return &exposition{series: map[string]*series{}} }

// serve starts the /metrics endpoint on a loopback port and returns its host:port.
func (e *exposition) serve() (string, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = w.Write([]byte(e.text()))
	})
	go func() { _ = (&http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}).Serve(lis) }()
	return lis.Addr().String(), nil
}

func (e *exposition) get(name, kind string, labels map[string]string) *series {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(name)
	for _, k := range keys {
		fmt.Fprintf(&b, ",%s=%q", k, labels[k])
	}
	key := b.String()
	s, ok := e.series[key]
	if !ok {
		s = &series{name: name, kind: kind, labels: labels}
		if kind == "histogram" {
			s.buckets = handshake.DurationBuckets()
			s.counts = make([]uint64, len(s.buckets))
		}
		e.series[key] = s
	}
	return s
}

func labelText(labels map[string]string, extra ...string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys)+1)
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%q", k, labels[k]))
	}
	parts = append(parts, extra...)
	if len(parts) == 0 {
		return ""
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func (e *exposition) text() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	keys := make([]string, 0, len(e.series))
	for k := range e.series {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		s := e.series[k]
		if s.kind != "histogram" {
			fmt.Fprintf(&b, "%s%s %s\n", s.name, labelText(s.labels), strconv.FormatFloat(s.value, 'g', -1, 64))
			continue
		}
		var cumulative uint64
		for i, le := range s.buckets {
			cumulative += s.counts[i]
			fmt.Fprintf(&b, "%s_bucket%s %d\n", s.name, labelText(s.labels, fmt.Sprintf("le=%q", strconv.FormatFloat(le, 'g', -1, 64))), cumulative)
		}
		fmt.Fprintf(&b, "%s_bucket%s %d\n", s.name, labelText(s.labels, `le="+Inf"`), s.count)
		fmt.Fprintf(&b, "%s_sum%s %s\n", s.name, labelText(s.labels), strconv.FormatFloat(s.sum, 'g', -1, 64))
		fmt.Fprintf(&b, "%s_count%s %d\n", s.name, labelText(s.labels), s.count)
	}
	return b.String()
}

// handler is a client.MetricsHandler recording into an exposition with a fixed label set.
type handler struct {
	e      *exposition
	labels map[string]string
}

func (h handler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.labels)+len(tags))
	for k, v := range h.labels {
		merged[k] = v
	}
	for k, v := range tags {
		merged[k] = v
	}
	return handler{e: h.e, labels: merged}
}

func (h handler) Counter(name string) client.MetricsCounter {
	return counterFunc(func(d int64) {
		h.e.mu.Lock()
		defer h.e.mu.Unlock()
		h.e.get(name, "counter", h.labels).value += float64(d)
	})
}

func (h handler) Gauge(name string) client.MetricsGauge {
	return gaugeFunc(func(v float64) {
		h.e.mu.Lock()
		defer h.e.mu.Unlock()
		h.e.get(name, "gauge", h.labels).value = v
	})
}

func (h handler) Timer(name string) client.MetricsTimer {
	return timerFunc(func(d time.Duration) {
		h.e.mu.Lock()
		defer h.e.mu.Unlock()
		s := h.e.get(name, "histogram", h.labels)
		seconds := d.Seconds()
		for i, le := range s.buckets {
			if seconds <= le {
				s.counts[i]++
				break
			}
		}
		s.sum += seconds
		s.count++
	})
}

type counterFunc func(int64)

func (f counterFunc) Inc(d int64) { f(d) }

type gaugeFunc func(float64)

func (f gaugeFunc) Update(v float64) { f(v) }

type timerFunc func(time.Duration)

func (f timerFunc) Record(d time.Duration) { f(d) }
