package ai.stigmer.sdk.handshake;

/**
 * What became of one heartbeat sent for a caller's activity with {@link
 * ExternalActivityCompleter#heartbeat(byte[])}.
 *
 * <p>Heartbeating the token is how a service learns that the caller's workflow requested
 * cancellation: the answer is then {@link #CANCEL_REQUESTED}, and the service should stop the
 * execution and report the cancellation with an {@code ActivityCancellation} completion.
 */
public enum HeartbeatOutcome {
  /** Temporal recorded the heartbeat; the caller still waits. */
  RECORDED,
  /** Temporal recorded the heartbeat and answered that the caller requested cancellation. */
  CANCEL_REQUESTED,
  /** Temporal recorded the heartbeat and answered that the activity is paused. */
  PAUSED,
  /** Temporal recorded the heartbeat and answered that the activity was reset. */
  RESET,
  /**
   * Temporal answered NOT_FOUND: the activity is already completed, timed out, or its workflow is
   * closed.
   */
  ALREADY_COMPLETED,
  /** Temporal answered INVALID_ARGUMENT: garbled or truncated token, or another namespace's. */
  INVALID_TOKEN,
  /** The token was empty, so nothing was sent. */
  EMPTY_TOKEN,
  /** A transient error (UNAVAILABLE, DEADLINE_EXCEEDED, ...): retry later. */
  TRANSIENT
}
