package ai.stigmer.sdk.handshake;

import java.util.Objects;

/**
 * Result of {@link ExternalActivityCompleter#heartbeat(com.google.protobuf.ByteString)}: the
 * outcome, an explanation and the token preview. Never carries the token itself. A value: equal to
 * another result with the same three components.
 */
public final class HeartbeatResult {
  private final HeartbeatOutcome outcome;
  private final String message;
  private final String tokenPreview;

  /**
   * Creates a result.
   *
   * @param outcome what happened
   * @param message the server's message for error outcomes; empty otherwise
   * @param tokenPreview the {@linkplain TaskTokens#preview(byte[]) preview} of the token
   */
  public HeartbeatResult(HeartbeatOutcome outcome, String message, String tokenPreview) {
    this.outcome = Objects.requireNonNull(outcome, "outcome");
    this.message = Objects.requireNonNull(message, "message");
    this.tokenPreview = Objects.requireNonNull(tokenPreview, "tokenPreview");
  }

  /** What happened. */
  public HeartbeatOutcome outcome() {
    return outcome;
  }

  /** The server's message for error outcomes; empty otherwise. */
  public String message() {
    return message;
  }

  /** The preview of the token. */
  public String tokenPreview() {
    return tokenPreview;
  }

  /**
   * Tells whether the caller's workflow requested cancellation of the activity.
   *
   * @return {@code true} for {@link HeartbeatOutcome#CANCEL_REQUESTED}
   */
  public boolean isCancelRequested() {
    return outcome == HeartbeatOutcome.CANCEL_REQUESTED;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof HeartbeatResult)) {
      return false;
    }
    HeartbeatResult other = (HeartbeatResult) o;
    return outcome == other.outcome
        && message.equals(other.message)
        && tokenPreview.equals(other.tokenPreview);
  }

  @Override
  public int hashCode() {
    return Objects.hash(outcome, message, tokenPreview);
  }

  @Override
  public String toString() {
    return "HeartbeatResult[outcome="
        + outcome
        + ", message="
        + message
        + ", tokenPreview="
        + tokenPreview
        + "]";
  }
}
