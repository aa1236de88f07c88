package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.ExecutionPhase;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DataConverterException;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Decoding what the deployed Stigmer service sends, with the captured payloads. */
class StigmerDataConverterTest {

  private static final DataConverter CONVERTER = StigmerDataConverter.create();

  private static <T> T decode(DataConverter converter, Payload payload, Class<T> type) {
    return converter.fromPayload(payload, type, type);
  }

  private static Payload json(String encoding, String json, String messageType) {
    Payload.Builder payload =
        Payload.newBuilder()
            .putMetadata("encoding", ByteString.copyFromUtf8(encoding))
            .setData(ByteString.copyFrom(json, StandardCharsets.UTF_8));
    if (messageType != null) {
      payload.putMetadata("messageType", ByteString.copyFromUtf8(messageType));
    }
    return payload.build();
  }

  /** The AgentExecution the captured json/plain payload holds. */
  private static void assertCapturedExecution(AgentExecution execution) {
    assertEquals("agentic.stigmer.ai/v1", execution.getApiVersion());
    assertEquals("AgentExecution", execution.getKind());
    assertEquals("aex-01m8r54we0wrtb949nvtg43c2h", execution.getMetadata().getId());
    assertEquals("interop-raw", execution.getMetadata().getName());
    assertEquals("interop-raw", execution.getMetadata().getSlug());
    assertEquals(
        "v1:b387d4532a32de8a31e4b37c390bb9c2e8ef4a4922a4c512f3c98daa8164c149",
        execution.getMetadata().getAnnotationsOrThrow(IdempotencyKeys.ANNOTATION_KEY));
    assertEquals("agt-01m8r535a66j1kqchbr2njr6tg", execution.getSpec().getAgentId());
    assertEquals("hello raw", execution.getSpec().getMessage());
    assertEquals("ses-01m8r54weggdskmfr8g1055p4n", execution.getSpec().getSessionId());
    assertEquals(DeployedPayloads.token(), execution.getSpec().getCallbackToken());
    assertEquals(ExecutionPhase.EXECUTION_PENDING, execution.getStatus().getPhase());
    // status.audit: read when the generated schema has it (the deployed schema), ignored otherwise.
    FieldDescriptor audit =
        execution.getStatus().getDescriptorForType().findFieldByName("audit");
    if (audit != null) {
      Message specAudit =
          (Message)
              ((Message) execution.getStatus().getField(audit))
                  .getField(audit.getMessageType().findFieldByName("spec_audit"));
      Timestamp created =
          (Timestamp) specAudit.getField(specAudit.getDescriptorForType().findFieldByName("created_at"));
      assertEquals(1796107039L, created.getSeconds());
      assertEquals(168535530, created.getNanos());
    }
  }

  @Test
  void deployedJsonPlainCompletionDecodesIntoTheExecution() {
    Payload payload = DeployedPayloads.payload(DeployedPayloads.COMPLETION_SUCCESS);
    assertEquals("json/plain", payload.getMetadataOrThrow("encoding").toStringUtf8());
    assertCapturedExecution(decode(CONVERTER, payload, AgentExecution.class));
  }

  @Test
  void temporalsDefaultConverterCannotDecodeIt() {
    Payload payload = DeployedPayloads.payload(DeployedPayloads.COMPLETION_SUCCESS);
    assertThrows(
        DataConverterException.class,
        () -> decode(DefaultDataConverter.newDefaultInstance(), payload, AgentExecution.class));
  }

  @Test
  void jsonProtobufWithFieldsThisSchemaLacksDecodes() {
    String json =
        "{\"apiVersion\":\"agentic.stigmer.ai/v1\",\"kind\":\"AgentExecution\","
            + "\"metadata\":{\"id\":\"aex-1\",\"ownerScope\":\"organization\",\"shard\":\"7\"},"
            + "\"status\":{\"phase\":\"EXECUTION_COMPLETED\",\"futureList\":[{\"a\":1}],"
            + "\"messages\":[{\"type\":\"MESSAGE_AI\",\"content\":\"done\",\"reactions\":[]}],"
            + "\"futureAudit\":{\"specAudit\":{\"createdAt\":\"2026-12-01T00:00:00Z\"}}}}";
    Payload payload =
        json("json/protobuf", json, "ai.stigmer.agentic.agentexecution.v1.AgentExecution");
    AgentExecution execution = decode(CONVERTER, payload, AgentExecution.class);
    assertEquals("aex-1", execution.getMetadata().getId());
    assertEquals(ExecutionPhase.EXECUTION_COMPLETED, execution.getStatus().getPhase());
    assertEquals("done", execution.getStatus().getMessages(0).getContent());
  }

  @Test
  void binaryProtobufDecodes() {
    AgentExecution execution = It.finished("aex-2", "hello");
    Payload payload = PayloadTypeRegistry.binaryPayload(execution);
    assertEquals(execution, decode(CONVERTER, payload, AgentExecution.class));
  }

  @Test
  void goStructFormsOfWellKnownTypesAndOneofs() {
    // structpb.Struct as Go writes it: oneof "Kind" holding the wrapper of the set case.
    String json =
        "{\"kind\":\"WorkflowExecution\",\"status\":{\"phase\":3,\"output\":{\"fields\":{"
            + "\"rows\":{\"Kind\":{\"NumberValue\":42}},\"ok\":{\"Kind\":{\"BoolValue\":true}},"
            + "\"name\":{\"Kind\":{\"StringValue\":\"n\"}}}}},\"unknown_field\":[1,2]}";
    WorkflowExecution execution =
        decode(CONVERTER, json("json/plain", json, null), WorkflowExecution.class);
    assertEquals(ai.stigmer.agentic.workflowexecution.v1.ExecutionPhase.EXECUTION_COMPLETED,
        execution.getStatus().getPhase());
    Struct output = execution.getStatus().getOutput();
    assertEquals(42.0, output.getFieldsOrThrow("rows").getNumberValue());
    assertTrue(output.getFieldsOrThrow("ok").getBoolValue());
    assertEquals("n", output.getFieldsOrThrow("name").getStringValue());
    // The proto JSON form of a Struct is read too.
    String protoForm = "{\"status\":{\"output\":{\"rows\":42,\"list\":[1,\"a\"]}}}";
    Struct again =
        decode(CONVERTER, json("json/plain", protoForm, null), WorkflowExecution.class)
            .getStatus()
            .getOutput();
    assertEquals(42.0, again.getFieldsOrThrow("rows").getNumberValue());
    assertEquals(
        Value.newBuilder().setStringValue("a").build(),
        again.getFieldsOrThrow("list").getListValue().getValues(1));
  }

  @Test
  void unknownEnumNumbersAreKept() {
    AgentExecution execution =
        decode(
            CONVERTER,
            json("json/plain", "{\"status\":{\"phase\":42}}", null),
            AgentExecution.class);
    assertEquals(42, execution.getStatus().getPhaseValue());
  }

  @Test
  void nonProtobufTypesStayJackson() {
    Payload payload = CONVERTER.toPayload(java.util.Map.of("a", 1)).orElseThrow();
    assertEquals("json/plain", payload.getMetadataOrThrow("encoding").toStringUtf8());
    assertEquals(java.util.Map.of("a", 1), decode(CONVERTER, payload, java.util.Map.class));
  }
}
