package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/commons/apiresource"
)

func execution(mutate func(*agentexecutionv1.AgentExecution)) *agentexecutionv1.AgentExecution {
	e := &agentexecutionv1.AgentExecution{
		ApiVersion: apiVersion,
		Kind:       kind,
		Metadata:   &apiresource.ApiResourceMetadata{Name: "exec-1"},
		Spec:       &agentexecutionv1.AgentExecutionSpec{AgentId: "echo", Message: "hi"},
	}
	if mutate != nil {
		mutate(e)
	}
	return e
}

func TestValidateRefusesWhatTheDeployedServerRefuses(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(*agentexecutionv1.AgentExecution)
		code    codes.Code
		message string
	}{
		{"accepted", nil, codes.OK, ""},
		{"docs-only request", func(e *agentexecutionv1.AgentExecution) { e.ApiVersion, e.Kind, e.Metadata.Name = "", "", "" },
			codes.InvalidArgument, "api_version: value must equal `agentic.stigmer.ai/v1`; kind: value must equal `AgentExecution`"},
		{"no name", func(e *agentexecutionv1.AgentExecution) { e.Metadata.Name = "" },
			codes.Unknown, "pipeline step ResolveSlug failed: resource name is empty"},
		{"no message", func(e *agentexecutionv1.AgentExecution) { e.Spec.Message = "" },
			codes.InvalidArgument, "spec.message: value length must be at least 1 characters"},
		{"no agent, no session", func(e *agentexecutionv1.AgentExecution) { e.Spec.AgentId = "" },
			codes.InvalidArgument, "either session_id or agent_id must be provided"},
		{"unknown agent", func(e *agentexecutionv1.AgentExecution) { e.Spec.AgentId = "nope" },
			codes.NotFound, `agent "nope" not found`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := status.Convert(validate(execution(c.mutate)))
			if st.Code() != c.code || st.Message() != c.message {
				t.Fatalf("got %v %q, want %v %q", st.Code(), st.Message(), c.code, c.message)
			}
		})
	}
}

func TestSystemActivityInputIsTheDeployedJSONStruct(t *testing.T) {
	e := execution(nil)
	e.Spec.CallbackToken = []byte{1, 2, 3}
	e.Status = &agentexecutionv1.AgentExecutionStatus{Phase: agentexecutionv1.ExecutionPhase_EXECUTION_PENDING}
	setCreatedAudit(e)
	success, err := json.Marshal(&completeExternalActivityInput{CallbackToken: e.Spec.CallbackToken, Result: e})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"CallbackToken":"AQID"`, `"Error":null`, `"api_version":"agentic.stigmer.ai/v1"`,
		`"agent_id":"echo"`, `"phase":1`, `"callback_token":"AQID"`, `"created_at":{"seconds":`} {
		if !strings.Contains(string(success), want) {
			t.Errorf("success input %s lacks %s", success, want)
		}
	}
	failure, err := json.Marshal(&completeExternalActivityInput{CallbackToken: []byte{1}, Error: errors.New("the agent failed")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(failure), `{"CallbackToken":"AQ==","Result":null,"Error":{}}`; got != want {
		t.Fatalf("failure input %s, want %s (the message is lost, as in the deployed service)", got, want)
	}
	var decoded completeExternalActivityInput
	if err := json.Unmarshal(failure, &decoded); err == nil {
		t.Fatal("the deployed input type decoded an Error of {}: the emulated bug is gone")
	}
}
