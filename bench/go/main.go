// Command stigmer-bench-go compares the Go adapter's caller side with hand-written Go SDK code.
//
// One process, two caller workers (4 activity slots each) on two task queues of one dev server,
// both calling the same Stigmer service:
//
//   - raw: the activity puts its task token into spec.callback_token, calls create through the
//     generated gRPC stub and returns activity.ErrResultPending;
//   - sdk: the activity calls handshake.ExecuteAgentAndWaitPending.
//
// Each round runs handshakes one at a time, the modes taking turns (raw, sdk, raw, ...; the next
// round starts with sdk), then one burst of both modes at once, interleaved, so that both meet
// the same load. The overhead of a handshake is its caller activity's scheduled-to-completed time,
// read from the workflow's history. The result is one JSON object on stdout.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

const (
	callerWorkflowName = "bench/go-caller"
	handshakeActivity  = "handshake"
	callerSlots        = 4
)

// timedClient records the duration of every create call (the ACK) of one mode.
type timedClient struct {
	agentexecutionv1.AgentExecutionCommandControllerClient
	mu   sync.Mutex
	acks []float64
}

func (t *timedClient) Create(ctx context.Context, in *agentexecutionv1.AgentExecution, opts ...grpc.CallOption) (*agentexecutionv1.AgentExecution, error) {
	started := time.Now()
	out, err := t.AgentExecutionCommandControllerClient.Create(ctx, in, opts...)
	if err == nil {
		t.mu.Lock()
		t.acks = append(t.acks, ms(time.Since(started)))
		t.mu.Unlock()
	}
	return out, err
}

func (t *timedClient) drain() []float64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	acks := t.acks
	t.acks = nil
	return acks
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// callerWorkflow runs the handshake activity once and returns the delivered execution.
func callerWorkflow(ctx workflow.Context, request *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var result agentexecutionv1.AgentExecution
	err := workflow.ExecuteActivity(ctx, handshakeActivity, request).Get(ctx, &result)
	return &result, err
}

func rawActivity(stub agentexecutionv1.AgentExecutionCommandControllerClient) func(context.Context, *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	return func(ctx context.Context, request *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
		request.Spec.CallbackToken = activity.GetInfo(ctx).TaskToken
		callCtx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if _, err := stub.Create(callCtx, request); err != nil {
			return nil, err
		}
		return nil, activity.ErrResultPending
	}
}

func sdkActivity(stub agentexecutionv1.AgentExecutionCommandControllerClient) func(context.Context, *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
	return func(ctx context.Context, request *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
		return handshake.ExecuteAgentAndWaitPending(ctx, stub, request, handshake.CreateOptions{})
	}
}

type samples struct {
	SeqOverhead   []float64 `json:"seq_overhead"`
	BurstOverhead []float64 `json:"burst_overhead"`
	SeqAck        []float64 `json:"seq_ack"`
	BurstAck      []float64 `json:"burst_ack"`
	BurstRate     []float64 `json:"burst_rate"`
	WFTGaps       []float64 `json:"caller_wft_gaps"`
	Failed        int       `json:"failed"`
}

type bench struct {
	c        client.Client
	describe bool
	queue    map[string]string
	stubs    map[string]*timedClient
	out      map[string]*samples
}

// one runs a handshake and returns its workflow id, or an error.
func (b *bench) one(ctx context.Context, mode string, index int) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	request := &agentexecutionv1.AgentExecution{Spec: &agentexecutionv1.AgentExecutionSpec{
		AgentId: "instant", Message: fmt.Sprintf("go bench %d", index),
	}}
	run, err := b.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: b.queue[mode]}, callerWorkflowName, request)
	if err != nil {
		return "", err
	}
	if b.describe {
		return run.GetID(), b.waitByDescribe(ctx, run.GetID())
	}
	var result agentexecutionv1.AgentExecution
	if err := run.Get(ctx, &result); err != nil {
		return run.GetID(), err
	}
	return run.GetID(), nil
}

// waitByDescribe waits for the workflow to close by polling DescribeWorkflowExecution, without a
// history long poll (see docs/performance.md: a long poll on a workflow delays its tasks).
func (b *bench) waitByDescribe(ctx context.Context, workflowID string) error {
	for {
		description, err := b.c.DescribeWorkflowExecution(ctx, workflowID, "")
		if err != nil {
			return err
		}
		switch description.GetWorkflowExecutionInfo().GetStatus() {
		case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
			time.Sleep(20 * time.Millisecond)
		case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
			return nil
		default:
			return fmt.Errorf("workflow %s closed with %s", workflowID, description.GetWorkflowExecutionInfo().GetStatus())
		}
	}
}

// overhead is the caller activity's scheduled-to-completed time from the history; it also
// records each workflow task's wait between WorkflowTaskScheduled and WorkflowTaskStarted.
func (b *bench) overhead(ctx context.Context, s *samples, workflowID string) (float64, bool) {
	var scheduled, completed, wftScheduled time.Time
	iter := b.c.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		event, err := iter.Next()
		if err != nil {
			return 0, false
		}
		switch event.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			scheduled = event.GetEventTime().AsTime()
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			completed = event.GetEventTime().AsTime()
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
			wftScheduled = event.GetEventTime().AsTime()
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED:
			s.WFTGaps = append(s.WFTGaps, ms(event.GetEventTime().AsTime().Sub(wftScheduled)))
		}
	}
	if completed.IsZero() {
		return 0, false
	}
	return ms(completed.Sub(scheduled)), true
}

// record adds a finished handshake's overhead to overheads, or counts it failed.
func (b *bench) record(ctx context.Context, s *samples, workflowID string, err error, overheads *[]float64) {
	if err != nil {
		s.Failed++
		return
	}
	if o, ok := b.overhead(ctx, s, workflowID); ok {
		*overheads = append(*overheads, o)
	}
}

// sequential runs handshakes one at a time, the modes taking turns, so that a change in the
// machine's load weighs on both alike.
func (b *bench) sequential(ctx context.Context, order []string, count int) {
	for _, mode := range order {
		b.stubs[mode].drain()
	}
	for i := range count {
		for _, mode := range order {
			s := b.out[mode]
			id, err := b.one(ctx, mode, i)
			b.record(ctx, s, id, err, &s.SeqOverhead)
		}
	}
	for _, mode := range order {
		b.out[mode].SeqAck = append(b.out[mode].SeqAck, b.stubs[mode].drain()...)
	}
}

// burst starts a burst of every mode at once, interleaved: both modes meet the same queue and
// load. Each mode's rate runs until its own last handshake resumes.
func (b *bench) burst(ctx context.Context, order []string, count int) {
	ids := map[string][]string{}
	errs := map[string][]error{}
	lastDone := map[string]time.Time{}
	var mu sync.Mutex
	for _, mode := range order {
		b.stubs[mode].drain()
		ids[mode], errs[mode] = make([]string, count), make([]error, count)
	}
	started := time.Now()
	var wg sync.WaitGroup
	for i := range count {
		for _, mode := range order {
			wg.Go(func() {
				id, err := b.one(ctx, mode, i)
				mu.Lock()
				defer mu.Unlock()
				ids[mode][i], errs[mode][i] = id, err
				if now := time.Now(); now.After(lastDone[mode]) {
					lastDone[mode] = now
				}
			})
		}
	}
	wg.Wait()
	for _, mode := range order {
		s := b.out[mode]
		s.BurstRate = append(s.BurstRate, float64(count)/lastDone[mode].Sub(started).Seconds())
		s.BurstAck = append(s.BurstAck, b.stubs[mode].drain()...)
		for i, id := range ids[mode] {
			b.record(ctx, s, id, errs[mode][i], &s.BurstOverhead)
		}
	}
}

func main() {
	temporalAddress := flag.String("temporal", "127.0.0.1:7233", "Temporal frontend host:port")
	service := flag.String("service", "", "Stigmer service host:port")
	rounds := flag.Int("rounds", 2, "alternating rounds")
	sequentialCount := flag.Int("sequential", 20, "one-at-a-time handshakes per mode and round")
	burstCount := flag.Int("burst", 100, "burst size per mode and round")
	activityPolls := flag.Int("activity-polls", 0, "activity task pollers (0: the SDK default)")
	describe := flag.Bool("describe", false, "wait for results by polling describe, not by a history long poll")
	flag.Parse()

	logger := log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	c, err := client.Dial(client.Options{HostPort: *temporalAddress, Logger: logger})
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial temporal:", err)
		os.Exit(1)
	}
	defer c.Close()
	conn, err := grpc.NewClient(*service, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial service:", err)
		os.Exit(1)
	}
	defer conn.Close()

	b := &bench{c: c, describe: *describe, queue: map[string]string{}, stubs: map[string]*timedClient{}, out: map[string]*samples{}}
	for _, mode := range []string{"raw", "sdk"} {
		stub := &timedClient{AgentExecutionCommandControllerClient: agentexecutionv1.NewAgentExecutionCommandControllerClient(conn)}
		b.stubs[mode], b.out[mode], b.queue[mode] = stub, &samples{}, "bench-go-"+mode
		w := worker.New(c, b.queue[mode], worker.Options{
			MaxConcurrentActivityExecutionSize: callerSlots,
			MaxConcurrentActivityTaskPollers:   *activityPolls,
		})
		w.RegisterWorkflowWithOptions(callerWorkflow, workflow.RegisterOptions{Name: callerWorkflowName})
		activityFn := rawActivity(stub)
		if mode == "sdk" {
			activityFn = sdkActivity(stub)
		}
		w.RegisterActivityWithOptions(activityFn, activity.RegisterOptions{Name: handshakeActivity})
		if err := w.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "start worker:", err)
			os.Exit(1)
		}
		defer w.Stop()
	}
	ctx := context.Background()
	b.sequential(ctx, []string{"raw", "sdk"}, 3) // warm up
	for _, mode := range []string{"raw", "sdk"} {
		b.out[mode] = &samples{}
	}
	for round := range *rounds {
		order := []string{"raw", "sdk"}
		if round%2 == 1 {
			order = []string{"sdk", "raw"}
		}
		b.sequential(ctx, order, *sequentialCount)
		b.burst(ctx, order, *burstCount)
	}
	if err := json.NewEncoder(os.Stdout).Encode(b.out); err != nil {
		fmt.Fprintln(os.Stderr, "encode:", err)
		os.Exit(1)
	}
}
