package ai.stigmer.sdk.handshake;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Callers cancelled while their handshake was pending, recorded on temporal-testing's environment
 * with main's SDK before the pushed cancel (issue 25): one before its watcher started ({@code
 * histories/cancelled-unwatched-before-pushed-cancel.json}), one while it ran ({@code
 * histories/cancelled-watched-before-pushed-cancel.json}). They replay on this SDK: no cancel
 * activity, no opt-out annotation, the handshake still in the workflow's scope (the {@code
 * stigmer/cancel-execution} version is absent from their histories).
 */
class CancelledReplayTest {

  @WorkflowInterface
  public interface CancelledUnwatchedCaller {
    @WorkflowMethod
    AgentExecution run(AgentExecution request);
  }

  public static final class CancelledUnwatchedCallerImpl implements CancelledUnwatchedCaller {
    private final Fixtures.CallerActivities activities =
        Workflow.newActivityStub(Fixtures.CallerActivities.class, Fixtures.callerOptions());

    @Override
    public AgentExecution run(AgentExecution request) {
      return WorkflowHandshake.executeToTerminal(
          activities::runAgent,
          request,
          WorkflowHandshake.TerminalOptions.newBuilder().setWatchAfter(Duration.ofHours(1)).build());
    }
  }

  @WorkflowInterface
  public interface CancelledWatchedCaller {
    @WorkflowMethod
    AgentExecution run(AgentExecution request);
  }

  public static final class CancelledWatchedCallerImpl implements CancelledWatchedCaller {
    private final Fixtures.CallerActivities activities =
        Workflow.newActivityStub(Fixtures.CallerActivities.class, Fixtures.callerOptions());

    @Override
    public AgentExecution run(AgentExecution request) {
      return WorkflowHandshake.executeToTerminal(
          activities::runAgent,
          request,
          WorkflowHandshake.TerminalOptions.newBuilder()
              .setWatchAfter(Duration.ofMillis(200))
              .build());
    }
  }

  @Test
  void aCallerCancelledBeforeItsWatchReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/cancelled-unwatched-before-pushed-cancel.json",
        CancelledUnwatchedCallerImpl.class);
  }

  @Test
  void aCallerCancelledWhileWatchedReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/cancelled-watched-before-pushed-cancel.json", CancelledWatchedCallerImpl.class);
  }
}
