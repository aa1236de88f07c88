package handshake_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshaketest"
)

// startFlaky starts the test kit's fake Stigmer service answering UNAVAILABLE to the first
// failures creates, then ACKing; it records every create with its metadata.
func startFlaky(t *testing.T, failures int) *handshaketest.FakeStigmerService {
	t.Helper()
	s, err := handshaketest.StartFakeStigmerService(nil, handshaketest.FakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	s.FailNext(codes.Unavailable, "warming up", failures)
	return s
}

// authorizations are the authorization metadata values of the creates s received.
func authorizations(s *handshaketest.FakeStigmerService) []string {
	var auth []string
	for _, c := range s.Calls() {
		auth = append(auth, c.Metadata.Get(handshake.AuthorizationHeader)...)
	}
	return auth
}

func TestNewConnRetriesUnavailableThroughTheServiceConfig(t *testing.T) {
	cases := []struct {
		name      string
		failures  int
		wantCalls int
		wantCode  codes.Code
	}{
		{"recovers within the attempts", 3, 4, codes.OK},
		{"gives up after gRPC's 5 attempts", 100, 5, codes.Unavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startFlaky(t, tc.failures)
			// The contract's policy with millisecond backoffs, to keep the test short.
			fast := strings.NewReplacer(`"0.5s"`, `"0.01s"`, `"10s"`, `"0.05s"`).Replace(handshake.RetryServiceConfig)
			conn, err := handshake.NewConn(s.Target(), handshake.ConnOptions{
				APIKey: "k-123", GRPCOptions: []grpc.DialOption{grpc.WithDefaultServiceConfig(fast)},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, err = agentexecutionv1.NewAgentExecutionCommandControllerClient(conn).Create(ctx, &agentexecutionv1.AgentExecution{})
			if status.Code(err) != tc.wantCode {
				t.Fatalf("create: %v, want %s", err, tc.wantCode)
			}
			calls, auth := len(s.Calls()), authorizations(s)
			if calls != tc.wantCalls {
				t.Fatalf("%d calls reached the server, want %d", calls, tc.wantCalls)
			}
			for _, a := range auth {
				if a != "Bearer k-123" {
					t.Fatalf("authorization %q", a)
				}
			}
			if len(auth) != calls {
				t.Fatalf("%d of %d calls carried the API key", len(auth), calls)
			}
		})
	}
}

func TestRetryServiceConfigIsTheContracts(t *testing.T) {
	var cfg struct {
		MethodConfig []struct {
			Name         []map[string]string `json:"name"`
			WaitForReady bool                `json:"waitForReady"`
			RetryPolicy  struct {
				MaxAttempts          int      `json:"maxAttempts"`
				BackoffMultiplier    float64  `json:"backoffMultiplier"`
				RetryableStatusCodes []string `json:"retryableStatusCodes"`
			} `json:"retryPolicy"`
		} `json:"methodConfig"`
	}
	if err := json.Unmarshal([]byte(handshake.RetryServiceConfig), &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.MethodConfig) != 1 {
		t.Fatalf("%d method configs", len(cfg.MethodConfig))
	}
	mc := cfg.MethodConfig[0]
	if len(mc.Name) != 1 || len(mc.Name[0]) != 0 || !mc.WaitForReady || mc.RetryPolicy.MaxAttempts != 5 ||
		mc.RetryPolicy.BackoffMultiplier != 2 || strings.Join(mc.RetryPolicy.RetryableStatusCodes, ",") != "UNAVAILABLE" {
		t.Fatalf("service config %+v", mc)
	}
}

// The real policy: its jittered backoffs (up to 0.5 s, 1 s, 2 s, 4 s) all but never fit 4 retries
// into 300 ms, so the deadline ends the call first.
func TestNewConnStopsRetryingAtTheDeadline(t *testing.T) {
	s := startFlaky(t, 100)
	conn, err := handshake.NewConn(s.Target(), handshake.ConnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = agentexecutionv1.NewAgentExecutionCommandControllerClient(conn).Create(ctx, &agentexecutionv1.AgentExecution{})
	if c := status.Code(err); c != codes.DeadlineExceeded && c != codes.Unavailable {
		t.Fatalf("create: %v", err)
	}
	if calls, auth := len(s.Calls()), authorizations(s); calls >= 5 || len(auth) != 0 {
		t.Fatalf("%d calls (auth %v): the deadline did not bound the retries", calls, auth)
	}
}

func TestNewConnGivesCallsWithoutADeadlineOne(t *testing.T) {
	// The kit's fake, with an interceptor that records the deadline each create arrives with (-1
	// without one); a create whose message is "block" waits until the call ends.
	seen := make(chan time.Duration, 1)
	recordDeadline := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
		remaining := time.Duration(-1)
		if d, ok := ctx.Deadline(); ok {
			remaining = time.Until(d)
		}
		seen <- remaining
		if req.(*agentexecutionv1.AgentExecution).GetSpec().GetMessage() == "block" {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return next(ctx, req)
	}
	svc, err := handshaketest.StartFakeStigmerService(nil, handshaketest.FakeOptions{
		ServerOptions: []grpc.ServerOption{grpc.UnaryInterceptor(recordDeadline)},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Stop)
	create := func(t *testing.T, opts handshake.ConnOptions, ctx context.Context, message string) (time.Duration, error) {
		t.Helper()
		conn, err := handshake.NewConn(svc.Target(), opts)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, err = agentexecutionv1.NewAgentExecutionCommandControllerClient(conn).Create(ctx,
			&agentexecutionv1.AgentExecution{Spec: &agentexecutionv1.AgentExecutionSpec{Message: message}})
		return <-seen, err
	}

	t.Run("default 30 s", func(t *testing.T) {
		remaining, err := create(t, handshake.ConnOptions{}, context.Background(), "")
		if err != nil || remaining <= 0 || remaining > handshake.DefaultCallTimeout {
			t.Fatalf("create: %v; the call arrived with %v left, want a deadline of at most %v", err, remaining, handshake.DefaultCallTimeout)
		}
		if handshake.DefaultCallTimeout != 30*time.Second {
			t.Fatalf("DefaultCallTimeout = %v, want the contract's 30 s", handshake.DefaultCallTimeout)
		}
	})
	t.Run("the configured deadline ends a call that hangs", func(t *testing.T) {
		_, err := create(t, handshake.ConnOptions{CallTimeout: 100 * time.Millisecond}, context.Background(), "block")
		if status.Code(err) != codes.DeadlineExceeded {
			t.Fatalf("create: %v, want DEADLINE_EXCEEDED", err)
		}
	})
	t.Run("the context's own deadline wins", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		remaining, err := create(t, handshake.ConnOptions{CallTimeout: time.Second}, ctx, "")
		if err != nil || remaining <= time.Second {
			t.Fatalf("create: %v; %v left, want the context's hour", err, remaining)
		}
	})
	t.Run("negative: none", func(t *testing.T) {
		remaining, err := create(t, handshake.ConnOptions{CallTimeout: -1}, context.Background(), "")
		if err != nil || remaining != -1 {
			t.Fatalf("create: %v; %v left, want no deadline", err, remaining)
		}
	})
}
