package ai.stigmer.sdk.handshake;

import static ai.stigmer.sdk.v1.CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED;
import static ai.stigmer.sdk.v1.CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED;
import static ai.stigmer.sdk.v1.CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.sdk.testing.CapturedLogs;
import ai.stigmer.sdk.testing.CapturedMetrics;
import ai.stigmer.sdk.testing.CreateCall;
import ai.stigmer.sdk.testing.DevServer;
import ai.stigmer.sdk.testing.FakeStigmerService;
import ai.stigmer.sdk.testing.StigmerTestExtension;
import ai.stigmer.sdk.testing.TestWorker;
import ai.stigmer.sdk.v1.CompleteExternalActivityResult;
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
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.event.Level;

/**
 * The system activity {@code stigmer/system/complete-external-activity}, scheduled by a Java
 * service workflow with {@link WorkflowCompletions}, completing a caller on another worker.
 */
@Tag("integration")
@ExtendWith(StigmerTestExtension.class)
class SystemActivityIntegrationTest {

  private static TestWorker serviceWorker(WorkflowClient client) {
    ExternalActivityCompleter completer = ExternalActivityCompleter.newBuilder(client).build();
    return TestWorker.start(
        client,
        worker -> {
          worker.registerWorkflowImplementationTypes(
              Fixtures.ServiceImpl.class,
              Fixtures.JsonInputServiceImpl.class,
              Fixtures.DeployedInputServiceImpl.class);
          worker.registerActivitiesImplementations(new SystemActivitiesImpl(completer));
        });
  }

  private static WorkflowStub startService(
      WorkflowClient client,
      String taskQueue,
      byte[] token,
      AgentExecution finished,
      String failure) {
    Fixtures.Service service =
        client.newWorkflowStub(Fixtures.Service.class, It.workflowOptions(taskQueue, "service"));
    WorkflowClient.start(service::run, token, finished, failure);
    return WorkflowStub.fromTyped(service);
  }

  private static byte[] garbageToken() {
    byte[] garbage = new byte[48];
    new Random(11).nextBytes(garbage);
    return garbage;
  }

  private static List<HistoryEvent> scheduledActivities(WorkflowClient client, WorkflowStub stub) {
    return It.history(client, stub.getExecution()).stream()
        .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        .toList();
  }

  private static boolean logged(Level level, String message, String contains) {
    return CapturedLogs.events().stream()
        .anyMatch(
            e ->
                e.level() == level
                    && e.logger().equals(WorkflowCompletions.class.getName())
                    && e.message().equals(message)
                    && e.fields().values().stream().anyMatch(v -> v.contains(contains)));
  }

  /** The captured deployed input, with the caller's real token in it. */
  private static String deployedInput(String file, byte[] token) {
    com.fasterxml.jackson.databind.node.ObjectNode data =
        (com.fasterxml.jackson.databind.node.ObjectNode) DeployedPayloads.file(file).get("data");
    data.put("CallbackToken", java.util.Base64.getEncoder().encodeToString(token));
    return data.toString();
  }

  private static WorkflowStub startDeployedInputService(
      WorkflowClient client, String taskQueue, String json) {
    Fixtures.DeployedInputService service =
        client.newWorkflowStub(
            Fixtures.DeployedInputService.class, It.workflowOptions(taskQueue, "deployed"));
    WorkflowClient.start(service::run, json);
    return WorkflowStub.fromTyped(service);
  }

  @Test
  void deployedServiceInputOfASuccessCompletesTheCaller(DevServer server)
      throws Exception {
    WorkflowClient client = server.client();
    // The caller decodes the json/plain result with the Stigmer data converter.
    WorkflowClient callerClient =
        WorkflowClient.newInstance(
            server.service(),
            WorkflowClientOptions.newBuilder()
                .setNamespace(DevServer.NAMESPACE)
                .setDataConverter(StigmerDataConverter.create())
                .build());
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker callers = It.callerWorker(callerClient, stigmer);
        TestWorker service = serviceWorker(client)) {
      WorkflowStub caller =
          It.startAgentCaller(callerClient, callers.taskQueue(), It.request("go"));
      CreateCall create = stigmer.waitForCalls(1, It.WAIT).get(0);
      byte[] token = create.agentExecution().getSpec().getCallbackToken().toByteArray();
      String json = deployedInput(DeployedPayloads.SYSTEM_INPUT_SUCCESS, token);

      WorkflowStub system = startDeployedInputService(client, service.taskQueue(), json);
      assertEquals(
          COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED,
          It.result(system, CompleteExternalActivityResult.class).getOutcome());
      AgentExecution delivered = It.result(caller, AgentExecution.class);
      assertEquals("aex-01m8r54we0wrtb949nvtg43c2h", delivered.getMetadata().getId());
      assertEquals("hello raw", delivered.getSpec().getMessage());
      assertEquals(
          ai.stigmer.agentic.agentexecution.v1.ExecutionPhase.EXECUTION_PENDING,
          delivered.getStatus().getPhase());
      assertTrue(delivered.getSpec().getCallbackToken().isEmpty(), "no token delivered");
      // The caller's history holds the Result as json/plain, without the token.
      io.temporal.api.common.v1.Payload completion =
          It.history(client, caller.getExecution()).stream()
              .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
              .findFirst()
              .orElseThrow()
              .getActivityTaskCompletedEventAttributes()
              .getResult()
              .getPayloads(0);
      assertEquals("json/plain", completion.getMetadataOrThrow("encoding").toStringUtf8());
      String base64 = java.util.Base64.getEncoder().encodeToString(token);
      assertFalse(completion.getData().toStringUtf8().contains(base64.substring(0, 24)));
    }
  }

  @Test
  void deployedServiceInputWithAnEmptyErrorFailsTheCaller(DevServer server)
      throws Exception {
    WorkflowClient client = server.client();
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker callers = It.callerWorker(client, stigmer);
        TestWorker service = serviceWorker(client)) {
      WorkflowStub caller = It.startAgentCaller(client, callers.taskQueue(), It.request("fail"));
      CreateCall create = stigmer.waitForCalls(1, It.WAIT).get(0);
      byte[] token = create.agentExecution().getSpec().getCallbackToken().toByteArray();
      String json = deployedInput(DeployedPayloads.SYSTEM_INPUT_FAILURE, token);

      WorkflowStub system = startDeployedInputService(client, service.taskQueue(), json);
      assertEquals(
          COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED,
          It.result(system, CompleteExternalActivityResult.class).getOutcome());
      WorkflowFailedException e =
          assertThrows(
              WorkflowFailedException.class, () -> It.result(caller, AgentExecution.class));
      ApplicationFailure failure = It.activityApplicationFailure(e);
      assertEquals("AGENT_EXECUTION_FAILED", failure.getType());
      assertEquals(
          "the Stigmer service reported a failure without a message",
          failure.getOriginalMessage());
      assertTrue(failure.isNonRetryable());
    }
  }

  @Test
  void anUndecodableInputFailsTheSystemActivityForGood(DevServer server)
      throws Exception {
    WorkflowClient client = server.client();
    try (TestWorker service = serviceWorker(client)) {
      WorkflowStub system =
              startDeployedInputService(
              client, service.taskQueue(), "{\"CallbackToken\": \"%%%\"}");
      WorkflowFailedException e =
          assertThrows(
              WorkflowFailedException.class,
              () -> It.result(system, CompleteExternalActivityResult.class));
      ApplicationFailure failure = It.activityApplicationFailure(e);
      assertEquals(HandshakeFailureTypes.COMPLETION_INVALID_INPUT, failure.getType());
      assertEquals(1, scheduledActivities(client, system).size());
    }
  }

  @Test
  void successPathCompletesTheCaller(DevServer server) throws Exception {
    WorkflowClient client = server.client();
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker callers = It.callerWorker(client, stigmer);
        TestWorker service = serviceWorker(client)) {
      WorkflowStub caller = It.startAgentCaller(client, callers.taskQueue(), It.request("ok"));
      CreateCall create = stigmer.waitForCalls(1, It.WAIT).get(0);
      byte[] token = create.agentExecution().getSpec().getCallbackToken().toByteArray();
      AgentExecution finished = It.finished(create.executionId(), "all good");

      WorkflowStub first = startService(client, service.taskQueue(), token, finished, null);
      CompleteExternalActivityResult result =
          It.result(first, CompleteExternalActivityResult.class);
      assertEquals(COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED, result.getOutcome());
      assertEquals(TaskTokens.preview(token), result.getTokenPreview());
      assertEquals(finished, It.result(caller, AgentExecution.class));
      List<HistoryEvent> scheduled = scheduledActivities(client, first);
      assertEquals(1, scheduled.size());
      assertEquals(
          "stigmer/system/complete-external-activity",
          scheduled.get(0).getActivityTaskScheduledEventAttributes().getActivityType().getName());
      assertEquals(
          "binary/protobuf",
          scheduled
              .get(0)
              .getActivityTaskScheduledEventAttributes()
              .getInput()
              .getPayloads(0)
              .getMetadataOrThrow("encoding")
              .toStringUtf8());

      // Completing again: the caller has moved on; a warning, and the workflow still succeeds.
      WorkflowStub again = startService(client, service.taskQueue(), token, finished, null);
      assertEquals(
          COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED,
          It.result(again, CompleteExternalActivityResult.class).getOutcome());
      assertTrue(
          logged(Level.WARN, "Caller's activity was already completed", TaskTokens.preview(token)));
    }
  }

  @Test
  void metricsGoToTheRunningActivityScope(DevServer server) throws Exception {
    WorkflowClient client = server.client();
    CapturedMetrics metrics = new CapturedMetrics();
    // The service worker's client reports its metrics to the captured scope; its completer has no
    // scope of its own, so the system activity counts in the activity's scope (tagged by the
    // worker) rather than the stubs' untagged one.
    WorkflowServiceStubs meteredStubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setTarget(server.target())
                .setMetricsScope(metrics.scope())
                .build());
    WorkflowClient metered =
        WorkflowClient.newInstance(
            meteredStubs,
            WorkflowClientOptions.newBuilder().setNamespace(DevServer.NAMESPACE).build());
    String serviceQueue;
    byte[] token;
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker callers = It.callerWorker(client, stigmer);
        TestWorker service = serviceWorker(metered)) {
      serviceQueue = service.taskQueue();
      WorkflowStub caller = It.startAgentCaller(client, callers.taskQueue(), It.request("meter"));
      CreateCall create = stigmer.waitForCalls(1, It.WAIT).get(0);
      token = create.agentExecution().getSpec().getCallbackToken().toByteArray();
      AgentExecution finished = It.finished(create.executionId(), "metered");
      for (var expected :
          List.of(
              COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED,
              COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED)) {
        WorkflowStub stub = startService(client, serviceQueue, token, finished, null);
        assertEquals(expected, It.result(stub, CompleteExternalActivityResult.class).getOutcome());
      }
      assertEquals(finished, It.result(caller, AgentExecution.class));
    } finally {
      meteredStubs.shutdownNow();
      meteredStubs.awaitTermination(5, TimeUnit.SECONDS);
      metrics.close();
    }
    // Ours, keyed by name and status or error_type only; the other tags are the activity's.
    Map<String, Long> counts = new HashMap<>();
    Map<String, Map<String, String>> tags =
        metrics.tags(name -> name.startsWith("stigmer_external_activity_"));
    metrics
        .counters()
        .forEach(
            (key, value) -> {
              Map<String, String> metricTags = tags.get(key);
              if (metricTags != null) {
                String name = key.substring(0, key.indexOf(','));
                String tag = name.endsWith("errors_total") ? "error_type" : "status";
                counts.merge(
                    CapturedMetrics.key(name, Map.of(tag, metricTags.get(tag))), value, Long::sum);
              }
            });
    assertEquals(
        Map.of(
            CapturedMetrics.key(
                ExternalActivityCompleter.METRIC_COMPLETIONS, Map.of("status", "completed")),
            1L,
            CapturedMetrics.key(
                ExternalActivityCompleter.METRIC_COMPLETIONS,
                Map.of("status", "already_completed")),
            1L,
            CapturedMetrics.key(
                ExternalActivityCompleter.METRIC_ERRORS, Map.of("error_type", "already_completed")),
            1L),
        counts);
    assertEquals(5, tags.size(), "two counters, one error counter, two timers: " + tags);
    String preview = TaskTokens.preview(token);
    tags.forEach(
        (key, metricTags) -> {
          assertEquals(
              SystemActivities.COMPLETE_EXTERNAL_ACTIVITY, metricTags.get("activity_type"), key);
          assertEquals(serviceQueue, metricTags.get("task_queue"), key);
          assertEquals(DevServer.NAMESPACE, metricTags.get("namespace"), key);
          assertFalse(metricTags.containsValue(preview), key + " carries the token preview");
        });
  }

  @Test
  void successPathFailsTheWorkflowOnAnInvalidToken(DevServer server) {
    WorkflowClient client = server.client();
    try (TestWorker service = serviceWorker(client)) {
      WorkflowStub stub =
          startService(
              client, service.taskQueue(), garbageToken(), It.finished("ae-x", "never seen"), null);
      WorkflowFailedException e =
          assertThrows(
              WorkflowFailedException.class,
              () -> It.result(stub, CompleteExternalActivityResult.class));
      ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
      assertEquals("STIGMER_COMPLETION_FAILED", failure.getType());
      assertTrue(failure.isNonRetryable());
      assertTrue(
          failure.getOriginalMessage().contains("INVALID_TOKEN"), failure.getOriginalMessage());
      assertTrue(
          failure.getOriginalMessage().contains(TaskTokens.preview(garbageToken())),
          failure.getOriginalMessage());
    }
  }

  @Test
  void emptyTokenSchedulesNothing(DevServer server) throws Exception {
    WorkflowClient client = server.client();
    try (TestWorker service = serviceWorker(client)) {
      WorkflowStub stub =
          startService(
              client,
              service.taskQueue(),
              new byte[0],
              It.finished("ae-y", "fire and forget"),
              null);
      CompleteExternalActivityResult result = It.result(stub, CompleteExternalActivityResult.class);
      assertEquals(COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN, result.getOutcome());
      assertEquals("<empty>", result.getTokenPreview());
      assertTrue(scheduledActivities(client, stub).isEmpty());
    }
  }

  @Test
  void failurePathFailsTheCallerAndTheOriginalErrorStands(DevServer server)
      throws Exception {
    WorkflowClient client = server.client();
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker callers = It.callerWorker(client, stigmer);
        TestWorker service = serviceWorker(client)) {
      WorkflowStub caller = It.startAgentCaller(client, callers.taskQueue(), It.request("doomed"));
      CreateCall create = stigmer.waitForCalls(1, It.WAIT).get(0);
      byte[] token = create.agentExecution().getSpec().getCallbackToken().toByteArray();
      AgentExecution partial = It.finished(create.executionId(), "partial");

      WorkflowStub stub =
          startService(client, service.taskQueue(), token, partial, "agent crashed");
      WorkflowFailedException serviceFailure =
          assertThrows(
              WorkflowFailedException.class,
              () -> It.result(stub, CompleteExternalActivityResult.class));
      ApplicationFailure original =
          assertInstanceOf(ApplicationFailure.class, serviceFailure.getCause());
      assertEquals("AGENT_EXECUTION_FAILED", original.getType());
      assertEquals("agent crashed", original.getOriginalMessage());

      WorkflowFailedException callerFailure =
          assertThrows(
              WorkflowFailedException.class, () -> It.result(caller, AgentExecution.class));
      ApplicationFailure delivered = It.activityApplicationFailure(callerFailure);
      assertEquals("AGENT_EXECUTION_FAILED", delivered.getType());
      assertEquals("agent crashed", delivered.getOriginalMessage());
      assertTrue(delivered.isNonRetryable());
      assertEquals(partial, delivered.getDetails().get(0, AgentExecution.class));
    }
  }

  @Test
  void failurePathLogsACompletionProblemAndKeepsTheOriginalError(DevServer server) {
    WorkflowClient client = server.client();
    try (TestWorker service = serviceWorker(client)) {
      byte[] garbage = garbageToken();
      WorkflowStub stub =
          startService(
              client, service.taskQueue(), garbage, It.finished("ae-z", "x"), "out of memory");
      WorkflowFailedException e =
          assertThrows(
              WorkflowFailedException.class,
              () -> It.result(stub, CompleteExternalActivityResult.class));
      ApplicationFailure original = assertInstanceOf(ApplicationFailure.class, e.getCause());
      assertEquals("AGENT_EXECUTION_FAILED", original.getType(), "not the completion's failure");
      assertEquals("out of memory", original.getOriginalMessage());
      assertTrue(
          logged(Level.WARN, "Failed to complete external activity", TaskTokens.preview(garbage)));
      assertTrue(logged(Level.WARN, "Failed to complete external activity", "INVALID_TOKEN"));
      assertFalse(scheduledActivities(client, stub).isEmpty());
    }
  }

  @Test
  void jsonInputFromAnotherLanguageIsReadWithTheRegistryConverter(DevServer server)
      throws Exception {
    WorkflowClient client = server.client();
    // A service worker whose client reads json/protobuf inputs with Any fields, as a Python
    // workflow sends them.
    WorkflowClient jsonClient =
        WorkflowClient.newInstance(
            server.service(),
            WorkflowClientOptions.newBuilder()
                .setNamespace(DevServer.NAMESPACE)
                .setDataConverter(PayloadTypeRegistry.stigmerDefaults().newDataConverter())
                .build());
    try (FakeStigmerService stigmer = FakeStigmerService.start();
        TestWorker callers = It.callerWorker(client, stigmer);
        TestWorker service = serviceWorker(jsonClient)) {
      WorkflowStub caller = It.startAgentCaller(client, callers.taskQueue(), It.request("json in"));
      CreateCall create = stigmer.waitForCalls(1, It.WAIT).get(0);
      byte[] token = create.agentExecution().getSpec().getCallbackToken().toByteArray();
      AgentExecution finished = It.finished(create.executionId(), "via json input");

      Fixtures.JsonInputService json =
          jsonClient.newWorkflowStub(
              Fixtures.JsonInputService.class, It.workflowOptions(service.taskQueue(), "json"));
      WorkflowClient.start(json::run, token, finished);
      WorkflowStub stub = WorkflowStub.fromTyped(json);
      assertEquals(
          COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED,
          It.result(stub, CompleteExternalActivityResult.class).getOutcome());
      assertEquals(
          "json/protobuf",
          scheduledActivities(client, stub)
              .get(0)
              .getActivityTaskScheduledEventAttributes()
              .getInput()
              .getPayloads(0)
              .getMetadataOrThrow("encoding")
              .toStringUtf8());
      assertEquals(finished, It.result(caller, AgentExecution.class));
    }
  }
}
