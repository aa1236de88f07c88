package ai.stigmer.sdk.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.conformance.v1.CallerInput;
import ai.stigmer.conformance.v1.CodecRequest;
import ai.stigmer.conformance.v1.CompleteRequest;
import ai.stigmer.conformance.v1.HarnessRequest;
import ai.stigmer.conformance.v1.HarnessResponse;
import ai.stigmer.conformance.v1.HeartbeatOutcome;
import ai.stigmer.conformance.v1.ShutdownRequest;
import ai.stigmer.conformance.v1.StartRequest;
import ai.stigmer.conformance.v1.TokenMutation;
import ai.stigmer.sdk.handshake.HeartbeatResult;
import ai.stigmer.sdk.handshake.PayloadTypeRegistry;
import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConformanceMainTest {

  private static byte[] frames(HarnessRequest... requests) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (HarnessRequest request : requests) {
      out.write(Frames.encode(request));
    }
    return out.toByteArray();
  }

  @Test
  void codecErrorsAndShutdown() throws IOException {
    var execution = CodecTest.sampleExecution();
    byte[] binary = PayloadTypeRegistry.deterministicBytes(execution).toByteArray();
    String json = JsonFormat.printer().print(execution);
    byte[] in =
        frames(
            HarnessRequest.newBuilder()
                .setRequestId(1)
                .setCodec(
                    CodecRequest.newBuilder()
                        .setMessageType(execution.getDescriptorForType().getFullName())
                        .setBinary(ByteString.copyFrom(binary))
                        .setJson(json))
                .build(),
            HarnessRequest.newBuilder()
                .setRequestId(2)
                .setComplete(CompleteRequest.newBuilder().setCaseId("x"))
                .build(),
            HarnessRequest.newBuilder()
                .setRequestId(3)
                .setStart(StartRequest.getDefaultInstance())
                .build(),
            HarnessRequest.newBuilder()
                .setRequestId(4)
                .setShutdown(ShutdownRequest.getDefaultInstance())
                .build(),
            HarnessRequest.newBuilder().setRequestId(5).build()); // never read
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, new ConformanceMain(out).run(new ByteArrayInputStream(in)));

    List<HarnessResponse> responses = new ArrayList<>();
    DataInputStream read = new DataInputStream(new ByteArrayInputStream(out.toByteArray()));
    HarnessResponse response;
    while ((response = Frames.read(read, HarnessResponse.parser())) != null) {
      responses.add(response);
    }
    assertEquals(4, responses.size(), responses.toString());
    assertEquals(1, responses.get(0).getRequestId());
    assertArrayEquals(binary, responses.get(0).getCodec().getReencoded().toByteArray());
    assertArrayEquals(binary, responses.get(0).getCodec().getFromJson().toByteArray());
    assertEquals(2, responses.get(1).getRequestId());
    assertTrue(responses.get(1).getError().contains("service role"), responses.get(1).getError());
    assertEquals(3, responses.get(2).getRequestId());
    assertTrue(responses.get(2).getError().contains("no role"), responses.get(2).getError());
    assertEquals(4, responses.get(3).getRequestId());
    assertTrue(responses.get(3).hasShutdown());
  }

  @Test
  void exitStatus() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, new ConformanceMain(out).run(new ByteArrayInputStream(new byte[0])), "closed stdin");
    assertEquals(
        1,
        new ConformanceMain(out).run(new ByteArrayInputStream(new byte[] {0, 0, 0, 9, 1})),
        "truncated frame");
    assertEquals(0, out.size());
  }

  @Test
  void tokenMutations() {
    byte[] received = {0x10, 0x21, 0x32, 0x43, 0x54};
    assertArrayEquals(
        received, ServiceRole.useToken(received, TokenMutation.TOKEN_MUTATION_UNSPECIFIED, false));
    assertArrayEquals(
        new byte[] {0x11, 0x21, 0x32, 0x43, 0x54},
        ServiceRole.useToken(received, TokenMutation.TOKEN_MUTATION_UNSPECIFIED, true));
    assertArrayEquals(
        new byte[] {0x10, 0x21},
        ServiceRole.useToken(received, TokenMutation.TOKEN_MUTATION_TRUNCATED, false));
    assertArrayEquals(
        new byte[0], ServiceRole.useToken(received, TokenMutation.TOKEN_MUTATION_EMPTY, true));
    assertEquals(
        32, ServiceRole.useToken(received, TokenMutation.TOKEN_MUTATION_GARBAGE, false).length);
    assertEquals(0x10, received[0], "the received token was modified");
  }

  @Test
  void heartbeatOutcomes() {
    assertEquals(
        HeartbeatOutcome.HEARTBEAT_OUTCOME_CANCEL_REQUESTED,
        ServiceRole.heartbeatResponse(
                new HeartbeatResult(
                    ai.stigmer.sdk.handshake.HeartbeatOutcome.CANCEL_REQUESTED, "", "abc..."))
            .getHeartbeatOutcome());
    var paused =
        ServiceRole.heartbeatResponse(
            new HeartbeatResult(ai.stigmer.sdk.handshake.HeartbeatOutcome.PAUSED, "", "abc..."));
    assertEquals(HeartbeatOutcome.HEARTBEAT_OUTCOME_RECORDED, paused.getHeartbeatOutcome());
    assertEquals("PAUSED", paused.getMessage());
    for (var outcome : ai.stigmer.sdk.handshake.HeartbeatOutcome.values()) {
      assertTrue(
          ServiceRole.heartbeatResponse(new HeartbeatResult(outcome, "", "abc..."))
                  .getHeartbeatOutcome()
              != HeartbeatOutcome.HEARTBEAT_OUTCOME_UNSPECIFIED,
          outcome.name());
    }
  }

  @Test
  void callerActivityOptions() {
    ActivityOptions options =
        CallerRole.activityOptions(
            CallerInput.newBuilder()
                .setStartToCloseSeconds(2.5)
                .setHeartbeatTimeoutSeconds(2)
                .setWaitForCancellation(true)
                .build());
    assertEquals(Duration.ofMillis(2500), options.getStartToCloseTimeout());
    assertEquals(Duration.ofSeconds(2), options.getHeartbeatTimeout());
    assertEquals(1, options.getRetryOptions().getMaximumAttempts());
    assertEquals(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED, options.getCancellationType());

    ActivityOptions defaults = CallerRole.activityOptions(CallerInput.getDefaultInstance());
    assertEquals(CallerRole.DEFAULT_START_TO_CLOSE, defaults.getStartToCloseTimeout());
    assertEquals(null, defaults.getHeartbeatTimeout());
    assertEquals(ActivityCancellationType.TRY_CANCEL, defaults.getCancellationType());
  }
}
