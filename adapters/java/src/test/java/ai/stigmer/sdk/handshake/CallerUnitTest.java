package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.sdk.testing.FakeStigmerService;
import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.temporal.failure.ApplicationFailure;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The caller helper's behaviour that needs no Temporal server. */
class CallerUnitTest {

  private static final Set<Status.Code> RETRYABLE =
      EnumSet.of(
          Status.Code.UNAVAILABLE,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.RESOURCE_EXHAUSTED,
          Status.Code.ABORTED,
          Status.Code.INTERNAL,
          Status.Code.UNKNOWN,
          Status.Code.CANCELLED);

  @ParameterizedTest
  @EnumSource(value = Status.Code.class, names = "OK", mode = EnumSource.Mode.EXCLUDE)
  void everyCodeMapsToCreateFailedWithTheContractRetryability(Status.Code code) {
    StatusRuntimeException e =
        code.toStatus().withDescription("server says no").asRuntimeException();
    ApplicationFailure failure = StigmerHandshake.createFailed(e);
    assertEquals("STIGMER_CREATE_FAILED", failure.getType());
    assertEquals(code.name() + ": server says no", failure.getOriginalMessage());
    assertEquals(!RETRYABLE.contains(code), failure.isNonRetryable(), code.name());
    assertEquals(RETRYABLE.contains(code), StigmerHandshake.isRetryable(code));
    assertNull(failure.getCause(), "the message carries the status");
    assertEquals(0, failure.getStackTrace().length, "kept small for the pending activity");
  }

  @Test
  void messageIsTheCodeAloneWithoutServerMessage() {
    assertEquals(
        "UNAVAILABLE",
        StigmerHandshake.createFailed(Status.UNAVAILABLE.asRuntimeException())
            .getOriginalMessage());
    assertEquals(
        "INVALID_ARGUMENT: spec.message: must not be empty",
        StigmerHandshake.createFailed(
                Status.INVALID_ARGUMENT
                    .withDescription("spec.message: must not be empty")
                    .asRuntimeException())
            .getOriginalMessage());
  }

  @Test
  void anErrorInfoReasonThatCannotSucceedMakesTheFailureNonRetryable() {
    for (String reason : StigmerHandshake.NON_RETRYABLE_REASONS) {
      ApplicationFailure failure =
          StigmerHandshake.createFailed(
              withErrorInfo(Code.RESOURCE_EXHAUSTED, "spec too large", reason));
      assertEquals("STIGMER_INVALID_REQUEST", failure.getType(), reason);
      assertTrue(failure.isNonRetryable(), reason);
      assertEquals(
          "RESOURCE_EXHAUSTED: spec too large (reason " + reason + ")",
          failure.getOriginalMessage());
    }
    // Another reason, or none, leaves the code's retryability.
    ApplicationFailure other =
        StigmerHandshake.createFailed(withErrorInfo(Code.RESOURCE_EXHAUSTED, "busy", "QUOTA"));
    assertEquals("STIGMER_CREATE_FAILED", other.getType());
    assertFalse(other.isNonRetryable());
    assertEquals("RESOURCE_EXHAUSTED: busy", other.getOriginalMessage());
    // Only the Stigmer service's domain counts.
    assertEquals(
        "STIGMER_CREATE_FAILED",
        StigmerHandshake.createFailed(
                withErrorInfo(Code.RESOURCE_EXHAUSTED, "x", "SPEC_TOO_LARGE", "example.com"))
            .getType());
  }

  private static StatusRuntimeException withErrorInfo(Code code, String message, String reason) {
    return withErrorInfo(code, message, reason, "stigmer.ai");
  }

  private static StatusRuntimeException withErrorInfo(
      Code code, String message, String reason, String domain) {
    return StatusProto.toStatusRuntimeException(
        com.google.rpc.Status.newBuilder()
            .setCode(code.getNumber())
            .setMessage(message)
            .addDetails(
                Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain(domain).build()))
            .build());
  }

  @Test
  void outsideAnActivityTheTokenIsRefusedAndNothingIsSent() {
    try (FakeStigmerService stigmer = FakeStigmerService.start()) {
      StigmerHandshake handshake =
          new StigmerHandshake(
              stigmer.agentStub(), stigmer.workflowStub(), HandshakeOptions.getDefaultInstance());
      ApplicationFailure agent =
          assertThrows(
              ApplicationFailure.class,
              () -> handshake.executeAgentAndWaitPending(AgentExecution.getDefaultInstance()));
      assertEquals("STIGMER_EMPTY_TASK_TOKEN", agent.getType());
      assertTrue(agent.isNonRetryable());
      ApplicationFailure workflow =
          assertThrows(
              ApplicationFailure.class,
              () ->
                  handshake.executeWorkflowAndWaitPending(WorkflowExecution.getDefaultInstance()));
      assertEquals("STIGMER_EMPTY_TASK_TOKEN", workflow.getType());
      assertTrue(workflow.isNonRetryable());
      assertEquals(0, stigmer.calls().size());
    }
  }
}
