package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.v1.PayloadEncoding;
import com.google.protobuf.Message;
import java.util.ArrayList;
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
public final class CompletionOptions {

  private static final CompletionOptions DEFAULT = newBuilder().build();

  private final String executionId;
  private final PayloadEncoding resultEncoding;
  private final List<Message> cancellationDetails;

  private CompletionOptions(Builder builder) {
    this.executionId = builder.executionId;
    this.resultEncoding = builder.resultEncoding;
    this.cancellationDetails =
        java.util.Collections.unmodifiableList(new java.util.ArrayList<>(builder.cancellationDetails));
  }

  /** Returns a builder with no option set. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** Options with nothing set: no execution id, {@code binary/protobuf} results, no details. */
  public static CompletionOptions getDefaultInstance() {
    return DEFAULT;
  }

  /** The execution the completion belongs to (only logged, beside the token preview); "" if unset. */
  public String getExecutionId() {
    return executionId;
  }

  /**
   * The result encoding, or {@code null} when unset ({@code binary/protobuf} is then used).
   *
   * @return the encoding or {@code null}
   */
  public PayloadEncoding getResultEncoding() {
    return resultEncoding;
  }

  /** The details delivered with a cancellation, each as one payload. */
  public List<Message> getCancellationDetails() {
    return cancellationDetails;
  }

  /** Builds {@link CompletionOptions}. */
  public static final class Builder {
    private String executionId = "";
    private PayloadEncoding resultEncoding;
    private final List<Message> cancellationDetails = new ArrayList<>();

    private Builder() {}

    /**
     * Sets the execution the completion belongs to; it is only logged.
     *
     * @param executionId the execution id, for example {@code ae-123}
     * @return this builder
     */
    public Builder setExecutionId(String executionId) {
      this.executionId = Objects.requireNonNull(executionId, "executionId");
      return this;
    }

    /**
     * Sets the payload encoding of a result; for results only.
     *
     * @param resultEncoding {@code PAYLOAD_ENCODING_BINARY_PROTOBUF} (the default) or {@code
     *     PAYLOAD_ENCODING_JSON_PROTOBUF}
     * @return this builder
     */
    public Builder setResultEncoding(PayloadEncoding resultEncoding) {
      this.resultEncoding = Objects.requireNonNull(resultEncoding, "resultEncoding");
      return this;
    }

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

    /** Returns the options. */
    public CompletionOptions build() {
      return new CompletionOptions(this);
    }
  }
}
