package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
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
  public static final int PREVIEW_LENGTH = Contract.TOKEN_PREVIEW_CHARS;

  /** Number of lowercase hexadecimal characters of a {@linkplain #digest(byte[]) digest}. */
  public static final int DIGEST_LENGTH = Contract.TOKEN_DIGEST_CHARS;

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

  /**
   * Returns the short digest of a token, logged as {@code token_digest} beside every preview: the
   * first 12 lowercase hexadecimal characters of the SHA-256 of the raw token bytes (the Python
   * SDK's {@code short_token_digest}, the Go SDK's {@code TokenDigest}). Unlike the preview, which
   * shows only the proto tag and the namespace of a Temporal token, it tells tokens apart; unlike
   * the token, it cannot complete anything. The empty or {@code null} token digests as the SHA-256
   * of no bytes.
   *
   * @param token the raw token bytes, may be {@code null}
   * @return 12 lowercase hexadecimal characters
   */
  public static String digest(byte[] token) {
    return Digests.sha256Hex(token == null ? new byte[0] : token).substring(0, DIGEST_LENGTH);
  }

  /**
   * Returns the short digest of a token held as a {@link ByteString}, as {@link #digest(byte[])}.
   *
   * @param token the raw token bytes, may be {@code null}
   * @return 12 lowercase hexadecimal characters
   */
  public static String digest(ByteString token) {
    return digest(token == null ? null : token.toByteArray());
  }
}
