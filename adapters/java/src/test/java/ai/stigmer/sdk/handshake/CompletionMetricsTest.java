package ai.stigmer.sdk.handshake;

import static ai.stigmer.sdk.handshake.ExternalActivityCompleter.METRIC_COMPLETIONS;
import static ai.stigmer.sdk.handshake.ExternalActivityCompleter.METRIC_COMPLETION_DURATION;
import static ai.stigmer.sdk.handshake.ExternalActivityCompleter.METRIC_ERRORS;
import static ai.stigmer.sdk.v1.CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN;
import static ai.stigmer.sdk.v1.CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_TRANSIENT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.sdk.testing.CapturedMetrics;
import ai.stigmer.sdk.v1.CompleteExternalActivityInput;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.uber.m3.util.Duration;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.serviceclient.RpcRetryOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The completion metrics of {@link ExternalActivityCompleter}: names, {@code status} and {@code
 * error_type} tags as in the Go SDK's {@code TestCompletionMetrics}, and which scope receives them.
 */
class CompletionMetricsTest {

  private static final ByteString TOKEN =
      ByteString.copyFrom(new byte[] {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8});

  private static String completions(String status) {
    return CapturedMetrics.key(METRIC_COMPLETIONS, Map.of("status", status, "service", "java"));
  }

  private static String duration(String status) {
    return CapturedMetrics.key(METRIC_COMPLETION_DURATION, Map.of("status", status, "service", "java"));
  }

  private static String errors(String errorType) {
    return CapturedMetrics.key(METRIC_ERRORS, Map.of("error_type", errorType, "service", "java"));
  }

  /** Service stubs to a port nothing listens on, with a short retry: every call is UNAVAILABLE. */
  private static WorkflowServiceStubs unreachableStubs(WorkflowServiceStubsOptions.Builder options)
      throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = socket.getLocalPort();
    }
    return WorkflowServiceStubs.newServiceStubs(
        options
            .setTarget("127.0.0.1:" + port)
            .setSystemInfoTimeout(java.time.Duration.ofMillis(300))
            .setRpcTimeout(java.time.Duration.ofSeconds(2))
            .setRpcRetryOptions(
                RpcRetryOptions.newBuilder()
                    .setInitialInterval(java.time.Duration.ofMillis(20))
                    .setMaximumInterval(java.time.Duration.ofMillis(50))
                    .setExpiration(java.time.Duration.ofMillis(500))
                    .setMaximumAttempts(2)
                    .validateBuildWithDefaults())
            .build());
  }

  private static WorkflowClient client(WorkflowServiceStubs stubs) {
    return WorkflowClient.newInstance(
        stubs, WorkflowClientOptions.newBuilder().setNamespace("default").build());
  }

  private static void shutdown(WorkflowServiceStubs stubs) {
    stubs.shutdownNow();
    stubs.awaitTermination(5, TimeUnit.SECONDS);
  }

  /** The captured metrics of this SDK only, without the Temporal client's own. */
  private static <V> Map<String, V> ours(Map<String, V> metrics) {
    Map<String, V> result = new TreeMap<>(metrics);
    result.keySet().removeIf(key -> !key.startsWith("stigmer_"));
    return result;
  }

  private static void assertNoTokenInTags(CapturedMetrics metrics) {
    String preview = TaskTokens.preview(TOKEN);
    String stem = preview.substring(0, preview.length() - "...".length());
    metrics
        .tags(name -> true)
        .forEach(
            (key, tags) ->
                tags.values()
                    .forEach(
                        value -> assertFalse(value.contains(stem), key + " carries the token")));
  }

  @Test
  void emptyTokenAndInvalidInput() throws IOException {
    WorkflowServiceStubs stubs = unreachableStubs(WorkflowServiceStubsOptions.newBuilder());
    CapturedMetrics metrics = new CapturedMetrics();
    try {
      ExternalActivityCompleter completer =
          ExternalActivityCompleter.newBuilder(client(stubs))
              .setMetricsScope(metrics.scope())
              .build();
      assertEquals(
          COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN,
          completer
              .complete(
                  CompletionInputs.result(
                      ByteString.EMPTY,
                      AgentExecution.getDefaultInstance(),
                      It.options("ae-1")))
              .getOutcome());
      CompleteExternalActivityInput bad =
          CompleteExternalActivityInput.newBuilder()
              .setCallbackToken(TOKEN)
              .setResult(Any.newBuilder().setTypeUrl("type.googleapis.com/"))
              .build();
      assertThrows(IllegalArgumentException.class, () -> completer.complete(bad));
    } finally {
      metrics.close();
      shutdown(stubs);
    }
    assertEquals(
        Map.of(
            completions("empty_token"),
            1L,
            errors("empty_token"),
            1L,
            completions("error"),
            1L,
            errors("invalid_input"),
            1L),
        metrics.counters());
    assertEquals(Map.of(duration("empty_token"), 1, duration("error"), 1), metrics.timerCounts());
    // Nothing was sent for the invalid input: no duration, as in the Go SDK.
    assertEquals(List.of(Duration.ZERO), metrics.timers().get(duration("error")));
    assertNoTokenInTags(metrics);
  }

  @Test
  void transientErrorsCountAsErrorsOfTheirOutcome() throws IOException {
    WorkflowServiceStubs stubs = unreachableStubs(WorkflowServiceStubsOptions.newBuilder());
    CapturedMetrics metrics = new CapturedMetrics();
    try {
      ExternalActivityCompleter completer =
          ExternalActivityCompleter.newBuilder(client(stubs))
              .setMetricsScope(metrics.scope())
              .build();
      AgentExecution result = AgentExecution.getDefaultInstance();
      assertEquals(
          COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_TRANSIENT,
          completer.complete(CompletionInputs.result(
              TOKEN,
              result,
              It.options("ae-1"))).getOutcome());
      // The system activity, called outside an activity, uses the scope set on the builder too.
      ApplicationFailure failure =
          assertThrows(
              ApplicationFailure.class,
              () ->
                  new SystemActivitiesImpl(completer)
                      .complete(CompletionInputs.cancellation(TOKEN, It.options("ae-1"))));
      assertEquals(HandshakeFailureTypes.COMPLETION_TRANSIENT, failure.getType());
    } finally {
      metrics.close();
      shutdown(stubs);
    }
    assertEquals(Map.of(completions("transient"), 2L, errors("transient"), 2L), metrics.counters());
    assertEquals(Map.of(duration("transient"), 2), metrics.timerCounts());
    for (Duration d : metrics.timers().get(duration("transient"))) {
      assertTrue(d.getNanos() > 0, "the duration of a call to Temporal: " + d);
    }
    assertNoTokenInTags(metrics);
  }

  @Test
  void defaultScopeIsTheServiceStubsScope() throws IOException {
    CapturedMetrics metrics = new CapturedMetrics();
    WorkflowServiceStubs stubs =
        unreachableStubs(WorkflowServiceStubsOptions.newBuilder().setMetricsScope(metrics.scope()));
    try {
      ExternalActivityCompleter completer =
          ExternalActivityCompleter.newBuilder(client(stubs)).build();
      CompleteExternalActivityInput empty =
          CompletionInputs.result(
              ByteString.EMPTY,
              AgentExecution.getDefaultInstance(),
              It.options("ae-1"));
      completer.complete(empty);
      // Outside an activity the system activity falls back to the same default.
      new SystemActivitiesImpl(completer).complete(empty);
    } finally {
      shutdown(stubs);
      metrics.close();
    }
    assertEquals(
        Map.of(completions("empty_token"), 2L, errors("empty_token"), 2L),
        ours(metrics.counters()));
    assertEquals(Map.of(duration("empty_token"), 2), ours(metrics.timerCounts()));
  }

  @Test
  void unknownTemporalErrorsCountTheirCode() throws IOException {
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                new WorkflowServiceGrpc.WorkflowServiceImplBase() {
                  @Override
                  public void getSystemInfo(
                      GetSystemInfoRequest request,
                      StreamObserver<GetSystemInfoResponse> response) {
                    response.onNext(GetSystemInfoResponse.getDefaultInstance());
                    response.onCompleted();
                  }

                  @Override
                  public void respondActivityTaskCompleted(
                      RespondActivityTaskCompletedRequest request,
                      StreamObserver<RespondActivityTaskCompletedResponse> response) {
                    response.onError(
                        Status.PERMISSION_DENIED
                            .withDescription("not in this namespace")
                            .asRuntimeException());
                  }
                })
            .build()
            .start();
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setTarget("127.0.0.1:" + server.getPort())
                .setRpcTimeout(java.time.Duration.ofSeconds(5))
                .build());
    CapturedMetrics metrics = new CapturedMetrics();
    try {
      ExternalActivityCompleter completer =
          ExternalActivityCompleter.newBuilder(client(stubs))
              .setMetricsScope(metrics.scope())
              .build();
      ExternalActivityCompletionException e =
          assertThrows(
              ExternalActivityCompletionException.class,
              () ->
                  completer.complete(
                      CompletionInputs.result(
                          TOKEN,
                          AgentExecution.getDefaultInstance(),
                          It.options("ae-1"))));
      assertEquals(Status.Code.PERMISSION_DENIED, e.getStatusCode().orElseThrow());
    } finally {
      metrics.close();
      shutdown(stubs);
      server.shutdownNow();
    }
    assertEquals(
        Map.of(completions("error"), 1L, errors("permission_denied"), 1L), metrics.counters());
    assertEquals(Map.of(duration("error"), 1), metrics.timerCounts());
    assertNoTokenInTags(metrics);
  }

  @Test
  void outcomeNames() {
    assertEquals(
        "already_completed",
        ExternalActivityCompleter.outcomeName(
            ai.stigmer.sdk.v1.CompleteExternalActivityOutcome
                .COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED));
    assertEquals(
        "empty_token",
        ExternalActivityCompleter.outcomeName(COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN));
  }
}
