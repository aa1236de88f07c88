package handshake

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
)

// RetryServiceConfig is the gRPC service config of [NewConn] (contract, "Client retries"): every
// method of the Stigmer API is retried on UNAVAILABLE by gRPC itself, with exponential backoff
// (0.5 s doubling to at most 10 s, jittered), up to 5 attempts (gRPC's cap) and never past the
// call's deadline; waitForReady makes a call wait for a connection (until its deadline) instead of
// failing at once while the service is unreachable. Give it to grpc.WithDefaultServiceConfig when
// you build your own connection.
const RetryServiceConfig = `{
  "methodConfig": [{
    "name": [{}],
    "waitForReady": true,
    "retryPolicy": {
      "maxAttempts": 5,
      "initialBackoff": "0.5s",
      "maxBackoff": "10s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
}`

// AuthorizationHeader is the request metadata key that carries an API key or bearer token, as
// "Bearer <key>".
const AuthorizationHeader = contract.HeaderAuthorization

// DefaultCallTimeout is the deadline [NewConn] gives every unary call whose context has none (the
// same 30 s in every Stigmer SDK): a call without a deadline never waits forever for a service
// that is down.
const DefaultCallTimeout = contract.TimeoutDefaultCall

// ConnOptions configures [NewConn]. The zero value is a plaintext connection without credentials
// and with [DefaultCallTimeout].
type ConnOptions struct {
	// TLS connects with TLS (mutual TLS when it has a client certificate). Nil: plaintext, for
	// development and loopback.
	TLS *tls.Config
	// APIKey is sent on every call as the request metadata "authorization: Bearer <key>". It is
	// sent over plaintext connections too (the reference service in development); use TLS
	// anywhere else. Empty: nothing is sent.
	APIKey string
	// CallTimeout is the deadline of every unary call whose context has none. Zero:
	// [DefaultCallTimeout]; negative: no default deadline. A deadline on the call's context
	// always wins.
	CallTimeout time.Duration
	// GRPCOptions are added after those of [NewConn] (interceptors, keepalive, ...); a
	// grpc.WithDefaultServiceConfig here replaces [RetryServiceConfig].
	GRPCOptions []grpc.DialOption
}

// NewConn returns a client connection to the Stigmer service at target (for example
// "stigmer.example.com:443" or "localhost:7234") for the command and query clients of the
// generated packages (agentexecutionv1.NewAgentExecutionCommandControllerClient, ...) and
// [NewCallerActivities]. It retries UNAVAILABLE through gRPC's retry service config
// ([RetryServiceConfig]), never with a hand-written loop, sends the credentials of
// [ConnOptions].APIKey and gives every unary call without a deadline [ConnOptions].CallTimeout.
// Like grpc.NewClient, it does not connect: the first call does (a service that is down shows up
// there, as UNAVAILABLE or DEADLINE_EXCEEDED within the call's deadline).
func NewConn(target string, opts ConnOptions) (*grpc.ClientConn, error) {
	transport := insecure.NewCredentials()
	if opts.TLS != nil {
		transport = credentials.NewTLS(opts.TLS)
	}
	dialOpts := []grpc.DialOption{
		grpc.WithTransportCredentials(transport),
		grpc.WithDefaultServiceConfig(RetryServiceConfig),
	}
	switch {
	case opts.CallTimeout == 0:
		dialOpts = append(dialOpts, grpc.WithChainUnaryInterceptor(defaultDeadline(DefaultCallTimeout)))
	case opts.CallTimeout > 0:
		dialOpts = append(dialOpts, grpc.WithChainUnaryInterceptor(defaultDeadline(opts.CallTimeout)))
	}
	if opts.APIKey != "" {
		dialOpts = append(dialOpts, grpc.WithPerRPCCredentials(bearer(opts.APIKey)))
	}
	conn, err := grpc.NewClient(target, append(dialOpts, opts.GRPCOptions...)...)
	if err != nil {
		return nil, fmt.Errorf("stigmer: connecting to %s: %w", target, err)
	}
	return conn, nil
}

// defaultDeadline gives a unary call whose context has no deadline the deadline d.
func defaultDeadline(d time.Duration) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

// bearer is the per-RPC credential of [ConnOptions].APIKey.
type bearer string

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{AuthorizationHeader: "Bearer " + string(b)}, nil
}

func (bearer) RequireTransportSecurity() bool { return false }
