package devserver

import (
	"fmt"
	"strings"
	"sync"

	"go.temporal.io/sdk/log"
)

// CaptureLogger is a Temporal SDK logger that keeps every line, formatted as
// "LEVEL message key=value ...", for tests to inspect. It is safe for concurrent use.
type CaptureLogger struct {
	mu    sync.Mutex
	lines []string
}

var _ log.Logger = (*CaptureLogger)(nil)

func (l *CaptureLogger) add(level, msg string, keyvals []any) {
	var b strings.Builder
	b.WriteString(level)
	b.WriteByte(' ')
	b.WriteString(msg)
	for i := 0; i < len(keyvals); i += 2 {
		if i+1 < len(keyvals) {
			fmt.Fprintf(&b, " %v=%v", keyvals[i], keyvals[i+1])
		} else {
			fmt.Fprintf(&b, " %v", keyvals[i])
		}
	}
	l.mu.Lock()
	l.lines = append(l.lines, b.String())
	l.mu.Unlock()
}

// Debug records a line.
func (l *CaptureLogger) Debug(msg string, keyvals ...any) { l.add("DEBUG", msg, keyvals) }

// Info records a line.
func (l *CaptureLogger) Info(msg string, keyvals ...any) { l.add("INFO", msg, keyvals) }

// Warn records a line.
func (l *CaptureLogger) Warn(msg string, keyvals ...any) { l.add("WARN", msg, keyvals) }

// Error records a line.
func (l *CaptureLogger) Error(msg string, keyvals ...any) { l.add("ERROR", msg, keyvals) }

// Lines returns a copy of the lines recorded so far.
func (l *CaptureLogger) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}
