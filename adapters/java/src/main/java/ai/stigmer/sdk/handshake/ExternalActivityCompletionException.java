package ai.stigmer.sdk.handshake;

import io.grpc.Status;
import java.util.Optional;

/**
 * Thrown by {@link ExternalActivityCompleter} when Temporal rejects a completion or heartbeat for a
 * reason that is not one of the known outcomes: for example PERMISSION_DENIED or UNAUTHENTICATED
 * (handshake contract, section 4). The message never contains the token, only its preview.
 */
public final class ExternalActivityCompletionException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The gRPC status code Temporal answered, or {@code null}. */
  private final Status.Code statusCode;

  /** The preview of the token the completion was for. */
  private final String tokenPreview;

  /**
   * Creates the exception.
   *
   * @param message explanation, without the token
   * @param statusCode the gRPC status code Temporal answered, or {@code null} when there was none
   * @param tokenPreview the preview of the token
   * @param cause the exception thrown by the Temporal client
   */
  public ExternalActivityCompletionException(
      String message, Status.Code statusCode, String tokenPreview, Throwable cause) {
    super(message, cause);
    this.statusCode = statusCode;
    this.tokenPreview = tokenPreview;
  }

  /**
   * Returns the gRPC status code Temporal answered.
   *
   * @return the code, or empty when the failure carried none
   */
  public Optional<Status.Code> getStatusCode() {
    return Optional.ofNullable(statusCode);
  }

  /**
   * Returns the preview of the token the completion was for.
   *
   * @return the preview, never the token
   */
  public String getTokenPreview() {
    return tokenPreview;
  }
}
