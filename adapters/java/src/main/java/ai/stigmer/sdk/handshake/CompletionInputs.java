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
 * Shorthands for building a {@link CompleteExternalActivityInput}. Deterministic, so usable in
 * workflow code.
 */
public final class CompletionInputs {

  private CompletionInputs() {}

  /**
   * Completes the caller's activity successfully with a result, encoded as {@code binary/protobuf}.
   *
   * @param callbackToken the caller's task token, as received in {@code spec.callback_token}
   * @param result the activity result, for example the finished execution
   * @param executionId the execution the completion belongs to, for logs
   * @return the input
   */
  public static CompleteExternalActivityInput success(
      ByteString callbackToken, Message result, String executionId) {
    return success(
        callbackToken, result, executionId, PayloadEncoding.PAYLOAD_ENCODING_BINARY_PROTOBUF);
  }

  /**
   * Completes the caller's activity successfully with a result in the given encoding.
   *
   * @param callbackToken the caller's task token, as received in {@code spec.callback_token}
   * @param result the activity result, for example the finished execution
   * @param executionId the execution the completion belongs to, for logs
   * @param encoding the payload encoding of the result
   * @return the input
   */
  public static CompleteExternalActivityInput success(
      ByteString callbackToken, Message result, String executionId, PayloadEncoding encoding) {
    Objects.requireNonNull(result, "result");
    return base(callbackToken, executionId)
        .setResult(Any.pack(result))
        .setResultEncoding(Objects.requireNonNull(encoding, "encoding"))
        .build();
  }

  /**
   * Fails the caller's activity with an application failure.
   *
   * @param callbackToken the caller's task token, as received in {@code spec.callback_token}
   * @param failure type, message, non-retryable flag and details of the failure
   * @param executionId the execution the completion belongs to, for logs
   * @return the input
   */
  public static CompleteExternalActivityInput failure(
      ByteString callbackToken, ActivityFailure failure, String executionId) {
    return base(callbackToken, executionId)
        .setFailure(Objects.requireNonNull(failure, "failure"))
        .build();
  }

  /**
   * Fails the caller's activity with an application failure.
   *
   * @param callbackToken the caller's task token, as received in {@code spec.callback_token}
   * @param type the failure type, for example {@code AGENT_EXECUTION_FAILED}
   * @param message the failure message
   * @param nonRetryable whether the caller's retry policy must not retry the activity
   * @param executionId the execution the completion belongs to, for logs
   * @param details structured details, each delivered as one payload
   * @return the input
   */
  public static CompleteExternalActivityInput failure(
      ByteString callbackToken,
      String type,
      String message,
      boolean nonRetryable,
      String executionId,
      Message... details) {
    ActivityFailure.Builder failure =
        ActivityFailure.newBuilder()
            .setType(Objects.requireNonNull(type, "type"))
            .setMessage(Objects.requireNonNull(message, "message"))
            .setNonRetryable(nonRetryable);
    for (Message detail : details) {
      failure.addDetails(Any.pack(detail));
    }
    return failure(callbackToken, failure.build(), executionId);
  }

  /**
   * Reports the caller's activity cancelled, after its workflow requested cancellation.
   *
   * @param callbackToken the caller's task token, as received in {@code spec.callback_token}
   * @param executionId the execution the completion belongs to, for logs
   * @param details details delivered with the cancellation, each as one payload
   * @return the input
   */
  public static CompleteExternalActivityInput cancellation(
      ByteString callbackToken, String executionId, Message... details) {
    ActivityCancellation.Builder cancellation = ActivityCancellation.newBuilder();
    for (Message detail : details) {
      cancellation.addDetails(Any.pack(detail));
    }
    return base(callbackToken, executionId).setCancellation(cancellation).build();
  }

  private static CompleteExternalActivityInput.Builder base(
      ByteString callbackToken, String executionId) {
    return CompleteExternalActivityInput.newBuilder()
        .setCallbackToken(Objects.requireNonNull(callbackToken, "callbackToken"))
        .setExecutionId(Objects.requireNonNull(executionId, "executionId"));
  }
}
