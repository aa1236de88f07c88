package ai.stigmer.sdk.handshake;

import java.time.Duration;
import java.util.Objects;

/**
 * Options of the caller helper {@link StigmerHandshake}. Immutable; build with {@link
 * #newBuilder()}.
 */
public final class HandshakeOptions {

  /** Default deadline of the {@code create} call: 30 seconds. */
  public static final Duration DEFAULT_CREATE_TIMEOUT = Duration.ofSeconds(30);

  private static final HandshakeOptions DEFAULTS = newBuilder().build();

  private final Duration createTimeout;

  private HandshakeOptions(Builder builder) {
    this.createTimeout = builder.createTimeout;
  }

  /**
   * Returns the default options (a 30 second {@code create} deadline).
   *
   * @return the shared default instance
   */
  public static HandshakeOptions getDefaultInstance() {
    return DEFAULTS;
  }

  /**
   * Returns a builder with the default values.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Returns a builder initialised from these options.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    return new Builder().setCreateTimeout(createTimeout);
  }

  /**
   * Returns the deadline of the {@code create} call.
   *
   * @return a positive duration
   */
  public Duration getCreateTimeout() {
    return createTimeout;
  }

  @Override
  public boolean equals(Object o) {
    return this == o
        || (o instanceof HandshakeOptions
            && createTimeout.equals(((HandshakeOptions) o).createTimeout));
  }

  @Override
  public int hashCode() {
    return createTimeout.hashCode();
  }

  @Override
  public String toString() {
    return "HandshakeOptions{createTimeout=" + createTimeout + '}';
  }

  /** Builder of {@link HandshakeOptions}. Not thread-safe. */
  public static final class Builder {
    private Duration createTimeout = DEFAULT_CREATE_TIMEOUT;

    private Builder() {}

    /**
     * Sets the deadline of the {@code create} call (default 30 seconds).
     *
     * @param createTimeout a positive duration
     * @return this builder
     * @throws IllegalArgumentException if the duration is zero or negative
     */
    public Builder setCreateTimeout(Duration createTimeout) {
      this.createTimeout = BuilderArguments.positive(createTimeout, "createTimeout");
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the immutable options
     */
    public HandshakeOptions build() {
      return new HandshakeOptions(this);
    }
  }
}
