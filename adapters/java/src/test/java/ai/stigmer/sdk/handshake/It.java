package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionSpec;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionStatus;
import ai.stigmer.agentic.agentexecution.v1.AgentMessage;
import ai.stigmer.agentic.agentexecution.v1.ExecutionPhase;
import ai.stigmer.agentic.agentexecution.v1.MessageType;
import ai.stigmer.commons.apiresource.ApiResourceMetadata;
import ai.stigmer.sdk.testing.DevServer;
import ai.stigmer.sdk.testing.FakeStigmerService;
import ai.stigmer.sdk.testing.TestWorker;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Shared steps of the integration tests. */
final class It {

  static final Duration WAIT = Duration.ofSeconds(60);

  /**
   * A second namespace of the shared dev server (junit-platform.properties registers it), for
   * tokens presented to the wrong namespace.
   */
  static final String OTHER_NAMESPACE = "stigmer-other";

  private It() {}

  /** A caller worker: the caller workflows and their activities, backed by the given service. */
  static TestWorker callerWorker(
      WorkflowClient client, FakeStigmerService stigmer, WorkerOptions options) {
    return callerWorker(client, stigmer, options, HandshakeOptions.getDefaultInstance());
  }

  /** A caller worker whose agent activity uses these handshake options. */
  static TestWorker callerWorker(
      WorkflowClient client,
      FakeStigmerService stigmer,
      WorkerOptions options,
      HandshakeOptions handshake) {
    return TestWorker.start(
        client,
        options,
        worker -> {
          worker.registerWorkflowImplementationTypes(
              Fixtures.AgentCallerImpl.class,
              Fixtures.WorkflowCallerImpl.class,
              Fixtures.LocalCallerImpl.class,
              Fixtures.TerminalCallerImpl.class,
              Fixtures.TerminalWorkflowCallerImpl.class);
          worker.registerActivitiesImplementations(
              new Fixtures.CallerActivitiesImpl(
                  stigmer.agentStub(), stigmer.workflowStub(), handshake),
              GetExecutionActivityImpl.newBuilder()
                  .setAgentStub(stigmer.agentQueryStub())
                  .setWorkflowStub(stigmer.workflowQueryStub())
                  .setInitialInterval(Duration.ofMillis(20))
                  .setMaximumInterval(Duration.ofMillis(200))
                  .build());
        });
  }

  static TestWorker callerWorker(WorkflowClient client, FakeStigmerService stigmer) {
    return callerWorker(client, stigmer, WorkerOptions.getDefaultInstance());
  }

  static WorkflowOptions workflowOptions(String taskQueue, String prefix) {
    return WorkflowOptions.newBuilder()
        .setTaskQueue(taskQueue)
        .setWorkflowId(prefix + "-" + UUID.randomUUID())
        .setWorkflowExecutionTimeout(Duration.ofMinutes(3))
        .build();
  }

  /** Starts an agent caller workflow and returns its stub. */
  static WorkflowStub startAgentCaller(
      WorkflowClient client, String taskQueue, AgentExecution request) {
    Fixtures.AgentCaller caller =
        client.newWorkflowStub(Fixtures.AgentCaller.class, workflowOptions(taskQueue, "caller"));
    WorkflowClient.start(caller::run, request);
    return WorkflowStub.fromTyped(caller);
  }

  /** Completion options with an execution id. */
  static CompletionOptions options(String executionId) {
    return optionsBuilder(executionId).build();
  }

  /** A builder of completion options with an execution id. */
  static CompletionOptions.Builder optionsBuilder(String executionId) {
    return CompletionOptions.newBuilder().setExecutionId(executionId);
  }

  /** A builder of a completion's failure value with its type. */
  static ai.stigmer.sdk.v1.ActivityFailure.Builder failure(String type) {
    return ai.stigmer.sdk.v1.ActivityFailure.newBuilder().setType(type);
  }

  /** A caller's request. */
  static AgentExecution request(String message) {
    return AgentExecution.newBuilder()
        .setApiVersion("agentic.stigmer.ai/v1")
        .setKind("AgentExecution")
        .setMetadata(ApiResourceMetadata.newBuilder().setName("test").putAnnotations("team", "qa"))
        .setSpec(AgentExecutionSpec.newBuilder().setAgentId("agent-1").setMessage(message))
        .build();
  }

  /** A finished execution, as a service would complete the caller with; maps in reverse order. */
  static AgentExecution finished(String id, String output) {
    return AgentExecution.newBuilder()
        .setApiVersion("agentic.stigmer.ai/v1")
        .setKind("AgentExecution")
        .setMetadata(
            ApiResourceMetadata.newBuilder()
                .setId(id)
                .putLabels("z", "26")
                .putLabels("m", "13")
                .putLabels("a", "1"))
        .setSpec(AgentExecutionSpec.newBuilder().setAgentId("agent-1").setMessage("task"))
        .setStatus(
            AgentExecutionStatus.newBuilder()
                .setPhase(ExecutionPhase.EXECUTION_COMPLETED)
                .addMessages(
                    AgentMessage.newBuilder().setType(MessageType.MESSAGE_AI).setContent(output))
                .setCompletedAt("2026-01-22T10:00:00Z"))
        .build();
  }

  /** The result of a workflow, waiting at most {@link #WAIT}. */
  static <R> R result(WorkflowStub stub, Class<R> type) throws Exception {
    return stub.getResult(WAIT.toSeconds(), TimeUnit.SECONDS, type);
  }

  /** The application failure a caller workflow failed with, through its activity. */
  static ApplicationFailure activityApplicationFailure(WorkflowFailedException e) {
    ActivityFailure activity = assertInstanceOf(ActivityFailure.class, e.getCause());
    return assertInstanceOf(ApplicationFailure.class, activity.getCause());
  }

  static DescribeWorkflowExecutionResponse describe(WorkflowClient client, WorkflowExecution run) {
    return client
        .getWorkflowServiceStubs()
        .blockingStub()
        .describeWorkflowExecution(
            DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(client.getOptions().getNamespace())
                .setExecution(run)
                .build());
  }

  /** The only pending activity of a workflow. */
  static PendingActivityInfo pendingActivity(WorkflowClient client, WorkflowExecution run) {
    List<PendingActivityInfo> pending = describe(client, run).getPendingActivitiesList();
    assertEquals(1, pending.size(), "pending activities of " + run.getWorkflowId());
    return pending.get(0);
  }

  static List<HistoryEvent> history(WorkflowClient client, WorkflowExecution run) {
    return client.fetchHistory(run.getWorkflowId(), run.getRunId()).getEvents();
  }

  /** A completer for the callers' namespace. */
  static ExternalActivityCompleter completer(DevServer server) {
    return ExternalActivityCompleter.newBuilder(server.client()).build();
  }
}
