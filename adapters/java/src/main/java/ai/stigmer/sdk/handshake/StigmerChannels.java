package ai.stigmer.sdk.handshake;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC channel to a Stigmer service with the client behaviour every SDK shares (handshake
 * contract, "Client retries" and "Client credentials"):
 *
 * <ul>
 *   <li>UNAVAILABLE is retried by gRPC itself, through the channel's retry service config ({@link
 *       #serviceConfig()}: at most 5 attempts, gRPC's cap, with exponential backoff from 100 ms to
 *       5 s, and {@code waitForReady}, so a call to a service that is down waits for it until the
 *       call's deadline instead of failing at once). No hand-written loop: the call's deadline
 *       bounds everything;
 *   <li>a default deadline of 30 s ({@link #DEFAULT_CALL_TIMEOUT}, {@link
 *       Builder#setDefaultCallTimeout}) on every unary call that has none of its own, so that a
 *       call made while the service is down fails with {@code DEADLINE_EXCEEDED} instead of
 *       waiting forever; streams ({@code subscribe}) get none: their caller bounds them;
 *   <li>an optional API key sent as {@code authorization: Bearer <key>} on every call ({@link
 *       BearerTokenCredentials}).
 * </ul>
 *
 * <pre>{@code
 * ManagedChannel channel = StigmerChannels.newBuilder("stigmer.internal:7233")
 *     .setApiKey(System.getenv("STIGMER_API_KEY"))
 *     .build();
 * var agents = AgentExecutionCommandControllerGrpc.newBlockingStub(channel);
 * }</pre>
 *
 * <p>A retried {@code create} carries the same idempotency key, so a retry after a lost answer
 * maps to the execution its first attempt created.
 */
public final class StigmerChannels {

  /** Attempts of a call, the first included: gRPC's maximum. */
  public static final int MAX_ATTEMPTS = 5;

  /**
   * Deadline of a unary call made without one, retries included: 30 s, as in the Python and Go
   * clients.
   */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);

  private StigmerChannels() {}

  /**
   * Returns the retry service config of the channel: every method of every service, {@code
   * waitForReady}, and a retry policy for UNAVAILABLE.
   *
   * @return the service config, in the form {@code ManagedChannelBuilder.defaultServiceConfig}
   *     takes (numbers as {@code Double})
   */
  public static Map<String, ?> serviceConfig() {
    Map<String, Object> retryPolicy = new LinkedHashMap<>();
    retryPolicy.put("maxAttempts", (double) MAX_ATTEMPTS);
    retryPolicy.put("initialBackoff", "0.1s");
    retryPolicy.put("maxBackoff", "5s");
    retryPolicy.put("backoffMultiplier", 2.0);
    retryPolicy.put("retryableStatusCodes", Collections.singletonList("UNAVAILABLE"));
    Map<String, Object> methodConfig = new LinkedHashMap<>();
    // An empty name applies to every method of every service.
    methodConfig.put("name", Collections.singletonList(Collections.emptyMap()));
    methodConfig.put("waitForReady", true);
    methodConfig.put("retryPolicy", Collections.unmodifiableMap(retryPolicy));
    return Collections.singletonMap(
        "methodConfig", Collections.singletonList(Collections.unmodifiableMap(methodConfig)));
  }

  /**
   * Returns a builder for a channel to a target ({@code host:port}, or any gRPC target string).
   *
   * @param target the address of the Stigmer service
   * @return a new builder, with TLS unless {@link Builder#usePlaintext()} is called
   */
  public static Builder newBuilder(String target) {
    return new Builder(Objects.requireNonNull(target, "target"));
  }

  /** Builder of a Stigmer channel. Not thread-safe. */
  public static final class Builder {
    private final String target;
    private boolean plaintext;
    private BearerTokenCredentials credentials;
    private Duration defaultCallTimeout = DEFAULT_CALL_TIMEOUT;

    private Builder(String target) {
      this.target = target;
    }

    /**
     * Connects without TLS (loopback development, or behind a sidecar that terminates TLS).
     *
     * @return this builder
     */
    public Builder usePlaintext() {
      this.plaintext = true;
      return this;
    }

    /**
     * Sends an API key or bearer token as {@code authorization: Bearer <key>} on every call.
     *
     * <p>{@code null} or {@code ""} means no key: calls carry no {@code authorization} header, as
     * with Python's {@code api_key=None} and Go without {@code WithAPIKey}. So {@code
     * setApiKey(System.getenv("STIGMER_API_KEY"))} works whether the variable is set or not.
     *
     * @param apiKey the key, without the {@code Bearer } prefix; {@code null} or empty for none
     * @return this builder
     * @throws IllegalArgumentException if the key has a character that cannot travel in a header
     *     (whitespace, control or non-ASCII characters)
     */
    public Builder setApiKey(String apiKey) {
      this.credentials =
          apiKey == null || apiKey.isEmpty() ? null : BearerTokenCredentials.of(apiKey);
      return this;
    }

    /**
     * Sets the deadline of every unary call made without one ({@link #DEFAULT_CALL_TIMEOUT} by
     * default); a call's own deadline ({@code stub.withDeadlineAfter}) wins.
     *
     * @param timeout the deadline, retries included; positive
     * @return this builder
     * @throws IllegalArgumentException if the timeout is not positive
     */
    public Builder setDefaultCallTimeout(Duration timeout) {
      this.defaultCallTimeout = BuilderArguments.positive(timeout, "defaultCallTimeout");
      return this;
    }

    /**
     * Returns the underlying gRPC builder with the retry config and the credentials applied, for
     * settings of your own (keep-alive, TLS trust, executor, ...).
     *
     * @return a gRPC channel builder
     */
    public ManagedChannelBuilder<?> toManagedChannelBuilder() {
      ManagedChannelBuilder<?> builder =
          ManagedChannelBuilder.forTarget(target)
              .defaultServiceConfig(serviceConfig())
              .enableRetry();
      if (plaintext) {
        builder.usePlaintext();
      } else {
        builder.useTransportSecurity();
      }
      if (credentials != null) {
        builder.intercept(new CredentialsInterceptor(credentials));
      }
      builder.intercept(new DefaultDeadlineInterceptor(defaultCallTimeout));
      return builder;
    }

    /**
     * Builds the channel; shut it down when done.
     *
     * @return the channel
     */
    public ManagedChannel build() {
      return toManagedChannelBuilder().build();
    }
  }

  /** Gives every unary call without a deadline the default one. */
  private static final class DefaultDeadlineInterceptor implements ClientInterceptor {
    private final long nanos;

    DefaultDeadlineInterceptor(Duration timeout) {
      this.nanos = timeout.toNanos();
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      CallOptions withDeadline =
          options.getDeadline() == null && method.getType() == MethodDescriptor.MethodType.UNARY
              ? options.withDeadlineAfter(nanos, TimeUnit.NANOSECONDS)
              : options;
      return next.newCall(method, withDeadline);
    }
  }

  /** Puts the credentials on every call that has none of its own. */
  private static final class CredentialsInterceptor implements ClientInterceptor {
    private final BearerTokenCredentials credentials;

    CredentialsInterceptor(BearerTokenCredentials credentials) {
      this.credentials = credentials;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      CallOptions withCredentials =
          options.getCredentials() == null ? options.withCallCredentials(credentials) : options;
      return next.newCall(method, withCredentials);
    }
  }
}
