package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.ExecutionPhase;
import ai.stigmer.sdk.testing.CreateCall;
import ai.stigmer.sdk.testing.DevServer;
import ai.stigmer.sdk.testing.FakeStigmerService;
import ai.stigmer.sdk.testing.StigmerTestExtension;
import ai.stigmer.sdk.testing.TestWorker;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.CanceledFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Pushed cancellation (issue 25) against a real Temporal dev server and the fake service, the
 * caller set up as the README shows (one {@link StigmerPlugin} on its client): a caller workflow
 * cancelled while its handshake is pending makes the service receive {@code cancel} for that
 * execution; a service without {@code cancel} leaves the cancellation as it was.
 */
@Tag("integration")
@ExtendWith(StigmerTestExtension.class)
class PushedCancelIntegrationTest {

  /** Cancels a caller whose handshake is pending; returns its create once the caller ended. */
  private static CreateCall cancelPendingCaller(
      WorkflowClient client, FakeStigmerService stigmer, TestWorker worker, int nth)
      throws Exception {
    WorkflowStub caller =
        client.newUntypedWorkflowStub(
            PushedCancelTest.UnwatchedCaller.class.getSimpleName(),
            It.workflowOptions(worker.taskQueue(), "pushed-cancel-it"));
    caller.start(It.request("cancel me"));
    CreateCall call = stigmer.waitForCalls(nth, It.WAIT).get(nth - 1);
    caller.cancel();
    WorkflowFailedException failed =
        assertThrows(WorkflowFailedException.class, () -> It.result(caller, AgentExecution.class));
    assertInstanceOf(CanceledFailure.class, failed.getCause());
    return call;
  }

  private static List<FakeStigmerService.CancelRequest> cancelsOf(
      FakeStigmerService stigmer, String executionId) {
    return stigmer.cancelRequests().stream()
        .filter(c -> c.executionId().equals(executionId))
        .collect(Collectors.toList());
  }

  private static TestWorker callerWorker(
      WorkflowClient client, FakeStigmerService stigmer) {
    return TestWorker.start(
        client,
        worker -> {
          worker.registerWorkflowImplementationTypes(PushedCancelTest.UnwatchedCallerImpl.class);
          worker.registerActivitiesImplementations(
              new Fixtures.CallerActivitiesImpl(
                  stigmer.agentStub(),
                  stigmer.workflowStub(),
                  HandshakeOptions.getDefaultInstance()));
        });
  }

  /** A client set up as the README shows: no data converter of its own, the plugin. */
  private static WorkflowClient pluginClient(DevServer server, ManagedChannel channel) {
    return WorkflowClient.newInstance(
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(server.target()).build()),
        WorkflowClientOptions.newBuilder()
            .setNamespace(DevServer.NAMESPACE)
            .setPlugins(StigmerPlugin.newBuilder().setStigmerChannel(channel).build())
            .build());
  }

  @Test
  void aCancelledCallerMakesTheServiceCancelItsExecution(DevServer server) throws Exception {
    try (FakeStigmerService stigmer = FakeStigmerService.start(server.client())) {
      ManagedChannel channel = StigmerChannels.newBuilder(stigmer.target()).usePlaintext().build();
      try (TestWorker worker = callerWorker(pluginClient(server, channel), stigmer)) {
        CreateCall call = cancelPendingCaller(server.client(), stigmer, worker, 1);

        List<FakeStigmerService.CancelRequest> cancels = cancelsOf(stigmer, call.executionId());
        assertEquals(1, cancels.size(), stigmer.cancelRequests().toString());
        assertFalse(cancels.get(0).isWorkflow());
        assertEquals(Status.Code.OK, cancels.get(0).code());
        assertEquals(
            ExecutionPhase.EXECUTION_CANCELLED,
            ((AgentExecution) stigmer.execution(call.executionId())).getStatus().getPhase());
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void aServiceWithoutCancelLeavesTheCancellationAsItWas(DevServer server) throws Exception {
    try (FakeStigmerService stigmer = FakeStigmerService.start(server.client())) {
      stigmer.answerCancelsWith(Status.UNIMPLEMENTED);
      ManagedChannel channel = StigmerChannels.newBuilder(stigmer.target()).usePlaintext().build();
      try (TestWorker worker = callerWorker(pluginClient(server, channel), stigmer)) {
        for (int nth = 1; nth <= 2; nth++) {
          CreateCall call = cancelPendingCaller(server.client(), stigmer, worker, nth);
          List<FakeStigmerService.CancelRequest> cancels = cancelsOf(stigmer, call.executionId());
          assertEquals(1, cancels.size(), "UNIMPLEMENTED is not retried: " + cancels);
          assertEquals(Status.Code.UNIMPLEMENTED, cancels.get(0).code());
          assertEquals(
              ExecutionPhase.EXECUTION_PENDING,
              ((AgentExecution) stigmer.execution(call.executionId())).getStatus().getPhase());
        }
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
