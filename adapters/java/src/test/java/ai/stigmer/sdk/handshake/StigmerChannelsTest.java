package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandControllerGrpc;
import ai.stigmer.sdk.testing.CreateCall;
import ai.stigmer.sdk.testing.FakeStigmerService;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
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
    try (FakeStigmerService stigmer = FakeStigmerService.start()) {
      ManagedChannel channel =
          StigmerChannels.newBuilder(stigmer.target()).usePlaintext().setApiKey("k-123").build();
      try {
        stigmer.failNext(Status.UNAVAILABLE.withDescription("restarting"), 2);
        AgentExecution ack = create(channel, 30);
        assertFalse(ack.getMetadata().getId().isEmpty());
        assertEquals(3, stigmer.calls().size());
        for (CreateCall attempt : stigmer.calls()) {
          assertEquals("Bearer k-123", attempt.authorization());
        }
      } finally {
        close(channel);
      }
    }
  }

  @Test
  void withoutTheServiceConfigTheFirstUnavailableFails() throws Exception {
    try (FakeStigmerService stigmer = FakeStigmerService.start()) {
      stigmer.failNext(Status.UNAVAILABLE.withDescription("restarting"));
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () -> stigmer.agentStub().withDeadlineAfter(30, TimeUnit.SECONDS).create(REQUEST));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
      assertEquals(1, stigmer.calls().size());
      assertEquals(null, stigmer.calls().get(0).authorization());
    }
  }

  @Test
  void retriesStopAtGrpcsFiveAttempts() throws Exception {
    try (FakeStigmerService stigmer = FakeStigmerService.start()) {
      ManagedChannel channel = StigmerChannels.newBuilder(stigmer.target()).usePlaintext().build();
      try {
        Status unavailable = Status.UNAVAILABLE.withDescription("down for good");
        stigmer.failNext(unavailable, 6);
        StatusRuntimeException e =
            assertThrows(StatusRuntimeException.class, () -> create(channel, 60));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals(StigmerChannels.MAX_ATTEMPTS, stigmer.calls().size());
      } finally {
        close(channel);
      }
    }
  }

  @Test
  void permanentCodesAreNotRetried() throws Exception {
    try (FakeStigmerService stigmer = FakeStigmerService.start()) {
      ManagedChannel channel = StigmerChannels.newBuilder(stigmer.target()).usePlaintext().build();
      try {
        stigmer.failNext(Status.INVALID_ARGUMENT.withDescription("no"));
        StatusRuntimeException e =
            assertThrows(StatusRuntimeException.class, () -> create(channel, 30));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals(1, stigmer.calls().size());
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
      try (FakeStigmerService stigmer = FakeStigmerService.start(null, port)) {
        AgentExecution ack = call.get(60, TimeUnit.SECONDS);
        assertFalse(ack.getMetadata().getId().isEmpty());
      }
    } finally {
      close(channel);
    }
  }

  @Test
  void aCallWithoutDeadlineGetsTheDefaultOne() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    // Nothing listens: without a default deadline, waitForReady would keep the call forever.
    ManagedChannel channel =
        StigmerChannels.newBuilder("127.0.0.1:" + port)
            .usePlaintext()
            .setDefaultCallTimeout(Duration.ofMillis(300))
            .build();
    try {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () -> AgentExecutionCommandControllerGrpc.newBlockingStub(channel).create(REQUEST));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    } finally {
      close(channel);
    }
  }

  @Test
  void aCallsOwnDeadlineWinsOverTheDefault() throws Exception {
    try (FakeStigmerService stigmer = FakeStigmerService.start()) {
      ManagedChannel channel =
          StigmerChannels.newBuilder(stigmer.target())
              .usePlaintext()
              .setDefaultCallTimeout(Duration.ofMillis(50))
              .build();
      try {
        stigmer.delayNext(Duration.ofMillis(500));
        assertFalse(create(channel, 30).getMetadata().getId().isEmpty());
      } finally {
        close(channel);
      }
    }
  }

  @Test
  void anUnsetOrEmptyApiKeySendsNoAuthorization() throws Exception {
    for (String key : new String[] {null, ""}) {
      try (FakeStigmerService stigmer = FakeStigmerService.start()) {
        ManagedChannel channel =
            StigmerChannels.newBuilder(stigmer.target()).usePlaintext().setApiKey(key).build();
        try {
          create(channel, 30);
          assertNull(stigmer.calls().get(0).authorization());
        } finally {
          close(channel);
        }
      }
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> StigmerChannels.newBuilder("x:1").setDefaultCallTimeout(Duration.ZERO));
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
