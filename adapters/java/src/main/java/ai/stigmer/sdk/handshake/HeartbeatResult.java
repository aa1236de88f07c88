package ai.stigmer.sdk.handshake;

import java.util.Objects;

/**
 * Result of {@link ExternalActivityCompleter#heartbeat(byte[])}: the outcome, an explanation and
 * the token preview. Never carries the token itself.
 *
 * @param outcome what happened
 * @param message the server's message for error outcomes; empty otherwise
 * @param tokenPreview the {@linkplain TaskTokens#preview(byte[]) preview} of the token
 */
public record HeartbeatResult(HeartbeatOutcome outcome, String message, String tokenPreview) {

  /**
   * Validates the components.
   *
   * @param outcome what happened
   * @param message the server's message for error outcomes; empty otherwise
   * @param tokenPreview the preview of the token
   */
  public HeartbeatResult {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(tokenPreview, "tokenPreview");
  }

  /**
   * Tells whether the caller's workflow requested cancellation of the activity.
   *
   * @return {@code true} for {@link HeartbeatOutcome#CANCEL_REQUESTED}
   */
  public boolean isCancelRequested() {
    return outcome == HeartbeatOutcome.CANCEL_REQUESTED;
  }
}
