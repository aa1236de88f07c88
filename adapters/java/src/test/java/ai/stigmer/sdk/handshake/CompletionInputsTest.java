package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.commons.apiresource.ApiResourceMetadata;
import ai.stigmer.sdk.v1.ActivityFailure;
import ai.stigmer.sdk.v1.CompleteExternalActivityInput;
import ai.stigmer.sdk.v1.PayloadEncoding;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** The token, outcome, options order of {@link CompletionInputs} and its refusals. */
class CompletionInputsTest {

  private static final ByteString TOKEN = ByteString.copyFromUtf8("token");
  private static final ApiResourceMetadata RESULT =
      ApiResourceMetadata.newBuilder().setId("ae-1").build();
  private static final CompletionOptions WITH_ID =
      CompletionOptions.newBuilder().setExecutionId("ae-1").build();

  @Test
  void resultDefaultsToBinaryProtobufWithoutExecutionId() {
    CompleteExternalActivityInput input = CompletionInputs.result(TOKEN, RESULT);
    assertEquals(TOKEN, input.getCallbackToken());
    assertEquals(Any.pack(RESULT), input.getResult());
    assertEquals(PayloadEncoding.PAYLOAD_ENCODING_BINARY_PROTOBUF, input.getResultEncoding());
    assertEquals("", input.getExecutionId());
  }

  @Test
  void resultTakesItsOptions() {
    CompleteExternalActivityInput input =
        CompletionInputs.result(
            TOKEN,
            RESULT,
            CompletionOptions.newBuilder()
                .setExecutionId("ae-1")
                .setResultEncoding(PayloadEncoding.PAYLOAD_ENCODING_JSON_PROTOBUF)
                .build());
    assertEquals("ae-1", input.getExecutionId());
    assertEquals(PayloadEncoding.PAYLOAD_ENCODING_JSON_PROTOBUF, input.getResultEncoding());
  }

  @Test
  void failureCarriesTheFailureValue() {
    ActivityFailure failure =
        ActivityFailure.newBuilder()
            .setType(HandshakeFailureTypes.AGENT_EXECUTION_FAILED)
            .setMessage("the model refused")
            .setNonRetryable(true)
            .addDetails(Any.pack(RESULT))
            .build();
    CompleteExternalActivityInput input = CompletionInputs.failure(TOKEN, failure, WITH_ID);
    assertEquals(failure, input.getFailure());
    assertEquals("ae-1", input.getExecutionId());
    assertEquals(TOKEN, input.getCallbackToken());
  }

  @Test
  void cancellationCarriesItsDetails() {
    CompleteExternalActivityInput input =
        CompletionInputs.cancellation(
            TOKEN, CompletionOptions.newBuilder().addCancellationDetails(RESULT).build());
    assertTrue(input.hasCancellation());
    assertEquals(Any.pack(RESULT), input.getCancellation().getDetails(0));
    assertTrue(CompletionInputs.cancellation(TOKEN).hasCancellation());
  }

  @Test
  void optionsThatDoNotApplyAreRefused() {
    CompletionOptions encoding =
        CompletionOptions.newBuilder()
            .setResultEncoding(PayloadEncoding.PAYLOAD_ENCODING_JSON_PROTOBUF)
            .build();
    CompletionOptions details =
        CompletionOptions.newBuilder().addCancellationDetails(RESULT).build();
    ActivityFailure failure = ActivityFailure.newBuilder().setMessage("m").build();
    assertThrows(
        IllegalArgumentException.class, () -> CompletionInputs.failure(TOKEN, failure, encoding));
    assertThrows(
        IllegalArgumentException.class, () -> CompletionInputs.failure(TOKEN, failure, details));
    assertThrows(
        IllegalArgumentException.class, () -> CompletionInputs.result(TOKEN, RESULT, details));
    assertThrows(
        IllegalArgumentException.class, () -> CompletionInputs.cancellation(TOKEN, encoding));
  }
}
