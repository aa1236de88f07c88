package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandControllerGrpc;
import ai.stigmer.sdk.testing.RecordingStigmerService;
import ai.stigmer.sdk.testing.RecordingStigmerService.Create;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Stigmer channel against a real gRPC server on loopback. */
class StigmerChannelsTest {

  private static final AgentExecution REQUEST = It.request("channel");

  private static AgentExecution create(ManagedChannel channel, long deadlineSeconds) {
    return AgentExecutionCommandControllerGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS)
        .create(REQUEST);
  }

  private static void close(ManagedChannel channel) throws InterruptedException {
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void unavailableIsRetriedByGrpcAndEveryAttemptCarriesTheApiKey() throws Exception {
    try (RecordingStigmerService stigmer = RecordingStigmerService.start()) {
      ManagedChannel channel =
          StigmerChannels.newBuilder(stigmer.target()).usePlaintext().setApiKey("k-123").build();
      try {
        stigmer.failNextCreates(
            Status.UNAVAILABLE.withDescription("restarting"),
            Status.UNAVAILABLE.withDescription("restarting"));
        AgentExecution ack = create(channel, 30);
        assertFalse(ack.getMetadata().getId().isEmpty());
        assertEquals(3, stigmer.agentCreates().size());
        for (Create<AgentExecution> attempt : stigmer.agentCreates()) {
          assertEquals("Bearer k-123", attempt.authorizationHeader());
        }
      } finally {
        close(channel);
      }
    }
  }

  @Test
  void withoutTheServiceConfigTheFirstUnavailableFails() throws Exception {
    try (RecordingStigmerService stigmer = RecordingStigmerService.start()) {
      stigmer.failNextCreates(Status.UNAVAILABLE.withDescription("restarting"));
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () -> stigmer.agentStub().withDeadlineAfter(30, TimeUnit.SECONDS).create(REQUEST));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
      assertEquals(1, stigmer.agentCreates().size());
      assertEquals(null, stigmer.agentCreates().get(0).authorizationHeader());
    }
  }

  @Test
  void retriesStopAtGrpcsFiveAttempts() throws Exception {
    try (RecordingStigmerService stigmer = RecordingStigmerService.start()) {
      ManagedChannel channel = StigmerChannels.newBuilder(stigmer.target()).usePlaintext().build();
      try {
        Status unavailable = Status.UNAVAILABLE.withDescription("down for good");
        stigmer.failNextCreates(
            unavailable, unavailable, unavailable, unavailable, unavailable, unavailable);
        StatusRuntimeException e =
            assertThrows(StatusRuntimeException.class, () -> create(channel, 60));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals(StigmerChannels.MAX_ATTEMPTS, stigmer.agentCreates().size());
      } finally {
        close(channel);
      }
    }
  }

  @Test
  void permanentCodesAreNotRetried() throws Exception {
    try (RecordingStigmerService stigmer = RecordingStigmerService.start()) {
      ManagedChannel channel = StigmerChannels.newBuilder(stigmer.target()).usePlaintext().build();
      try {
        stigmer.failNextCreates(Status.INVALID_ARGUMENT.withDescription("no"));
        StatusRuntimeException e =
            assertThrows(StatusRuntimeException.class, () -> create(channel, 30));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals(1, stigmer.agentCreates().size());
      } finally {
        close(channel);
      }
    }
  }

  @Test
  void aCallWaitsForAServiceThatIsNotUpYet() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    ManagedChannel channel =
        StigmerChannels.newBuilder("127.0.0.1:" + port).usePlaintext().build();
    try {
      CompletableFuture<AgentExecution> call =
          CompletableFuture.supplyAsync(() -> create(channel, 60));
      // The connection is refused at first; waitForReady keeps the call until the service is up.
      Thread.sleep(500);
      assertFalse(call.isDone(), "the call did not fail while the service was down");
      try (RecordingStigmerService stigmer = RecordingStigmerService.start(port)) {
        AgentExecution ack = call.get(60, TimeUnit.SECONDS);
        assertFalse(ack.getMetadata().getId().isEmpty());
      }
    } finally {
      close(channel);
    }
  }

  @Test
  void credentialsRefuseBadKeysAndHideGoodOnes() throws IOException {
    assertThrows(IllegalArgumentException.class, () -> BearerTokenCredentials.of(""));
    assertThrows(IllegalArgumentException.class, () -> BearerTokenCredentials.of("a b"));
    assertThrows(IllegalArgumentException.class, () -> BearerTokenCredentials.of("a\nb"));
    assertFalse(BearerTokenCredentials.of("secret").toString().contains("secret"));
    assertTrue(StigmerChannels.serviceConfig().containsKey("methodConfig"));
  }
}
