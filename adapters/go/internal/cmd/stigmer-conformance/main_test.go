package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"google.golang.org/protobuf/types/known/anypb"
	"io"
	"log/slog"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	executioncontextv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/executioncontext/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/commons/apiresource"
	conformancev1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/conformance/v1"
	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
)

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestFrameRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := &frameWriter{w: &buf}
	sent := []*conformancev1.HarnessResponse{
		{RequestId: 7, Response: &conformancev1.HarnessResponse_Started{Started: &conformancev1.Started{Address: "127.0.0.1:1"}}},
		{Response: &conformancev1.HarnessResponse_Event{Event: &conformancev1.Event{
			Event: &conformancev1.Event_CallerToken{CallerToken: &conformancev1.TokenSeen{CaseId: "c", Length: 3}},
		}}},
		{RequestId: 8}, // an empty message is a zero-length frame
	}
	for _, m := range sent {
		if err := w.write(m); err != nil {
			t.Fatal(err)
		}
	}
	if got := binary.BigEndian.Uint32(buf.Bytes()[:4]); int(got) != proto.Size(sent[0]) {
		t.Fatalf("first header says %d bytes, message has %d", got, proto.Size(sent[0]))
	}
	for i, want := range sent {
		got := &conformancev1.HarnessResponse{}
		if err := readFrame(&buf, got); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !proto.Equal(got, want) {
			t.Fatalf("frame %d: got %v, want %v", i, got, want)
		}
	}
	if err := readFrame(&buf, &conformancev1.HarnessResponse{}); err != io.EOF {
		t.Fatalf("after the last frame: err = %v, want io.EOF", err)
	}
}

func TestReadFrameTruncated(t *testing.T) {
	frame, err := appendFrame(nil, &conformancev1.HarnessRequest{RequestId: 1, Request: &conformancev1.HarnessRequest_Shutdown{Shutdown: &conformancev1.ShutdownRequest{}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 3, 4, len(frame) - 1} {
		err := readFrame(bytes.NewReader(frame[:n]), &conformancev1.HarnessRequest{})
		if !errors.Is(err, errTruncated) {
			t.Errorf("%d of %d bytes: err = %v, want errTruncated", n, len(frame), err)
		}
	}
	oversized := binary.BigEndian.AppendUint32(nil, maxFrame+1)
	if err := readFrame(bytes.NewReader(oversized), &conformancev1.HarnessRequest{}); err == nil || errors.Is(err, errTruncated) {
		t.Errorf("oversized frame: err = %v", err)
	}
}

// vector builds a codec vector for msg: its deterministic binary form with an unknown field
// appended, the known-field binary form, and its proto3 JSON.
func vector(t *testing.T, msg proto.Message) (withUnknown, known []byte, json string) {
	t.Helper()
	known, err := proto.MarshalOptions{Deterministic: true}.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	// Field 999, varint 42, unknown to every message of the suite; unknown fields go last.
	withUnknown = protowire.AppendVarint(protowire.AppendTag(bytes.Clone(known), 999, protowire.VarintType), 42)
	j, err := protojson.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	return withUnknown, known, string(j)
}

func sampleExecution() *agentexecutionv1.AgentExecution {
	return &agentexecutionv1.AgentExecution{
		ApiVersion: "agentic.stigmer.ai/v1",
		Kind:       "AgentExecution",
		Metadata: &apiresource.ApiResourceMetadata{
			Id:          "exec-1",
			Labels:      map[string]string{"z": "1", "a": "2", "m": "3"},
			Annotations: map[string]string{caseAnnotation: "codec"},
		},
		Spec: &agentexecutionv1.AgentExecutionSpec{
			AgentId: "agent", Message: "héllo", CallbackToken: []byte{0, 1, 2, 0xff},
			RuntimeEnv: map[string]*executioncontextv1.ExecutionValue{
				"K2": {Value: "2", IsSecret: true}, "K1": {Value: "1"}, "K0": {Value: "0"},
			},
		},
	}
}

func TestCodec(t *testing.T) {
	result := &anypb.Any{}
	err := anypb.MarshalFrom(result, sampleExecution(), proto.MarshalOptions{Deterministic: true})
	if err != nil {
		t.Fatal(err)
	}
	cases := []proto.Message{
		sampleExecution(),
		// An Any: its JSON form names the packed type, which must be linked in.
		&sdkv1.CompleteExternalActivityInput{
			CallbackToken: []byte("token"), ExecutionId: "exec-1",
			Outcome: &sdkv1.CompleteExternalActivityInput_Result{Result: result},
		},
	}
	for _, msg := range cases {
		name := string(msg.ProtoReflect().Descriptor().FullName())
		t.Run(name, func(t *testing.T) {
			withUnknown, known, json := vector(t, msg)
			out, err := codec(&conformancev1.CodecRequest{MessageType: name, Binary: withUnknown, Json: json})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.GetReencoded(), withUnknown) {
				t.Errorf("reencoded differs from the binary form (unknown field lost?)\n got %x\nwant %x", out.GetReencoded(), withUnknown)
			}
			if !bytes.Equal(out.GetFromJson(), known) {
				t.Errorf("from_json differs from the known-field binary form\n got %x\nwant %x", out.GetFromJson(), known)
			}
		})
	}
}

func TestCodecErrors(t *testing.T) {
	name := "ai.stigmer.agentic.agentexecution.v1.AgentExecution"
	bad := []*conformancev1.CodecRequest{
		{MessageType: "example.v1.NotLinked", Json: "{}"},
		{MessageType: name, Binary: []byte{0x0a, 0x05, 'x'}, Json: "{}"}, // truncated string field
		{MessageType: name, Json: `{"noSuchField": 1}`},
		{MessageType: name, Json: ""},
	}
	for _, req := range bad {
		if _, err := codec(req); err == nil {
			t.Errorf("codec(%v) succeeded, want an error", req)
		}
	}
}

// TestRunCodecAndShutdown drives the whole loop: a codec request, a request the process cannot
// serve, and a shutdown, each answered under its request id.
func TestRunCodecAndShutdown(t *testing.T) {
	withUnknown, known, json := vector(t, sampleExecution())
	var in []byte
	var err error
	for _, req := range []*conformancev1.HarnessRequest{
		{RequestId: 1, Request: &conformancev1.HarnessRequest_Codec{Codec: &conformancev1.CodecRequest{
			MessageType: "ai.stigmer.agentic.agentexecution.v1.AgentExecution", Binary: withUnknown, Json: json,
		}}},
		{RequestId: 2, Request: &conformancev1.HarnessRequest_Complete{Complete: &conformancev1.CompleteRequest{CaseId: "x"}}},
		{RequestId: 3, Request: &conformancev1.HarnessRequest_Shutdown{Shutdown: &conformancev1.ShutdownRequest{}}},
		{RequestId: 4}, // never read: the process has exited
	} {
		if in, err = appendFrame(in, req); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if code := run(bytes.NewReader(in), &out, quietLogger(), &logCapture{}); code != 0 {
		t.Fatalf("exit status %d", code)
	}

	var resps []*conformancev1.HarnessResponse
	for {
		resp := &conformancev1.HarnessResponse{}
		if err := readFrame(&out, resp); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		resps = append(resps, resp)
	}
	if len(resps) != 3 {
		t.Fatalf("%d responses, want 3: %v", len(resps), resps)
	}
	if c := resps[0].GetCodec(); resps[0].GetRequestId() != 1 || !bytes.Equal(c.GetReencoded(), withUnknown) || !bytes.Equal(c.GetFromJson(), known) {
		t.Errorf("codec response %v", resps[0])
	}
	if resps[1].GetRequestId() != 2 || !strings.Contains(resps[1].GetError(), "service role") {
		t.Errorf("complete without a service: %v", resps[1])
	}
	if resps[2].GetRequestId() != 3 || resps[2].GetShutdown() == nil {
		t.Errorf("shutdown response %v", resps[2])
	}
}

func TestRunExitStatus(t *testing.T) {
	if code := run(bytes.NewReader(nil), io.Discard, quietLogger(), &logCapture{}); code != 0 {
		t.Errorf("closed stdin: exit status %d, want 0", code)
	}
	if code := run(bytes.NewReader([]byte{0, 0, 0, 9, 1}), io.Discard, quietLogger(), &logCapture{}); code != 1 {
		t.Errorf("truncated frame: exit status %d, want 1", code)
	}
}

func TestUseToken(t *testing.T) {
	received := []byte{0x10, 0x21, 0x32, 0x43, 0x54}
	s := &serviceRole{}
	for _, tc := range []struct {
		mutation conformancev1.TokenMutation
		flip     bool
		want     []byte
	}{
		{conformancev1.TokenMutation_TOKEN_MUTATION_UNSPECIFIED, false, received},
		{conformancev1.TokenMutation_TOKEN_MUTATION_UNSPECIFIED, true, []byte{0x11, 0x21, 0x32, 0x43, 0x54}},
		{conformancev1.TokenMutation_TOKEN_MUTATION_TRUNCATED, false, []byte{0x10, 0x21}},
		{conformancev1.TokenMutation_TOKEN_MUTATION_EMPTY, true, []byte{}},
	} {
		s.flipTokenByte = tc.flip
		got, err := s.useToken(received, tc.mutation)
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("%v flip=%v: got %x, %v; want %x", tc.mutation, tc.flip, got, err, tc.want)
		}
	}
	if received[0] != 0x10 {
		t.Fatal("the received token was modified")
	}
	garbage, err := s.useToken(received, conformancev1.TokenMutation_TOKEN_MUTATION_GARBAGE)
	if err != nil || len(garbage) != 32 {
		t.Fatalf("garbage token: %d bytes, %v", len(garbage), err)
	}
}
