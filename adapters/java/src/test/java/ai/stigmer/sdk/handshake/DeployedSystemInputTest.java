package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.Payload;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The deployed service's system-activity input, with the captured payloads. */
class DeployedSystemInputTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static Payload plain(String json) {
    return Payload.newBuilder()
        .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
        .setData(ByteString.copyFrom(json, StandardCharsets.UTF_8))
        .build();
  }

  @Test
  void successCarriesTheResultWithoutItsTokens() throws Exception {
    DeployedSystemInput input =
        DeployedSystemInput.parse(DeployedPayloads.payload(DeployedPayloads.SYSTEM_INPUT_SUCCESS));
    assertEquals(DeployedPayloads.token(), input.callbackToken());
    assertFalse(input.failed());
    assertEquals("aex-01m8r54we0wrtb949nvtg43c2h", input.executionId());
    Payload result = input.resultPayload();
    assertEquals("json/plain", result.getMetadataOrThrow("encoding").toStringUtf8());
    var json = MAPPER.readTree(result.getData().toByteArray());
    assertFalse(json.get("spec").has("callback_token"), "the token is not delivered");
    assertEquals("hello raw", json.get("spec").get("message").asText());
    // The caller's converter reads it into the execution.
    AgentExecution execution =
        StigmerDataConverter.create()
            .fromPayload(result, AgentExecution.class, AgentExecution.class);
    assertEquals("aex-01m8r54we0wrtb949nvtg43c2h", execution.getMetadata().getId());
    assertTrue(execution.getSpec().getCallbackToken().isEmpty());
    String base64 =
        DeployedPayloads.file(DeployedPayloads.SYSTEM_INPUT_SUCCESS)
            .get("data")
            .get("CallbackToken")
            .asText();
    assertFalse(input.toString().contains(base64.substring(0, 24)), "no token in toString");
  }

  @Test
  void anEmptyErrorIsAFailureWithoutMessage() {
    DeployedSystemInput input =
        DeployedSystemInput.parse(DeployedPayloads.payload(DeployedPayloads.SYSTEM_INPUT_FAILURE));
    assertTrue(input.failed());
    assertNull(input.result());
    assertEquals(
        "the Stigmer service reported a failure without a message", input.failureMessage());
  }

  @Test
  void errorMessagesAreFoundWhereGoPutsThem() {
    assertEquals("boom", DeployedSystemInput.parse(plain("{\"Error\":\"boom\"}")).failureMessage());
    assertEquals(
        "boom",
        DeployedSystemInput.parse(plain("{\"Error\":{\"Message\":\"boom\"}}")).failureMessage());
    assertEquals(
        "deep",
        DeployedSystemInput.parse(plain("{\"Error\":{\"cause\":{\"msg\":\"deep\"}}}"))
            .failureMessage());
    assertEquals(
        "the Stigmer service reported a failure without a message",
        DeployedSystemInput.parse(plain("{\"Error\":{\"code\":3}}")).failureMessage());
  }

  @Test
  void anAbsentTokenIsEmptyAndNullIsNoResult() {
    DeployedSystemInput input =
        DeployedSystemInput.parse(plain("{\"Result\":null,\"Error\":null}"));
    assertTrue(input.callbackToken().isEmpty());
    assertFalse(input.failed());
    assertNull(input.result());
  }

  @Test
  void whatIsNotTheDeployedInputIsRefused() {
    for (String bad :
        new String[] {
          "{\"callback_token\":\"AQ==\"}",
          "[1]",
          "not json",
          "{\"CallbackToken\":\"%%\"}",
          "{\"CallbackToken\":42}"
        }) {
      assertThrows(
          IllegalArgumentException.class, () -> DeployedSystemInput.parse(plain(bad)), bad);
    }
  }
}
