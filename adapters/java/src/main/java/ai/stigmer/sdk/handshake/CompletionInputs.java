package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.v1.ActivityCancellation;
import ai.stigmer.sdk.v1.ActivityFailure;
import ai.stigmer.sdk.v1.CompleteExternalActivityInput;
import ai.stigmer.sdk.v1.PayloadEncoding;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import java.util.Objects;

/**
 * Builds a {@link CompleteExternalActivityInput}. Deterministic, so usable in workflow code.
 *
 * <p>Every constructor takes the callback token first, then the outcome (the result, or the
 * failure value {@code {type, message, non_retryable, details}} as an {@link ActivityFailure}, or
 * nothing for a cancellation), then {@link CompletionOptions} (execution id, result encoding,
 * cancellation details): the order of Go's {@code handshake.ResultInput}, {@code FailureInput}
 * and {@code CancellationInput}.
 *
 * <pre>{@code
 * CompletionInputs.result(token, finished,
 *     CompletionOptions.newBuilder().setExecutionId(id).build());
 * CompletionInputs.failure(token,
 *     ActivityFailure.newBuilder()
 *         .setType(HandshakeFailureTypes.AGENT_EXECUTION_FAILED)
 *         .setMessage("the model refused")
 *         .setNonRetryable(true)
 *         .build(),
 *     CompletionOptions.newBuilder().setExecutionId(id).build());
 * CompletionInputs.cancellation(token);
 * }</pre>
 */
public final class CompletionInputs {

  private CompletionInputs() {}

  /**
   * Completes the caller's activity successfully with a result, encoded as {@code binary/protobuf}.
   *
   * @param callbackToken the caller's task token, as received in {@code spec.callback_token}
   * @param result the activity result, for example the finished execution
   * @return the input
   */
  public static CompleteExternalActivityInput result(ByteString callbackToken, Message result) {
    return result(callbackToken, result, CompletionOptions.getDefaultInstance());
  }

  /**
   * Completes the caller's activity successfully with a result.
   *
   * @param callbackToken the caller's task token, as received in {@code spec.callback_token}
   * @param result the activity result, for example the finished execution
   * @param options the execution id and the result encoding ({@code binary/protobuf} if unset)
   * @return the input
   * @throws IllegalArgumentException when the options hold cancellation details
   */
  public static CompleteExternalActivityInput result(
      ByteString callbackToken, Message result, CompletionOptions options) {
    Objects.requireNonNull(result, "result");
    CompleteExternalActivityInput.Builder input =
        base(callbackToken, options, "a result", true, false);
    PayloadEncoding encoding = options.getResultEncoding();
    return input
        .setResult(Any.pack(result))
        .setResultEncoding(
            encoding == null ? PayloadEncoding.PAYLOAD_ENCODING_BINARY_PROTOBUF : encoding)
        .build();
  }

  /**
   * Fails the caller's activity with an application failure.
   *
   * @param callbackToken the caller's task token, as received in {@code spec.callback_token}
   * @param failure type, message, non-retryable flag and details of the failure
   * @return the input
   */
  public static CompleteExternalActivityInput failure(
      ByteString callbackToken, ActivityFailure failure) {
    return failure(callbackToken, failure, CompletionOptions.getDefaultInstance());
  }

  /**
   * Fails the caller's activity with an application failure.
   *
   * @param callbackToken the caller's task token, as received in {@code spec.callback_token}
   * @param failure type, message, non-retryable flag and details of the failure
   * @param options the execution id
   * @return the input
   * @throws IllegalArgumentException when the options hold a result encoding or cancellation
   *     details
   */
  public static CompleteExternalActivityInput failure(
      ByteString callbackToken, ActivityFailure failure, CompletionOptions options) {
    Objects.requireNonNull(failure, "failure");
    return base(callbackToken, options, "a failure", false, false).setFailure(failure).build();
  }

  /**
   * Reports the caller's activity cancelled, after its workflow requested cancellation.
   *
   * @param callbackToken the caller's task token, as received in {@code spec.callback_token}
   * @return the input
   */
  public static CompleteExternalActivityInput cancellation(ByteString callbackToken) {
    return cancellation(callbackToken, CompletionOptions.getDefaultInstance());
  }

  /**
   * Reports the caller's activity cancelled, after its workflow requested cancellation.
   *
   * @param callbackToken the caller's task token, as received in {@code spec.callback_token}
   * @param options the execution id and the cancellation details
   * @return the input
   * @throws IllegalArgumentException when the options hold a result encoding
   */
  public static CompleteExternalActivityInput cancellation(
      ByteString callbackToken, CompletionOptions options) {
    CompleteExternalActivityInput.Builder input =
        base(callbackToken, options, "a cancellation", false, true);
    ActivityCancellation.Builder cancellation = ActivityCancellation.newBuilder();
    for (Message detail : options.getCancellationDetails()) {
      cancellation.addDetails(Any.pack(detail));
    }
    return input.setCancellation(cancellation).build();
  }

  /**
   * The input's token and execution id, once the options are checked against the outcome.
   *
   * @param outcome the outcome, for the message: {@code "a result"}, ...
   * @param encodingApplies whether the outcome takes a result encoding
   * @param detailsApply whether the outcome takes cancellation details
   * @throws IllegalArgumentException when the options hold what does not apply to the outcome
   */
  private static CompleteExternalActivityInput.Builder base(
      ByteString callbackToken,
      CompletionOptions options,
      String outcome,
      boolean encodingApplies,
      boolean detailsApply) {
    Objects.requireNonNull(options, "options");
    if (!encodingApplies && options.getResultEncoding() != null) {
      throw new IllegalArgumentException("a result encoding does not apply to " + outcome);
    }
    if (!detailsApply && !options.getCancellationDetails().isEmpty()) {
      throw new IllegalArgumentException("cancellation details do not apply to " + outcome);
    }
    return CompleteExternalActivityInput.newBuilder()
        .setCallbackToken(Objects.requireNonNull(callbackToken, "callbackToken"))
        .setExecutionId(options.getExecutionId());
  }
}
