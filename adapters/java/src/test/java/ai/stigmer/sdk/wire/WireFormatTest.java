package ai.stigmer.sdk.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionSpec;
import ai.stigmer.agentic.agentexecution.v1.ExecutionConfig;
import ai.stigmer.agentic.executioncontext.v1.ExecutionValue;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionSpec;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Wire-format guarantees of the generated Java code, shared with the Python and Go tests. */
class WireFormatTest {

  private static final byte AGENT_CALLBACK_TOKEN_TAG = 0x32; // field 6, wire type 2
  private static final byte WORKFLOW_CALLBACK_TOKEN_TAG = 0x3a; // field 7, wire type 2

  private static byte[] randomToken(long seed, int length) {
    byte[] token = new byte[length];
    new Random(seed).nextBytes(token);
    return token;
  }

  private static byte[] deterministic(MessageLite message) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream coded = CodedOutputStream.newInstance(out);
    coded.useDeterministicSerialization();
    message.writeTo(coded);
    coded.flush();
    return out.toByteArray();
  }

  @Test
  void agentSpecWithOneKibTokenRoundTripsByteForByte() throws IOException {
    byte[] token = randomToken(42, 1024);
    AgentExecutionSpec spec =
        AgentExecutionSpec.newBuilder()
            .setSessionId("session-1")
            .setAgentId("agent-1")
            .setMessage("héllo ✓")
            .setExecutionConfig(ExecutionConfig.newBuilder().setModelName("model-x"))
            .putRuntimeEnv("B", ExecutionValue.newBuilder().setValue("2").setIsSecret(true).build())
            .putRuntimeEnv("A", ExecutionValue.newBuilder().setValue("1").build())
            .setCallbackToken(ByteString.copyFrom(token))
            .build();

    byte[] encoded = deterministic(spec);
    AgentExecutionSpec decoded = AgentExecutionSpec.parseFrom(encoded);

    assertArrayEquals(token, decoded.getCallbackToken().toByteArray());
    assertArrayEquals(encoded, deterministic(decoded));
    assertEquals(spec, decoded);
  }

  @Test
  void agentCallbackTokenIsFieldSixLengthDelimited() throws IOException {
    byte[] encoded =
        deterministic(
            AgentExecutionSpec.newBuilder()
                .setCallbackToken(ByteString.copyFrom(new byte[] {1, 2, 3}))
                .build());
    assertArrayEquals(new byte[] {AGENT_CALLBACK_TOKEN_TAG, 3, 1, 2, 3}, encoded);
  }

  @Test
  void workflowCallbackTokenIsFieldSevenLengthDelimited() throws IOException {
    byte[] encoded =
        deterministic(
            WorkflowExecutionSpec.newBuilder()
                .setCallbackToken(ByteString.copyFrom(new byte[] {1, 2, 3}))
                .build());
    assertArrayEquals(new byte[] {WORKFLOW_CALLBACK_TOKEN_TAG, 3, 1, 2, 3}, encoded);
  }

  @Test
  void workflowSpecWithOneKibTokenRoundTripsByteForByte() throws IOException {
    byte[] token = randomToken(7, 1024);
    WorkflowExecutionSpec spec =
        WorkflowExecutionSpec.newBuilder()
            .setWorkflowId("wf-1")
            .setTriggerMessage("go")
            .putTriggerMetadata("source", "test")
            .setCallbackToken(ByteString.copyFrom(token))
            .build();
    byte[] encoded = deterministic(spec);
    WorkflowExecutionSpec decoded = WorkflowExecutionSpec.parseFrom(encoded);
    assertArrayEquals(token, decoded.getCallbackToken().toByteArray());
    assertArrayEquals(encoded, deterministic(decoded));
  }

  @Test
  void unknownFieldsSurviveARelay() throws IOException, InvalidProtocolBufferException {
    AgentExecution known =
        AgentExecution.newBuilder()
            .setApiVersion("agentic.stigmer.ai/v1")
            .setKind("AgentExecution")
            .setSpec(AgentExecutionSpec.newBuilder().setMessage("hi"))
            .build();
    // Field 99, wire type 2, "future": a field a newer service knows and this relay does not.
    byte[] unknownField = {(byte) 0x9a, 0x06, 6, 'f', 'u', 't', 'u', 'r', 'e'};
    byte[] knownBytes = deterministic(known);
    byte[] withUnknown = new byte[knownBytes.length + unknownField.length];
    System.arraycopy(knownBytes, 0, withUnknown, 0, knownBytes.length);
    System.arraycopy(unknownField, 0, withUnknown, knownBytes.length, unknownField.length);

    AgentExecution relayed = AgentExecution.parseFrom(withUnknown);
    assertTrue(relayed.getUnknownFields().hasField(99));
    assertArrayEquals(withUnknown, deterministic(relayed));
  }
}
