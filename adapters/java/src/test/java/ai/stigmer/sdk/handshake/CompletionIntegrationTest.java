package ai.stigmer.sdk.handshake;

import static ai.stigmer.sdk.v1.CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED;
import static ai.stigmer.sdk.v1.CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED;
import static ai.stigmer.sdk.v1.CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN;
import static ai.stigmer.sdk.v1.CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_INVALID_TOKEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.sdk.testing.CapturedMetrics;
import ai.stigmer.sdk.testing.CreateCall;
import ai.stigmer.sdk.testing.DevServer;
import ai.stigmer.sdk.testing.FakeStigmerService;
import ai.stigmer.sdk.testing.Poll;
import ai.stigmer.sdk.testing.StigmerTestExtension;
import ai.stigmer.sdk.testing.TestWorker;
import ai.stigmer.sdk.v1.CompleteExternalActivityInput;
import ai.stigmer.sdk.v1.CompleteExternalActivityOutcome;
import ai.stigmer.sdk.v1.CompleteExternalActivityResult;
import ai.stigmer.sdk.v1.PayloadEncoding;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.ActivityTaskCanceledEventAttributes;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The completion side against a real Temporal dev server. */
@Tag("integration")
@ExtendWith(StigmerTestExtension.class)
class CompletionIntegrationTest {

  private static void assertOutcome(
      CompleteExternalActivityOutcome expected,
      ByteString token,
      CompleteExternalActivityResult result) {
    assertEquals(expected, result.getOutcome(), result.getMessage());
    assertEquals(TaskTokens.preview(token), result.getTokenPreview());
    if (expected != COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED) {
      assertFalse(result.getMessage().isEmpty(), "outcome " + expected + " explains itself");
    }
    if (token.size() > 0) {
      String base64 = Base64.getEncoder().encodeToString(token.toByteArray());
      assertFalse(result.getMessage().contains(base64.substring(0, Math.min(base64.length(), 21))));
    }
  }

  @Test
  void typedFailureReachesTheCallerWorkflow(DevServer server) throws Exception {
    WorkflowClient client = server.client();
    ExternalActivityCompleter completer = It.completer(server);
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker worker = It.callerWorker(client, stigmer)) {
      WorkflowStub caller = It.startAgentCaller(client, worker.taskQueue(), It.request("fail me"));
      CreateCall create = stigmer.waitForCalls(1, It.WAIT).get(0);
      ByteString token = create.agentExecution().getSpec().getCallbackToken();
      AgentExecution detail = It.finished(create.executionId(), "partial output");

      CompleteExternalActivityResult result =
          completer.complete(
              CompletionInputs.failure(
                  token,
                  It.failure("AGENT_EXECUTION_FAILED")
                      .setMessage("the model refused")
                      .setNonRetryable(true)
                      .addDetails(Any.pack(detail))
                      .build(),
                  It.options(create.executionId())));
      assertOutcome(COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED, token, result);

      WorkflowFailedException e =
          assertThrows(
              WorkflowFailedException.class, () -> It.result(caller, AgentExecution.class));
      ApplicationFailure failure = It.activityApplicationFailure(e);
      assertEquals("AGENT_EXECUTION_FAILED", failure.getType());
      assertEquals("the model refused", failure.getOriginalMessage());
      assertTrue(failure.isNonRetryable());
      assertEquals(1, failure.getDetails().getSize());
      assertEquals(detail, failure.getDetails().get(0, AgentExecution.class));
      assertEquals(1, stigmer.calls().size(), "a non-retryable failure is not retried");
    }
  }

  @Test
  void retryableFailureMakesTheCallerRetryWithTheSameKeyAndANewToken(DevServer server)
      throws Exception {
    WorkflowClient client = server.client();
    ExternalActivityCompleter completer = It.completer(server);
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker worker = It.callerWorker(client, stigmer)) {
      WorkflowStub caller = It.startAgentCaller(client, worker.taskQueue(), It.request("flaky"));
      CreateCall first = stigmer.waitForCalls(1, It.WAIT).get(0);
      ByteString firstToken = first.agentExecution().getSpec().getCallbackToken();
      assertOutcome(
          COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED,
          firstToken,
          completer.complete(
              CompletionInputs.failure(
                  firstToken,
                  It.failure("AGENT_EXECUTION_FAILED")
                      .setMessage("sandbox lost")
                      .setNonRetryable(false)
                      .build(),
                  It.options(first.executionId()))));

      // The caller's retry policy retries the activity; its new attempt sends the same key.
      CreateCall second = stigmer.waitForCalls(2, It.WAIT).get(1);
      ByteString secondToken = second.agentExecution().getSpec().getCallbackToken();
      assertEquals(first.idempotencyKey(), second.idempotencyKey());
      assertEquals(
          first.agentExecution().getMetadata().getAnnotationsOrThrow(IdempotencyKeys.ANNOTATION_KEY),
          second.agentExecution().getMetadata().getAnnotationsOrThrow(IdempotencyKeys.ANNOTATION_KEY));
      assertNotEquals(firstToken, secondToken);

      // The first attempt's token is spent.
      assertOutcome(
          COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED,
          firstToken,
          completer.complete(
              CompletionInputs.result(
                  firstToken,
                  It.finished("stale", "x"),
                  It.options(first.executionId()))));
      AgentExecution finished = It.finished(second.executionId(), "second time lucky");
      assertOutcome(
          COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED,
          secondToken,
          completer.complete(CompletionInputs.result(
              secondToken,
              finished,
              It.options(second.executionId()))));
      assertEquals(finished, It.result(caller, AgentExecution.class));
    }
  }

  @Test
  void metricsCountCompletedThenAlreadyCompleted(DevServer server) throws Exception {
    WorkflowClient client = server.client();
    CapturedMetrics metrics = new CapturedMetrics();
    ByteString token;
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker worker = It.callerWorker(client, stigmer)) {
      ExternalActivityCompleter completer =
          ExternalActivityCompleter.newBuilder(client).setMetricsScope(metrics.scope()).build();
      WorkflowStub caller = It.startAgentCaller(client, worker.taskQueue(), It.request("metrics"));
      CreateCall create = stigmer.waitForCalls(1, It.WAIT).get(0);
      token = create.agentExecution().getSpec().getCallbackToken();
      AgentExecution finished = It.finished(create.executionId(), "counted");
      CompleteExternalActivityInput input =
          CompletionInputs.result(token, finished, It.options(create.executionId()));
      assertOutcome(COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED, token, completer.complete(input));
      assertOutcome(
          COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED, token, completer.complete(input));
      assertEquals(finished, It.result(caller, AgentExecution.class));
    } finally {
      metrics.close();
    }
    String completions = ExternalActivityCompleter.METRIC_COMPLETIONS;
    String duration = ExternalActivityCompleter.METRIC_COMPLETION_DURATION;
    assertEquals(
        Map.of(
            CapturedMetrics.key(completions, Map.of("status", "completed", "service", "java")),
            1L,
            CapturedMetrics.key(completions, Map.of("status", "already_completed", "service", "java")),
            1L,
            CapturedMetrics.key(
                ExternalActivityCompleter.METRIC_ERRORS, Map.of("error_type", "already_completed", "service", "java")),
            1L),
        metrics.counters());
    assertEquals(
        Map.of(
            CapturedMetrics.key(duration, Map.of("status", "completed", "service", "java")), 1,
            CapturedMetrics.key(duration, Map.of("status", "already_completed", "service", "java")), 1),
        metrics.timerCounts());
    String base64 = Base64.getEncoder().encodeToString(token.toByteArray()).substring(0, 16);
    metrics
        .tags(name -> true)
        .forEach(
            (key, tags) ->
                assertFalse(
                    tags.values().stream().anyMatch(v -> v.contains(base64)),
                    key + " carries the token"));
  }

  @Test
  void badTokensAreReportedAndLeaveTheCallerPending(DevServer server) throws Exception {
    WorkflowClient client = server.client();
    ExternalActivityCompleter completer = It.completer(server);
    ExternalActivityCompleter otherNamespace =
        ExternalActivityCompleter.newBuilder(server.newClient(It.OTHER_NAMESPACE)).build();
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker worker = It.callerWorker(client, stigmer)) {
      WorkflowStub caller = It.startAgentCaller(client, worker.taskQueue(), It.request("tokens"));
      CreateCall create = stigmer.waitForCalls(1, It.WAIT).get(0);
      ByteString token = create.agentExecution().getSpec().getCallbackToken();
      AgentExecution finished = It.finished(create.executionId(), "finally");

      byte[] garbageBytes = new byte[64];
      new Random(7).nextBytes(garbageBytes);
      ByteString garbage = ByteString.copyFrom(garbageBytes);
      ByteString truncated = token.substring(0, token.size() / 2);

      for (ByteString bad : List.of(garbage, truncated)) {
        assertOutcome(
            COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_INVALID_TOKEN,
            bad,
            completer.complete(CompletionInputs.result(
                bad,
                finished,
                It.options(create.executionId()))));
        assertOutcome(
            COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_INVALID_TOKEN,
            bad,
            completer.complete(CompletionInputs.failure(
                bad,
                It.failure("T").setMessage("m").setNonRetryable(true).build(),
                It.options(create.executionId()))));
        // Cancellation too: it must not swallow the error.
        assertOutcome(
            COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_INVALID_TOKEN,
            bad,
            completer.complete(CompletionInputs.cancellation(
                bad,
                It.options(create.executionId()))));
        HeartbeatResult heartbeat = completer.heartbeat(bad);
        assertEquals(HeartbeatOutcome.INVALID_TOKEN, heartbeat.outcome(), heartbeat.message());
        assertEquals(TaskTokens.preview(bad), heartbeat.tokenPreview());
      }
      // The right token presented to another namespace.
      assertOutcome(
          COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_INVALID_TOKEN,
          token,
          otherNamespace.complete(CompletionInputs.result(
              token,
              finished,
              It.options(create.executionId()))));
      // No token: nothing is sent.
      CompleteExternalActivityResult empty =
          completer.complete(CompletionInputs.result(
              ByteString.EMPTY,
              finished,
              It.options(create.executionId())));
      assertOutcome(COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN, ByteString.EMPTY, empty);
      assertEquals("<empty>", empty.getTokenPreview());
      assertEquals(HeartbeatOutcome.EMPTY_TOKEN, completer.heartbeat(ByteString.EMPTY).outcome());

      // None of that touched the caller: it is still pending, and the real completion works once.
      assertEquals(
          WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
          It.describe(client, caller.getExecution()).getWorkflowExecutionInfo().getStatus());
      assertOutcome(
          COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED,
          token,
          completer.complete(CompletionInputs.result(
              token,
              finished,
              It.options(create.executionId()))));
      assertEquals(finished, It.result(caller, AgentExecution.class));
      assertOutcome(
          COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED,
          token,
          completer.complete(CompletionInputs.result(
              token,
              finished,
              It.options(create.executionId()))));
      assertEquals(HeartbeatOutcome.ALREADY_COMPLETED, completer.heartbeat(token).outcome());
    }
  }

  @Test
  void jsonResultAndNoResult(DevServer server) throws Exception {
    WorkflowClient client = server.client();
    ExternalActivityCompleter completer = It.completer(server);
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker worker = It.callerWorker(client, stigmer)) {
      WorkflowStub json = It.startAgentCaller(client, worker.taskQueue(), It.request("json"));
      WorkflowStub none = It.startAgentCaller(client, worker.taskQueue(), It.request("none"));
      List<CreateCall> creates = stigmer.waitForCalls(2, It.WAIT);
      for (CreateCall create : creates) {
        ByteString token = create.agentExecution().getSpec().getCallbackToken();
        CompleteExternalActivityInput input =
            create.agentExecution().getSpec().getMessage().equals("json")
                ? CompletionInputs.result(
                    token,
                    It.finished(create.executionId(), "as json"),
                    It.optionsBuilder(create.executionId())
                        .setResultEncoding(PayloadEncoding.PAYLOAD_ENCODING_JSON_PROTOBUF)
                        .build())
                : CompleteExternalActivityInput.newBuilder()
                    .setCallbackToken(token)
                    .setExecutionId(create.executionId())
                    .build();
        assertOutcome(
            COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED, token, completer.complete(input));
      }
      CreateCall jsonCreate =
          creates.stream()
              .filter(c -> c.agentExecution().getSpec().getMessage().equals("json"))
              .findFirst()
              .orElseThrow();
      assertEquals(
          It.finished(jsonCreate.executionId(), "as json"), It.result(json, AgentExecution.class));
      Payload payload =
          It.history(client, json.getExecution()).stream()
              .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
              .findFirst()
              .orElseThrow()
              .getActivityTaskCompletedEventAttributes()
              .getResult()
              .getPayloads(0);
      assertEquals("json/protobuf", payload.getMetadataOrThrow("encoding").toStringUtf8());
      assertEquals(
          "ai.stigmer.agentic.agentexecution.v1.AgentExecution",
          payload.getMetadataOrThrow("messageType").toStringUtf8());
      assertNull(It.result(none, AgentExecution.class));
    }
  }

  @Test
  void heartbeatSurfacesTheCancelRequestAndTheCancellationIsDelivered(DevServer server)
      throws Exception {
    WorkflowClient client = server.client();
    ExternalActivityCompleter completer = It.completer(server);
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker worker = It.callerWorker(client, stigmer)) {
      WorkflowStub caller =
          It.startAgentCaller(client, worker.taskQueue(), It.request("cancel me"));
      CreateCall create = stigmer.waitForCalls(1, It.WAIT).get(0);
      ByteString token = create.token();
      // Right after the ACK the caller records its execution in its heartbeat details, for the
      // watcher of executeToTerminal; the service's heartbeats below come after it.
      Poll.until(
          It.WAIT,
          "the caller's record of its execution",
          () -> {
            PendingActivityInfo pending = It.pendingActivity(client, caller.getExecution());
            return pending.hasHeartbeatDetails()
                && WatchExecutionActivityImpl.recordedExecution(pending) != null
                && WatchExecutionActivityImpl.recordedExecution(pending)
                    .getExecutionId()
                    .equals(create.executionId());
          });

      HeartbeatResult before = completer.heartbeat(token);
      assertEquals(HeartbeatOutcome.RECORDED, before.outcome());
      assertFalse(before.isCancelRequested());

      // Heartbeat details reach Temporal: a message as binary/protobuf, a string as JSON.
      AgentExecution progress = It.finished(create.executionId(), "half way");
      assertEquals(HeartbeatOutcome.RECORDED, completer.heartbeat(token, progress).outcome());
      assertEquals(
          PayloadTypeRegistry.binaryPayload(progress),
          It.pendingActivity(client, caller.getExecution()).getHeartbeatDetails().getPayloads(0));
      assertEquals(HeartbeatOutcome.RECORDED, completer.heartbeat(token, "50%").outcome());
      assertEquals(
          "\"50%\"",
          It.pendingActivity(client, caller.getExecution())
              .getHeartbeatDetails()
              .getPayloads(0)
              .getData()
              .toStringUtf8());

      caller.cancel();
      HeartbeatResult[] last = new HeartbeatResult[1];
      Poll.until(
          Duration.ofSeconds(30),
          "a heartbeat answering CANCEL_REQUESTED",
          () -> (last[0] = completer.heartbeat(token)).isCancelRequested());
      assertEquals(HeartbeatOutcome.CANCEL_REQUESTED, last[0].outcome());
      assertEquals(TaskTokens.preview(token), last[0].tokenPreview());
      // The caller waits for the activity to report its cancellation.
      assertEquals(
          WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
          It.describe(client, caller.getExecution()).getWorkflowExecutionInfo().getStatus());

      AgentExecution detail = It.finished(create.executionId(), "stopped early");
      assertOutcome(
          COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED,
          token,
          completer.complete(
              CompletionInputs.cancellation(
                  token,
                  It.optionsBuilder(create.executionId()).addCancellationDetails(detail).build())));
      // The caller's activity ends cancelled, with the detail as its binary/protobuf payload.
      WorkflowFailedException e =
          assertThrows(
              WorkflowFailedException.class, () -> It.result(caller, AgentExecution.class));
      assertInstanceOf(CanceledFailure.class, e.getCause());
      ActivityTaskCanceledEventAttributes canceled =
          It.history(client, caller.getExecution()).stream()
              .filter(h -> h.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED)
              .findFirst()
              .orElseThrow()
              .getActivityTaskCanceledEventAttributes();
      assertEquals(1, canceled.getDetails().getPayloadsCount());
      assertEquals(PayloadTypeRegistry.binaryPayload(detail), canceled.getDetails().getPayloads(0));
      assertEquals(
          HeartbeatOutcome.ALREADY_COMPLETED,
          completer.heartbeat(ByteString.copyFrom(token.toByteArray())).outcome());
    }
  }
}
