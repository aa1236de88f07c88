// Command stigmer-deployed-emulator behaves like the deployed Stigmer Go service
// (github.com/stigmer/stigmer, backend/services/stigmer-server, commit b070f18) as far as a caller
// can tell, so that the conformance suite can hold every SDK against it without running the real
// server. It is written from the observed facts (issue 9; docs/conformance.md, "The deployed-service
// emulation"), not from the server's code:
//
//   - create is validated as the deployed server does: api_version and kind must be the constants
//     (INVALID_ARGUMENT), spec.message must not be empty (INVALID_ARGUMENT), an empty metadata.name
//     fails the slug step (UNKNOWN), the agent must exist (NOT_FOUND);
//   - the stigmer-idempotency-key header is ignored: every create starts a new execution;
//   - get returns the stored execution, spec.callback_token included;
//   - a scripted agent runs on a runner task queue; its status goes to the store;
//   - the caller is completed from the service's workflow through the system activity
//     "stigmer/system/complete-external-activity" with the deployed JSON struct input
//     {"CallbackToken", "Result", "Error"} (json/plain): on success Result is the execution AS
//     CREATED (phase PENDING), on failure Result is null and Error is {} (Go's encoding/json of an
//     error value).
//
// With --completions=own it serves that activity itself, replicating the deployed server's bug: its
// input type cannot hold the {} Error, so a failed agent's caller is never completed. With
// --completions=external it does not serve it: an SDK worker (any language) polling the completion
// task queue does. The completion task queue is the service's own (--task-queue) unless the
// execution names another in the annotation "emulator.stigmer.ai/completion-task-queue" (a test hook
// of the conformance suite, so that one emulator can be served by workers of every language).
//
// It prints "listening on HOST:PORT" on stdout once it serves, and stops on SIGINT/SIGTERM or when
// stdin closes.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := run(logger); err != nil {
		logger.Error("stigmer-deployed-emulator failed", "error", err)
		os.Exit(1)
	}
}

func run(logger *slog.Logger) error {
	listen := flag.String("listen", "127.0.0.1:0", "gRPC listen address")
	temporalAddress := flag.String("temporal", "127.0.0.1:7233", "Temporal frontend host:port")
	namespace := flag.String("namespace", "default", "Temporal namespace")
	taskQueue := flag.String("task-queue", "agent_execution_stigmer", "task queue of the service's workflows and completions")
	runnerQueue := flag.String("runner-task-queue", "", "task queue of the scripted agent (default: TASK_QUEUE-runner)")
	completions := flag.String("completions", "own", "own: serve the completion system activity (the deployed bug); external: leave it to an SDK worker")
	flag.Parse()
	if *completions != "own" && *completions != "external" {
		return fmt.Errorf("--completions must be own or external, not %q", *completions)
	}
	if *runnerQueue == "" {
		*runnerQueue = *taskQueue + "-runner"
	}

	c, err := client.Dial(client.Options{
		HostPort: *temporalAddress, Namespace: *namespace, Logger: tlog.NewStructuredLogger(logger),
	})
	if err != nil {
		return fmt.Errorf("connecting to Temporal at %s: %w", *temporalAddress, err)
	}
	defer c.Close()

	store := newStore()
	workers, err := startWorkers(c, store, *taskQueue, *runnerQueue, *completions == "own")
	if err != nil {
		return err
	}
	defer workers.stop()

	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", *listen, err)
	}
	server := grpc.NewServer()
	svc := &service{store: store, temporal: c, taskQueue: *taskQueue, runnerQueue: *runnerQueue, logger: logger}
	agentexecutionv1.RegisterAgentExecutionCommandControllerServer(server, svc)
	agentexecutionv1.RegisterAgentExecutionQueryControllerServer(server, &query{store: store})
	go func() {
		if err := server.Serve(lis); err != nil {
			logger.Error("gRPC server stopped", "error", err)
		}
	}()
	defer server.Stop()
	fmt.Printf("listening on %s\n", lis.Addr())
	logger.Info("deployed-service emulator serving", "address", lis.Addr().String(),
		"task_queue", *taskQueue, "completions", *completions)

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	<-ctx.Done()
	logger.Info("stopping")
	return nil
}

// workers are the emulator's Temporal workers: the service's (workflow and, with own completions,
// the system activity) and the runner's (the scripted agent).
type workers struct {
	service, runner worker.Worker
}

func startWorkers(c client.Client, s *store, taskQueue, runnerQueue string, ownCompletions bool) (*workers, error) {
	w := &workers{service: worker.New(c, taskQueue, worker.Options{}), runner: worker.New(c, runnerQueue, worker.Options{})}
	w.service.RegisterWorkflowWithOptions(invokeWorkflow, workflow.RegisterOptions{Name: invokeWorkflowName})
	if ownCompletions {
		completer := &ownCompleter{client: c}
		w.service.RegisterActivityWithOptions(completer.complete, activity.RegisterOptions{Name: completionActivityName})
	}
	r := &runner{store: s}
	w.runner.RegisterActivityWithOptions(r.run, activity.RegisterOptions{Name: runAgentActivityName})
	if err := w.service.Start(); err != nil {
		return nil, fmt.Errorf("starting the service worker on %q: %w", taskQueue, err)
	}
	if err := w.runner.Start(); err != nil {
		w.service.Stop()
		return nil, fmt.Errorf("starting the runner worker on %q: %w", runnerQueue, err)
	}
	return w, nil
}

func (w *workers) stop() {
	w.runner.Stop()
	w.service.Stop()
}
