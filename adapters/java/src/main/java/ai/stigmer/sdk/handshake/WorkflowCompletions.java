package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import ai.stigmer.sdk.v1.CompleteExternalActivityInput;
import ai.stigmer.sdk.v1.CompleteExternalActivityOutcome;
import ai.stigmer.sdk.v1.CompleteExternalActivityResult;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.common.converter.RawValue;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Workflow side of the completion: schedules the system activity {@value
 * SystemActivities#COMPLETE_EXTERNAL_ACTIVITY} from a service's workflow when an execution ends
 * (handshake contract, section 5). Call these methods only from workflow code.
 *
 * <pre>{@code
 * public AgentExecution run(AgentExecution execution) {
 *   ByteString token = execution.getSpec().getCallbackToken();
 *   CompletionOptions options =
 *       CompletionOptions.newBuilder().setExecutionId(execution.getMetadata().getId()).build();
 *   AgentExecution finished;
 *   try {
 *     finished = runTheAgent(execution);
 *   } catch (ApplicationFailure e) {
 *     // Failure path: a completion problem is logged, the original error stands.
 *     WorkflowCompletions.completeOnFailure(CompletionInputs.failure(token,
 *         ActivityFailure.newBuilder()
 *             .setType(HandshakeFailureTypes.AGENT_EXECUTION_FAILED)
 *             .setMessage(e.getOriginalMessage())
 *             .setNonRetryable(true)
 *             .build(),
 *         options));
 *     throw e;
 *   }
 *   // Success path: a completion that fails (other than ALREADY_COMPLETED) fails this workflow.
 *   WorkflowCompletions.completeOnSuccess(CompletionInputs.result(token, finished, options));
 *   return finished;
 * }
 * }</pre>
 *
 * <p>The activity is scheduled with start-to-close 1 minute and at most 3 attempts ({@link
 * #activityOptions()}), on the workflow's task queue unless options with another are passed. Its
 * input is sent as a {@code binary/protobuf} payload, which every SDK decodes whatever the packed
 * result type. An empty token completes nothing and schedules no activity: the outcome is {@code
 * EMPTY_TOKEN}.
 */
public final class WorkflowCompletions {

  /** Start-to-close timeout of the system activity: 1 minute. */
  public static final Duration START_TO_CLOSE_TIMEOUT = Duration.ofMinutes(1);

  /** Maximum attempts of the system activity: 3. */
  public static final int MAXIMUM_ATTEMPTS = 3;

  private WorkflowCompletions() {}

  /**
   * Returns the options the system activity is scheduled with: start-to-close 1 minute, at most 3
   * attempts, on the workflow's task queue.
   *
   * @return the activity options
   */
  public static ActivityOptions activityOptions() {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(START_TO_CLOSE_TIMEOUT)
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(MAXIMUM_ATTEMPTS).build())
        .build();
  }

  /**
   * Returns the options of {@link #activityOptions()} on another task queue, for a system activity
   * registered on another worker.
   *
   * @param taskQueue the task queue of the worker running {@link SystemActivitiesImpl}
   * @return the activity options
   */
  public static ActivityOptions activityOptions(String taskQueue) {
    Objects.requireNonNull(taskQueue, "taskQueue");
    return ActivityOptions.newBuilder(activityOptions()).setTaskQueue(taskQueue).build();
  }

  /**
   * Completes the caller on the execution's success path, with {@link #activityOptions()}.
   *
   * @param input the token and the result
   * @return the outcome: {@code COMPLETED}, {@code ALREADY_COMPLETED} (logged as a warning: the
   *     caller has moved on) or {@code EMPTY_TOKEN}
   * @throws ApplicationFailure non-retryable, of type {@value
   *     HandshakeFailureTypes#COMPLETION_FAILED}, for any other outcome or when the system activity
   *     fails after its retries; thrown from the workflow method, it fails the workflow
   */
  public static CompleteExternalActivityResult completeOnSuccess(
      CompleteExternalActivityInput input) {
    return completeOnSuccess(input, activityOptions());
  }

  /**
   * Completes the caller on the execution's success path.
   *
   * @param input the token and the result
   * @param options the options of the system activity
   * @return the outcome: {@code COMPLETED}, {@code ALREADY_COMPLETED} (logged as a warning: the
   *     caller has moved on) or {@code EMPTY_TOKEN}
   * @throws ApplicationFailure non-retryable, of type {@value
   *     HandshakeFailureTypes#COMPLETION_FAILED}, for any other outcome or when the system activity
   *     fails after its retries; thrown from the workflow method, it fails the workflow
   */
  public static CompleteExternalActivityResult completeOnSuccess(
      CompleteExternalActivityInput input, ActivityOptions options) {
    TokenLog tokenLog = tokenLog(input);
    CompleteExternalActivityResult result;
    try {
      result = executeLogged(input, options, tokenLog);
    } catch (ActivityFailure e) {
      throw ApplicationFailure.newNonRetryableFailureWithCause(
          "completing the caller's activity failed (token_preview=" + tokenLog.preview() + ")",
          HandshakeFailureTypes.COMPLETION_FAILED,
          e);
    }
    switch (result.getOutcome()) {
      case COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED:
      case COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN:
        return result;
      case COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED:
        tokenLog.line(Contract.LOG_ALREADY_COMPLETED);
        return result;
      default:
        // A known outcome (invalid token, transient): the contract's level.
        tokenLog.completionFailed(true, outcomeError(result));
        throw ApplicationFailure.newNonRetryableFailure(
            "completing the caller's activity failed: "
                + outcomeError(result)
                + " (token_preview="
                + tokenLog.preview()
                + ")",
            HandshakeFailureTypes.COMPLETION_FAILED);
    }
  }

  /**
   * Completes the caller on the execution's failure path, with {@link #activityOptions()}. Never
   * throws for a completion problem: it is logged, and the execution's original error stands.
   *
   * @param input the token and the failure (or cancellation)
   * @return the outcome, or empty when the system activity failed after its retries
   */
  public static Optional<CompleteExternalActivityResult> completeOnFailure(
      CompleteExternalActivityInput input) {
    return completeOnFailure(input, activityOptions());
  }

  /**
   * Completes the caller on the execution's failure path. Never throws for a completion problem: it
   * is logged, and the execution's original error stands.
   *
   * @param input the token and the failure (or cancellation)
   * @param options the options of the system activity
   * @return the outcome, or empty when the system activity failed after its retries
   */
  public static Optional<CompleteExternalActivityResult> completeOnFailure(
      CompleteExternalActivityInput input, ActivityOptions options) {
    TokenLog tokenLog = tokenLog(input);
    try {
      CompleteExternalActivityResult result = executeLogged(input, options, tokenLog);
      if (!isSuccess(result.getOutcome())) {
        tokenLog.completionFailed(true, outcomeError(result));
      }
      return Optional.of(result);
    } catch (ActivityFailure e) {
      return Optional.empty();
    }
  }

  /**
   * {@link #execute}, logging the system activity's failure after its retries (an unknown cause, at
   * ERROR) before rethrowing it.
   */
  private static CompleteExternalActivityResult executeLogged(
      CompleteExternalActivityInput input, ActivityOptions options, TokenLog tokenLog) {
    try {
      return execute(input, options);
    } catch (ActivityFailure e) {
      tokenLog.completionFailed(false, e.getMessage());
      throw e;
    }
  }

  /** Whether the caller is done with: completed, or nothing to complete (an empty token). */
  private static boolean isSuccess(CompleteExternalActivityOutcome outcome) {
    return outcome == CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED
        || outcome == CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN;
  }

  /** The completion's log lines, with the workflow's replay-safe logger. */
  private static TokenLog tokenLog(CompleteExternalActivityInput input) {
    return new TokenLog(
        Workflow.getLogger(WorkflowCompletions.class),
        "execution_id",
        input.getExecutionId(),
        input.getCallbackToken().toByteArray());
  }

  /** A known outcome other than success as an error: {@code "<OUTCOME>: <message>"}. */
  private static String outcomeError(CompleteExternalActivityResult result) {
    return result.getOutcome().name() + ": " + result.getMessage();
  }

  /**
   * Runs the inner workflow's work and completes the caller with its outcome, however it ends: the
   * workflow side of the inner-workflow shape ({@link
   * StigmerHandshake#startWorkflowAndWaitPending}, which started this workflow with the caller's
   * token as its last argument). The same as Python's {@code complete_caller_when_done}.
   *
   * <ul>
   *   <li>a result completes the caller ({@link #completeOnSuccess}) and is returned;
   *   <li>a cancellation (a {@link CanceledFailure}, also as the cause of an activity or child
   *       workflow failure) reports the caller cancelled, from a detached scope, and is rethrown;
   *   <li>any other failure fails the caller ({@link #failureFromError}) and is rethrown.
   * </ul>
   *
   * <p>With the blocking shape the token is empty: nothing is scheduled, and the caller's activity
   * gets the workflow's result by waiting for it.
   *
   * <pre>{@code
   * public AgentExecution run(AgentExecution request, byte[] token) {
   *   return WorkflowCompletions.completeCallerWhenDone(
   *       ByteString.copyFrom(token), () -> runTheAgent(request), CompletionOptions.getDefaultInstance());
   * }
   * }</pre>
   *
   * @param token the caller's token (the inner workflow's last argument); empty for the blocking
   *     shape
   * @param body the work; its result is the caller's result
   * @param options execution id and result encoding of the completion
   * @param <R> the result type, a protobuf message
   * @return what {@code body} returned
   */
  public static <R extends Message> R completeCallerWhenDone(
      ByteString token, Functions.Func<R> body, CompletionOptions options) {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(options, "options");
    R result;
    try {
      result = body.apply();
    } catch (RuntimeException e) {
      if (isCancellation(e)) {
        CompletionOptions cancellation =
            CompletionOptions.newBuilder().setExecutionId(options.getExecutionId()).build();
        // The workflow's own scope is cancelled: the report runs in a scope of its own.
        Workflow.newDetachedCancellationScope(
                () -> completeOnFailure(CompletionInputs.cancellation(token, cancellation)))
            .run();
      } else {
        completeOnFailure(CompletionInputs.failure(token, failureFromError(e), options));
      }
      throw e;
    }
    completeOnSuccess(CompletionInputs.result(token, result, options));
    return result;
  }

  /**
   * Describes an error as the failure to deliver to the caller: an {@link ApplicationFailure}
   * (also as the cause of an activity or child workflow failure) keeps its type, message and
   * non-retryable flag; anything else becomes {@value #EXECUTION_FAILED_TYPE} with the error's
   * message. The same as Python's {@code failure_from_error}.
   *
   * @param error the error the work ended with
   * @return the failure value
   */
  public static ai.stigmer.sdk.v1.ActivityFailure failureFromError(Throwable error) {
    Throwable cause = error;
    while (cause instanceof TemporalFailure && !(cause instanceof ApplicationFailure)) {
      cause = cause.getCause();
    }
    if (cause instanceof ApplicationFailure) {
      ApplicationFailure application = (ApplicationFailure) cause;
      String type = application.getType();
      return ai.stigmer.sdk.v1.ActivityFailure.newBuilder()
          .setMessage(application.getOriginalMessage())
          .setType(type == null || type.isEmpty() ? EXECUTION_FAILED_TYPE : type)
          .setNonRetryable(application.isNonRetryable())
          .build();
    }
    String message = error.getMessage();
    return ai.stigmer.sdk.v1.ActivityFailure.newBuilder()
        .setMessage(message == null ? error.getClass().getName() : message)
        .setType(EXECUTION_FAILED_TYPE)
        .build();
  }

  /**
   * Failure type of {@link #failureFromError} for an error that is not an application failure.
   */
  public static final String EXECUTION_FAILED_TYPE = "STIGMER_EXECUTION_FAILED";

  /** Whether the error is, or was caused by, a Temporal cancellation. */
  static boolean isCancellation(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof CanceledFailure) {
        return true;
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return false;
  }

  /**
   * Schedules the system activity and waits for its result, without interpreting it. An empty token
   * schedules nothing and returns {@code EMPTY_TOKEN}.
   *
   * @param input the completion input
   * @param options the options of the system activity
   * @return the outcome returned by the system activity
   * @throws ActivityFailure when the system activity fails after its retries
   */
  public static CompleteExternalActivityResult execute(
      CompleteExternalActivityInput input, ActivityOptions options) {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(options, "options");
    if (input.getCallbackToken().isEmpty()) {
      return CompleteExternalActivityResult.newBuilder()
          .setOutcome(
              CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN)
          .setMessage(ExternalActivityCompleter.EMPTY_TOKEN_MESSAGE)
          .setTokenPreview(TaskTokens.EMPTY_PREVIEW)
          .build();
    }
    return Workflow.newUntypedActivityStub(options)
        .execute(
            SystemActivities.COMPLETE_EXTERNAL_ACTIVITY,
            CompleteExternalActivityResult.class,
            new RawValue(PayloadTypeRegistry.binaryPayload(input)));
  }
}
