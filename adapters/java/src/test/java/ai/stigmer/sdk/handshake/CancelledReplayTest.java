package ai.stigmer.sdk.handshake;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import io.temporal.testing.WorkflowReplayer;
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

  public static final class CancelledUnwatchedCallerImpl extends Fixtures.WatchingCallerImpl
      implements CancelledUnwatchedCaller {
    public CancelledUnwatchedCallerImpl() {
      super(Fixtures.callerOptions(), Duration.ofHours(1));
    }
  }

  @WorkflowInterface
  public interface CancelledWatchedCaller {
    @WorkflowMethod
    AgentExecution run(AgentExecution request);
  }

  public static final class CancelledWatchedCallerImpl extends Fixtures.WatchingCallerImpl
      implements CancelledWatchedCaller {
    public CancelledWatchedCallerImpl() {
      super(Fixtures.callerOptions(), Duration.ofMillis(200));
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
