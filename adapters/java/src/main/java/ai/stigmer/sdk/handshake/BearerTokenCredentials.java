package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import io.grpc.CallCredentials;
import io.grpc.Metadata;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * gRPC call credentials that send an API key or bearer token as {@code authorization: Bearer
 * <token>} on every call, as the Python and Go clients do. Use them on a stub ({@code
 * stub.withCallCredentials(...)}) or for every call of a channel with {@link
 * StigmerChannels.Builder#setApiKey}.
 *
 * <p>The token is sent as given, also over a plaintext channel (meant for loopback development);
 * use TLS anywhere else. {@link #toString()} never shows it.
 */
public final class BearerTokenCredentials extends CallCredentials {

  /** The metadata key the token travels in. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of(Contract.HEADER_AUTHORIZATION, Metadata.ASCII_STRING_MARSHALLER);

  private final String headerValue;

  private BearerTokenCredentials(String token) {
    this.headerValue = "Bearer " + token;
  }

  /**
   * Returns credentials for an API key or bearer token.
   *
   * @param token the key, without the {@code Bearer } prefix
   * @return the credentials
   * @throws IllegalArgumentException if the token is empty or has characters that cannot travel in
   *     an ASCII header (control characters, non-ASCII)
   */
  public static BearerTokenCredentials of(String token) {
    Objects.requireNonNull(token, "token");
    if (token.isEmpty()) {
      throw new IllegalArgumentException("the API key is empty");
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        throw new IllegalArgumentException(
            "the API key has a character that cannot travel in a header, at index " + i);
      }
    }
    return new BearerTokenCredentials(token);
  }

  @Override
  public void applyRequestMetadata(
      RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, headerValue);
    applier.apply(headers);
  }

  @Override
  public String toString() {
    return "BearerTokenCredentials{<redacted>}";
  }
}
