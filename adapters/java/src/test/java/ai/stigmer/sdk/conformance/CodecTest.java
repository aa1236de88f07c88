package ai.stigmer.sdk.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
import ai.stigmer.conformance.v1.CodecRequest;
import ai.stigmer.conformance.v1.CodecResponse;
import ai.stigmer.sdk.handshake.PayloadTypeRegistry;
import ai.stigmer.sdk.v1.ActivityFailure;
import ai.stigmer.sdk.v1.CompleteExternalActivityInput;
import ai.stigmer.sdk.v1.PayloadEncoding;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.GeneratedMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class CodecTest {

  private static final String AGENT_EXECUTION = "ai.stigmer.agentic.agentexecution.v1.AgentExecution";

  /** An execution with maps whose keys were inserted out of order. */
  static AgentExecution sampleExecution() {
    return AgentExecution.newBuilder()
        .setApiVersion("agentic.stigmer.ai/v1")
        .setKind("AgentExecution")
        .setMetadata(
            ApiResourceMetadata.newBuilder()
                .setId("exec-1")
                .putLabels("z", "1")
                .putLabels("a", "2")
                .putLabels("m", "3")
                .putAnnotations(Temporal.CASE_ANNOTATION, "codec"))
        .setSpec(
            AgentExecutionSpec.newBuilder()
                .setAgentId("agent")
                .setMessage("héllo")
                .setCallbackToken(ByteString.copyFrom(new byte[] {0, 1, 2, (byte) 0xff}))
                .putRuntimeEnv("K2", ExecutionValue.newBuilder().setValue("2").setIsSecret(true).build())
                .putRuntimeEnv("K1", ExecutionValue.newBuilder().setValue("1").build())
                .putRuntimeEnv("K0", ExecutionValue.newBuilder().setValue("0").build()))
        .setStatus(
            AgentExecutionStatus.newBuilder()
                .setPhase(ExecutionPhase.EXECUTION_COMPLETED)
                .addMessages(
                    AgentMessage.newBuilder()
                        .setType(MessageType.MESSAGE_AI)
                        .setContent("answer ✓ 世界 🚀")
                        .setTimestamp("2026-11-22T08:00:00Z")))
        .build();
  }

  /** A vector: deterministic binary with unknown field 999 (varint 42) appended, known binary, JSON. */
  private record Vector(byte[] withUnknown, byte[] known, String json) {}

  private static Vector vector(Message message) throws IOException {
    byte[] known = PayloadTypeRegistry.deterministicBytes(message).toByteArray();
    // Tag of field 999, wire type 0: (999 << 3) | 0 = 7992 = varint 0xb8 0x3e; value 42.
    byte[] withUnknown = new byte[known.length + 3];
    System.arraycopy(known, 0, withUnknown, 0, known.length);
    withUnknown[known.length] = (byte) 0xb8;
    withUnknown[known.length + 1] = 0x3e;
    withUnknown[known.length + 2] = 42;
    String json =
        JsonFormat.printer()
            .usingTypeRegistry(PayloadTypeRegistry.stigmerDefaults().getJsonTypeRegistry())
            .print(message);
    return new Vector(withUnknown, known, json);
  }

  private static CodecResponse codec(Message message, Vector vector) throws IOException {
    return Codec.get()
        .handle(
            CodecRequest.newBuilder()
                .setMessageType(message.getDescriptorForType().getFullName())
                .setBinary(ByteString.copyFrom(vector.withUnknown()))
                .setJson(vector.json())
                .build());
  }

  @Test
  void unknownFieldSurvivesAndMapsAreSorted() throws IOException {
    AgentExecution execution = sampleExecution();
    Vector vector = vector(execution);
    CodecResponse response = codec(execution, vector);
    assertEquals(ByteString.copyFrom(vector.withUnknown()), response.getReencoded());
    assertEquals(ByteString.copyFrom(vector.known()), response.getFromJson());
    // Sorted map entries: "a" before "m" before "z" in the labels.
    String text = response.getFromJson().toStringUtf8();
    assertTrue(text.indexOf("\u0001a") < text.indexOf("\u0001m"), "labels sorted");
  }

  @Test
  void completionInputHoldingAnAgentExecution() throws IOException {
    CompleteExternalActivityInput input =
        CompleteExternalActivityInput.newBuilder()
            .setCallbackToken(ByteString.copyFromUtf8("token"))
            .setExecutionId("exec-1")
            .setResult(ServiceRole.packDeterministically(sampleExecution()))
            .setResultEncoding(PayloadEncoding.PAYLOAD_ENCODING_JSON_PROTOBUF)
            .build();
    Vector vector = vector(input);
    assertTrue(vector.json().contains("\"@type\""), vector.json());
    CodecResponse response = codec(input, vector);
    assertEquals(ByteString.copyFrom(vector.withUnknown()), response.getReencoded());
    assertEquals(ByteString.copyFrom(vector.known()), response.getFromJson());
    CompleteExternalActivityInput parsed =
        CompleteExternalActivityInput.parseFrom(response.getFromJson());
    assertEquals(sampleExecution(), parsed.getResult().unpack(AgentExecution.class));
  }

  @Test
  void failureInputAndStruct() throws IOException {
    Message[] messages = {
      CompleteExternalActivityInput.newBuilder()
          .setCallbackToken(ByteString.copyFromUtf8("t"))
          .setFailure(
              ActivityFailure.newBuilder()
                  .setMessage("no ✗")
                  .setType("T")
                  .setNonRetryable(true)
                  .addDetails(Any.pack(sampleExecution())))
          .build(),
      Struct.newBuilder()
          .putFields("b", Value.newBuilder().setNumberValue(1.5).build())
          .putFields("a", Value.newBuilder().setStringValue("x").build())
          .build(),
    };
    for (Message message : messages) {
      Vector vector = vector(message);
      CodecResponse response = codec(message, vector);
      assertEquals(ByteString.copyFrom(vector.withUnknown()), response.getReencoded());
      assertEquals(ByteString.copyFrom(vector.known()), response.getFromJson());
    }
  }

  @Test
  void errors() {
    CodecRequest[] bad = {
      CodecRequest.newBuilder().setMessageType("example.v1.NotLinked").setJson("{}").build(),
      CodecRequest.newBuilder()
          .setMessageType(AGENT_EXECUTION)
          .setBinary(ByteString.copyFrom(new byte[] {0x0a, 0x05, 'x'})) // truncated string
          .setJson("{}")
          .build(),
      CodecRequest.newBuilder().setMessageType(AGENT_EXECUTION).setJson("{\"noSuchField\": 1}").build(),
      CodecRequest.newBuilder().setMessageType(AGENT_EXECUTION).setJson("").build(),
    };
    for (CodecRequest request : bad) {
      Exception e = assertThrows(Exception.class, () -> Codec.get().handle(request));
      assertTrue(
          e instanceof IllegalArgumentException || e instanceof InvalidProtocolBufferException,
          e.toString());
    }
  }

  @Test
  void everyMessageHasItsGeneratedClass() {
    Map<String, Message> prototypes = Codec.get().prototypes();
    for (String name :
        new String[] {
          AGENT_EXECUTION,
          "ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution",
          "ai.stigmer.sdk.v1.CompleteExternalActivityInput",
          "ai.stigmer.conformance.v1.HarnessRequest",
          "ai.stigmer.commons.apiresource.ApiResourceMetadata",
          "google.protobuf.Any",
          "google.protobuf.Struct",
        }) {
      assertTrue(prototypes.containsKey(name), name);
    }
    for (Map.Entry<String, Message> entry : prototypes.entrySet()) {
      assertFalse(entry.getValue() instanceof DynamicMessage, entry.getKey() + " is dynamic");
      assertInstanceOf(GeneratedMessage.class, entry.getValue(), entry.getKey());
    }
  }

  /** Every file under proto/ has its outer class in Codec.ROOT_FILES: a new file must be added. */
  @Test
  void everyProtoFileIsKnown() throws IOException {
    Path proto = Path.of("..", "..", "proto").toAbsolutePath().normalize();
    if (!Files.isDirectory(proto)) {
      return; // not run from the repository
    }
    Set<String> files;
    try (Stream<Path> walk = Files.walk(proto)) {
      files =
          walk.filter(p -> p.toString().endsWith(".proto"))
              .map(p -> proto.relativize(p).toString().replace('\\', '/'))
              .collect(Collectors.toCollection(TreeSet::new));
    }
    Set<String> known =
        Codec.ROOT_FILES.keySet().stream()
            .map(FileDescriptor::getName)
            .collect(Collectors.toCollection(TreeSet::new));
    assertFalse(files.isEmpty());
    for (String file : files) {
      assertTrue(known.contains(file), file + " is missing from Codec.ROOT_FILES");
    }
  }
}
