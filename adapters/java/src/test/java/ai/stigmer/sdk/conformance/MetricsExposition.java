package ai.stigmer.sdk.conformance;

import ai.stigmer.sdk.handshake.HandshakeMetrics;
import com.sun.net.httpserver.HttpServer;
import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * This process's metrics, as the SDK reports them through Temporal's Micrometer reporter with
 * {@link HandshakeMetrics#meterFilter()}, served in the Prometheus text format on loopback so that
 * the runner reads them from outside ({@code Started.metrics_address}). Timers are histograms in
 * seconds with the buckets the filter configures.
 */
final class MetricsExposition {
  private static final MetricsExposition INSTANCE = new MetricsExposition();

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Scope scope;
  private String address;

  private MetricsExposition() {
    registry.config().meterFilter(HandshakeMetrics.meterFilter());
    scope =
        new RootScopeBuilder()
            .reporter(new MicrometerClientStatsReporter(registry))
            .reportEvery(com.uber.m3.util.Duration.ofSeconds(1));
  }

  static MetricsExposition get() {
    return INSTANCE;
  }

  /** The tally scope to give the service stubs. */
  Scope scope() {
    return scope;
  }

  /** Starts serving /metrics (once) and returns its host:port. */
  synchronized String serve() throws IOException {
    if (address == null) {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext(
          "/metrics",
          exchange -> {
            byte[] body = text().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          });
      server.setExecutor(null);
      server.start();
      address = "127.0.0.1:" + server.getAddress().getPort();
    }
    return address;
  }

  private static String labels(Meter.Id id, String... extra) {
    TreeMap<String, String> tags = new TreeMap<>();
    for (Tag tag : id.getTagsAsIterable()) {
      tags.put(tag.getKey(), tag.getValue());
    }
    List<String> parts = new ArrayList<>();
    tags.forEach((k, v) -> parts.add(k + "=\"" + v.replace("\"", "\\\"") + "\""));
    parts.addAll(List.of(extra));
    return parts.isEmpty() ? "" : "{" + String.join(",", parts) + "}";
  }

  private static String number(double value) {
    return value == Math.rint(value) && !Double.isInfinite(value)
        ? Long.toString((long) value)
        : Double.toString(value);
  }

  String text() {
    StringBuilder out = new StringBuilder();
    for (Meter meter : registry.getMeters()) {
      Meter.Id id = meter.getId();
      String name = id.getName();
      if (meter instanceof Counter counter) {
        out.append(name).append(labels(id)).append(' ').append(number(counter.count())).append('\n');
      } else if (meter instanceof Gauge gauge) {
        out.append(name).append(labels(id)).append(' ').append(number(gauge.value())).append('\n');
      } else if (meter instanceof Timer timer) {
        HistogramSnapshot snapshot = timer.takeSnapshot();
        for (CountAtBucket bucket : snapshot.histogramCounts()) {
          String le = number(bucket.bucket(TimeUnit.SECONDS));
          out.append(name)
              .append("_bucket")
              .append(labels(id, "le=\"" + le + "\""))
              .append(' ')
              .append(number(bucket.count()))
              .append('\n');
        }
        if (snapshot.histogramCounts().length > 0) {
          out.append(name)
              .append("_bucket")
              .append(labels(id, "le=\"+Inf\""))
              .append(' ')
              .append(snapshot.count())
              .append('\n');
        }
        out.append(name)
            .append("_sum")
            .append(labels(id))
            .append(' ')
            .append(number(snapshot.total(TimeUnit.SECONDS)))
            .append('\n');
        out.append(name)
            .append("_count")
            .append(labels(id))
            .append(' ')
            .append(snapshot.count())
            .append('\n');
      }
    }
    return out.toString();
  }
}
