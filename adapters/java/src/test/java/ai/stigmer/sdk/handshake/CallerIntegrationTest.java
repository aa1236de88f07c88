package ai.stigmer.sdk.handshake;

import static ai.stigmer.sdk.v1.CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED;
import static ai.stigmer.sdk.v1.CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.workflowexecution.v1.ExecutionPhase;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionSpec;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionStatus;
import ai.stigmer.commons.apiresource.ApiResourceMetadata;
import ai.stigmer.sdk.testing.CapturedLogs;
import ai.stigmer.sdk.testing.CreateCall;
import ai.stigmer.sdk.testing.DevServer;
import ai.stigmer.sdk.testing.FakeStigmerService;
import ai.stigmer.sdk.testing.StigmerTestExtension;
import ai.stigmer.sdk.testing.TestWorker;
import ai.stigmer.sdk.v1.CompleteExternalActivityResult;
import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.Status;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The caller side against a real Temporal dev server and a real gRPC Stigmer service. */
@Tag("integration")
@ExtendWith(StigmerTestExtension.class)
class CallerIntegrationTest {

  /** The request as the caller wrote it: the sent one without what the SDK added. */
  private static AgentExecution withoutHandshake(AgentExecution sent) {
    AgentExecution.Builder b = sent.toBuilder();
    b.getSpecBuilder().clearCallbackToken();
    b.getMetadataBuilder()
        .removeAnnotations(IdempotencyKeys.ANNOTATION_KEY)
        .removeAnnotations(ExecutionRequests.RESULT_ENCODING_ANNOTATION);
    return b.build();
  }

  @Test
  void manyActivitiesGoPendingOnOneSlotAndEachGetsItsResult(DevServer server)
      throws Exception {
    int n = 20;
    WorkflowClient client = server.client();
    ExternalActivityCompleter completer = It.completer(server);
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker worker =
            It.callerWorker(
                client,
                stigmer,
                WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(1).build())) {
      Map<String, AgentExecution> requests = new HashMap<>();
      Map<String, WorkflowStub> callers = new HashMap<>();
      for (int i = 0; i < n; i++) {
        AgentExecution request = It.request("task-" + i);
        requests.put("task-" + i, request);
        callers.put("task-" + i, It.startAgentCaller(client, worker.taskQueue(), request));
      }

      // All N creates arrive although the worker runs one activity at a time: each activity
      // released its slot when it went pending.
      List<CreateCall> creates = stigmer.waitForCalls(n, It.WAIT);
      assertEquals(n, creates.size());
      Set<ByteString> tokens = new HashSet<>();
      for (CreateCall create : creates) {
        AgentExecution sent = create.agentExecution();
        String task = sent.getSpec().getMessage();
        assertEquals(
            requests.get(task), withoutHandshake(sent), "the rest of the request is intact");
        assertFalse(sent.getSpec().getCallbackToken().isEmpty());
        tokens.add(sent.getSpec().getCallbackToken());
        String annotation =
            sent.getMetadata().getAnnotationsOrThrow(IdempotencyKeys.ANNOTATION_KEY);
        assertEquals(annotation, create.idempotencyKey());
        assertTrue(annotation.matches("v1:[0-9a-f]{64}"), annotation);
        // Temporal holds the activity as started, waiting for the completion.
        PendingActivityInfo pending = It.pendingActivity(client, callers.get(task).getExecution());
        assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, pending.getState());
        assertEquals(
            IdempotencyKeys.derive(
                DevServer.NAMESPACE,
                callers.get(task).getExecution().getWorkflowId(),
                callers.get(task).getExecution().getRunId(),
                pending.getActivityId()),
            annotation);
      }
      assertEquals(n, tokens.size(), "every activity has its own token");

      Map<String, AgentExecution> results = new HashMap<>();
      for (CreateCall create : creates) {
        String task = create.agentExecution().getSpec().getMessage();
        AgentExecution finished = It.finished(create.executionId(), "output of " + task);
        results.put(task, finished);
        ByteString token = create.agentExecution().getSpec().getCallbackToken();
        CompleteExternalActivityResult outcome =
            completer.complete(CompletionInputs.result(
                token,
                finished,
                It.options(create.executionId())));
        assertEquals(COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED, outcome.getOutcome());
        assertEquals(TaskTokens.preview(token), outcome.getTokenPreview());
        assertEquals("", outcome.getMessage());
      }
      for (Map.Entry<String, WorkflowStub> caller : callers.entrySet()) {
        assertEquals(
            results.get(caller.getKey()), It.result(caller.getValue(), AgentExecution.class));
      }

      // The caller's history holds exactly the contract's payload.
      WorkflowStub first = callers.get("task-0");
      Payload payload =
          It.history(client, first.getExecution()).stream()
              .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
              .findFirst()
              .orElseThrow()
              .getActivityTaskCompletedEventAttributes()
              .getResult()
              .getPayloads(0);
      assertEquals("binary/protobuf", payload.getMetadataOrThrow("encoding").toStringUtf8());
      assertEquals(
          "ai.stigmer.agentic.agentexecution.v1.AgentExecution",
          payload.getMetadataOrThrow("messageType").toStringUtf8());
      assertEquals(
          PayloadTypeRegistry.deterministicBytes(results.get("task-0")), payload.getData());

      assertLogsShowPreviewsOnly(creates);
    }
  }

  private static void assertLogsShowPreviewsOnly(List<CreateCall> creates) {
    List<CapturedLogs.Event> ours =
        CapturedLogs.events().stream()
            .filter(e -> e.logger().startsWith("ai.stigmer.sdk.handshake"))
            .toList();
    for (CreateCall create : creates) {
      byte[] token = create.agentExecution().getSpec().getCallbackToken().toByteArray();
      String preview = TaskTokens.preview(token);
      String base64 = Base64.getEncoder().encodeToString(token);
      assertTrue(
          ours.stream()
              .anyMatch(
                  e ->
                      e.message().equals("Extracted task token")
                          && e.fields().get("token_preview").equals(preview)
                          && e.fields().get("token_digest").equals(TaskTokens.digest(token))
                          && e.fields().get("token_length").equals(String.valueOf(token.length))),
          "Extracted task token is logged with preview and length as key-value fields");
      assertTrue(
          ours.stream()
              .anyMatch(
                  e ->
                      e.message().equals("Agent execution started, activity pending")
                          && e.fields().get("execution_id").equals(create.executionId())
                          && e.fields().get("token_preview").equals(preview)
                          && e.fields().get("token_digest").equals(TaskTokens.digest(token))
                          && e.fields().get("token_length").equals(String.valueOf(token.length))),
          "the ACK is logged with the execution id");
      assertTrue(
          ours.stream()
              .anyMatch(
                  e ->
                      e.message().equals("External activity completed successfully")
                          && preview.equals(e.fields().get("token_preview"))
                          && TaskTokens.digest(token).equals(e.fields().get("token_digest"))),
          "the completion is logged");
      // Nothing shows more of the token than its 20-character preview.
      String tooMuch = base64.substring(0, TaskTokens.PREVIEW_LENGTH + 1);
      for (CapturedLogs.Event event : ours) {
        assertFalse(
            (event.fullText() + event.fields()).contains(tooMuch),
            "token leaked: " + event.message());
      }
    }
  }

  @Test
  void transientCreateFailureIsRetriedWithTheSameKeyAndANewToken(DevServer server)
      throws Exception {
    WorkflowClient client = server.client();
    ExternalActivityCompleter completer = It.completer(server);
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker worker = It.callerWorker(client, stigmer)) {
      stigmer.failNext(Status.UNAVAILABLE.withDescription("stigmer is restarting"));
      WorkflowStub caller = It.startAgentCaller(client, worker.taskQueue(), It.request("retry me"));

      List<CreateCall> creates = stigmer.waitForCalls(2, It.WAIT);
      assertEquals(2, creates.size());
      CreateCall failed = creates.get(0);
      CreateCall retried = creates.get(1);
      assertEquals(failed.idempotencyKey(), retried.idempotencyKey());
      assertEquals(
          failed.agentExecution().getMetadata().getAnnotationsOrThrow(IdempotencyKeys.ANNOTATION_KEY),
          retried.agentExecution().getMetadata().getAnnotationsOrThrow(IdempotencyKeys.ANNOTATION_KEY));
      assertNotEquals(
          failed.agentExecution().getSpec().getCallbackToken(),
          retried.agentExecution().getSpec().getCallbackToken(),
          "each attempt has its own token");

      // The first attempt failed with a retryable STIGMER_CREATE_FAILED.
      PendingActivityInfo pending = It.pendingActivity(client, caller.getExecution());
      assertEquals(2, pending.getAttempt());
      assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, pending.getState());
      Failure lastFailure = pending.getLastFailure();
      assertEquals("UNAVAILABLE: stigmer is restarting", lastFailure.getMessage());
      assertEquals("STIGMER_CREATE_FAILED", lastFailure.getApplicationFailureInfo().getType());
      assertFalse(lastFailure.getApplicationFailureInfo().getNonRetryable());
      assertEquals(
          IdempotencyKeys.derive(
              DevServer.NAMESPACE,
              caller.getExecution().getWorkflowId(),
              caller.getExecution().getRunId(),
              pending.getActivityId()),
          retried.idempotencyKey());

      AgentExecution finished = It.finished(retried.executionId(), "done after a retry");
      assertEquals(
          COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED,
          completer
              .complete(
                  CompletionInputs.result(
                      retried.agentExecution().getSpec().getCallbackToken(),
                      finished,
                      It.options(retried.executionId())))
              .getOutcome());
      assertEquals(finished, It.result(caller, AgentExecution.class));
    }
  }

  @Test
  void createHasADeadline(DevServer server) throws Exception {
    WorkflowClient client = server.client();
    HandshakeOptions shortDeadline =
        HandshakeOptions.newBuilder().setCreateTimeout(Duration.ofMillis(300)).build();
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker worker =
            It.callerWorker(client, stigmer, WorkerOptions.getDefaultInstance(), shortDeadline)) {
      stigmer.delayNext(Duration.ofSeconds(2));
      WorkflowStub caller = It.startAgentCaller(client, worker.taskQueue(), It.request("slow"));

      // The first create outlives its deadline: a retryable failure, and a second attempt.
      stigmer.waitForCalls(2, It.WAIT);
      PendingActivityInfo pending = It.pendingActivity(client, caller.getExecution());
      assertEquals(2, pending.getAttempt());
      assertTrue(
          pending.getLastFailure().getMessage().startsWith("DEADLINE_EXCEEDED"),
          pending.getLastFailure().getMessage());
      assertEquals(
          "STIGMER_CREATE_FAILED", pending.getLastFailure().getApplicationFailureInfo().getType());
      assertFalse(pending.getLastFailure().getApplicationFailureInfo().getNonRetryable());
      caller.terminate("done");
    }
  }

  @Test
  void permanentCreateFailureFailsTheActivityAtOnce(DevServer server) throws Exception {
    WorkflowClient client = server.client();
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker worker = It.callerWorker(client, stigmer)) {
      stigmer.failNext(
          Status.INVALID_ARGUMENT.withDescription("spec.message: must not be empty"));
      WorkflowStub caller =
          It.startAgentCaller(client, worker.taskQueue(), It.request("refused by the server"));

      WorkflowFailedException e =
          assertThrows(
              WorkflowFailedException.class, () -> It.result(caller, AgentExecution.class));
      ApplicationFailure failure = It.activityApplicationFailure(e);
      assertEquals("STIGMER_CREATE_FAILED", failure.getType());
      assertEquals(
          "INVALID_ARGUMENT: spec.message: must not be empty", failure.getOriginalMessage());
      assertTrue(failure.isNonRetryable());

      assertEquals(1, stigmer.calls().size(), "never retried");
      List<HistoryEvent> history = It.history(client, caller.getExecution());
      List<HistoryEvent> started =
          history.stream()
              .filter(h -> h.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
              .toList();
      assertEquals(1, started.size());
      assertEquals(1, started.get(0).getActivityTaskStartedEventAttributes().getAttempt());
      assertTrue(
          history.stream()
              .anyMatch(h -> h.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED),
          "the activity failed instead of going pending");
    }
  }

  @Test
  void aLocalActivityIsRefusedWithItsOwnType(DevServer server) throws Exception {
    WorkflowClient client = server.client();
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker worker = It.callerWorker(client, stigmer)) {
      Fixtures.LocalCaller caller =
          client.newWorkflowStub(
              Fixtures.LocalCaller.class, It.workflowOptions(worker.taskQueue(), "local"));
      WorkflowClient.start(caller::run, It.request("local"));
      WorkflowFailedException e =
          assertThrows(
              WorkflowFailedException.class,
              () -> It.result(WorkflowStub.fromTyped(caller), AgentExecution.class));
      ApplicationFailure failure = It.activityApplicationFailure(e);
      assertEquals(HandshakeFailureTypes.LOCAL_ACTIVITY, failure.getType());
      assertTrue(failure.isNonRetryable());
      assertEquals(0, stigmer.calls().size(), "nothing was sent");
    }
  }

  @Test
  void whatTheDeployedServiceRequiresIsFilledFromTheDocsRequest(DevServer server)
      throws Exception {
    WorkflowClient client = server.client();
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker worker = It.callerWorker(client, stigmer)) {
      // Only what the docs show: no api_version, kind or metadata.name.
      AgentExecution docs =
          AgentExecution.newBuilder()
              .setSpec(
                  ai.stigmer.agentic.agentexecution.v1.AgentExecutionSpec.newBuilder()
                      .setAgentId("agent-1")
                      .setMessage("hello"))
              .build();
      stigmer.failNext(Status.UNAVAILABLE.withDescription("restarting"));
      WorkflowStub caller = It.startAgentCaller(client, worker.taskQueue(), docs);
      List<CreateCall> creates = stigmer.waitForCalls(2, It.WAIT);
      for (CreateCall create : creates) {
        AgentExecution sent = create.agentExecution();
        assertEquals("agentic.stigmer.ai/v1", sent.getApiVersion());
        assertEquals("AgentExecution", sent.getKind());
        assertEquals(
            ExecutionRequests.executionName(create.idempotencyKey()),
            sent.getMetadata().getName());
        assertTrue(sent.getMetadata().getName().matches("exec-[0-9a-f]{20}"));
      }
      // The retried attempt names the same execution.
      assertEquals(
          creates.get(0).agentExecution().getMetadata().getName(),
          creates.get(1).agentExecution().getMetadata().getName());
      caller.terminate("done");
    }
  }

  @Test
  void aRequestTheDeployedServiceWouldRefuseIsRefusedBeforeAnyRpc(DevServer server)
      throws Exception {
    WorkflowClient client = server.client();
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker worker = It.callerWorker(client, stigmer)) {
      AgentExecution noMessage =
          It.request("").toBuilder().setKind("WorkflowExecution").build();
      WorkflowStub caller = It.startAgentCaller(client, worker.taskQueue(), noMessage);
      WorkflowFailedException e =
          assertThrows(
              WorkflowFailedException.class, () -> It.result(caller, AgentExecution.class));
      ApplicationFailure failure = It.activityApplicationFailure(e);
      assertEquals(HandshakeFailureTypes.INVALID_REQUEST, failure.getType());
      assertTrue(failure.isNonRetryable());
      assertEquals(
          "invalid WorkflowExecution: kind: must equal `AgentExecution`; "
              + "spec.message: must be at least 1 characters",
          failure.getOriginalMessage());
      assertEquals(0, stigmer.calls().size(), "nothing was sent");
      assertTrue(
          CapturedLogs.events().stream()
              .anyMatch(
                  event ->
                      event.message().equals("Stigmer create refused locally")
                          && event.fields().containsKey("token_digest")
                          && ("kind: must equal `AgentExecution`; "
                                  + "spec.message: must be at least 1 characters")
                              .equals(event.fields().get("violations"))),
          "the refusal is logged");
    }
  }

  @Test
  void workflowExecutionsUseTheirOwnCallbackField(DevServer server) throws Exception {
    WorkflowClient client = server.client();
    ExternalActivityCompleter completer = It.completer(server);
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker worker = It.callerWorker(client, stigmer)) {
      WorkflowExecution request =
          WorkflowExecution.newBuilder()
              .setApiVersion("agentic.stigmer.ai/v1")
              .setKind("WorkflowExecution")
              .setSpec(
                  WorkflowExecutionSpec.newBuilder()
                      .setWorkflowId("wf-nightly")
                      .setTriggerMessage("go")
                      .putTriggerMetadata("source", "test"))
              .build();
      Fixtures.WorkflowCaller caller =
          client.newWorkflowStub(
              Fixtures.WorkflowCaller.class, It.workflowOptions(worker.taskQueue(), "wf-caller"));
      WorkflowClient.start(caller::run, request);
      WorkflowStub stub = WorkflowStub.fromTyped(caller);

      CreateCall create = stigmer.waitForCalls(1, It.WAIT).get(0);
      ByteString token = create.workflowExecution().getSpec().getCallbackToken();
      assertFalse(token.isEmpty());
      assertEquals(
          create.idempotencyKey(),
          create.workflowExecution().getMetadata().getAnnotationsOrThrow(IdempotencyKeys.ANNOTATION_KEY));
      assertEquals(
          request.getSpec(), create.workflowExecution().getSpec().toBuilder().clearCallbackToken().build());
      WorkflowExecution finished =
          request.toBuilder()
              .setMetadata(ApiResourceMetadata.newBuilder().setId(create.executionId()))
              .setStatus(
                  WorkflowExecutionStatus.newBuilder()
                      .setPhase(ExecutionPhase.EXECUTION_COMPLETED)
                      .setOutput(
                          Struct.newBuilder()
                              .putFields("rows", Value.newBuilder().setNumberValue(42).build())
                              .putFields("ok", Value.newBuilder().setBoolValue(true).build())))
              .build();
      assertEquals(
          COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED,
          completer
              .complete(CompletionInputs.result(token, finished, It.options(create.executionId())))
              .getOutcome());
      assertEquals(finished, It.result(stub, WorkflowExecution.class));
      // A second completion finds the activity gone.
      assertEquals(
          COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED,
          completer
              .complete(CompletionInputs.result(token, finished, It.options(create.executionId())))
              .getOutcome());
    }
  }
}
