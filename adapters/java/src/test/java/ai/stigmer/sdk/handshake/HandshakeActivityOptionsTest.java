package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HandshakeActivityOptionsTest {

  @Test
  void startToCloseIsTwiceTheDurationPlusFiveMinutes() {
    ActivityOptions options = HandshakeActivityOptions.forExpectedDuration(Duration.ofMinutes(30));
    assertEquals(Duration.ofMinutes(65), options.getStartToCloseTimeout());
    assertEquals(
        Duration.ofMinutes(5), HandshakeActivityOptions.startToCloseTimeout(Duration.ZERO));
  }

  @Test
  void unknownDurationGivesTwentyFourHours() {
    assertEquals(
        Duration.ofHours(24),
        HandshakeActivityOptions.forExpectedDuration(null).getStartToCloseTimeout());
    assertEquals(
        Duration.ofHours(24),
        HandshakeActivityOptions.forUnknownDuration().getStartToCloseTimeout());
  }

  @Test
  void retryPolicyFollowsTheContract() {
    RetryOptions retry =
        HandshakeActivityOptions.forExpectedDuration(Duration.ofMinutes(1)).getRetryOptions();
    assertEquals(Duration.ofSeconds(1), retry.getInitialInterval());
    assertEquals(2.0, retry.getBackoffCoefficient());
    assertEquals(Duration.ofMinutes(1), retry.getMaximumInterval());
    assertEquals(3, retry.getMaximumAttempts());
    assertArrayEquals(
        new String[] {
          "STIGMER_EMPTY_TASK_TOKEN", "STIGMER_LOCAL_ACTIVITY", "STIGMER_INVALID_REQUEST"
        },
        retry.getDoNotRetry());
  }

  @Test
  void heartbeatTimeoutOnlyWhenAsked() {
    assertNull(
        HandshakeActivityOptions.forExpectedDuration(Duration.ofMinutes(1)).getHeartbeatTimeout());
    assertEquals(
        Duration.ofSeconds(30),
        HandshakeActivityOptions.forExpectedDuration(Duration.ofMinutes(1), Duration.ofSeconds(30))
            .getHeartbeatTimeout());
  }

  @Test
  void negativeDurationsAreRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> HandshakeActivityOptions.forExpectedDuration(Duration.ofSeconds(-1)));
    assertThrows(
        IllegalArgumentException.class,
        () -> HandshakeActivityOptions.forExpectedDuration(Duration.ZERO, Duration.ofSeconds(-1)));
  }

  @Test
  void handshakeOptionsDefaultToThirtySeconds() {
    assertEquals(Duration.ofSeconds(30), HandshakeOptions.getDefaultInstance().getCreateTimeout());
    HandshakeOptions custom =
        HandshakeOptions.newBuilder().setCreateTimeout(Duration.ofSeconds(2)).build();
    assertEquals(Duration.ofSeconds(2), custom.getCreateTimeout());
    assertEquals(custom, custom.toBuilder().build());
    assertThrows(
        IllegalArgumentException.class,
        () -> HandshakeOptions.newBuilder().setCreateTimeout(Duration.ZERO));
  }
}
