package handshake

import (
	"context"
	"crypto/tls"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// RetryServiceConfig is the gRPC service config of [Dial] (contract, "Client retries"): every
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
const AuthorizationHeader = "authorization"

// DialOption configures [Dial].
type DialOption func(*dialOptions)

type dialOptions struct {
	tls    *tls.Config
	apiKey string
	extra  []grpc.DialOption
}

// WithTLS connects with TLS (mutual TLS when config has a client certificate). Without it the
// connection is plaintext, for development and loopback.
func WithTLS(config *tls.Config) DialOption {
	return func(o *dialOptions) { o.tls = config }
}

// WithAPIKey sends key on every call as the request metadata "authorization: Bearer <key>". It is
// sent over plaintext connections too (the reference service in development); use [WithTLS]
// anywhere else. An empty key sends nothing.
func WithAPIKey(key string) DialOption {
	return func(o *dialOptions) { o.apiKey = key }
}

// WithGRPCOptions adds gRPC dial options (interceptors, keepalive, ...), applied after those of
// [Dial]; a grpc.WithDefaultServiceConfig here replaces [RetryServiceConfig].
func WithGRPCOptions(opts ...grpc.DialOption) DialOption {
	return func(o *dialOptions) { o.extra = append(o.extra, opts...) }
}

// Dial returns a client connection to the Stigmer service at target (for example
// "stigmer.example.com:443" or "localhost:7234") for the command and query clients of the
// generated packages (agentexecutionv1.NewAgentExecutionCommandControllerClient, ...) and
// [NewCallerActivities]. It retries UNAVAILABLE through gRPC's retry service config
// ([RetryServiceConfig]), never with a hand-written loop, and sends the credentials of
// [WithAPIKey]. The connection is lazy (grpc.NewClient): it connects on the first call.
func Dial(target string, opts ...DialOption) (*grpc.ClientConn, error) {
	var o dialOptions
	for _, opt := range opts {
		opt(&o)
	}
	transport := insecure.NewCredentials()
	if o.tls != nil {
		transport = credentials.NewTLS(o.tls)
	}
	dialOpts := []grpc.DialOption{
		grpc.WithTransportCredentials(transport),
		grpc.WithDefaultServiceConfig(RetryServiceConfig),
	}
	if o.apiKey != "" {
		dialOpts = append(dialOpts, grpc.WithPerRPCCredentials(bearer(o.apiKey)))
	}
	conn, err := grpc.NewClient(target, append(dialOpts, o.extra...)...)
	if err != nil {
		return nil, fmt.Errorf("stigmer: connecting to %s: %w", target, err)
	}
	return conn, nil
}

// bearer is the per-RPC credential of [WithAPIKey].
type bearer string

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{AuthorizationHeader: "Bearer " + string(b)}, nil
}

func (bearer) RequireTransportSecurity() bool { return false }
