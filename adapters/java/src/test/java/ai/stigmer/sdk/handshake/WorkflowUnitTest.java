package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionStatus;
import ai.stigmer.agentic.agentexecution.v1.ExecutionPhase;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.sdk.testing.CreateCall;
import ai.stigmer.sdk.testing.FakeStigmerService;
import ai.stigmer.sdk.v1.ExecutionKind;
import ai.stigmer.sdk.v1.GetExecutionInput;
import com.google.protobuf.ByteString;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.RawValue;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The caller's workflow side on temporal-testing's in-memory {@link TestWorkflowEnvironment}: no
 * Temporal CLI, so these run in plain {@code mvn test}.
 *
 * <p>Time skipping is off: a pending handshake activity has no running code, so a skipping
 * environment would jump to its timeout.
 *
 * <p>{@code -Dstigmer.record.history=<file>} writes the history of {@link
 * #theHandshakeCompletesTheCallerOnTheTestEnvironment} to that file: that is how {@code
 * histories/terminal-caller.json}, which {@link ReplayTest} replays, was recorded.
 */
class WorkflowUnitTest {

  private static final String TASK_QUEUE = "callers";

  private TestWorkflowEnvironment env;
  private Worker worker;

  @BeforeEach
  void setUp() {
    env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    worker = env.newWorker(TASK_QUEUE);
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  @Test
  void theHandshakeCompletesTheCallerOnTheTestEnvironment() throws Exception {
    WorkflowClient client = env.getWorkflowClient();
    try (FakeStigmerService stigmer = FakeStigmerService.start(client)) {
      worker.registerWorkflowImplementationTypes(Fixtures.TerminalCallerImpl.class);
      worker.registerActivitiesImplementations(
          new Fixtures.CallerActivitiesImpl(
              stigmer.agentStub(), stigmer.workflowStub(), HandshakeOptions.getDefaultInstance()));
      env.start();
      Fixtures.TerminalCaller caller =
          client.newWorkflowStub(
              Fixtures.TerminalCaller.class,
              It.workflowOptions(TASK_QUEUE, "terminal-caller").toBuilder()
                  .setWorkflowId("terminal-caller")
                  .build());
      WorkflowClient.start(caller::run, It.request("what is 2+2?"));
      CreateCall call = stigmer.waitForCalls(1).get(0);
      stigmer.complete(call, "four");

      AgentExecution finished = It.result(WorkflowStub.fromTyped(caller), AgentExecution.class);

      AgentExecutionStatus status = finished.getStatus();
      assertEquals(ExecutionPhase.EXECUTION_COMPLETED, status.getPhase());
      assertEquals("four", status.getMessages(status.getMessagesCount() - 1).getContent());
      assertTrue(finished.getSpec().getCallbackToken().isEmpty(), "token cleared");
      String record = System.getProperty("stigmer.record.history");
      if (record != null && !record.isEmpty()) {
        Path file = Paths.get(record);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, client.fetchHistory("terminal-caller").toJson(true));
      }
    }
  }

  @Test
  void executeToTerminalFetchesTheExecutionWhenTheDeliveredOneIsNotTerminal() throws Exception {
    List<GetExecutionInput> gets = new CopyOnWriteArrayList<>();
    AgentExecution terminal = It.finished("aex-9", "done");
    worker.registerWorkflowImplementationTypes(Fixtures.TerminalCallerImpl.class);
    worker.registerActivitiesImplementations(
        new DeliveringActivities(
            // As the deployed service delivers it: as created, token echoed.
            AgentExecution.newBuilder()
                .setMetadata(terminal.getMetadata())
                .setSpec(
                    terminal.getSpec().toBuilder().setCallbackToken(ByteString.copyFromUtf8("t")))
                .setStatus(AgentExecutionStatus.newBuilder().setPhase(ExecutionPhase.EXECUTION_PENDING))
                .build()),
        (GetExecutionActivity)
            input -> {
              gets.add(input);
              return new RawValue(
                  PayloadTypeRegistry.binaryPayload(
                      terminal.toBuilder()
                          .setSpec(
                              terminal.getSpec().toBuilder()
                                  .setCallbackToken(ByteString.copyFromUtf8("t")))
                          .build()));
            });
    env.start();

    AgentExecution result = run(It.request("task"));

    assertEquals(
        List.of(
            GetExecutionInput.newBuilder()
                .setKind(ExecutionKind.EXECUTION_KIND_AGENT)
                .setExecutionId("aex-9")
                .build()),
        gets);
    assertEquals(ExecutionPhase.EXECUTION_COMPLETED, result.getStatus().getPhase());
    assertTrue(result.getSpec().getCallbackToken().isEmpty(), "token cleared");
  }

  @Test
  void aTerminalDeliveryIsReturnedWithoutFetching() throws Exception {
    worker.registerWorkflowImplementationTypes(Fixtures.TerminalCallerImpl.class);
    worker.registerActivitiesImplementations(
        new DeliveringActivities(It.finished("aex-1", "hi")),
        (GetExecutionActivity)
            input -> {
              throw new AssertionError("get-execution must not run");
            });
    env.start();

    AgentExecution result = run(It.request("task"));

    assertEquals("hi", result.getStatus().getMessages(0).getContent());
  }

  @Test
  void aDeliveredFailureReachesTheWorkflowTyped() {
    worker.registerWorkflowImplementationTypes(Fixtures.TerminalCallerImpl.class);
    worker.registerActivitiesImplementations(
        new Fixtures.CallerActivities() {
          @Override
          public AgentExecution runAgent(AgentExecution execution) {
            throw ApplicationFailure.newNonRetryableFailure(
                "the model refused", HandshakeFailureTypes.AGENT_EXECUTION_FAILED);
          }

          @Override
          public WorkflowExecution runWorkflow(WorkflowExecution execution) {
            throw new UnsupportedOperationException();
          }
        });
    env.start();

    WorkflowFailedException failed =
        assertThrows(WorkflowFailedException.class, () -> run(It.request("task")));

    ApplicationFailure cause = It.activityApplicationFailure(failed);
    assertEquals(HandshakeFailureTypes.AGENT_EXECUTION_FAILED, cause.getType());
    assertTrue(cause.isNonRetryable());
    assertFalse(cause.getOriginalMessage().isEmpty());
  }

  private AgentExecution run(AgentExecution request) throws Exception {
    Fixtures.TerminalCaller caller =
        env.getWorkflowClient()
            .newWorkflowStub(
                Fixtures.TerminalCaller.class, It.workflowOptions(TASK_QUEUE, "unit"));
    WorkflowClient.start(caller::run, request);
    return It.result(WorkflowStub.fromTyped(caller), AgentExecution.class);
  }

  /** A handshake activity whose service "delivers" at once: it returns the given execution. */
  private static final class DeliveringActivities implements Fixtures.CallerActivities {
    private final AgentExecution delivered;

    DeliveringActivities(AgentExecution delivered) {
      this.delivered = delivered;
    }

    @Override
    public AgentExecution runAgent(AgentExecution execution) {
      return delivered;
    }

    @Override
    public WorkflowExecution runWorkflow(WorkflowExecution execution) {
      throw new UnsupportedOperationException();
    }
  }
}
