//go:build integration

package handshake_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

const wfForwarder = "DeployedServiceCompletion"

// forwarder stands for a service's workflow that schedules the system activity with an input it
// encoded itself (the deployed Go service: json/plain): the payload reaches the activity as is.
func forwarder(ctx workflow.Context, input converter.RawValue) (*sdkv1.CompleteExternalActivityResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var res *sdkv1.CompleteExternalActivityResult
	err := workflow.ExecuteActivity(ctx, handshake.SystemActivityName, input).Get(ctx, &res)
	return res, err
}

// deployedInput is the captured system-activity input (testdata/deployed-service at the repository root) for the caller of c: its
// token and, in the result, its execution id.
func deployedInput(t *testing.T, name string, c *createdCall, errorJSON string) *commonpb.Payload {
	t.Helper()
	p := capturedPayload(t, name)
	var in map[string]any
	if err := json.Unmarshal(p.GetData(), &in); err != nil {
		t.Fatal(err)
	}
	in["CallbackToken"] = c.token
	if result, ok := in["Result"].(map[string]any); ok {
		result["metadata"].(map[string]any)["id"] = c.id
		result["spec"].(map[string]any)["callback_token"] = c.token // echoed, as the service does
	}
	if errorJSON != "" {
		in["Error"] = json.RawMessage(errorJSON)
	}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	p.Data = data
	return p
}

type createdCall struct {
	run   client.WorkflowRun
	token []byte
	id    string
	agent *agentexecutionv1.AgentExecution
}

func TestSystemActivityServesTheDeployedServiceInput(t *testing.T) {
	e := getEnv(t)
	ctx := testContext(t)
	caller := startCaller(t, e)

	// The service side: a worker on the default converter with the SDK's system activity.
	serviceTQ := fmt.Sprintf("tq-%s-svc-%d", t.Name(), queueN.Add(1))
	w := worker.New(e.c, serviceTQ, worker.Options{})
	w.RegisterWorkflowWithOptions(forwarder, workflow.RegisterOptions{Name: wfForwarder})
	handshake.RegisterSystemActivities(w, e.c)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	call := func(t *testing.T, session string) *createdCall {
		t.Helper()
		r, creates := caller.startInSession(ctx, t, wfTerminalCaller, session, 1)
		return &createdCall{run: r, token: creates[0].Token(), id: creates[0].ExecutionID, agent: finalExecution(creates[0])}
	}
	serve := func(t *testing.T, id string, p *commonpb.Payload) (*sdkv1.CompleteExternalActivityResult, error) {
		t.Helper()
		r, err := e.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: serviceTQ}, wfForwarder, converter.NewRawValue(p))
		if err != nil {
			t.Fatal(err)
		}
		var res *sdkv1.CompleteExternalActivityResult
		err = r.Get(ctx, &res)
		return res, err
	}

	t.Run("success: the caller resumes with the terminal execution", func(t *testing.T) {
		c := call(t, "deployed-ok-"+caller.tq)
		caller.svc.SetExecution(c.id, c.agent)
		res, err := serve(t, "svc-deployed-ok-"+caller.tq, deployedInput(t, "system-activity-input-success.json", c, ""))
		expectOutcome(t, "system activity", res, err, handshake.OutcomeCompleted)
		if res.GetTokenPreview() != handshake.TokenPreview(c.token) {
			t.Fatalf("result preview %q", res.GetTokenPreview())
		}
		var got *agentexecutionv1.AgentExecution
		if err := c.run.Get(ctx, &got); err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(got, c.agent) || caller.gets.count(c.id) != 1 {
			t.Fatalf("caller got %v after %d gets, want %v", got, caller.gets.count(c.id), c.agent)
		}
		// The system activity removed the echoed token from what the caller's history received.
		for _, p := range completedPayloads(ctx, t, e, c.run) {
			if string(p.GetMetadata()["encoding"]) != "json/plain" ||
				bytes.Contains(p.GetData(), []byte(base64.StdEncoding.EncodeToString(c.token))) {
				t.Fatalf("the caller's activity result is %s %s", p.GetMetadata()["encoding"], p.GetData())
			}
		}
	})

	for name, tc := range map[string]struct{ errorJSON, want string }{
		"failure without a message":   {"", handshake.NoFailureMessage}, // the captured {}
		"failure with a message":      {`{"message":"agent crashed"}`, "agent crashed"},
		"failure with a nested cause": {`{"Op":"x","cause":{"msg":"disk full"}}`, "disk full"},
	} {
		t.Run(name, func(t *testing.T) {
			session := "deployed-" + strings.ReplaceAll(name, " ", "-") + "-" + caller.tq
			c := call(t, session)
			res, err := serve(t, "svc-"+session, deployedInput(t, "system-activity-input-failure.json", c, tc.errorJSON))
			expectOutcome(t, "system activity", res, err, handshake.OutcomeCompleted)
			var appErr *temporal.ApplicationError
			err = c.run.Get(ctx, nil)
			if !errors.As(err, &appErr) || appErr.Type() != handshake.FailureTypeAgentExecutionFailed ||
				appErr.Message() != tc.want || !appErr.NonRetryable() {
				t.Fatalf("caller error %v, want a non-retryable %s %q", err, handshake.FailureTypeAgentExecutionFailed, tc.want)
			}
		})
	}

	t.Run("proto input as binary/protobuf", func(t *testing.T) {
		c := call(t, "deployed-proto-"+caller.tq)
		in, err := handshake.ResultInput(c.token, c.agent, handshake.InputOptions{ExecutionID: c.id})
		if err != nil {
			t.Fatal(err)
		}
		p, err := converter.NewProtoPayloadConverter().ToPayload(in)
		if err != nil {
			t.Fatal(err)
		}
		res, err := serve(t, "svc-deployed-proto-"+caller.tq, p)
		expectOutcome(t, "system activity", res, err, handshake.OutcomeCompleted)
		var got *agentexecutionv1.AgentExecution
		if err := c.run.Get(ctx, &got); err != nil || !proto.Equal(got, c.agent) {
			t.Fatalf("caller got %v, %v; want %v", got, err, c.agent)
		}
	})

	t.Run("undecodable input is refused non-retryably", func(t *testing.T) {
		_, err := serve(t, "svc-deployed-bad-"+caller.tq, &commonpb.Payload{
			Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`[1,2]`),
		})
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.Type() != handshake.FailureTypeCompletionInvalidInput {
			t.Fatalf("error %v, want %s", err, handshake.FailureTypeCompletionInvalidInput)
		}
	})
}
