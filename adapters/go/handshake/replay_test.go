package handshake_test

import (
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

// replayHistoryFile is a recorded run of terminalCaller (make test-go records nothing; rerun the
// integration test with -record-history after a deliberate change of ExecuteToTerminal's commands):
// the service delivers the execution as created (json/plain), the caller fetches the terminal one
// with the get-execution activity.
const replayHistoryFile = "testdata/replay/execute-to-terminal-snapshot.json"

func newReplayer(t *testing.T) worker.WorkflowReplayer {
	t.Helper()
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
		DataConverter: handshake.NewDataConverter(),
	})
	if err != nil {
		t.Fatal(err)
	}
	r.RegisterWorkflowWithOptions(terminalCaller, workflow.RegisterOptions{Name: wfTerminalCaller})
	return r
}

// A workflow that started on an earlier release of ExecuteToTerminal still replays on this one:
// changing the commands it issues (a new timer, activity or side effect) without
// workflow.GetVersion breaks running callers, and this test.
func TestExecuteToTerminalReplaysARecordedHistory(t *testing.T) {
	if err := newReplayer(t).ReplayWorkflowHistoryFromJSONFile(nil, replayHistoryFile); err != nil {
		t.Fatal(err)
	}
}
