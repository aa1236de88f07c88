package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import io.temporal.testing.TestActivityEnvironment;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A user's activity, written as the README shows, unit-tested with temporal-testing's {@link
 * TestActivityEnvironment} and a stand-in {@link StigmerHandshake}: no Stigmer service, no
 * Temporal server. That the handshake is an instance, and not final, is what makes this possible.
 */
class MockableHandshakeTest {

  /** The README's activity. */
  static final class AgentActivitiesImpl implements Fixtures.CallerActivities {
    private final StigmerHandshake stigmer;

    AgentActivitiesImpl(StigmerHandshake stigmer) {
      this.stigmer = stigmer;
    }

    @Override
    public AgentExecution runAgent(AgentExecution execution) {
      stigmer.executeAgentAndWaitPending(execution);
      return null;
    }

    @Override
    public WorkflowExecution runWorkflow(WorkflowExecution execution) {
      stigmer.executeWorkflowAndWaitPending(execution);
      return null;
    }
  }

  @Test
  void anActivityIsTestedWithAStandInHandshake() {
    List<AgentExecution> started = new CopyOnWriteArrayList<>();
    StigmerHandshake standIn =
        new StigmerHandshake(null, null, HandshakeOptions.getDefaultInstance()) {
          @Override
          public AgentExecution executeAgentAndWaitPending(AgentExecution execution) {
            started.add(execution);
            return execution;
          }
        };
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    try {
      env.registerActivitiesImplementations(new AgentActivitiesImpl(standIn));
      Fixtures.CallerActivities activities =
          env.newActivityStub(Fixtures.CallerActivities.class);

      activities.runAgent(It.request("summarise"));

      assertEquals(List.of(It.request("summarise")), started);
    } finally {
      env.close();
    }
  }
}
