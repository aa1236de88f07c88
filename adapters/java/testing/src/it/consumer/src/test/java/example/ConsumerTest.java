package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionSpec;
import ai.stigmer.sdk.handshake.CompletionInputs;
import ai.stigmer.sdk.handshake.CompletionOptions;
import ai.stigmer.sdk.handshake.StigmerChannels;
import ai.stigmer.sdk.handshake.StigmerDataConverter;
import ai.stigmer.sdk.testing.CreateCall;
import ai.stigmer.sdk.testing.FakeStigmerService;
import ai.stigmer.sdk.testing.StigmerTestExtension;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandControllerGrpc;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Uses the installed artifacts as a user's test would; needs no dev server. */
@ExtendWith(StigmerTestExtension.class)
class ConsumerTest {

  @Test
  void recordsACreateThroughTheSdksChannel() {
    assertFalse(StigmerDataConverter.create() == null);
    try (FakeStigmerService stigmer = FakeStigmerService.start()) {
      ManagedChannel channel =
          StigmerChannels.newBuilder(stigmer.target()).usePlaintext().setApiKey("k").build();
      try {
        AgentExecutionCommandControllerGrpc.newBlockingStub(channel)
            .create(
                AgentExecution.newBuilder()
                    .setSpec(
                        AgentExecutionSpec.newBuilder()
                            .setAgentId("agent-1")
                            .setMessage("hi")
                            .setCallbackToken(ByteString.copyFromUtf8("t")))
                    .build());
      } finally {
        channel.shutdownNow();
      }
      CreateCall call = stigmer.waitForCalls(1).get(0);
      assertEquals("Bearer k", call.authorization());
      assertEquals(
          call.executionId(),
          CompletionInputs.cancellation(
                  call.token(),
                  CompletionOptions.newBuilder().setExecutionId(call.executionId()).build())
              .getExecutionId());
    }
  }
}
