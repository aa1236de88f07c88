//go:build integration

package handshake_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"
)

var recordHistory = flag.Bool("record-history", false,
	"write the history of the ExecuteToTerminal integration test to "+replayHistoryFile)

// recordReplayHistory replays the finished run's history with the replayer of the replay test and,
// with -record-history, writes it where that test reads it.
func recordReplayHistory(ctx context.Context, t *testing.T, c client.Client, run client.WorkflowRun) {
	t.Helper()
	history := &historypb.History{}
	iter := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		history.Events = append(history.Events, ev)
	}
	if err := newReplayer(t).ReplayWorkflowHistory(nil, history); err != nil {
		t.Fatalf("replaying the fresh history: %v", err)
	}
	if !*recordHistory {
		return
	}
	for _, ev := range history.Events {
		for _, p := range ev.GetActivityTaskCompletedEventAttributes().GetResult().GetPayloads() {
			p.Data = withoutCallbackTokens(t, p)
		}
	}
	if err := newReplayer(t).ReplayWorkflowHistory(nil, history); err != nil {
		t.Fatalf("replaying the history without its tokens: %v", err)
	}
	data, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(history)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(replayHistoryFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(replayHistoryFile, append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// withoutCallbackTokens is a json/plain execution's data without its callback tokens, so that the
// committed history carries none (the caller's code clears them anyway).
func withoutCallbackTokens(t *testing.T, p *commonpb.Payload) []byte {
	t.Helper()
	if string(p.GetMetadata()["encoding"]) != "json/plain" {
		return p.GetData()
	}
	var execution map[string]any
	if err := json.Unmarshal(p.GetData(), &execution); err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"spec", "status"} {
		if m, ok := execution[part].(map[string]any); ok {
			delete(m, "callback_token")
		}
	}
	data, err := json.Marshal(execution)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
