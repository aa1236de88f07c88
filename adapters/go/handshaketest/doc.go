// Package handshaketest is the test kit for applications built on the Stigmer Go SDK: a real
// Temporal development server and a fake Stigmer service, so that a caller's workflows and
// activities can be tested end to end without the Stigmer platform.
//
//   - [StartDevServer] runs "temporal server start-dev" through the Temporal Go SDK's own launcher,
//     testsuite.StartDevServer, with the Temporal CLI found by [FindTemporalCLI]
//     ($STIGMER_TEMPORAL_CLI, PATH, or the repository's .venv/bin/temporal), so nothing is
//     downloaded; with extra namespaces, and a client ready to use.
//   - [StartFakeStigmerService] starts a Stigmer service on loopback (real gRPC) that records every
//     create ([FakeStigmerService.Calls], [FakeStigmerService.WaitForCalls]), answers get with the
//     execution's latest state, and finishes each handshake on demand:
//     [FakeStigmerService.Complete], [FakeStigmerService.Fail] or [FakeStigmerService.Cancel]
//     (which heartbeats until the caller's cancel request arrives, then reports the
//     cancellation). [FakeStigmerService.FailNext] makes the next creates fail with a gRPC status.
//   - [StartForTest] starts both for one test; [AskAgent] is the smallest caller's workflow and
//     [FakeStigmerService.AskAgentOnce] runs it once end to end, for tests of what a handshake
//     leaves behind (metrics, traces).
//
// The Python SDK's stigmer_sdk.testing (DevServer, FakeStigmerService) has the same names and
// behaviour.
//
//	server, err := handshaketest.StartDevServer(ctx, handshaketest.DevServerOptions{})
//	if err != nil { ... }
//	defer server.Stop()
//	service, err := handshaketest.StartFakeStigmerService(server.Client(), handshaketest.FakeOptions{})
//	if err != nil { ... }
//	defer service.Stop()
//	// ... a worker whose activities call handshake.ExecuteAgentAndWaitPending(ctx, service.AgentClient(), req, handshake.CreateOptions{}),
//	// and a caller's workflow started on it ...
//	calls, err := service.WaitForCalls(ctx, 1)
//	res, err := service.Complete(ctx, calls[0], "four")
//
// A task token is a bearer credential: [CreateCall.Token] hands it to the test, which must not
// log it.
package handshaketest
