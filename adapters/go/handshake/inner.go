package handshake

import (
	"context"
	"errors"
	"os"
	"strings"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"

	sdkv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/sdk/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
)

// AsyncCompletionEnv is the environment variable that, set to "false" (or "0", "no", "off"),
// switches [StartWorkflowAndWaitPending] to the blocking shape, as in every Stigmer SDK.
const AsyncCompletionEnv = contract.AsyncCompletionEnv

// AsyncCompletionEnabled reports whether [AsyncCompletionEnv] allows pending activities (the
// default: yes).
func AsyncCompletionEnabled() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv(AsyncCompletionEnv))) {
	case "false", "0", "no", "off":
		return false
	}
	return true
}

// InnerWorkflowOptions configures [StartWorkflowAndWaitPending].
type InnerWorkflowOptions struct {
	// StartWorkflowOptions of the inner workflow (ID, TaskQueue, timeouts, ...).
	client.StartWorkflowOptions
	// AsyncCompletion forces a shape: true leaves the activity pending, false blocks. Nil reads
	// [AsyncCompletionEnv].
	AsyncCompletion *bool
}

// StartWorkflowAndWaitPending is the inner-workflow shape: from a caller's activity, it starts
// workflow (a function or a name) with two arguments, arg and the activity's task token, on the
// activity's own Temporal client (activity.GetClient), and returns [activity.ErrResultPending]
// itself, unwrapped, so that the activity stays pending without holding a worker slot. The inner
// workflow completes the activity when it ends, with [CompleteCallerWhenDone].
//
// The blocking shape (AsyncCompletion false, or [AsyncCompletionEnv]=false) is the compatibility
// fallback: the inner workflow gets an empty token (its completion then schedules nothing), and
// this call waits for its result, decodes it into valuePtr and returns nil, holding the slot.
// Cancelling the activity's context cancels the inner workflow.
//
//	func (a *Activities) Ask(ctx context.Context, req *agentexecutionv1.AgentExecution) (*agentexecutionv1.AgentExecution, error) {
//		var out *agentexecutionv1.AgentExecution
//		err := handshake.StartWorkflowAndWaitPending(ctx, handshake.InnerWorkflowOptions{
//			StartWorkflowOptions: client.StartWorkflowOptions{ID: "inner-" + activity.GetInfo(ctx).ActivityID, TaskQueue: "agents"},
//		}, InnerWorkflow, req, &out)
//		return out, err // activity.ErrResultPending, unwrapped
//	}
func StartWorkflowAndWaitPending(ctx context.Context, opts InnerWorkflowOptions, workflow any, arg any, valuePtr any) error {
	if !activity.IsActivity(ctx) {
		return emptyTaskTokenError()
	}
	info := activity.GetInfo(ctx)
	if info.IsLocalActivity {
		return temporal.NewNonRetryableApplicationError(
			"stigmer: StartWorkflowAndWaitPending cannot run in a local activity (it has no task token); "+
				"schedule a regular activity", FailureTypeLocalActivity, nil)
	}
	async := AsyncCompletionEnabled()
	if opts.AsyncCompletion != nil {
		async = *opts.AsyncCompletion
	}
	token := []byte{}
	if async {
		token = info.TaskToken
		if len(token) == 0 {
			return emptyTaskTokenError()
		}
	}
	logger := activity.GetLogger(ctx)
	c := activity.GetClient(ctx)
	run, err := c.ExecuteWorkflow(ctx, opts.StartWorkflowOptions, workflow, arg, token)
	if err != nil {
		return err
	}
	if !async {
		logger.Info("Waiting for inner workflow (blocking shape)", "workflow_id", run.GetID())
		err := run.Get(ctx, valuePtr)
		if ctx.Err() != nil {
			// The caller's activity was cancelled (or timed out): so is its inner workflow.
			cancelCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultCallTimeout)
			defer cancel()
			_ = c.CancelWorkflow(cancelCtx, run.GetID(), run.GetRunID())
		}
		return err
	}
	logger.Info("Inner workflow started, activity pending", "workflow_id", run.GetID(),
		"token_preview", TokenPreview(token), "token_digest", TokenDigest(token))
	return activity.ErrResultPending
}

// DefaultFailureType is the failure type [CompleteCallerWhenDone] delivers for an error that is
// not an application error with a type of its own.
const DefaultFailureType = "STIGMER_EXECUTION_FAILED"

// CompleteCallerWhenDone runs body and completes the caller's activity (token, as the inner
// workflow received it from [StartWorkflowAndWaitPending]) with its outcome, however it ends:
//
//   - a result completes the caller ([CompleteCaller], success path: a completion
//     failure is returned as the non-retryable [FailureTypeCompletionFailed]);
//   - an error fails the caller with [FailureFrom] of it and is returned as is;
//   - a cancellation (the inner workflow was cancelled) reports the caller cancelled, from a
//     disconnected context, and is returned as is.
//
// An empty token (the blocking shape) schedules nothing.
//
//	func InnerWorkflow(ctx workflow.Context, req *agentexecutionv1.AgentExecution, token []byte) (*agentexecutionv1.AgentExecution, error) {
//		return handshake.CompleteCallerWhenDone(ctx, token, handshake.CompleteCallerOptions{},
//			func(ctx workflow.Context) (*agentexecutionv1.AgentExecution, error) { return runAgent(ctx, req) })
//	}
func CompleteCallerWhenDone[T proto.Message](ctx workflow.Context, token []byte, opts CompleteCallerOptions, body func(workflow.Context) (T, error)) (T, error) {
	result, err := body(ctx)
	if err != nil {
		var (
			in    *sdkv1.CompleteExternalActivityInput
			inErr error
		)
		if isCancellation(ctx, err) {
			in, inErr = CancellationInput(token, InputOptions{})
		} else {
			in, inErr = FailureInput(token, FailureFrom(err), InputOptions{})
		}
		if inErr == nil {
			// The failure path never fails this workflow: the original error stands.
			disconnected, cancel := workflow.NewDisconnectedContext(ctx)
			defer cancel()
			_, _ = CompleteCaller(disconnected, in, opts)
		}
		return result, err
	}
	in, inErr := ResultInput(token, result, InputOptions{})
	if inErr != nil {
		return result, inErr
	}
	if _, err := CompleteCaller(ctx, in, opts); err != nil {
		return result, err
	}
	return result, nil
}

// FailureFrom describes err as the [Failure] to deliver to the caller: an application error (also
// as the cause of an activity or child workflow error) keeps its type, message and non-retryable
// flag; anything else gets [DefaultFailureType] and err's message.
func FailureFrom(err error) Failure {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		t := appErr.Type()
		if t == "" {
			t = DefaultFailureType
		}
		return Failure{Type: t, Message: appErr.Message(), NonRetryable: appErr.NonRetryable()}
	}
	return Failure{Type: DefaultFailureType, Message: err.Error()}
}

func isCancellation(ctx workflow.Context, err error) bool {
	var canceled *temporal.CanceledError
	return errors.As(err, &canceled) || errors.Is(err, workflow.ErrCanceled) || ctx.Err() != nil
}
