// Writes testdata/go-struct-json-vectors.json: Go encoding/json (what the deployed Stigmer service
// sends as json/plain) and the deterministic binary form of sample executions, from the SDK's own
// generated Go code. To regenerate: copy this file into adapters/go/internal/tmpvectors/ and run
// `go run ./internal/tmpvectors > ../../testdata/go-struct-json-vectors.json` there; delete the copy.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/proto"

	aev1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	ecv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/executioncontext/v1"
	wev1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/workflowexecution/v1"
	res "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/commons/apiresource"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

type vector struct {
	Name        string          `json:"name"`
	MessageType string          `json:"message_type"`
	GoJSON      json.RawMessage `json:"go_json"`
	Binary      string          `json:"binary_base64"`
}

func add(out *[]vector, name string, m proto.Message) {
	j, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		panic(err)
	}
	*out = append(*out, vector{name, string(m.ProtoReflect().Descriptor().FullName()), j, base64.StdEncoding.EncodeToString(b)})
}

func main() {
	args, _ := structpb.NewStruct(map[string]any{"path": "/tmp", "n": 2.5, "ok": true, "none": nil,
		"list": []any{"a", 1.0, map[string]any{"deep": "x"}}})
	ts := &timestamppb.Timestamp{Seconds: 1796107039, Nanos: 168535530}
	actor := &res.ApiResourceAuditActor{Id: "system"}
	exec := &aev1.AgentExecution{
		ApiVersion: "agentic.stigmer.ai/v1",
		Kind:       "AgentExecution",
		Metadata: &res.ApiResourceMetadata{Name: "n", Id: "aex-1", OwnerScope: res.ApiResourceOwnerScope_organization,
			Labels: map[string]string{"a": "b"}, Tags: []string{"t1", "t2"},
			Version: &res.ApiResourceMetadataVersion{Id: "v1"}},
		Spec: &aev1.AgentExecutionSpec{AgentId: "agt-1", Message: "héllo ✓", CallbackToken: []byte{0, 1, 2, 250, 255},
			RuntimeEnv:      map[string]*ecv1.ExecutionValue{"K": {Value: "v", IsSecret: true}},
			ExecutionConfig: &aev1.ExecutionConfig{ModelName: "m"}},
		Status: &aev1.AgentExecutionStatus{
			Phase: aev1.ExecutionPhase_EXECUTION_COMPLETED,
			Messages: []*aev1.AgentMessage{
				{Type: aev1.MessageType_MESSAGE_HUMAN, Content: "q"},
				{Type: aev1.MessageType_MESSAGE_AI, Content: "answer", Metadata: args,
					ToolCalls: []*aev1.ToolCall{{Id: "tc1", Name: "ls", Args: args, Status: aev1.ToolCallStatus_TOOL_CALL_COMPLETED,
						ComponentMetadata: &aev1.ComponentMetadata{ComponentType: "terminal"}}}},
			},
			SubAgentExecutions: []*aev1.SubAgentExecution{{Id: "s1", Status: aev1.SubAgentStatus_SUB_AGENT_FAILED, Error: "e"}},
			Todos:              map[string]*aev1.TodoItem{"t1": {Id: "t1", Content: "do", Status: aev1.TodoStatus_TODO_IN_PROGRESS}},
			CallbackToken:      []byte("status-token"),
			StartedAt:          "2026-01-01T00:00:00Z",
			Audit: &res.ApiResourceAudit{SpecAudit: &res.ApiResourceAuditInfo{CreatedBy: actor, CreatedAt: ts, Event: "created"},
				StatusAudit: &res.ApiResourceAuditInfo{UpdatedAt: &timestamppb.Timestamp{Seconds: 5}}},
		},
	}
	wf := &wev1.WorkflowExecution{Kind: "WorkflowExecution",
		Spec: &wev1.WorkflowExecutionSpec{WorkflowId: "w", TriggerMetadata: map[string]string{"src": "cron"}},
		Status: &wev1.WorkflowExecutionStatus{Phase: wev1.ExecutionPhase_EXECUTION_FAILED, Error: "boom", Output: args,
			Tasks: []*wev1.WorkflowTask{{TaskId: "t", TaskType: wev1.WorkflowTaskType_WORKFLOW_TASK_API_CALL, Input: args,
				Status: wev1.WorkflowTaskStatus_WORKFLOW_TASK_COMPLETED}}}}
	var out []vector
	add(&out, "agent-execution-every-field-kind", exec)
	add(&out, "workflow-execution-tasks-and-struct", wf)
	add(&out, "empty-agent-execution", &aev1.AgentExecution{})
	j, _ := json.MarshalIndent(out, "", "  ")
	fmt.Println(string(j))
}
