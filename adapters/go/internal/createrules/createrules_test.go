package createrules_test

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	workflowexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/workflowexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/internal/createrules"
)

// The create-rule vectors every SDK checks (testdata/create-rules-vectors.json, written from the
// Python SDK's protovalidate): the Go SDK reports the same violations, in the same order.
func TestSharedVectors(t *testing.T) {
	data, err := os.ReadFile("../../../../testdata/create-rules-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors struct {
		Cases []struct {
			Name       string          `json:"name"`
			Kind       string          `json:"kind"`
			Request    json.RawMessage `json:"request"`
			Violations [][2]string     `json:"violations"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatal(err)
	}
	if len(vectors.Cases) == 0 {
		t.Fatal("no vectors")
	}
	for _, tc := range vectors.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			var req proto.Message = &agentexecutionv1.AgentExecution{}
			if tc.Kind == "WorkflowExecution" {
				req = &workflowexecutionv1.WorkflowExecution{}
			}
			if err := protojson.Unmarshal(tc.Request, req); err != nil {
				t.Fatal(err)
			}
			got, err := createrules.Check(req)
			if err != nil {
				t.Fatal(err)
			}
			pairs := [][2]string{}
			for _, v := range got {
				pairs = append(pairs, [2]string{v.Field, v.Description})
			}
			want := tc.Violations
			if want == nil {
				want = [][2]string{}
			}
			if !reflect.DeepEqual(pairs, want) {
				t.Fatalf("violations %q, want %q", pairs, want)
			}
		})
	}
}
