package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import com.uber.m3.tally.Scope;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The caller-side metrics of the handshake (handshake contract, "Caller-side metrics") and the
 * buckets of every duration histogram of this SDK, the same names, tags and buckets as the Python
 * and Go SDKs. They are reported through Temporal's metric scopes: the activity's ({@code
 * Activity.getExecutionContext().getMetricsScope()}) for {@link #HANDSHAKES_STARTED} and {@link
 * #HANDSHAKES_PENDING}, the workflow's ({@code Workflow.getMetricsScope()}, which drops what a
 * replay re-records) for {@link #HANDSHAKES} and {@link #HANDSHAKE_DURATION}. So they reach
 * whatever reporter the worker's {@code WorkflowServiceStubsOptions.setMetricsScope} was given
 * (Prometheus through Micrometer, for instance), with Temporal's own tags (namespace, task queue,
 * activity or workflow type). Durations are tally timers, which Temporal's Micrometer reporter
 * passes on (it drops tally histograms); {@link #meterFilter()} gives them the contract's buckets.
 */
public final class HandshakeMetrics {

  private static final Logger log = LoggerFactory.getLogger(HandshakeMetrics.class);

  /** Counter: a caller activity made a {@code create} attempt. */
  public static final String HANDSHAKES_STARTED = Contract.METRIC_CALLER_STARTED.name();

  /** Counter: a caller activity got its ACK and went pending. */
  public static final String HANDSHAKES_PENDING = Contract.METRIC_CALLER_PENDING.name();

  /**
   * Counter, tagged {@value #OUTCOME_TAG}: the handshake activity resolved in the caller's workflow
   * ({@link WorkflowHandshake}).
   */
  public static final String HANDSHAKES = Contract.METRIC_CALLER_HANDSHAKES.name();

  /**
   * Timer (a histogram in seconds where the registry has {@link #meterFilter()}), tagged {@value
   * #OUTCOME_TAG}: from the scheduling of the handshake activity to its resolution, in workflow
   * time.
   */
  public static final String HANDSHAKE_DURATION = Contract.METRIC_CALLER_DURATION.name();

  /**
   * Tag of every metric this SDK records, valued {@value #SERVICE}: the SDK's language, as the
   * Python ({@code python}) and Go ({@code go}) SDKs record it, for the runbook's dashboards and
   * alerts.
   */
  public static final String SERVICE_TAG = Contract.METRIC_SERVICE_LABEL;

  /** The value of {@value #SERVICE_TAG}. */
  public static final String SERVICE = Contract.METRIC_SERVICE_JAVA;

  /** Tag of {@link #HANDSHAKES} and {@link #HANDSHAKE_DURATION}. */
  public static final String OUTCOME_TAG = "outcome";

  /** Outcome: the activity returned (the service completed it). */
  public static final String OUTCOME_COMPLETED = "completed";

  /** Outcome: the activity failed (a typed failure, or the create failed after its retries). */
  public static final String OUTCOME_FAILED = "failed";

  /** Outcome: the activity was cancelled. */
  public static final String OUTCOME_CANCELLED = "cancelled";

  /** Outcome: the activity timed out. */
  public static final String OUTCOME_TIMED_OUT = "timed_out";

  /**
   * Upper bounds, in seconds, of the buckets of every duration histogram of this SDK (caller
   * handshakes and {@link ExternalActivityCompleter#METRIC_COMPLETION_DURATION}), applied by
   * {@link #meterFilter()}: 50 ms, 200 ms and 500 ms, the runbook's thresholds, are bucket edges.
   */
  public static final List<Double> DURATION_BUCKETS_SECONDS = Contract.DURATION_BUCKETS_SECONDS;

  private static final Set<String> DURATION_METRICS =
      Immutables.set(HANDSHAKE_DURATION, ExternalActivityCompleter.METRIC_COMPLETION_DURATION);

  private HandshakeMetrics() {}

  /**
   * Returns the Micrometer filter that gives the SDK's duration timers ({@link
   * #HANDSHAKE_DURATION} and {@link ExternalActivityCompleter#METRIC_COMPLETION_DURATION}) the
   * buckets {@link #DURATION_BUCKETS_SECONDS}. Temporal's Micrometer reporter ({@code
   * MicrometerClientStatsReporter}) turns tally timers into Micrometer timers without buckets, so
   * add it to the registry the worker reports to:
   *
   * <pre>{@code
   * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
   * registry.config().meterFilter(HandshakeMetrics.meterFilter());
   * Scope scope = new RootScopeBuilder()
   *     .reporter(new MicrometerClientStatsReporter(registry))
   *     .reportEvery(com.uber.m3.util.Duration.ofSeconds(10));
   * }</pre>
   *
   * <p>The exposition then has {@code stigmer_caller_handshake_duration_seconds_bucket{le="0.2"}}
   * and the others, in seconds.
   *
   * @return the filter
   */
  public static MeterFilter meterFilter() {
    double[] nanos =
        DURATION_BUCKETS_SECONDS.stream()
            .mapToDouble(seconds -> seconds * TimeUnit.SECONDS.toNanos(1))
            .toArray();
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(
          Meter.Id id, DistributionStatisticConfig config) {
        if (id.getType() != Meter.Type.TIMER || !DURATION_METRICS.contains(id.getName())) {
          return config;
        }
        return DistributionStatisticConfig.builder()
            .serviceLevelObjectives(nanos)
            .build()
            .merge(config);
      }
    };
  }

  /** The scope with this SDK's {@value #SERVICE_TAG} tag. */
  static Scope withService(Scope scope) {
    return scope.tagged(Immutables.map(SERVICE_TAG, SERVICE));
  }

  /**
   * The scope with this SDK's {@value #SERVICE_TAG} tag and one more, in one map (one tally
   * subscope).
   */
  static Scope withService(Scope scope, String name, String value) {
    Map<String, String> tags = new HashMap<>();
    tags.put(SERVICE_TAG, SERVICE);
    tags.put(name, value);
    return scope.tagged(tags);
  }

  /** Increments a counter by one; a failing reporter is logged, never thrown. */
  static void counter(Scope scope, String name) {
    try {
      withService(scope).counter(name).inc(1);
    } catch (RuntimeException e) {
      log.warn("Failed to record the metric {}: {}", name, e.toString());
    }
  }

  /**
   * Counts a resolved handshake and records its duration, both tagged with the outcome, and, when
   * the worker traces, its span StigmerHandshakeResumed ({@link HandshakeSpans}).
   */
  static void resolved(Scope scope, String outcome, long nanos) {
    HandshakeSpans.resumed(outcome);
    try {
      Scope tagged = withService(scope, OUTCOME_TAG, outcome);
      tagged.counter(HANDSHAKES).inc(1);
      tagged.timer(HANDSHAKE_DURATION).record(com.uber.m3.util.Duration.ofNanos(nanos));
    } catch (RuntimeException e) {
      log.warn("Failed to record the handshake metrics: {}", e.toString());
    }
  }
}
