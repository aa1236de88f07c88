package ai.stigmer.sdk.handshake;

import io.temporal.failure.ApplicationFailure;

/** The application failures the SDK creates, of the {@link HandshakeFailureTypes}. */
final class ApplicationFailures {

  private ApplicationFailures() {}

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
