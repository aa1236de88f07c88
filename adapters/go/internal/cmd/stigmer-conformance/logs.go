package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	conformancev1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/conformance/v1"
)

// logCapture keeps every log record emitted through the process's slog loggers (the Temporal
// clients' loggers and slog.Default, through which the handshake helpers log), normalised as
// harness LogRecords, for LogsRequest. Records are also passed on to the wrapped handler.
type logCapture struct {
	mu      sync.Mutex
	records []*conformancev1.LogRecord
}

// records returns a copy of the records kept so far, oldest first.
func (c *logCapture) snapshot() []*conformancev1.LogRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*conformancev1.LogRecord(nil), c.records...)
}

func (c *logCapture) add(r *conformancev1.LogRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.records = append(c.records, r)
}

// captureHandler is the slog.Handler that feeds a logCapture.
type captureHandler struct {
	next    slog.Handler
	capture *logCapture
	group   string
}

func newCaptureHandler(next slog.Handler, capture *logCapture) *captureHandler {
	return &captureHandler{next: next, capture: capture}
}

func (h *captureHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= slog.LevelInfo || h.next.Enabled(ctx, level)
}

func (h *captureHandler) Handle(ctx context.Context, r slog.Record) error {
	fields := map[string]string{}
	add := func(a slog.Attr) {
		key := a.Key
		if h.group != "" {
			key = h.group + "." + key
		}
		fields[key] = fmt.Sprint(a.Value.Resolve().Any())
	}
	// Only the record's own attributes are the line's fields: the logger's context (With: the
	// harness's lang and pid, Temporal's ActivityID, WorkflowID...) is not.
	r.Attrs(func(a slog.Attr) bool {
		add(a)
		return true
	})
	if r.Level >= slog.LevelInfo {
		level := r.Level.String()
		h.capture.add(&conformancev1.LogRecord{Level: level, Message: r.Message, Fields: fields})
	}
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *captureHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	next := *h
	next.next = h.next.WithAttrs(attrs)
	return &next
}

func (h *captureHandler) WithGroup(name string) slog.Handler {
	next := *h
	next.next = h.next.WithGroup(name)
	if next.group != "" {
		name = next.group + "." + name
	}
	next.group = name
	return &next
}
