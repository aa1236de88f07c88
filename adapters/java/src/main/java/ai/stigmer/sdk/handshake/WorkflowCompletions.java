package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.v1.CompleteExternalActivityInput;
import ai.stigmer.sdk.v1.CompleteExternalActivityOutcome;
import ai.stigmer.sdk.v1.CompleteExternalActivityResult;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.common.converter.RawValue;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;

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
    Logger log = Workflow.getLogger(WorkflowCompletions.class);
    String preview = TaskTokens.preview(input.getCallbackToken());
    String digest = TaskTokens.digest(input.getCallbackToken());
    CompleteExternalActivityResult result;
    try {
      result = execute(input, options);
    } catch (ActivityFailure e) {
      KeyValueLog.error(
          log,
          "Failed to complete external activity",
          "execution_id",
          input.getExecutionId(),
          "token_preview",
          preview,
          "token_digest",
          digest,
          "error",
          e.getMessage());
      throw ApplicationFailure.newNonRetryableFailureWithCause(
          "completing the caller's activity failed (token_preview=" + preview + ")",
          HandshakeFailureTypes.COMPLETION_FAILED,
          e);
    }
    switch (result.getOutcome()) {
      case COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED:
      case COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN:
        return result;
      case COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED:
        KeyValueLog.warn(
            log,
            "Caller's activity was already completed",
            "execution_id",
            input.getExecutionId(),
            "token_preview",
            preview,
            "token_digest",
            digest,
            "error",
            result.getMessage());
        return result;
      default:
        KeyValueLog.error(
            log,
            "Failed to complete external activity",
            "execution_id",
            input.getExecutionId(),
            "token_preview",
            preview,
            "token_digest",
            digest,
            "error",
            result.getOutcome().name() + ": " + result.getMessage());
        throw ApplicationFailure.newNonRetryableFailure(
            "completing the caller's activity failed: "
                + result.getOutcome().name()
                + ": "
                + result.getMessage()
                + " (token_preview="
                + preview
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
    Logger log = Workflow.getLogger(WorkflowCompletions.class);
    String preview = TaskTokens.preview(input.getCallbackToken());
    String digest = TaskTokens.digest(input.getCallbackToken());
    CompleteExternalActivityResult result;
    try {
      result = execute(input, options);
    } catch (ActivityFailure e) {
      KeyValueLog.warn(
          log,
          "Failed to complete external activity",
          "execution_id",
          input.getExecutionId(),
          "token_preview",
          preview,
          "token_digest",
          digest,
          "error",
          e.getMessage());
      return Optional.empty();
    }
    if (result.getOutcome()
            != CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED
        && result.getOutcome()
            != CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN) {
      KeyValueLog.warn(
          log,
          "Failed to complete external activity",
          "execution_id",
          input.getExecutionId(),
          "token_preview",
          preview,
          "token_digest",
          digest,
          "error",
          result.getOutcome().name() + ": " + result.getMessage());
    }
    return Optional.of(result);
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
