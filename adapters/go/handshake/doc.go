// Package handshake implements the Stigmer token handshake for Go: Temporal asynchronous activity
// completion between a caller's activity and a Stigmer execution that runs for minutes or hours.
//
// It follows the cross-language contract in docs/handshake-contract.md, which the Python and Java
// SDKs implement byte for byte the same way.
//
// # Caller side
//
// Inside an activity, [ExecuteAgentAndWaitPending] (or [ExecuteWorkflowAndWaitPending]) sends the
// activity's task token to the Stigmer service as spec.callback_token, with an idempotency key
// derived from the activity ([IdempotencyKey]), and returns [activity.ErrResultPending] so that
// the worker slot is released while the execution runs. The activity's result is later delivered
// by the service. Schedule such activities with [ActivityOptions].
//
//	func (a *Activities) RunAgent(ctx context.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
//		// Returns the ACK and activity.ErrResultPending, unwrapped, as the worker requires.
//		return handshake.ExecuteAgentAndWaitPending(ctx, a.Agents, req, handshake.CreateOptions{})
//	}
//
//	func CallerWorkflow(ctx workflow.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
//		ctx = workflow.WithActivityOptions(ctx, handshake.ActivityOptions(30*time.Minute))
//		// The terminal execution, fetched with get when the service delivered an earlier one.
//		return handshake.ExecuteToTerminal(ctx, handshake.TerminalOptions{}, "RunAgent", req)
//	}
//
// Connect to the service with [NewConn] (UNAVAILABLE retried by gRPC's retry service config, API
// key and TLS in [ConnOptions], 30 s on every call without a deadline), give the Temporal client [NewDataConverter] (it decodes every completion a
// Stigmer service sends, including the deployed Go service's json/plain), and register
// [CallerActivities] (the activity [GetExecutionActivityName]) on the caller's worker.
//
// [NewPlugin] wires all of this (data converter, system activity, caller activities, interceptors
// such as OpenTelemetry tracing) on a client and its workers in one plugin object.
// [StartWorkflowAndWaitPending] and [CompleteCallerWhenDone] are the inner-workflow shape, with
// the blocking fallback of [AsyncCompletionEnv]; [ObserveHandshake] records the caller metrics
// around a hand-written activity call. [ExecuteToTerminal] watches a handshake still pending after
// [DefaultWatchAfter] with [WatchExecutionActivityName], so that a FAILED or CANCELLED execution
// ends it with a typed failure even when the service never completes it.
//
// The package links no generated copy of the execution API: it recognises executions by protobuf
// full name, so a program that links Stigmer's own stubs (github.com/stigmer/stigmer/apis/stubs/go)
// passes its own messages and clients. This module's generated types are under gen/.
//
// # Service side
//
// When the execution ends, the service completes the caller's activity with the token: directly
// with [CompleteExternalActivity] (or a [Completer]), or, from a workflow, with [CompleteCaller],
// which schedules the system activity [SystemActivityName] registered by
// [RegisterSystemActivities]. [HeartbeatExternalActivity] tells the service when the caller's
// workflow requested cancellation ([HeartbeatCancelRequested]).
//
//	in, err := handshake.ResultInput(token, finalExecution, handshake.InputOptions{ExecutionID: executionID})
//	if err != nil {
//		return err
//	}
//	res, err := handshake.CompleteExternalActivity(ctx, temporalClient, in)
//	// res.Outcome is COMPLETED, ALREADY_COMPLETED, INVALID_TOKEN, EMPTY_TOKEN or TRANSIENT.
//
// Every completion input takes the token first, then the outcome, then options:
// [ResultInput](token, result, ...), [FailureInput](token, [Failure]{...}, ...),
// [CancellationInput](token, ...), with [InputOptions] (the same order as the Java SDK's).
//
// # Testing
//
// Package handshaketest (github.com/stigmer/stigmer-sdk/adapters/go/handshaketest) starts a real
// Temporal dev server and a fake Stigmer service that records creates and completes, fails or
// cancels each caller's activity on demand.
//
// # Security
//
// A task token is a bearer credential. This package never logs it, returns it in a result or puts
// it into an error; it uses [TokenPreview] and [TokenDigest] instead.
package handshake
