package ai.stigmer.sdk.handshake;

import static ai.stigmer.sdk.v1.CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED;
import static ai.stigmer.sdk.v1.CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN;
import static ai.stigmer.sdk.v1.CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_INVALID_TOKEN;
import static ai.stigmer.sdk.v1.CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_TRANSIENT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.sdk.v1.CompleteExternalActivityInput;
import ai.stigmer.sdk.v1.CompleteExternalActivityOutcome;
import ai.stigmer.sdk.v1.CompleteExternalActivityResult;
import ai.stigmer.sdk.v1.PayloadEncoding;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.client.ActivityCompletionFailureException;
import io.temporal.client.ActivityNotExistsException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.serviceclient.RpcRetryOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The completion side's mapping of errors, and a Temporal frontend that cannot be reached. */
class CompletionUnitTest {

  private static final String PREVIEW = "AAECAwQFBgcICQoLDA0O...";
  private static final ByteString TOKEN = ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});

  private static WorkflowServiceStubs unreachable;
  private static ExternalActivityCompleter completer;

  @BeforeAll
  static void unreachableTemporal() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = socket.getLocalPort();
    }
    // Nothing listens on the port: every call fails with UNAVAILABLE (after a short retry).
    unreachable =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setTarget("127.0.0.1:" + port)
                .setSystemInfoTimeout(Duration.ofMillis(300))
                .setRpcTimeout(Duration.ofSeconds(2))
                .setRpcRetryOptions(
                    RpcRetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofMillis(20))
                        .setMaximumInterval(Duration.ofMillis(50))
                        .setExpiration(Duration.ofMillis(500))
                        .setMaximumAttempts(2)
                        .validateBuildWithDefaults())
                .build());
    completer =
        ExternalActivityCompleter.newBuilder(
                WorkflowClient.newInstance(
                    unreachable,
                    WorkflowClientOptions.newBuilder().setNamespace("default").build()))
            .setRpcTimeout(Duration.ofSeconds(2))
            .build();
  }

  @AfterAll
  static void close() {
    unreachable.shutdownNow();
    unreachable.awaitTermination(5, TimeUnit.SECONDS);
  }

  private static CompleteExternalActivityOutcome classify(Status status) {
    return ExternalActivityCompleter.classify(
            new ActivityCompletionFailureException(status.asRuntimeException()), PREVIEW)
        .getOutcome();
  }

  @ParameterizedTest
  @EnumSource(
      value = Status.Code.class,
      names = {
        "UNAVAILABLE",
        "DEADLINE_EXCEEDED",
        "RESOURCE_EXHAUSTED",
        "ABORTED",
        "INTERNAL",
        "UNKNOWN"
      })
  void transientCodes(Status.Code code) {
    assertEquals(COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_TRANSIENT, classify(code.toStatus()));
  }

  @Test
  void notFoundAndInvalidArgument() {
    assertEquals(
        COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED,
        classify(Status.NOT_FOUND.withDescription("workflow execution already completed")));
    CompleteExternalActivityResult known =
        ExternalActivityCompleter.classify(
            new ActivityNotExistsException(
                Status.NOT_FOUND.withDescription("activity task not found").asRuntimeException()),
            PREVIEW);
    assertEquals(COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED, known.getOutcome());
    assertEquals("NOT_FOUND: activity task not found", known.getMessage());
    CompleteExternalActivityResult invalid =
        ExternalActivityCompleter.classify(
            new ActivityCompletionFailureException(
                "1", Status.INVALID_ARGUMENT.withDescription("bad token").asRuntimeException()),
            PREVIEW);
    assertEquals(COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_INVALID_TOKEN, invalid.getOutcome());
    assertEquals("INVALID_ARGUMENT: bad token", invalid.getMessage());
  }

  @ParameterizedTest
  @EnumSource(
      value = Status.Code.class,
      names = {
        "PERMISSION_DENIED",
        "UNAUTHENTICATED",
        "FAILED_PRECONDITION",
        "CANCELLED",
        "UNIMPLEMENTED",
        "ALREADY_EXISTS",
        "OUT_OF_RANGE",
        "DATA_LOSS"
      })
  void otherCodesAreThrown(Status.Code code) {
    ExternalActivityCompletionException e =
        assertThrows(
            ExternalActivityCompletionException.class,
            () -> classify(code.toStatus().withDescription("no way")));
    assertEquals(code, e.getStatusCode().orElseThrow());
    assertEquals(PREVIEW, e.getTokenPreview());
    assertEquals(code.name() + ": no way (token_preview=" + PREVIEW + ")", e.getMessage());
  }

  @Test
  void failuresWithoutStatusAreThrown() {
    ExternalActivityCompletionException e =
        assertThrows(
            ExternalActivityCompletionException.class,
            () ->
                ExternalActivityCompleter.classify(
                    new ActivityCompletionFailureException(new IllegalStateException("boom")),
                    PREVIEW));
    assertTrue(e.getStatusCode().isEmpty());
    StatusRuntimeException direct = Status.UNAVAILABLE.asRuntimeException();
    assertEquals(
        COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_TRANSIENT,
        ExternalActivityCompleter.classify(direct, PREVIEW).getOutcome());
  }

  @Test
  void unreachableTemporalIsTransientForEveryKindOfCompletion() {
    AgentExecution result = AgentExecution.newBuilder().setKind("AgentExecution").build();
    for (CompleteExternalActivityInput input :
        List.of(
            CompletionInputs.result(TOKEN, result, It.options("ae-1")),
            CompletionInputs.failure(
                TOKEN,
                It.failure("T")
                    .setMessage("m")
                    .setNonRetryable(false)
                    .addDetails(Any.pack(result))
                    .build(),
                It.options("ae-1")),
            CompletionInputs.cancellation(
                TOKEN,
                It.optionsBuilder("ae-1").addCancellationDetails(result).build()))) {
      CompleteExternalActivityResult outcome = completer.complete(input);
      assertEquals(
          COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_TRANSIENT,
          outcome.getOutcome(),
          input.getOutcomeCase().name());
      assertTrue(
          outcome.getMessage().startsWith("UNAVAILABLE")
              || outcome.getMessage().startsWith("DEADLINE_EXCEEDED"),
          outcome.getMessage());
      assertEquals(TaskTokens.preview(TOKEN), outcome.getTokenPreview());
    }
    assertEquals(HeartbeatOutcome.TRANSIENT, completer.heartbeat(TOKEN).outcome());
  }

  @Test
  void systemActivityRetriesTransientErrors() {
    SystemActivitiesImpl activities = new SystemActivitiesImpl(completer);
    ApplicationFailure failure =
        assertThrows(
            ApplicationFailure.class,
            () ->
                activities.complete(
                    CompletionInputs.result(
                        TOKEN,
                        AgentExecution.getDefaultInstance(),
                        It.options("ae-1"))));
    assertEquals("STIGMER_COMPLETION_TRANSIENT", failure.getType());
    assertFalse(failure.isNonRetryable());
    assertTrue(failure.getOriginalMessage().contains(TaskTokens.preview(TOKEN)));
  }

  @Test
  void systemActivityReturnsEmptyTokenWithoutCallingTemporal() {
    CompleteExternalActivityResult result =
        new SystemActivitiesImpl(completer)
            .complete(
                CompletionInputs.result(
                    ByteString.EMPTY,
                    AgentExecution.getDefaultInstance(),
                    It.options("ae-1")));
    assertEquals(COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN, result.getOutcome());
    assertEquals("the callback token is empty: nothing to complete", result.getMessage());
    assertEquals("<empty>", result.getTokenPreview());
  }

  @Test
  void systemActivityRefusesInputsItCannotEncode() {
    CompleteExternalActivityInput input =
        CompleteExternalActivityInput.newBuilder()
            .setCallbackToken(TOKEN)
            .setResult(Any.newBuilder().setTypeUrl("type.googleapis.com/acme.Unknown"))
            .setResultEncoding(PayloadEncoding.PAYLOAD_ENCODING_JSON_PROTOBUF)
            .build();
    ApplicationFailure failure =
        assertThrows(
            ApplicationFailure.class,
            () -> new SystemActivitiesImpl(completer).complete(input));
    assertEquals("STIGMER_COMPLETION_INVALID_INPUT", failure.getType());
    assertTrue(failure.isNonRetryable());
  }

  @Test
  void systemActivityName() throws NoSuchMethodException {
    assertEquals(
        "stigmer/system/complete-external-activity",
        SystemActivities.class
            .getMethod("completeExternalActivity", io.temporal.common.converter.RawValue.class)
            .getAnnotation(io.temporal.activity.ActivityMethod.class)
            .name());
  }
}
