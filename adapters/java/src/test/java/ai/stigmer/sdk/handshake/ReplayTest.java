package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Replays a recorded history of a caller workflow ({@code histories/terminal-caller.json}: a
 * handshake through {@link WorkflowHandshake#executeToTerminal}, completed by the fake service,
 * recorded by {@link WorkflowUnitTest} with {@code -Dstigmer.record.history}), so that a change to
 * the SDK's workflow code that would break running callers' replays fails here.
 */
class ReplayTest {

  private static final String HISTORY = "histories/terminal-caller.json";

  @Test
  void theRecordedHandshakeReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        HISTORY, Fixtures.TerminalCallerImpl.class);
  }

  @Test
  void aWorkflowThatDiffersFromTheRecordingDoesNotReplay() {
    assertThrows(
        RuntimeException.class,
        () ->
            WorkflowReplayer.replayWorkflowExecutionFromResource(
                HISTORY, SleepsFirstCallerImpl.class));
  }

  /** The recorded caller with a timer before the handshake: not what the history holds. */
  public static final class SleepsFirstCallerImpl implements Fixtures.TerminalCaller {
    private final Fixtures.TerminalCallerImpl caller = new Fixtures.TerminalCallerImpl();

    @Override
    public AgentExecution run(AgentExecution request) {
      Workflow.sleep(Duration.ofSeconds(1));
      return caller.run(request);
    }
  }
}
