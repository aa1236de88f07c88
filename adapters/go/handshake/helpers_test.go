package handshake_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"go.temporal.io/sdk/log"
	"google.golang.org/grpc"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	workflowexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/workflowexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshaketest"
)

// nopLogger discards every line.
var nopLogger = log.NewStructuredLogger(slog.New(slog.DiscardHandler))

// captureLogger is a Temporal SDK logger that keeps every line, formatted as
// "LEVEL message key=value ...", for tests to inspect. It is safe for concurrent use.
type captureLogger struct {
	mu    sync.Mutex
	lines []string
}

var _ log.Logger = (*captureLogger)(nil)

func (l *captureLogger) add(level, msg string, keyvals []any) {
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

func (l *captureLogger) Debug(msg string, keyvals ...any) { l.add("DEBUG", msg, keyvals) }
func (l *captureLogger) Info(msg string, keyvals ...any)  { l.add("INFO", msg, keyvals) }
func (l *captureLogger) Warn(msg string, keyvals ...any)  { l.add("WARN", msg, keyvals) }
func (l *captureLogger) Error(msg string, keyvals ...any) { l.add("ERROR", msg, keyvals) }

// Lines returns a copy of the lines recorded so far.
func (l *captureLogger) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// callsMatching returns the fake's creates that match.
func callsMatching(svc *handshaketest.FakeStigmerService, match func(handshaketest.CreateCall) bool) []handshaketest.CreateCall {
	var out []handshaketest.CreateCall
	for _, c := range svc.Calls() {
		if match == nil || match(c) {
			out = append(out, c)
		}
	}
	return out
}

// waitCalls waits until n of the fake's creates match, and returns those.
func waitCalls(ctx context.Context, t *testing.T, svc *handshaketest.FakeStigmerService, n int, match func(handshaketest.CreateCall) bool) []handshaketest.CreateCall {
	t.Helper()
	for {
		all := svc.Calls()
		if got := callsMatching(svc, match); len(got) >= n {
			return got
		}
		if _, err := svc.WaitForCalls(ctx, len(all)+1); err != nil {
			t.Fatalf("waiting for %d matching creates: %v", n, err)
		}
	}
}

// getHook counts the get calls a fake receives, by execution id, and lets a test answer some of
// them itself (a nil hook answer lets the fake answer).
type getHook struct {
	mu     sync.Mutex
	counts map[string]int
	answer func(id string, n int) error
}

func newGetHook() *getHook { return &getHook{counts: map[string]int{}} }

// count returns how many gets execution id received.
func (h *getHook) count(id string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.counts[id]
}

// setAnswer replaces the hook's answer function.
func (h *getHook) setAnswer(f func(id string, n int) error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.answer = f
}

// option is the fake's server option that installs the hook.
func (h *getHook) option() handshaketest.FakeOptions {
	return handshaketest.FakeOptions{ServerOptions: []grpc.ServerOption{grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
		if info.FullMethod != agentexecutionv1.AgentExecutionQueryController_Get_FullMethodName &&
			info.FullMethod != workflowexecutionv1.WorkflowExecutionQueryController_Get_FullMethodName {
			return next(ctx, req)
		}
		id := req.(interface{ GetValue() string }).GetValue()
		h.mu.Lock()
		h.counts[id]++
		n, answer := h.counts[id], h.answer
		h.mu.Unlock()
		if answer != nil {
			if err := answer(id, n); err != nil {
				return nil, err
			}
		}
		return next(ctx, req)
	})}}
}
