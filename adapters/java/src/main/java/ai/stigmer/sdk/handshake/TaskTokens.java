package ai.stigmer.sdk.handshake;

import com.google.protobuf.ByteString;
import java.util.Base64;

/**
 * Safe identification of Temporal task tokens.
 *
 * <p>A task token is a bearer credential: whoever holds it can complete the activity it belongs to.
 * Nothing in this SDK logs, returns or puts into an error message the full token or its full Base64
 * form; where a token must be identified, its {@linkplain #preview(byte[]) preview} is used instead
 * (handshake contract, section 3).
 */
public final class TaskTokens {

  /** Preview of the empty (or absent) token. */
  public static final String EMPTY_PREVIEW = "<empty>";

  /** Number of Base64 characters a preview shows of a token whose Base64 form is longer. */
  public static final int PREVIEW_LENGTH = 20;

  private static final String ELLIPSIS = "...";

  private TaskTokens() {}

  /**
   * Returns the preview of a token: the first 20 characters of its standard Base64 form (RFC 4648,
   * with padding) followed by {@code "..."}; when the Base64 form has 20 characters or fewer, only
   * its first half (rounded down) followed by {@code "..."}, so that a short token is never shown
   * whole. The empty or {@code null} token previews as {@code "<empty>"}.
   *
   * @param token the raw token bytes, may be {@code null}
   * @return the preview, never the full token
   */
  public static String preview(byte[] token) {
    if (token == null || token.length == 0) {
      return EMPTY_PREVIEW;
    }
    String base64 = Base64.getEncoder().encodeToString(token);
    int shown = base64.length() > PREVIEW_LENGTH ? PREVIEW_LENGTH : base64.length() / 2;
    return base64.substring(0, shown) + ELLIPSIS;
  }

  /**
   * Returns the preview of a token held as a {@link ByteString}, as {@link #preview(byte[])}.
   *
   * @param token the raw token bytes, may be {@code null}
   * @return the preview, never the full token
   */
  public static String preview(ByteString token) {
    return token == null ? EMPTY_PREVIEW : preview(token.toByteArray());
  }
}
