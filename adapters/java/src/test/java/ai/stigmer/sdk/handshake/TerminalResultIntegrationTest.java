package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionStatus;
import ai.stigmer.agentic.agentexecution.v1.ExecutionPhase;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionSpec;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionStatus;
import ai.stigmer.sdk.testing.CapturedMetrics;
import ai.stigmer.sdk.testing.CreateCall;
import ai.stigmer.sdk.testing.DevServer;
import ai.stigmer.sdk.testing.FakeStigmerService;
import ai.stigmer.sdk.testing.StigmerTestExtension;
import ai.stigmer.sdk.testing.TestWorker;
import ai.stigmer.sdk.v1.ExecutionKind;
import ai.stigmer.sdk.v1.GetExecutionInput;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link WorkflowHandshake#executeToTerminal} against a real dev server and a real gRPC service:
 * the caller gets the terminal execution although the service delivered a snapshot, and the
 * caller-side metrics are counted.
 */
@Tag("integration")
@ExtendWith(StigmerTestExtension.class)
class TerminalResultIntegrationTest {

  private static WorkflowStub startTerminalCaller(
      WorkflowClient client, String taskQueue, AgentExecution request) {
    Fixtures.TerminalCaller caller =
        client.newWorkflowStub(
            Fixtures.TerminalCaller.class, It.workflowOptions(taskQueue, "terminal"));
    WorkflowClient.start(caller::run, request);
    return WorkflowStub.fromTyped(caller);
  }

  private static AgentExecution withPhase(AgentExecution execution, ExecutionPhase phase) {
    return execution.toBuilder()
        .setStatus(execution.getStatus().toBuilder().setPhase(phase))
        .build();
  }

  private static long scheduled(WorkflowClient client, WorkflowStub stub, String type) {
    return It.history(client, stub.getExecution()).stream()
        .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        .filter(
            e -> e.getActivityTaskScheduledEventAttributes().getActivityType().getName().equals(type))
        .count();
  }

  /** Ours, summed by name and outcome tag (the others are Temporal's). */
  private static Map<String, Long> ours(CapturedMetrics metrics, Map<String, Long> values) {
    Map<String, Map<String, String>> tags = metrics.tags(name -> name.startsWith("stigmer_caller"));
    Map<String, Long> result = new HashMap<>();
    values.forEach(
        (key, value) -> {
          Map<String, String> metricTags = tags.get(key);
          if (metricTags != null) {
            String name = key.substring(0, key.indexOf(','));
            String outcome = metricTags.get(HandshakeMetrics.OUTCOME_TAG);
            String ourKey =
                outcome == null
                    ? name
                    : CapturedMetrics.key(name, Map.of(HandshakeMetrics.OUTCOME_TAG, outcome));
            result.merge(ourKey, value, Long::sum);
          }
        });
    return result;
  }

  @Test
  void aSnapshotDeliveryIsFollowedByGetUntilTerminal(DevServer server) throws Exception {
    CapturedMetrics metrics = new CapturedMetrics();
    WorkflowServiceStubs meteredStubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setTarget(server.target())
                .setMetricsScope(metrics.scope())
                .build());
    WorkflowClient client =
        WorkflowClient.newInstance(
            meteredStubs,
            WorkflowClientOptions.newBuilder().setNamespace(DevServer.NAMESPACE).build());
    ExternalActivityCompleter completer = It.completer(server);
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker worker = It.callerWorker(client, stigmer)) {
      WorkflowStub caller =
          startTerminalCaller(client, worker.taskQueue(), It.request("snapshot"));
      CreateCall create = stigmer.waitForCalls(1, It.WAIT).get(0);
      AgentExecution finished = It.finished(create.executionId(), "the reply");
      AgentExecution snapshot =
          withPhase(create.agentExecution(), ExecutionPhase.EXECUTION_PENDING).toBuilder()
              .setMetadata(create.agentExecution().getMetadata().toBuilder().setId(create.executionId()))
              .build();
      ByteString token = create.agentExecution().getSpec().getCallbackToken();
      // As the deployed service does, get echoes the token (spec and status).
      AgentExecution echoed =
          finished.toBuilder()
              .setSpec(finished.getSpec().toBuilder().setCallbackToken(token))
              .setStatus(finished.getStatus().toBuilder().setCallbackToken(token))
              .build();
      stigmer.scriptGets(
          create.executionId(),
          withPhase(finished, ExecutionPhase.EXECUTION_IN_PROGRESS),
          Status.UNAVAILABLE.withDescription("restarting"),
          withPhase(finished, ExecutionPhase.EXECUTION_IN_PROGRESS),
          echoed);
      completer.complete(CompletionInputs.result(
          token,
          snapshot,
          It.options(create.executionId())));

      AgentExecution result = It.result(caller, AgentExecution.class);
      assertEquals(finished, result, "the terminal execution, tokens cleared");
      assertEquals("the reply", result.getStatus().getMessages(0).getContent());
      assertEquals(4, stigmer.getCalls(create.executionId()), "polled until terminal, past UNAVAILABLE");
      assertEquals(1, scheduled(client, caller, GetExecutionActivity.GET_EXECUTION));
      // The get activity's input is the kind and id; its result in history holds no token.
      HistoryEvent scheduledGet =
          It.history(client, caller.getExecution()).stream()
              .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
              .filter(
                  e ->
                      e.getActivityTaskScheduledEventAttributes()
                          .getActivityType()
                          .getName()
                          .equals(GetExecutionActivity.GET_EXECUTION))
              .findFirst()
              .orElseThrow();
      Payload input = scheduledGet.getActivityTaskScheduledEventAttributes().getInput().getPayloads(0);
      assertEquals("binary/protobuf", input.getMetadataOrThrow("encoding").toStringUtf8());
      assertEquals(
          GetExecutionInput.newBuilder()
              .setKind(ExecutionKind.EXECUTION_KIND_AGENT)
              .setExecutionId(create.executionId())
              .build(),
          GetExecutionInput.parseFrom(input.getData()));
      Payload getResult =
          It.history(client, caller.getExecution()).stream()
              .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
              .filter(
                  e ->
                      e.getActivityTaskCompletedEventAttributes().getScheduledEventId()
                          == scheduledGet.getEventId())
              .findFirst()
              .orElseThrow()
              .getActivityTaskCompletedEventAttributes()
              .getResult()
              .getPayloads(0);
      assertEquals(finished, AgentExecution.parseFrom(getResult.getData()));
    } finally {
      meteredStubs.shutdownNow();
      meteredStubs.awaitTermination(5, TimeUnit.SECONDS);
      metrics.close();
    }
    assertEquals(
        Map.of(
            HandshakeMetrics.HANDSHAKES_STARTED, 1L,
            HandshakeMetrics.HANDSHAKES_PENDING, 1L,
            CapturedMetrics.key(HandshakeMetrics.HANDSHAKES, Map.of("outcome", "completed")), 1L),
        ours(metrics, metrics.counters()));
    Map<String, Long> durations = new HashMap<>();
    metrics.timerCounts().forEach((k, v) -> durations.put(k, (long) v));
    assertEquals(
        Map.of(
            CapturedMetrics.key(
                HandshakeMetrics.HANDSHAKE_DURATION, Map.of("outcome", "completed")),
            1L),
        ours(metrics, durations));
  }

  @Test
  void aTerminalDeliveryNeedsNoGet(DevServer server) throws Exception {
    WorkflowClient client = server.client();
    ExternalActivityCompleter completer = It.completer(server);
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker worker = It.callerWorker(client, stigmer)) {
      WorkflowStub caller = startTerminalCaller(client, worker.taskQueue(), It.request("final"));
      CreateCall create = stigmer.waitForCalls(1, It.WAIT).get(0);
      AgentExecution finished = It.finished(create.executionId(), "done");
      completer.complete(
          CompletionInputs.result(
              create.agentExecution().getSpec().getCallbackToken(),
              finished,
              It.options(create.executionId())));
      assertEquals(finished, It.result(caller, AgentExecution.class));
      assertEquals(0, stigmer.getCalls(create.executionId()));
      assertEquals(0, scheduled(client, caller, GetExecutionActivity.GET_EXECUTION));
    }
  }

  @Test
  void aGetThatCannotSucceedFailsTheCallerTyped(DevServer server) throws Exception {
    WorkflowClient client = server.client();
    ExternalActivityCompleter completer = It.completer(server);
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker worker = It.callerWorker(client, stigmer)) {
      WorkflowStub caller = startTerminalCaller(client, worker.taskQueue(), It.request("gone"));
      CreateCall create = stigmer.waitForCalls(1, It.WAIT).get(0);
      AgentExecution snapshot =
          It.finished(create.executionId(), "").toBuilder()
              .setStatus(AgentExecutionStatus.newBuilder().setPhase(ExecutionPhase.EXECUTION_PENDING))
              .build();
      // The execution is gone: the service answers NOT_FOUND.
      stigmer.scriptGets(
          create.executionId(),
          Status.NOT_FOUND.withDescription("no execution " + create.executionId()));
      completer.complete(
          CompletionInputs.result(
              create.agentExecution().getSpec().getCallbackToken(),
              snapshot,
              It.options(create.executionId())));
      WorkflowFailedException e =
          assertThrows(
              WorkflowFailedException.class, () -> It.result(caller, AgentExecution.class));
      ApplicationFailure failure = It.activityApplicationFailure(e);
      assertEquals(HandshakeFailureTypes.GET_EXECUTION_FAILED, failure.getType());
      assertEquals(
          "get " + create.executionId() + ": NOT_FOUND: no execution " + create.executionId(),
          failure.getOriginalMessage());
      assertEquals(1, stigmer.getCalls(create.executionId()), "a permanent code is not retried");
    }
  }

  @Test
  void aWorkflowExecutionIsFetchedByItsKind(DevServer server) throws Exception {
    WorkflowClient client = server.client();
    ExternalActivityCompleter completer = It.completer(server);
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker worker = It.callerWorker(client, stigmer)) {
      WorkflowExecution request =
          WorkflowExecution.newBuilder()
              .setSpec(WorkflowExecutionSpec.newBuilder().setWorkflowId("wf-nightly"))
              .build();
      Fixtures.TerminalWorkflowCaller caller =
          client.newWorkflowStub(
              Fixtures.TerminalWorkflowCaller.class,
              It.workflowOptions(worker.taskQueue(), "terminal-wf"));
      WorkflowClient.start(caller::run, request);
      CreateCall create = stigmer.waitForCalls(1, It.WAIT).get(0);
      ByteString token = create.workflowExecution().getSpec().getCallbackToken();
      WorkflowExecution snapshot =
          create.workflowExecution().toBuilder()
              .setMetadata(create.workflowExecution().getMetadata().toBuilder().setId(create.executionId()))
              .setStatus(
                  WorkflowExecutionStatus.newBuilder()
                      .setPhase(
                          ai.stigmer.agentic.workflowexecution.v1.ExecutionPhase.EXECUTION_PENDING))
              .build();
      WorkflowExecution failed =
          snapshot.toBuilder()
              .setStatus(
                  WorkflowExecutionStatus.newBuilder()
                      .setPhase(
                          ai.stigmer.agentic.workflowexecution.v1.ExecutionPhase.EXECUTION_FAILED))
              .build();
      stigmer.scriptGets(create.executionId(), failed);
      completer.complete(CompletionInputs.result(
          token,
          snapshot,
          It.options(create.executionId())));
      WorkflowExecution result = It.result(WorkflowStub.fromTyped(caller), WorkflowExecution.class);
      assertEquals(
          ai.stigmer.agentic.workflowexecution.v1.ExecutionPhase.EXECUTION_FAILED,
          result.getStatus().getPhase());
      assertTrue(result.getSpec().getCallbackToken().isEmpty(), "the echoed token is cleared");
      assertEquals(1, stigmer.getCalls(create.executionId()));
    }
  }

  @Test
  void terminalPhases() {
    for (ExecutionPhase phase : ExecutionPhase.values()) {
      if (phase == ExecutionPhase.UNRECOGNIZED) {
        continue;
      }
      AgentExecution execution =
          AgentExecution.newBuilder()
              .setStatus(AgentExecutionStatus.newBuilder().setPhase(phase))
              .build();
      boolean terminal =
          List.of(
                  ExecutionPhase.EXECUTION_COMPLETED,
                  ExecutionPhase.EXECUTION_FAILED,
                  ExecutionPhase.EXECUTION_CANCELLED)
              .contains(phase);
      assertEquals(terminal, WorkflowHandshake.isTerminal(execution), phase.name());
    }
  }
}
