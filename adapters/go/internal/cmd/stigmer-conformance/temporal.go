package main

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	conformancev1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/conformance/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// caseAnnotation names the case of an execution, in metadata.annotations.
const caseAnnotation = "conformance.stigmer.ai/case"

// metricsExposition holds every metric this process's clients record; the runner reads it at
// Started.metrics_address.
var metricsExposition = newExposition()

// role is a started role: stop releases its workers, servers and connections.
type role interface {
	stop()
}

// seconds converts a duration in (fractional) seconds, as the protocol carries them.
func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second))
}

// dial connects a Temporal client to namespace on target.address. The client logs to stderr
// through logger: the SDK's default logger writes to stdout, which belongs to the protocol.
func dial(target *conformancev1.TemporalTarget, namespace string, logger *slog.Logger) (client.Client, error) {
	if target.GetAddress() == "" {
		return nil, fmt.Errorf("no Temporal address in the start request")
	}
	c, err := client.Dial(client.Options{
		HostPort:       target.GetAddress(),
		Namespace:      namespace,
		Logger:         tlog.NewStructuredLogger(logger),
		DataConverter:  sdkDataConverter(),
		Identity:       fmt.Sprintf("stigmer-conformance-go@%d", os.Getpid()),
		MetricsHandler: handler{e: metricsExposition},
	})
	if err != nil {
		return nil, fmt.Errorf("connecting to Temporal at %s, namespace %q: %w", target.GetAddress(), namespace, err)
	}
	return c, nil
}

// systemWorkerRole serves the completion system activity (handshake.SystemActivityName) on a task
// queue, completing through a client of the start request's namespace.
type systemWorkerRole struct {
	client client.Client
	worker worker.Worker
}

// startSystemWorker starts the system worker role.
func startSystemWorker(start *conformancev1.StartRequest, logger *slog.Logger) (*systemWorkerRole, error) {
	queue := start.GetSystemWorker().GetTaskQueue()
	if queue == "" {
		return nil, fmt.Errorf("system_worker: empty task_queue")
	}
	c, err := dial(start.GetTemporal(), start.GetTemporal().GetNamespace(), logger)
	if err != nil {
		return nil, err
	}
	w := worker.New(c, queue, worker.Options{})
	handshake.RegisterSystemActivities(w, c)
	if err := w.Start(); err != nil {
		c.Close()
		return nil, fmt.Errorf("starting the system worker on %q: %w", queue, err)
	}
	logger.Info("system worker started", "task_queue", queue)
	return &systemWorkerRole{client: c, worker: w}, nil
}

func (r *systemWorkerRole) stop() {
	r.worker.Stop()
	r.client.Close()
}
