package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.v1.PayloadEncoding;
import com.google.protobuf.Message;
import com.google.auto.value.AutoValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The optional parts of a completion input, the last argument of {@link CompletionInputs}'s
 * constructors (token, outcome, options: the order Go's {@code handshake.ResultInput}, {@code
 * FailureInput} and {@code CancellationInput} use too).
 *
 * <pre>{@code
 * CompletionInputs.result(token, finished,
 *     CompletionOptions.newBuilder().setExecutionId(id).build());
 * }</pre>
 *
 * <p>An option that does not apply to the outcome (a result encoding on a failure, cancellation
 * details on a result) is refused with an {@link IllegalArgumentException}, not ignored.
 */
@AutoValue
public abstract class CompletionOptions {

  private static final CompletionOptions DEFAULT = newBuilder().build();

  CompletionOptions() {}

  /** Returns a builder with no option set. */
  public static Builder newBuilder() {
    return new AutoValue_CompletionOptions.Builder().setExecutionId("");
  }

  /** Options with nothing set: no execution id, {@code binary/protobuf} results, no details. */
  public static CompletionOptions getDefaultInstance() {
    return DEFAULT;
  }

  /** The execution the completion belongs to (only logged, beside the token preview); "" if unset. */
  public abstract String getExecutionId();

  /**
   * The result encoding, or {@code null} when unset ({@code binary/protobuf} is then used).
   *
   * @return the encoding or {@code null}
   */
  @Nullable
  public abstract PayloadEncoding getResultEncoding();

  /** The details delivered with a cancellation, each as one payload. */
  public abstract List<Message> getCancellationDetails();

  /** Builds {@link CompletionOptions}. Not thread-safe. */
  @AutoValue.Builder
  public abstract static class Builder {
    private final List<Message> cancellationDetails = new ArrayList<>();

    Builder() {}

    /**
     * Sets the execution the completion belongs to; it is only logged.
     *
     * @param executionId the execution id, for example {@code ae-123}
     * @return this builder
     */
    public abstract Builder setExecutionId(String executionId);

    /**
     * Sets the payload encoding of a result; for results only: {@code
     * PAYLOAD_ENCODING_BINARY_PROTOBUF} (the default) or {@code PAYLOAD_ENCODING_JSON_PROTOBUF}.
     *
     * @param resultEncoding the encoding
     * @return this builder
     */
    public abstract Builder setResultEncoding(PayloadEncoding resultEncoding);

    abstract Builder setCancellationDetails(List<Message> cancellationDetails);

    /**
     * Adds details delivered with a cancellation, each as one payload; for cancellations only.
     *
     * @param details the details
     * @return this builder
     */
    public Builder addCancellationDetails(Message... details) {
      for (Message detail : details) {
        cancellationDetails.add(Objects.requireNonNull(detail, "detail"));
      }
      return this;
    }

    abstract CompletionOptions autoBuild();

    /** Returns the options. */
    public CompletionOptions build() {
      return setCancellationDetails(Collections.unmodifiableList(new ArrayList<>(cancellationDetails)))
          .autoBuild();
    }
  }
}
