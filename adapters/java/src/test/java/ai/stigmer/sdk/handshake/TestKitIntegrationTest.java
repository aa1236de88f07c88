package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionId;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionStatus;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionUpdateStatusInput;
import ai.stigmer.agentic.agentexecution.v1.ExecutionPhase;
import ai.stigmer.sdk.testing.CreateCall;
import ai.stigmer.sdk.testing.DevServer;
import ai.stigmer.sdk.testing.FakeStigmerService;
import ai.stigmer.sdk.testing.StigmerTestExtension;
import ai.stigmer.sdk.testing.TestWorker;
import ai.stigmer.sdk.v1.ActivityFailure;
import ai.stigmer.sdk.v1.CompleteExternalActivityOutcome;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The test kit (artifact {@code ai.stigmer:stigmer-sdk-testing}) as a user's test uses it: the
 * extension injects the shared dev server and a fresh fake per test; the fake records creates and
 * finishes each handshake on demand through the real dev server.
 */
@Tag("integration")
@ExtendWith(StigmerTestExtension.class)
class TestKitIntegrationTest {

  @Test
  void completeDeliversTheFinishedExecutionWithTheReply(
      DevServer server, FakeStigmerService stigmer) throws Exception {
    WorkflowClient client = server.client();
    try (TestWorker worker = It.callerWorker(client, stigmer)) {
      WorkflowStub caller = It.startAgentCaller(client, worker.taskQueue(), It.request("2+2"));
      CreateCall call = stigmer.waitForCalls(1).get(0);
      assertTrue(call.isAgent());
      assertFalse(call.token().isEmpty());
      assertEquals("2+2", call.agentExecution().getSpec().getMessage());
      assertEquals(
          call.agentExecution().getMetadata().getAnnotationsOrThrow(IdempotencyKeys.ANNOTATION_KEY),
          call.idempotencyKey());
      assertFalse(call.toString().contains(call.token().toStringUtf8()), "no token in toString");
      // get answers the ACKed state first: pending, without the token.
      AgentExecution pending =
          stigmer
              .agentQueryStub()
              .get(AgentExecutionId.newBuilder().setValue(call.executionId()).build());
      assertEquals(ExecutionPhase.EXECUTION_PENDING, pending.getStatus().getPhase());
      assertTrue(pending.getSpec().getCallbackToken().isEmpty());

      assertEquals(
          CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED,
          stigmer.complete(call, "four").getOutcome());

      AgentExecution result = It.result(caller, AgentExecution.class);
      assertEquals(ExecutionPhase.EXECUTION_COMPLETED, result.getStatus().getPhase());
      assertEquals("four", result.getStatus().getMessages(0).getContent());
      assertEquals(call.executionId(), result.getMetadata().getId());
      // get answers the latest state.
      assertEquals(result, stigmer.execution(call.executionId()));
      // Nothing left to cancel: a clear error at once, not a wait for the timeout.
      IllegalStateException gone =
          assertThrows(IllegalStateException.class, () -> stigmer.cancel(call));
      assertTrue(gone.getMessage().contains("ALREADY_COMPLETED"), gone.getMessage());
    }
  }

  @Test
  void failDeliversTheFailureValue(DevServer server, FakeStigmerService stigmer) {
    WorkflowClient client = server.client();
    try (TestWorker worker = It.callerWorker(client, stigmer)) {
      WorkflowStub caller = It.startAgentCaller(client, worker.taskQueue(), It.request("fail"));
      CreateCall call = stigmer.waitForCalls(1).get(0);
      stigmer.fail(
          call,
          ActivityFailure.newBuilder()
              .setType("MODEL_REFUSED")
              .setMessage("the model refused")
              .setNonRetryable(true)
              .build());
      WorkflowFailedException e =
          assertThrows(WorkflowFailedException.class, () -> It.result(caller, AgentExecution.class));
      ApplicationFailure failure = It.activityApplicationFailure(e);
      assertEquals("MODEL_REFUSED", failure.getType());
      assertEquals("the model refused", failure.getOriginalMessage());
      AgentExecution stored = (AgentExecution) stigmer.execution(call.executionId());
      assertEquals(ExecutionPhase.EXECUTION_FAILED, stored.getStatus().getPhase());
      assertEquals(1, stigmer.calls().size(), "a non-retryable failure is not retried");
    }
  }

  @Test
  void cancelWaitsForTheCancelRequestThenReportsIt(
      DevServer server, FakeStigmerService stigmer) {
    WorkflowClient client = server.client();
    try (TestWorker worker = It.callerWorker(client, stigmer)) {
      WorkflowStub caller = It.startAgentCaller(client, worker.taskQueue(), It.request("cancel"));
      CreateCall call = stigmer.waitForCalls(1).get(0);
      caller.cancel();
      assertEquals(
          CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED,
          stigmer.cancel(call).getOutcome());
      WorkflowFailedException e =
          assertThrows(WorkflowFailedException.class, () -> It.result(caller, AgentExecution.class));
      assertInstanceOf(CanceledFailure.class, e.getCause());
      AgentExecution stored = (AgentExecution) stigmer.execution(call.executionId());
      assertEquals(ExecutionPhase.EXECUTION_CANCELLED, stored.getStatus().getPhase());
    }
  }

  @Test
  void failNextFailsTheNextCreatesAfterRecordingThem(
      DevServer server, FakeStigmerService stigmer) throws Exception {
    WorkflowClient client = server.client();
    stigmer.failNext(Status.UNAVAILABLE.withDescription("restarting"), 2);
    try (TestWorker worker = It.callerWorker(client, stigmer)) {
      WorkflowStub caller = It.startAgentCaller(client, worker.taskQueue(), It.request("retry"));
      List<CreateCall> calls = stigmer.waitForCalls(3);
      assertEquals(calls.get(0).idempotencyKey(), calls.get(2).idempotencyKey());
      assertThrows(
          IllegalArgumentException.class, () -> stigmer.execution(calls.get(0).executionId()));
      stigmer.complete(calls.get(2));
      assertEquals(
          ExecutionPhase.EXECUTION_COMPLETED,
          It.result(caller, AgentExecution.class).getStatus().getPhase());
    }
  }

  @Test
  void updateStatusReplacesTheStatusThatGetAnswers(FakeStigmerService stigmer) {
    AgentExecution ack = stigmer.agentStub().create(It.request("status"));
    AgentExecution updated =
        stigmer
            .agentStub()
            .updateStatus(
                AgentExecutionUpdateStatusInput.newBuilder()
                    .setExecutionId(ack.getMetadata().getId())
                    .setStatus(
                        AgentExecutionStatus.newBuilder()
                            .setPhase(ExecutionPhase.EXECUTION_IN_PROGRESS))
                    .build());
    assertEquals(ExecutionPhase.EXECUTION_IN_PROGRESS, updated.getStatus().getPhase());
    assertEquals(
        updated,
        stigmer
            .agentQueryStub()
            .get(AgentExecutionId.newBuilder().setValue(ack.getMetadata().getId()).build()));
    StatusRuntimeException missing =
        assertThrows(
            StatusRuntimeException.class,
            () -> stigmer.agentQueryStub().get(AgentExecutionId.newBuilder().setValue("x").build()));
    assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
  }

  @Test
  void subscribeStreamsEachNewStateUntilATerminalOne(FakeStigmerService stigmer) {
    AgentExecution ack = stigmer.agentStub().create(It.request("stream"));
    AgentExecutionId id = AgentExecutionId.newBuilder().setValue(ack.getMetadata().getId()).build();
    Iterator<AgentExecution> updates = stigmer.agentQueryStub().subscribe(id);
    assertEquals(ExecutionPhase.EXECUTION_PENDING, updates.next().getStatus().getPhase());
    for (ExecutionPhase phase :
        List.of(ExecutionPhase.EXECUTION_IN_PROGRESS, ExecutionPhase.EXECUTION_COMPLETED)) {
      stigmer
          .agentStub()
          .updateStatus(
              AgentExecutionUpdateStatusInput.newBuilder()
                  .setExecutionId(id.getValue())
                  .setStatus(AgentExecutionStatus.newBuilder().setPhase(phase))
                  .build());
      assertEquals(phase, updates.next().getStatus().getPhase());
    }
    assertFalse(updates.hasNext(), "the stream ends at a terminal phase");
  }

  @Test
  void aFakeWithoutTemporalClientOnlyRecords() {
    try (FakeStigmerService recorder = FakeStigmerService.start()) {
      recorder.agentStub().create(It.request("record"));
      CreateCall call = recorder.waitForCalls(1).get(0);
      assertThrows(IllegalStateException.class, () -> recorder.complete(call));
    }
  }

  @Test
  void theSharedServerHasTheConfiguredNamespaces(DevServer server) {
    assertTrue(server.namespaces().contains(DevServer.NAMESPACE));
    assertTrue(server.namespaces().contains(It.OTHER_NAMESPACE));
  }

  @Test
  void aMissingCliIsAClearError() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                DevServer.newBuilder()
                    .setCliPath(Path.of("/nonexistent/temporal"))
                    .start());
    assertTrue(e.getMessage().contains("/nonexistent/temporal"), e.getMessage());
  }
}
