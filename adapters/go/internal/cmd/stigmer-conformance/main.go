// Command stigmer-conformance is the Go executable of the Stigmer conformance suite
// (docs/conformance.md, "Writing an executable").
//
// The runner starts one process per role and talks to it over stdin and stdout in the messages of
// proto/ai/stigmer/conformance/v1/harness.proto, each framed by a 4-byte big-endian length: it
// writes HarnessRequest frames to stdin and reads HarnessResponse frames (answers, and events with
// request_id 0) from stdout. One process plays one role:
//
//   - codec (no start request): decode and re-encode vectors deterministically;
//   - caller: a Temporal worker serving the workflow "conformance/caller" and the activity
//     "conformance/call-agent", which calls the service through handshake.ExecuteAgentAndWaitPending;
//   - service: a Stigmer AgentExecutionCommandController on 127.0.0.1 that records each callback
//     token and completes the caller's activity with the handshake completion helpers (directly, or
//     from the workflow "conformance/complete-via-system-activity" through the system activity);
//   - system worker: a worker serving the system activity "stigmer/system/complete-external-activity".
//
// Stdout carries frames only; diagnostics go to stderr. No token is ever written anywhere: only
// its SHA-256, length and preview. The process exits 0 after answering a ShutdownRequest or when
// stdin closes between frames, and 1 when stdin ends inside a frame or stdout cannot be written.
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	conformancev1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/conformance/v1"
)

func main() {
	out := os.Stdout
	// Stdout belongs to the protocol: anything printed by accident goes to stderr instead.
	os.Stdout = os.Stderr
	capture := &logCapture{}
	text := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	logger := slog.New(newCaptureHandler(text, capture)).With("lang", "go", "pid", os.Getpid())
	slog.SetDefault(logger)
	os.Exit(run(os.Stdin, out, logger, capture))
}

// run serves requests from in until a ShutdownRequest or the end of in, writing responses and
// events to out, and returns the exit status.
func run(in io.Reader, out io.Writer, logger *slog.Logger, capture *logCapture) int {
	h := &harness{out: &frameWriter{w: out}, logger: logger, capture: capture}
	defer h.stopRole()
	for {
		req := &conformancev1.HarnessRequest{}
		if err := readFrame(in, req); err != nil {
			if errors.Is(err, io.EOF) {
				logger.Info("stdin closed, stopping")
				return 0
			}
			logger.Error("reading a request", "error", err)
			return 1
		}
		resp, shutdown := h.handle(req)
		if err := h.out.write(resp); err != nil {
			logger.Error("answering a request", "request_id", req.GetRequestId(), "error", err)
			return 1
		}
		if shutdown {
			return 0
		}
	}
}

// harness holds the process's state: where frames go and the role it plays, if started.
type harness struct {
	out     *frameWriter
	logger  *slog.Logger
	capture *logCapture
	role    role
	// service is the role when it is the service role (the only one answering CompleteRequest).
	service *serviceRole
}

// handle answers one request. shutdown reports a ShutdownRequest: the role is then stopped and
// the process must exit after writing the response.
func (h *harness) handle(req *conformancev1.HarnessRequest) (resp *conformancev1.HarnessResponse, shutdown bool) {
	resp = &conformancev1.HarnessResponse{RequestId: req.GetRequestId()}
	fail := func(err error) (*conformancev1.HarnessResponse, bool) {
		h.logger.Warn("request failed", "request_id", req.GetRequestId(), "error", err)
		resp.Response = &conformancev1.HarnessResponse_Error{Error: err.Error()}
		return resp, false
	}
	switch r := req.GetRequest().(type) {
	case *conformancev1.HarnessRequest_Codec:
		out, err := codec(r.Codec)
		if err != nil {
			return fail(err)
		}
		resp.Response = &conformancev1.HarnessResponse_Codec{Codec: out}
	case *conformancev1.HarnessRequest_Payload:
		out, err := decodePayload(r.Payload)
		if err != nil {
			return fail(err)
		}
		resp.Response = &conformancev1.HarnessResponse_Payload{Payload: out}
	case *conformancev1.HarnessRequest_Logs:
		resp.Response = &conformancev1.HarnessResponse_Logs{
			Logs: &conformancev1.LogsResponse{Records: h.capture.snapshot()},
		}
	case *conformancev1.HarnessRequest_Start:
		started, err := h.start(r.Start)
		if err != nil {
			return fail(err)
		}
		resp.Response = &conformancev1.HarnessResponse_Started{Started: started}
	case *conformancev1.HarnessRequest_Complete:
		if h.service == nil {
			return fail(errors.New("CompleteRequest: this process does not play the service role"))
		}
		out, err := h.service.complete(r.Complete)
		if err != nil {
			return fail(err)
		}
		resp.Response = &conformancev1.HarnessResponse_Complete{Complete: out}
	case *conformancev1.HarnessRequest_Shutdown:
		h.stopRole()
		h.logger.Info("shut down")
		resp.Response = &conformancev1.HarnessResponse_Shutdown{Shutdown: &conformancev1.ShutdownResponse{}}
		return resp, true
	default:
		return fail(fmt.Errorf("unknown request %T", r))
	}
	return resp, false
}

// start starts the role a StartRequest names.
func (h *harness) start(start *conformancev1.StartRequest) (*conformancev1.Started, error) {
	if h.role != nil {
		return nil, errors.New("a role is already started in this process")
	}
	var (
		r       role
		started = &conformancev1.Started{}
		logger  *slog.Logger
		err     error
	)
	switch start.GetRole().(type) {
	case *conformancev1.StartRequest_Caller:
		logger = h.logger.With("role", "caller")
		r, err = startCaller(start, h.out, logger)
	case *conformancev1.StartRequest_Service:
		logger = h.logger.With("role", "service")
		var s *serviceRole
		if s, err = startService(start, h.out, logger); err == nil {
			r, h.service, started.Address = s, s, s.address
		}
	case *conformancev1.StartRequest_SystemWorker:
		logger = h.logger.With("role", "system_worker")
		r, err = startSystemWorker(start, logger)
	default:
		return nil, errors.New("StartRequest names no role")
	}
	if err != nil {
		return nil, err
	}
	if started.MetricsAddress, err = metricsExposition.serve(); err != nil {
		r.stop()
		return nil, fmt.Errorf("serving /metrics: %w", err)
	}
	h.role, h.logger = r, logger
	// The handshake helpers log through slog.Default when they have no activity logger.
	slog.SetDefault(logger)
	return started, nil
}

// stopRole stops the started role, if any. It may be called more than once.
func (h *harness) stopRole() {
	if h.role == nil {
		return
	}
	h.role.stop()
	h.role, h.service = nil, nil
}
