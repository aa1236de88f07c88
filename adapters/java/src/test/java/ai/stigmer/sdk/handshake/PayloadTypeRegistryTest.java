package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionSpec;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionStatus;
import ai.stigmer.agentic.agentexecution.v1.AgentMessage;
import ai.stigmer.agentic.agentexecution.v1.ExecutionPhase;
import ai.stigmer.agentic.agentexecution.v1.MessageType;
import ai.stigmer.agentic.executioncontext.v1.ExecutionValue;
import ai.stigmer.commons.apiresource.ApiResourceMetadata;
import ai.stigmer.sdk.v1.CompleteExternalActivityInput;
import ai.stigmer.sdk.v1.PayloadEncoding;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PayloadTypeRegistryTest {

  /**
   * Deterministic encoding of {@link #golden()}, written by Python protobuf ({@code
   * SerializeToString(deterministic=True)}): the bytes every SDK must put in the payload.
   */
  private static final String GOLDEN_HEX =
      "0a156167656e7469632e737469676d65722e61692f7631120e4167656e74457865637574696f6e1a550a06676f6c"
          + "64656e1a0461652d37320a0a05616c70686112013232080a036d696412013332090a047a6574611201313a24"
          + "0a1a737469676d65722e61692f6964656d706f74656e63792d6b6579120676313a616263222b1207616765"
          + "6e742d311a0a68c3a96c6c6f20e29c932a080a014112030a01612a0a0a015a12050a017a10012a380a1e08"
          + "021204646f6e651a14323032362d30312d32325431303a30303a30305a10034214323032362d30312d3232"
          + "5431303a30303a30315a";

  /** The golden message, with every map filled in reverse key order. */
  static AgentExecution golden() {
    return AgentExecution.newBuilder()
        .setApiVersion("agentic.stigmer.ai/v1")
        .setKind("AgentExecution")
        .setMetadata(
            ApiResourceMetadata.newBuilder()
                .setId("ae-7")
                .setName("golden")
                .putLabels("zeta", "1")
                .putLabels("mid", "3")
                .putLabels("alpha", "2")
                .putAnnotations("stigmer.ai/idempotency-key", "v1:abc"))
        .setSpec(
            AgentExecutionSpec.newBuilder()
                .setAgentId("agent-1")
                .setMessage("héllo ✓")
                .putRuntimeEnv(
                    "Z", ExecutionValue.newBuilder().setValue("z").setIsSecret(true).build())
                .putRuntimeEnv("A", ExecutionValue.newBuilder().setValue("a").build()))
        .setStatus(
            AgentExecutionStatus.newBuilder()
                .setPhase(ExecutionPhase.EXECUTION_COMPLETED)
                .addMessages(
                    AgentMessage.newBuilder()
                        .setType(MessageType.MESSAGE_AI)
                        .setContent("done")
                        .setTimestamp("2026-01-22T10:00:00Z"))
                .setCompletedAt("2026-01-22T10:00:01Z"))
        .build();
  }

  private static String meta(Payload payload, String key) {
    return payload.getMetadataOrThrow(key).toStringUtf8();
  }

  @Test
  void binaryPayloadIsTheDeterministicEncodingEverySdkWrites() {
    AgentExecution message = golden();
    // Any.pack serialises non-deterministically (maps in insertion order, here reversed).
    Any packed = Any.pack(message);
    ByteString golden = ByteString.copyFrom(HexFormat.of().parseHex(GOLDEN_HEX));
    assertNotEquals(golden, packed.getValue(), "the test needs a non-canonical input");

    for (PayloadEncoding encoding :
        new PayloadEncoding[] {
          PayloadEncoding.PAYLOAD_ENCODING_UNSPECIFIED,
          PayloadEncoding.PAYLOAD_ENCODING_BINARY_PROTOBUF
        }) {
      Payload payload = PayloadTypeRegistry.stigmerDefaults().toPayload(packed, encoding);
      assertEquals("binary/protobuf", meta(payload, "encoding"));
      assertEquals(
          "ai.stigmer.agentic.agentexecution.v1.AgentExecution", meta(payload, "messageType"));
      assertEquals(2, payload.getMetadataCount());
      assertEquals(golden, payload.getData());
    }
    assertEquals(golden, PayloadTypeRegistry.binaryPayload(message).getData());
    assertEquals(golden, PayloadTypeRegistry.deterministicBytes(message));
  }

  @Test
  void unknownTypesPassThroughUntouched() {
    Any packed =
        Any.newBuilder()
            .setTypeUrl("type.googleapis.com/acme.v1.Unknown")
            .setValue(ByteString.copyFrom(new byte[] {0x0a, 0x02, 'h', 'i', (byte) 0xff}))
            .build();
    Payload payload =
        PayloadTypeRegistry.stigmerDefaults()
            .toPayload(packed, PayloadEncoding.PAYLOAD_ENCODING_BINARY_PROTOBUF);
    assertEquals("acme.v1.Unknown", meta(payload, "messageType"));
    assertEquals(packed.getValue(), payload.getData());
  }

  @Test
  void jsonPayloadDecodesToAnEqualMessage() throws Exception {
    Payload payload =
        PayloadTypeRegistry.stigmerDefaults()
            .toPayload(Any.pack(golden()), PayloadEncoding.PAYLOAD_ENCODING_JSON_PROTOBUF);
    assertEquals("json/protobuf", meta(payload, "encoding"));
    assertEquals(
        "ai.stigmer.agentic.agentexecution.v1.AgentExecution", meta(payload, "messageType"));
    AgentExecution.Builder parsed = AgentExecution.newBuilder();
    JsonFormat.parser().merge(payload.getData().toStringUtf8(), parsed);
    assertEquals(golden(), parsed.build());
    // Temporal's own converter reads it back into the declared type.
    DataConverter converter = DefaultDataConverter.newDefaultInstance();
    assertEquals(
        golden(), converter.fromPayload(payload, AgentExecution.class, AgentExecution.class));
  }

  @Test
  void jsonNeedsAKnownType() {
    Any packed = Any.newBuilder().setTypeUrl("type.googleapis.com/acme.v1.Unknown").build();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                PayloadTypeRegistry.stigmerDefaults()
                    .toPayload(packed, PayloadEncoding.PAYLOAD_ENCODING_JSON_PROTOBUF));
    assertTrue(e.getMessage().contains("acme.v1.Unknown"), e.getMessage());
    // Registering the type makes it work.
    PayloadTypeRegistry withInput =
        PayloadTypeRegistry.newBuilder()
            .add(CompleteExternalActivityInput.getDefaultInstance())
            .build();
    assertEquals(Optional.empty(), withInput.find(AgentExecution.getDescriptor().getFullName()));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            withInput.toPayload(
                Any.pack(golden()), PayloadEncoding.PAYLOAD_ENCODING_JSON_PROTOBUF));
  }

  @Test
  void malformedInputsAreRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> PayloadTypeRegistry.messageType(Any.newBuilder().setTypeUrl("").build()));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            PayloadTypeRegistry.messageType(
                Any.newBuilder().setTypeUrl("type.googleapis.com/").build()));
    assertEquals(
        "acme.Bare",
        PayloadTypeRegistry.messageType(Any.newBuilder().setTypeUrl("acme.Bare").build()));
    Any garbage =
        Any.newBuilder()
            .setTypeUrl("type.googleapis.com/ai.stigmer.agentic.agentexecution.v1.AgentExecution")
            .setValue(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}))
            .build();
    assertThrows(
        IllegalArgumentException.class,
        () ->
            PayloadTypeRegistry.stigmerDefaults()
                .toPayload(garbage, PayloadEncoding.PAYLOAD_ENCODING_BINARY_PROTOBUF));
  }

  @Test
  void registryDataConverterReadsAndWritesAnyFields() {
    CompleteExternalActivityInput input =
        CompletionInputs.result(ByteString.copyFromUtf8("tok"), golden(), It.options("ae-7"));
    // Temporal's default converter cannot write the JSON of an Any field...
    assertThrows(
        RuntimeException.class, () -> DefaultDataConverter.newDefaultInstance().toPayload(input));
    // ...the registry's can, and reads it back.
    DataConverter converter = PayloadTypeRegistry.stigmerDefaults().newDataConverter();
    Payload payload = converter.toPayload(input).orElseThrow();
    assertEquals("json/protobuf", meta(payload, "encoding"));
    assertTrue(payload.getData().toStringUtf8().contains("\"@type\""));
    assertEquals(
        input,
        converter.fromPayload(
            payload, CompleteExternalActivityInput.class, CompleteExternalActivityInput.class));
  }
}
