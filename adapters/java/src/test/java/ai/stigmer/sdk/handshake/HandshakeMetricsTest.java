package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.stigmer.sdk.testing.CapturedMetrics;
import ai.stigmer.sdk.v1.CompleteExternalActivityOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The duration histograms: seconds, with the contract's buckets. */
class HandshakeMetricsTest {

  @Test
  void bucketsAreTheContractsAndHoldTheRunbooksThresholds() {
    assertEquals(
        List.of(
            0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0,
            1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0),
        HandshakeMetrics.DURATION_BUCKETS_SECONDS);
  }

  @Test
  void a120msCompletionLandsInThe200msBucket() {
    CapturedMetrics metrics = new CapturedMetrics();
    try {
      ExternalActivityCompleter.recordCompletion(
          metrics.scope(),
          CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED,
          null,
          Duration.ofMillis(120).toNanos());
    } finally {
      metrics.close();
    }
    assertEquals(
        Map.of(0.2, 1L),
        metrics
            .histograms()
            .get(
                CapturedMetrics.key(
                    ExternalActivityCompleter.METRIC_COMPLETION_DURATION,
                    Map.of("status", "completed"))));
  }

  @Test
  void a120msHandshakeLandsInThe200msBucket() {
    CapturedMetrics metrics = new CapturedMetrics();
    try {
      HandshakeMetrics.resolved(metrics.scope(), HandshakeMetrics.OUTCOME_TIMED_OUT, 0.120);
      HandshakeMetrics.resolved(metrics.scope(), HandshakeMetrics.OUTCOME_TIMED_OUT, 0.030);
    } finally {
      metrics.close();
    }
    assertEquals(
        Map.of(0.05, 1L, 0.2, 1L),
        metrics
            .histograms()
            .get(
                CapturedMetrics.key(
                    HandshakeMetrics.HANDSHAKE_DURATION, Map.of("outcome", "timed_out"))));
    assertEquals(
        Map.of(
            CapturedMetrics.key(HandshakeMetrics.HANDSHAKES, Map.of("outcome", "timed_out")), 2L),
        metrics.counters());
  }
}
