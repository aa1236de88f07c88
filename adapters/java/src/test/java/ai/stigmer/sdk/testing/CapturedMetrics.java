package ai.stigmer.sdk.testing;

import com.uber.m3.tally.Buckets;
import com.uber.m3.tally.Capabilities;
import com.uber.m3.tally.CapableOf;
import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import com.uber.m3.tally.StatsReporter;
import com.uber.m3.util.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A tally root scope whose reports are kept in memory. Counters are reported by tally's report loop
 * (every minute here) and when the scope is closed, so read {@link #counters()} after {@link
 * #close()}; timers are reported as they are recorded.
 *
 * <p>Metrics are keyed {@code name,tag=value,...} with the tags sorted by name, for example {@code
 * stigmer_external_activity_completions_total,status=completed}.
 */
public final class CapturedMetrics implements AutoCloseable {

  private final Reporter reporter = new Reporter();
  private final Scope scope =
      new RootScopeBuilder().reporter(reporter).reportEvery(Duration.ofSeconds(60));

  /** The root scope to hand to the code under test. */
  public Scope scope() {
    return scope;
  }

  /** Flushes the counters and stops the report loop. */
  @Override
  public void close() {
    try {
      scope.close();
    } catch (Exception e) {
      throw new IllegalStateException("closing the metrics scope", e);
    }
  }

  /** Every counter reported so far: the sum of its increments, by key. */
  public Map<String, Long> counters() {
    synchronized (reporter) {
      return new TreeMap<>(reporter.counters);
    }
  }

  /** Every timer reported so far: its recorded durations, by key. */
  public Map<String, List<Duration>> timers() {
    synchronized (reporter) {
      Map<String, List<Duration>> copy = new TreeMap<>();
      reporter.timers.forEach((key, values) -> copy.put(key, List.copyOf(values)));
      return copy;
    }
  }

  /** How many durations each timer recorded, by key. */
  public Map<String, Integer> timerCounts() {
    return timers().entrySet().stream()
        .collect(
            Collectors.toMap(
                Map.Entry::getKey, e -> e.getValue().size(), (a, b) -> a, TreeMap::new));
  }

  /** The tags of every reported metric whose name passes {@code names}, by key. */
  public Map<String, Map<String, String>> tags(Predicate<String> names) {
    synchronized (reporter) {
      Map<String, Map<String, String>> copy = new TreeMap<>();
      reporter.tags.forEach(
          (key, tags) -> {
            int comma = key.indexOf(',');
            if (names.test(comma < 0 ? key : key.substring(0, comma))) {
              copy.put(key, tags);
            }
          });
      return copy;
    }
  }

  /** The key of a metric: its name then its tags, sorted by name. */
  public static String key(String name, Map<String, String> tags) {
    StringBuilder key = new StringBuilder(name);
    new TreeMap<>(tags).forEach((k, v) -> key.append(',').append(k).append('=').append(v));
    return key.toString();
  }

  private static final class Reporter implements StatsReporter {
    private final Map<String, Long> counters = new HashMap<>();
    private final Map<String, List<Duration>> timers = new HashMap<>();
    private final Map<String, Map<String, String>> tags = new HashMap<>();

    private String remember(String name, Map<String, String> metricTags) {
      String key = key(name, metricTags);
      tags.put(key, Map.copyOf(metricTags));
      return key;
    }

    @Override
    public synchronized void reportCounter(String name, Map<String, String> tags, long value) {
      if (value != 0) {
        counters.merge(remember(name, tags), value, Long::sum);
      }
    }

    @Override
    public synchronized void reportGauge(String name, Map<String, String> tags, double value) {}

    @Override
    public synchronized void reportTimer(String name, Map<String, String> tags, Duration interval) {
      timers.computeIfAbsent(remember(name, tags), k -> new ArrayList<>()).add(interval);
    }

    // tally's StatsReporter declares its histogram methods with the raw Buckets type; an override
    // must repeat it. Histograms are not captured.
    @SuppressWarnings("rawtypes")
    @Override
    public void reportHistogramValueSamples(
        String name,
        Map<String, String> tags,
        Buckets buckets,
        double bucketLowerBound,
        double bucketUpperBound,
        long samples) {}

    @SuppressWarnings("rawtypes")
    @Override
    public void reportHistogramDurationSamples(
        String name,
        Map<String, String> tags,
        Buckets buckets,
        Duration bucketLowerBound,
        Duration bucketUpperBound,
        long samples) {}

    @Override
    public Capabilities capabilities() {
      return CapableOf.REPORTING_TAGGING;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
