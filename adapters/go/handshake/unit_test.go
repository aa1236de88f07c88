package handshake_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	executioncontextv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/executioncontext/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/commons/apiresource"
	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshaketest"
)

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestTokenPreview(t *testing.T) {
	long := seq(300)
	cases := []struct {
		name  string
		token []byte
		want  string
	}{
		{"nil", nil, "<empty>"},
		{"empty", []byte{}, "<empty>"},
		{"one byte: half of 4 chars", []byte{0xff}, "/w..."},
		{"15 bytes: exactly 20 chars, half shown", seq(15), "AAECAwQFBg..."},
		{"16 bytes: 24 chars, first 20 shown", seq(16), "AAECAwQFBgcICQoLDA0O..."},
		{"300 bytes", long, base64.StdEncoding.EncodeToString(long)[:20] + "..."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := handshake.TokenPreview(tc.token)
			if got != tc.want {
				t.Fatalf("TokenPreview = %q, want %q", got, tc.want)
			}
			if len(tc.token) > 0 && strings.Contains(got, base64.StdEncoding.EncodeToString(tc.token)) {
				t.Fatalf("preview %q shows the whole token", got)
			}
		})
	}
}

func TestIdempotencyKeyContractExample(t *testing.T) {
	// Contract section 2: "default", "wf-1", "run-1", "1" hash the bytes default\x1fwf-1\x1frun-1\x1f1.
	// (The contract calls them 21 bytes; they are 20: 7+1+4+1+5+1+1.)
	const want = "v1:64af68bd1204dce0666305e56cd78a7aebc7043e257ec1a5c5d5a8b171cc1fc6"
	if got := handshake.IdempotencyKey("default", "wf-1", "run-1", "1"); got != want {
		t.Fatalf("IdempotencyKey = %s, want %s", got, want)
	}
	input := []byte("default\x1fwf-1\x1frun-1\x1f1")
	if len(input) != 20 {
		t.Fatalf("example input has %d bytes, want 20", len(input))
	}
	sum := sha256.Sum256(input)
	if want != "v1:"+hex.EncodeToString(sum[:]) {
		t.Fatal("the hard-coded example disagrees with SHA-256 of the contract's bytes")
	}
}

func TestIdempotencyKeyUTF8AndSeparators(t *testing.T) {
	if got, want := handshake.IdempotencyKey("ns-é", "wf", "run", "act"),
		"v1:fe2db36e01df4f0c4a605e7f297051a8750e2649a9f4e4343ecef6070aa021c3"; got != want {
		t.Fatalf("UTF-8 key = %s, want %s", got, want)
	}
	// The separator keeps field boundaries: moving a character between fields changes the key.
	if handshake.IdempotencyKey("a", "bc", "r", "1") == handshake.IdempotencyKey("ab", "c", "r", "1") {
		t.Fatal("keys of different fields collide")
	}
	for _, k := range []string{handshake.IdempotencyKey("", "", "", ""), handshake.IdempotencyKey("n", "w", "r", "a")} {
		if !strings.HasPrefix(k, "v1:") || len(k) != 3+64 || strings.ToLower(k) != k {
			t.Fatalf("malformed key %q", k)
		}
	}
}

func TestCreateFailureRetryableMatchesContractTable(t *testing.T) {
	retryable := map[codes.Code]bool{
		codes.Unavailable: true, codes.DeadlineExceeded: true, codes.ResourceExhausted: true,
		codes.Aborted: true, codes.Internal: true, codes.Unknown: true, codes.Canceled: true,
	}
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		if c == codes.OK {
			continue
		}
		if got := handshake.CreateFailureRetryable(c); got != retryable[c] {
			t.Errorf("CreateFailureRetryable(%s) = %v, want %v", handshake.CodeName(c), got, retryable[c])
		}
	}
}

func TestCodeName(t *testing.T) {
	cases := map[codes.Code]string{
		codes.InvalidArgument: "INVALID_ARGUMENT", codes.Canceled: "CANCELLED",
		codes.Unavailable: "UNAVAILABLE", codes.DeadlineExceeded: "DEADLINE_EXCEEDED",
		codes.FailedPrecondition: "FAILED_PRECONDITION", codes.Unauthenticated: "UNAUTHENTICATED",
		codes.Code(99): "Code(99)",
	}
	for c, want := range cases {
		if got := handshake.CodeName(c); got != want {
			t.Errorf("CodeName(%d) = %q, want %q", c, got, want)
		}
	}
}

func sampleExecution() *agentexecutionv1.AgentExecution {
	return &agentexecutionv1.AgentExecution{
		ApiVersion: "agentic.stigmer.ai/v1",
		Kind:       "AgentExecution",
		Metadata: &apiresource.ApiResourceMetadata{
			Id: "exec-1", Name: "n",
			Labels: map[string]string{"z": "1", "a": "2", "m": "3", "b": "4", "y": "5"},
		},
		Spec: &agentexecutionv1.AgentExecutionSpec{
			AgentId: "agent", Message: "héllo",
			RuntimeEnv: map[string]*executioncontextv1.ExecutionValue{
				"K1": {Value: "1"}, "K2": {Value: "2", IsSecret: true}, "K3": {Value: "3"}, "K0": {Value: "0"},
			},
		},
		Status: &agentexecutionv1.AgentExecutionStatus{
			Phase:    agentexecutionv1.ExecutionPhase_EXECUTION_COMPLETED,
			Messages: []*agentexecutionv1.AgentMessage{{Content: "done"}},
		},
	}
}

func TestProtoPayloadBinaryIsDeterministicAndDecodes(t *testing.T) {
	exec := sampleExecution()
	want, err := proto.MarshalOptions{Deterministic: true}.Marshal(exec)
	if err != nil {
		t.Fatal(err)
	}
	// Pack without determinism: the payload must still carry the deterministic encoding.
	packed, err := anypb.New(exec)
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range []sdkv1.PayloadEncoding{
		sdkv1.PayloadEncoding_PAYLOAD_ENCODING_UNSPECIFIED, sdkv1.PayloadEncoding_PAYLOAD_ENCODING_BINARY_PROTOBUF,
	} {
		p, err := handshake.ProtoPayload(packed, enc)
		if err != nil {
			t.Fatalf("%v: %v", enc, err)
		}
		if got := string(p.GetMetadata()["encoding"]); got != "binary/protobuf" {
			t.Fatalf("%v: encoding %q", enc, got)
		}
		if got := string(p.GetMetadata()["messageType"]); got != "ai.stigmer.agentic.agentexecution.v1.AgentExecution" {
			t.Fatalf("%v: messageType %q", enc, got)
		}
		if len(p.GetMetadata()) != 2 {
			t.Fatalf("%v: unexpected metadata %v", enc, p.GetMetadata())
		}
		if string(p.GetData()) != string(want) {
			t.Fatalf("%v: data is not the deterministic encoding", enc)
		}
		var decoded *agentexecutionv1.AgentExecution
		if err := converter.GetDefaultDataConverter().FromPayload(p, &decoded); err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(decoded, exec) {
			t.Fatalf("%v: decoded %v, want %v", enc, decoded, exec)
		}
	}
}

func TestProtoPayloadJSONDecodesWithDefaultConverter(t *testing.T) {
	exec := sampleExecution()
	packed, err := handshake.PackMessage(exec)
	if err != nil {
		t.Fatal(err)
	}
	p, err := handshake.ProtoPayload(packed, sdkv1.PayloadEncoding_PAYLOAD_ENCODING_JSON_PROTOBUF)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(p.GetMetadata()["encoding"]); got != "json/protobuf" {
		t.Fatalf("encoding %q", got)
	}
	if got := string(p.GetMetadata()["messageType"]); got != "ai.stigmer.agentic.agentexecution.v1.AgentExecution" {
		t.Fatalf("messageType %q", got)
	}
	if !strings.Contains(string(p.GetData()), `"agentId":"agent"`) {
		t.Fatalf("data is not proto JSON: %s", p.GetData())
	}
	var decoded *agentexecutionv1.AgentExecution
	if err := converter.GetDefaultDataConverter().FromPayload(p, &decoded); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(decoded, exec) {
		t.Fatalf("decoded %v, want %v", decoded, exec)
	}
}

func TestProtoPayloadUnknownType(t *testing.T) {
	unknown := &anypb.Any{TypeUrl: "type.googleapis.com/example.v1.NotLinked", Value: []byte{0x0a, 0x01, 'x'}}
	p, err := handshake.ProtoPayload(unknown, sdkv1.PayloadEncoding_PAYLOAD_ENCODING_BINARY_PROTOBUF)
	if err != nil {
		t.Fatalf("binary encoding of an unknown type must pass the bytes through: %v", err)
	}
	if string(p.GetData()) != string(unknown.GetValue()) || string(p.GetMetadata()["messageType"]) != "example.v1.NotLinked" {
		t.Fatalf("unexpected payload %v", p)
	}
	if _, err := handshake.ProtoPayload(unknown, sdkv1.PayloadEncoding_PAYLOAD_ENCODING_JSON_PROTOBUF); !errors.Is(err, handshake.ErrInvalidCompletionInput) {
		t.Fatalf("JSON of an unknown type: err = %v, want ErrInvalidCompletionInput", err)
	}
	for _, url := range []string{"", "type.googleapis.com/", "type.googleapis.com/not a name"} {
		if _, err := handshake.ProtoPayload(&anypb.Any{TypeUrl: url}, 0); !errors.Is(err, handshake.ErrInvalidCompletionInput) {
			t.Errorf("type URL %q: err = %v, want ErrInvalidCompletionInput", url, err)
		}
	}
	if _, err := handshake.ProtoPayload(nil, 0); !errors.Is(err, handshake.ErrInvalidCompletionInput) {
		t.Errorf("nil Any: err = %v", err)
	}
	garbled := &anypb.Any{TypeUrl: "type.googleapis.com/ai.stigmer.agentic.agentexecution.v1.AgentExecution", Value: []byte{0xff}}
	if _, err := handshake.ProtoPayload(garbled, 0); !errors.Is(err, handshake.ErrInvalidCompletionInput) {
		t.Errorf("garbled value: err = %v", err)
	}
}

func TestCompleteEmptyTokenNeverCallsTemporal(t *testing.T) {
	// A nil client panics if used: EMPTY_TOKEN must be answered without calling Temporal.
	c := &handshake.Completer{}
	in, err := handshake.ResultInput(nil, sampleExecution(), handshake.InputOptions{ExecutionID: "exec-1"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Complete(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if res.GetOutcome() != handshake.OutcomeEmptyToken || res.GetTokenPreview() != "<empty>" || res.GetMessage() == "" {
		t.Fatalf("result %v, want EMPTY_TOKEN with message and preview <empty>", res)
	}
	out, err := c.Heartbeat(context.Background(), []byte{})
	if err != nil || out != handshake.HeartbeatEmptyToken {
		t.Fatalf("Heartbeat(empty) = %v, %v", out, err)
	}
}

func TestCompleteInvalidInput(t *testing.T) {
	c := &handshake.Completer{}
	if _, err := c.Complete(context.Background(), nil); !errors.Is(err, handshake.ErrInvalidCompletionInput) {
		t.Fatalf("nil input: err = %v", err)
	}
	token := seq(40)
	bad := &sdkv1.CompleteExternalActivityInput{
		CallbackToken: token,
		Outcome:       &sdkv1.CompleteExternalActivityInput_Result{Result: &anypb.Any{TypeUrl: "bad url"}},
	}
	_, err := c.Complete(context.Background(), bad)
	if !errors.Is(err, handshake.ErrInvalidCompletionInput) {
		t.Fatalf("bad type URL: err = %v", err)
	}
	if strings.Contains(err.Error(), base64.StdEncoding.EncodeToString(token)) || !strings.Contains(err.Error(), handshake.TokenPreview(token)) {
		t.Fatalf("error must carry the preview, not the token: %v", err)
	}
}

func TestHeartbeatOutcomeString(t *testing.T) {
	if got := handshake.HeartbeatCancelRequested.String(); got != "CANCEL_REQUESTED" {
		t.Fatalf("String = %q", got)
	}
	if got := handshake.HeartbeatOutcome(42).String(); got != "HeartbeatOutcome(42)" {
		t.Fatalf("String = %q", got)
	}
}

func TestActivityOptions(t *testing.T) {
	o := handshake.ActivityOptions(30 * time.Minute)
	if o.StartToCloseTimeout != 65*time.Minute {
		t.Fatalf("start-to-close %s, want 65m", o.StartToCloseTimeout)
	}
	for _, unknown := range []time.Duration{0, -time.Second} {
		if got := handshake.ActivityOptions(unknown).StartToCloseTimeout; got != 24*time.Hour {
			t.Fatalf("unknown duration %s: start-to-close %s, want 24h", unknown, got)
		}
	}
	rp := o.RetryPolicy
	if rp == nil || rp.InitialInterval != time.Second || rp.BackoffCoefficient != 2.0 ||
		rp.MaximumInterval != time.Minute || rp.MaximumAttempts != 3 ||
		strings.Join(rp.NonRetryableErrorTypes, ",") != "STIGMER_EMPTY_TASK_TOKEN,STIGMER_LOCAL_ACTIVITY,STIGMER_INVALID_REQUEST" {
		t.Fatalf("retry policy %+v", rp)
	}
	if o.HeartbeatTimeout != 0 || o.ScheduleToCloseTimeout != 0 {
		t.Fatalf("unexpected timeouts %+v", o)
	}
	// Each call returns its own policy: callers may modify it.
	o.RetryPolicy.MaximumAttempts = 9
	if handshake.ActivityOptions(time.Minute).RetryPolicy.MaximumAttempts != 3 {
		t.Fatal("ActivityOptions shares its retry policy between calls")
	}
}

func TestExecuteOutsideActivityRefusesEmptyToken(t *testing.T) {
	svc, err := handshaketest.StartFakeStigmerService(nil, handshaketest.FakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	req := sampleExecution()
	ack, err := handshake.ExecuteAgentAndWaitPending(context.Background(), svc.AgentClient(), req, handshake.CreateOptions{})
	if ack != nil {
		t.Fatalf("ack %v, want nil", ack)
	}
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != handshake.FailureTypeEmptyTaskToken || !appErr.NonRetryable() {
		t.Fatalf("err = %#v, want non-retryable %s", err, handshake.FailureTypeEmptyTaskToken)
	}
	if _, err := handshake.ExecuteWorkflowAndWaitPending(context.Background(), svc.WorkflowClient(), nil, handshake.CreateOptions{}); !errors.As(err, &appErr) ||
		appErr.Type() != handshake.FailureTypeEmptyTaskToken {
		t.Fatalf("workflow variant: err = %v", err)
	}
	if n := len(svc.Calls()); n != 0 {
		t.Fatalf("the service received %d creates, want none", n)
	}
	if !proto.Equal(req, sampleExecution()) {
		t.Fatal("the caller's message was modified")
	}
}

// recordingMetrics is a client.MetricsHandler that counts by name and tags ("name,k=v,..." with
// the tags in key order). It is safe for concurrent use; read it with snapshot.
type recordingMetrics struct {
	tags   map[string]string
	mu     *sync.Mutex
	counts map[string]int64
	timers map[string]int
}

func newRecordingMetrics() *recordingMetrics {
	return &recordingMetrics{mu: &sync.Mutex{}, counts: map[string]int64{}, timers: map[string]int{}}
}

func (m *recordingMetrics) key(name string) string {
	k := name
	for _, tk := range slices.Sorted(maps.Keys(m.tags)) {
		k += "," + tk + "=" + m.tags[tk]
	}
	return k
}

// snapshot returns copies of the counters and the timers' observation counts.
func (m *recordingMetrics) snapshot() (map[string]int64, map[string]int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.counts), maps.Clone(m.timers)
}

func (m *recordingMetrics) WithTags(tags map[string]string) client.MetricsHandler {
	merged := map[string]string{}
	for k, v := range m.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[k] = v
	}
	return &recordingMetrics{tags: merged, mu: m.mu, counts: m.counts, timers: m.timers}
}

func (m *recordingMetrics) Counter(name string) client.MetricsCounter {
	return counterFunc(func(d int64) {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.counts[m.key(name)] += d
	})
}

func (m *recordingMetrics) Gauge(string) client.MetricsGauge {
	return client.MetricsNopHandler.Gauge("")
}

func (m *recordingMetrics) Timer(name string) client.MetricsTimer {
	return timerFunc(func(time.Duration) {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.timers[m.key(name)]++
	})
}

type counterFunc func(int64)

func (f counterFunc) Inc(d int64) { f(d) }

type timerFunc func(time.Duration)

func (f timerFunc) Record(d time.Duration) { f(d) }

func TestCompletionMetrics(t *testing.T) {
	m := newRecordingMetrics()
	c := &handshake.Completer{Logger: nopLogger, MetricsHandler: m}
	if _, err := c.Complete(context.Background(), &sdkv1.CompleteExternalActivityInput{}); err != nil {
		t.Fatal(err)
	}
	bad := &sdkv1.CompleteExternalActivityInput{
		CallbackToken: []byte("t"),
		Outcome:       &sdkv1.CompleteExternalActivityInput_Result{Result: &anypb.Any{TypeUrl: "bad url"}},
	}
	if _, err := c.Complete(context.Background(), bad); err == nil {
		t.Fatal("want an error")
	}
	want := map[string]int64{
		"stigmer_external_activity_completions_total,service=go,status=empty_token":  1,
		"stigmer_external_activity_errors_total,error_type=empty_token,service=go":   1,
		"stigmer_external_activity_completions_total,service=go,status=error":        1,
		"stigmer_external_activity_errors_total,error_type=invalid_input,service=go": 1,
	}
	for k, v := range want {
		if m.counts[k] != v {
			t.Errorf("%s = %d, want %d (all: %v)", k, m.counts[k], v, m.counts)
		}
	}
	if len(m.counts) != len(want) {
		t.Errorf("unexpected counters %v", m.counts)
	}
	if m.timers["stigmer_external_activity_completion_duration_seconds,service=go,status=empty_token"] != 1 {
		t.Errorf("timers %v", m.timers)
	}
}
