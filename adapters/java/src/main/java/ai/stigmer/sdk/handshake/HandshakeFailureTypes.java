package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import io.temporal.failure.ApplicationFailure;

/**
 * Application failure types written by this SDK, shared with the Python and Go SDKs.
 *
 * <p>Use them in retry policies ({@code RetryOptions.Builder#setDoNotRetry}) and when inspecting an
 * {@link io.temporal.failure.ApplicationFailure#getType()}.
 */
public final class HandshakeFailureTypes {

  /**
   * The caller helper ran where there is no task token (not inside an activity, or an activity
   * whose token is empty). Never retryable.
   */
  public static final String EMPTY_TASK_TOKEN = Contract.FAILURE_EMPTY_TASK_TOKEN;

  /**
   * The caller helper ran in a local activity, which cannot be completed asynchronously. Checked
   * before the empty token. Never retryable; the same type in every SDK.
   */
  public static final String LOCAL_ACTIVITY = Contract.FAILURE_LOCAL_ACTIVITY;

  /**
   * The execution to create lacks what the deployed Stigmer service requires and the SDK cannot
   * fill (for an agent execution: {@code spec.message}, and {@code spec.agent_id} or {@code
   * spec.session_id}), or sets {@code api_version} or {@code kind} to another value. Refused before
   * any RPC. Never retryable; the same type in every SDK.
   */
  public static final String INVALID_REQUEST = Contract.FAILURE_INVALID_REQUEST;

  /**
   * The {@code get} call of the activity {@value GetExecutionActivity#GET_EXECUTION} failed with a
   * permanent gRPC code (the message starts with the code name); transient codes are retried inside
   * the activity. Never retryable.
   */
  public static final String GET_EXECUTION_FAILED = Contract.FAILURE_GET_EXECUTION_FAILED;

  /**
   * The {@code create} call failed; the message starts with the gRPC code name. Retryable or not
   * according to the code (handshake contract, section 1).
   */
  public static final String CREATE_FAILED = Contract.FAILURE_CREATE_FAILED;

  /**
   * The completion system activity met a transient Temporal error; retryable, so Temporal retries
   * the system activity.
   */
  public static final String COMPLETION_TRANSIENT = Contract.FAILURE_COMPLETION_TRANSIENT;

  /**
   * Written by {@link WorkflowCompletions#completeOnSuccess} when the caller's activity could not
   * be completed on the success path (invalid token, or the system activity failed after its
   * retries). Not part of the cross-language contract; the Python and Go SDKs use the same type.
   */
  public static final String COMPLETION_FAILED = Contract.FAILURE_COMPLETION_FAILED;

  /**
   * Written by {@link SystemActivitiesImpl} when its input cannot be turned into a completion (an
   * unknown or malformed result type, undecodable result bytes). Never retryable. Not part of the
   * cross-language contract; the Go SDK uses the same type.
   */
  public static final String COMPLETION_INVALID_INPUT = Contract.FAILURE_COMPLETION_INVALID_INPUT;

  /**
   * The failure type the system activity fails the caller with when the deployed Stigmer service's
   * input carries an {@code Error} (even {@code {}}). Never retryable; the same in every SDK.
   */
  public static final String AGENT_EXECUTION_FAILED = Contract.FAILURE_AGENT_EXECUTION_FAILED;

  /**
   * The agent ran past its deadline: a service fails the caller with this type instead of {@value
   * #AGENT_EXECUTION_FAILED}. Never retryable; the same in every SDK.
   */
  public static final String AGENT_EXECUTION_TIMEOUT = Contract.FAILURE_AGENT_EXECUTION_TIMEOUT;

  /**
   * The execution was cancelled on the service's side while the caller's activity was pending,
   * learnt by {@link WorkflowHandshake#executeToTerminal}'s watcher. Never retryable; the same in
   * every SDK.
   */
  public static final String AGENT_EXECUTION_CANCELLED = Contract.FAILURE_AGENT_EXECUTION_CANCELLED;

  /**
   * {@value CancelExecutionActivity#CANCEL_EXECUTION} failed: non-retryable when the service
   * refused the cancel for good (NOT_FOUND, PERMISSION_DENIED, INVALID_ARGUMENT), retryable
   * otherwise; the same in every SDK.
   */
  public static final String CANCEL_FAILED = Contract.FAILURE_CANCEL_FAILED;

  private HandshakeFailureTypes() {}

  /**
   * A non-retryable failure of one of these types, without a stack trace: the SDK creates it, the
   * caller's code did not throw it, and Temporal keeps at most 4 KiB of a pending activity's last
   * failure, which a stack trace would fill.
   */
  static ApplicationFailure nonRetryable(String message, String type) {
    return withoutStackTrace(ApplicationFailure.newNonRetryableFailure(message, type));
  }

  /** {@code failure} without its stack trace (see {@link #nonRetryable}). */
  static ApplicationFailure withoutStackTrace(ApplicationFailure failure) {
    failure.setStackTrace(new StackTraceElement[0]);
    return failure;
  }
}
