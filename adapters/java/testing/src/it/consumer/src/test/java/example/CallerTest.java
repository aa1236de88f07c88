package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryControllerGrpc;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionSpec;
import ai.stigmer.sdk.handshake.GetExecutionActivityImpl;
import ai.stigmer.sdk.handshake.HandshakeActivityOptions;
import ai.stigmer.sdk.handshake.StigmerChannels;
import ai.stigmer.sdk.handshake.StigmerHandshake;
import ai.stigmer.sdk.handshake.WorkflowHandshake;
import ai.stigmer.sdk.testing.CreateCall;
import ai.stigmer.sdk.testing.DevServer;
import ai.stigmer.sdk.testing.FakeStigmerService;
import ai.stigmer.sdk.testing.StigmerTestExtension;
import ai.stigmer.sdk.testing.TestWorker;
import io.grpc.ManagedChannel;
import io.temporal.activity.ActivityInterface;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The caller of adapters/java/README.md ("Quick start") and its test ("Testing your application"),
 * against the installed artifacts, a real dev server and the fake service.
 */
@ExtendWith(StigmerTestExtension.class)
class CallerTest {

  @ActivityInterface
  public interface AgentActivities {
    AgentExecution runAgent(AgentExecution execution);
  }

  public static final class AgentActivitiesImpl implements AgentActivities {
    private final StigmerHandshake stigmer;

    public AgentActivitiesImpl(ManagedChannel channel) {
      this.stigmer = StigmerHandshake.create(channel);
    }

    @Override
    public AgentExecution runAgent(AgentExecution execution) {
      stigmer.executeAgentAndWaitPending(execution);
      return null; // ignored: Stigmer completes this activity with the finished execution
    }
  }

  @WorkflowInterface
  public interface MyCaller {
    @WorkflowMethod
    String ask(String question);
  }

  public static final class MyCallerImpl implements MyCaller {
    private final AgentActivities agents =
        Workflow.newActivityStub(
            AgentActivities.class,
            HandshakeActivityOptions.forExpectedDuration(Duration.ofMinutes(1)));

    @Override
    public String ask(String question) {
      AgentExecution finished =
          WorkflowHandshake.executeToTerminal(
              agents::runAgent,
              AgentExecution.newBuilder()
                  .setSpec(
                      AgentExecutionSpec.newBuilder().setAgentId("agt-123").setMessage(question))
                  .build());
      int last = finished.getStatus().getMessagesCount() - 1;
      return finished.getStatus().getMessages(last).getContent();
    }
  }

  @Test
  void theCallerGetsTheAgentsReply(DevServer server, FakeStigmerService stigmer)
      throws Exception {
    ManagedChannel channel = StigmerChannels.newBuilder(stigmer.target()).usePlaintext().build();
    try (TestWorker worker =
        TestWorker.start(
            server.client(),
            w -> {
              w.registerWorkflowImplementationTypes(MyCallerImpl.class);
              w.registerActivitiesImplementations(
                  new AgentActivitiesImpl(channel),
                  GetExecutionActivityImpl.newBuilder()
                      .setAgentStub(AgentExecutionQueryControllerGrpc.newBlockingStub(channel))
                      .build());
            })) {
      MyCaller caller =
          server
              .client()
              .newWorkflowStub(
                  MyCaller.class,
                  WorkflowOptions.newBuilder().setTaskQueue(worker.taskQueue()).build());
      CompletableFuture<String> reply = WorkflowClient.execute(caller::ask, "2+2");
      CreateCall call = stigmer.waitForCalls(1).get(0);
      assertEquals("2+2", call.agentExecution().getSpec().getMessage());
      stigmer.complete(call, "four");
      assertEquals("four", reply.get(60, TimeUnit.SECONDS));
    } finally {
      channel.shutdownNow();
    }
  }
}
