package ai.stigmer.sdk.handshake;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.opentracing.Span;
import io.opentracing.Tracer;
import io.opentracing.propagation.Format;
import io.opentracing.propagation.TextMapAdapter;
import io.opentracing.util.GlobalTracer;
import java.util.HashMap;
import java.util.Map;

/**
 * Carries the active OpenTracing span's context (in a traced activity, the activity's span) on the
 * {@code create} call as gRPC metadata, through {@code GlobalTracer}'s propagation: W3C {@code
 * traceparent} (and {@code tracestate}) with OpenTelemetry's shim (handshake contract, section 7,
 * "Tracing"). Used only when OpenTracing is on the class path ({@link Availability}, checked without
 * loading this class's OpenTracing references elsewhere).
 */
final class TraceContextPropagation implements ClientInterceptor {

  static final TraceContextPropagation INSTANCE = new TraceContextPropagation();

  private TraceContextPropagation() {}

  /** Whether OpenTracing's {@code GlobalTracer} is on the class path. */
  static final class Availability {
    static final boolean AVAILABLE = isOnClassPath();

    private Availability() {}

    private static boolean isOnClassPath() {
      try {
        Class.forName(
            "io.opentracing.util.GlobalTracer", false, Availability.class.getClassLoader());
        return true;
      } catch (ClassNotFoundException | LinkageError e) {
        return false;
      }
    }
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<Q, R>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        Tracer tracer = GlobalTracer.get();
        Span span = tracer.activeSpan();
        if (span != null) {
          Map<String, String> carrier = new HashMap<>();
          tracer.inject(span.context(), Format.Builtin.HTTP_HEADERS, new TextMapAdapter(carrier));
          carrier.forEach(
              (key, value) ->
                  headers.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value));
        }
        super.start(listener, headers);
      }
    };
  }
}
