package ai.stigmer.sdk.handshake;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * Activity options for a caller activity that uses {@link StigmerHandshake} (handshake contract,
 * section 6).
 *
 * <ul>
 *   <li>start-to-close: 2 × the expected duration + 5 minutes; 24 hours when the duration is
 *       unknown;
 *   <li>retry policy: initial interval 1 s, backoff 2.0, maximum interval 1 minute, at most 3
 *       attempts, never retrying {@value HandshakeFailureTypes#EMPTY_TASK_TOKEN}, {@value
 *       HandshakeFailureTypes#LOCAL_ACTIVITY} or {@value HandshakeFailureTypes#INVALID_REQUEST}
 *       (all three are non-retryable failures already). Retries are safe
 *       because of the {@linkplain IdempotencyKeys idempotency key}: a retry re-sends the same key
 *       with its new token, and the service moves the existing execution to that token. Permanent
 *       {@code create} failures are already flagged non-retryable;
 *   <li>heartbeat timeout: none, unless the service relays heartbeats (then pass one).
 * </ul>
 *
 * <pre>{@code
 * AgentActivities agents =
 *     Workflow.newActivityStub(
 *         AgentActivities.class, HandshakeActivityOptions.forExpectedDuration(Duration.ofMinutes(30)));
 * AgentExecution finished = agents.runAgent(request);
 * }</pre>
 *
 * <p>Add a task queue or other settings with {@code ActivityOptions.newBuilder(options)}.
 */
public final class HandshakeActivityOptions {

  /** Start-to-close timeout used when the expected duration is unknown: 24 hours. */
  public static final Duration UNKNOWN_DURATION_START_TO_CLOSE = Duration.ofHours(24);

  /** Margin added to twice the expected duration: 5 minutes. */
  public static final Duration START_TO_CLOSE_MARGIN = Duration.ofMinutes(5);

  /** Maximum attempts of the caller activity: 3. */
  public static final int MAXIMUM_ATTEMPTS = 3;

  private HandshakeActivityOptions() {}

  /**
   * Returns the options for an execution expected to take about {@code expectedDuration}.
   *
   * @param expectedDuration the expected duration of the execution, or {@code null} when unknown
   * @return activity options without heartbeat timeout
   * @throws IllegalArgumentException if the duration is negative
   */
  public static ActivityOptions forExpectedDuration(Duration expectedDuration) {
    return builder(expectedDuration).build();
  }

  /**
   * Returns the options for an execution expected to take about {@code expectedDuration}, whose
   * service relays heartbeats to the caller's activity.
   *
   * @param expectedDuration the expected duration of the execution, or {@code null} when unknown
   * @param heartbeatTimeout the heartbeat timeout of the caller's activity
   * @return activity options with that heartbeat timeout
   * @throws IllegalArgumentException if a duration is negative
   */
  public static ActivityOptions forExpectedDuration(
      Duration expectedDuration, Duration heartbeatTimeout) {
    Objects.requireNonNull(heartbeatTimeout, "heartbeatTimeout");
    if (heartbeatTimeout.isNegative()) {
      throw new IllegalArgumentException("heartbeatTimeout must not be negative");
    }
    return builder(expectedDuration).setHeartbeatTimeout(heartbeatTimeout).build();
  }

  /**
   * Returns the options for an execution of unknown duration (24 hour start-to-close).
   *
   * @return activity options without heartbeat timeout
   */
  public static ActivityOptions forUnknownDuration() {
    return forExpectedDuration(null);
  }

  /**
   * Returns the start-to-close timeout for an expected duration: 2 × the duration + 5 minutes, or
   * 24 hours when it is unknown ({@code null}).
   *
   * @param expectedDuration the expected duration, or {@code null} when unknown
   * @return the start-to-close timeout
   * @throws IllegalArgumentException if the duration is negative
   */
  public static Duration startToCloseTimeout(Duration expectedDuration) {
    if (expectedDuration == null) {
      return UNKNOWN_DURATION_START_TO_CLOSE;
    }
    if (expectedDuration.isNegative()) {
      throw new IllegalArgumentException("expectedDuration must not be negative");
    }
    return expectedDuration.multipliedBy(2).plus(START_TO_CLOSE_MARGIN);
  }

  /**
   * Returns the retry policy of a caller activity.
   *
   * @return the retry options
   */
  public static RetryOptions retryOptions() {
    return RetryOptions.newBuilder()
        .setInitialInterval(Duration.ofSeconds(1))
        .setBackoffCoefficient(2.0)
        .setMaximumInterval(Duration.ofMinutes(1))
        .setMaximumAttempts(MAXIMUM_ATTEMPTS)
        .setDoNotRetry(
            HandshakeFailureTypes.EMPTY_TASK_TOKEN,
            HandshakeFailureTypes.LOCAL_ACTIVITY,
            HandshakeFailureTypes.INVALID_REQUEST)
        .build();
  }

  private static ActivityOptions.Builder builder(Duration expectedDuration) {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(startToCloseTimeout(expectedDuration))
        .setRetryOptions(retryOptions());
  }
}
