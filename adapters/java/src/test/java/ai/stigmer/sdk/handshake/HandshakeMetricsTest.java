package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import ai.stigmer.sdk.contract.Contract;
import ai.stigmer.sdk.testing.Poll;
import ai.stigmer.sdk.v1.CompleteExternalActivityOutcome;
import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The duration metrics reach a Micrometer registry through Temporal's own reporter (as a worker
 * exporting to Prometheus has them) with the contract's buckets, in seconds.
 */
class HandshakeMetricsTest {

  /** Cumulative counts by bucket upper bound in seconds, as the Prometheus exposition has them. */
  private static Map<Double, Double> buckets(Timer timer) {
    Map<Double, Double> counts = new TreeMap<>();
    for (CountAtBucket bucket : timer.takeSnapshot().histogramCounts()) {
      counts.put(bucket.bucket(TimeUnit.SECONDS), bucket.count());
    }
    return counts;
  }

  /**
   * A registry on a clock that never moves: Micrometer's histograms rotate their time windows by
   * the wall clock, which, on a loaded machine, could drop a recording between two assertions.
   */
  private static SimpleMeterRegistry registry() {
    return new SimpleMeterRegistry(SimpleConfig.DEFAULT, new MockClock());
  }

  private static Scope scope(SimpleMeterRegistry registry) {
    return new RootScopeBuilder()
        .reporter(new MicrometerClientStatsReporter(registry))
        .reportEvery(com.uber.m3.util.Duration.ofSeconds(60));
  }

  @Test
  void bucketsAreTheContractsAndHoldTheRunbooksThresholds() {
    assertEquals(
        List.of(
            0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0,
            1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0),
        HandshakeMetrics.DURATION_BUCKETS_SECONDS);
  }

  @Test
  void a120msCompletionLandsInThe200msBucket() throws Exception {
    SimpleMeterRegistry registry = registry();
    registry.config().meterFilter(HandshakeMetrics.meterFilter());
    try (Scope scope = scope(registry)) {
      ExternalActivityCompleter.recordCompletion(
          scope,
          CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED,
          null,
          Duration.ofMillis(120).toNanos());
    }
    Poll.until(
        java.time.Duration.ofSeconds(30),
        "the completion in the registry",
        () -> {
          Timer recorded =
              registry.find(ExternalActivityCompleter.METRIC_COMPLETION_DURATION).timer();
          return recorded != null && recorded.count() == 1;
        });
    Timer timer =
        registry
            .find(ExternalActivityCompleter.METRIC_COMPLETION_DURATION)
            .tag("status", "completed")
            .tag("service", "java")
            .timer();
    assertNotNull(timer, "the timer reached the registry");
    Map<Double, Double> buckets = buckets(timer);
    assertEquals(HandshakeMetrics.DURATION_BUCKETS_SECONDS, List.copyOf(buckets.keySet()));
    assertEquals(0.0, buckets.get(0.1), "le=0.1");
    assertEquals(1.0, buckets.get(0.2), "le=0.2");
    assertEquals(1.0, buckets.get(86400.0), "le=86400");
    assertEquals(0.12, timer.totalTime(TimeUnit.SECONDS), 1e-9);
  }

  @Test
  void a120msHandshakeLandsInThe200msBucket() throws Exception {
    SimpleMeterRegistry registry = registry();
    registry.config().meterFilter(HandshakeMetrics.meterFilter());
    try (Scope scope = scope(registry)) {
      HandshakeMetrics.resolved(
          scope, HandshakeMetrics.OUTCOME_TIMED_OUT, Duration.ofMillis(120).toNanos());
      HandshakeMetrics.resolved(
          scope, HandshakeMetrics.OUTCOME_TIMED_OUT, Duration.ofMillis(30).toNanos());
    }
    // tally's own reporting thread may still be handing over what it took before the close.
    Poll.until(
        java.time.Duration.ofSeconds(30),
        "both handshakes in the registry",
        () -> {
          io.micrometer.core.instrument.Counter counter =
              registry
                  .find(HandshakeMetrics.HANDSHAKES)
                  .tag("outcome", "timed_out")
                  .tag("service", "java")
                  .counter();
          Timer recorded =
              registry
                  .find(HandshakeMetrics.HANDSHAKE_DURATION)
                  .tag("outcome", "timed_out")
                  .timer();
          return counter != null
              && counter.count() == 2.0
              && recorded != null
              && recorded.count() == 2;
        });
    Timer timer =
        registry.find(HandshakeMetrics.HANDSHAKE_DURATION).tag("outcome", "timed_out").timer();
    assertNotNull(timer);
    Map<Double, Double> buckets = buckets(timer);
    assertEquals(0.0, buckets.get(0.025));
    assertEquals(1.0, buckets.get(0.05));
    assertEquals(1.0, buckets.get(0.1));
    assertEquals(2.0, buckets.get(0.2));
    assertEquals(
        2.0,
        registry
            .find(HandshakeMetrics.HANDSHAKES)
            .tag("outcome", "timed_out")
            .tag("service", "java")
            .counter()
            .count());
  }

  @Test
  void otherTimersKeepTheirOwnConfiguration() throws Exception {
    SimpleMeterRegistry registry = registry();
    registry.config().meterFilter(HandshakeMetrics.meterFilter());
    try (Scope scope = scope(registry)) {
      scope.timer("temporal_something_latency").record(com.uber.m3.util.Duration.ofMillis(5));
    }
    Timer other = registry.find("temporal_something_latency").timer();
    assertEquals(0, other.takeSnapshot().histogramCounts().length);
  }

  @Test
  void theOutcomesAreTheContracts() {
    assertEquals(
        Contract.OUTCOMES,
        Arrays.asList(
            HandshakeMetrics.OUTCOME_COMPLETED,
            HandshakeMetrics.OUTCOME_FAILED,
            HandshakeMetrics.OUTCOME_CANCELLED,
            HandshakeMetrics.OUTCOME_TIMED_OUT));
  }
}
