package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays recorded histories of a caller workflow (a handshake through {@link
 * WorkflowHandshake#executeToTerminal}, completed by the fake service, recorded by {@link
 * WorkflowUnitTest} with {@code -Dstigmer.record.history}), so that a change to the SDK's workflow
 * code that would break running callers' replays fails here:
 *
 * <ul>
 *   <li>{@code histories/terminal-caller.json}: recorded before the watcher of {@code
 *       executeToTerminal} existed (no version marker): it must keep replaying;
 *   <li>{@code histories/terminal-caller-watched.json}: with the watcher's version marker and its
 *       timer.
 * </ul>
 */
class ReplayTest {

  @ParameterizedTest
  @ValueSource(
      strings = {"histories/terminal-caller.json", "histories/terminal-caller-watched.json"})
  void theRecordedHandshakeReplays(String history) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        history, Fixtures.TerminalCallerImpl.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"histories/terminal-caller.json", "histories/terminal-caller-watched.json"})
  void aWorkflowThatDiffersFromTheRecordingDoesNotReplay(String history) {
    assertThrows(
        RuntimeException.class,
        () ->
            WorkflowReplayer.replayWorkflowExecutionFromResource(
                history, SleepsFirstCallerImpl.class));
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
