package ai.stigmer.sdk.handshake;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandControllerGrpc;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionSpec;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandControllerGrpc;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.opentracingshim.OpenTracingShim;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentracing.util.GlobalTracer;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The Java side of the cross-language tracing test (tests/test_tracing_cross_language.py): a
 * caller set up with one {@link StigmerPlugin} (tracing on, OpenTelemetry's OpenTracing shim over
 * an in-memory exporter) runs one handshake against a Stigmer service (the Python reference
 * service, traced too), then writes every span it recorded, one JSON object a line, for the test
 * to join with the service's spans. Flags as the Go harness's: {@code -temporal HOST:PORT -stigmer
 * HOST:PORT -task-queue Q -agent ID -spans FILE}; prints the workflow id, run id and phase.
 */
public final class TracedCallerMain {

  /** The caller's workflow: the handshake to the terminal execution. */
  @WorkflowInterface
  public interface TracedCaller {
    @WorkflowMethod
    AgentExecution run(AgentExecution request);
  }

  /** Uses {@link WorkflowHandshake#executeToTerminal}, as the README shows. */
  public static final class TracedCallerImpl extends Fixtures.WatchingCallerImpl
      implements TracedCaller {}

  private TracedCallerMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> flags = new HashMap<>();
    flags.put("temporal", "127.0.0.1:7233");
    flags.put("namespace", "default");
    flags.put("task-queue", "traced-java");
    flags.put("agent", "quick");
    for (int i = 0; i + 1 < args.length; i += 2) {
      flags.put(args[i].replaceFirst("^-+", ""), args[i + 1]);
    }
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    SdkTracerProvider provider =
        SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
    OpenTelemetrySdk otel =
        OpenTelemetrySdk.builder()
            .setTracerProvider(provider)
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    GlobalTracer.registerIfAbsent(OpenTracingShim.createTracerShim(otel));

    ManagedChannel channel =
        StigmerChannels.newBuilder(flags.get("stigmer")).usePlaintext().build();
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(flags.get("temporal")).build());
    WorkflowClient client =
        WorkflowClient.newInstance(
            stubs,
            WorkflowClientOptions.newBuilder()
                .setNamespace(flags.get("namespace"))
                .setPlugins(
                    StigmerPlugin.newBuilder()
                        .setStigmerChannel(channel)
                        .setTracing(true)
                        .build())
                .build());
    WorkerFactory factory = WorkerFactory.newInstance(client);
    String taskQueue = flags.get("task-queue");
    Worker worker = factory.newWorker(taskQueue);
    worker.registerWorkflowImplementationTypes(TracedCallerImpl.class);
    worker.registerActivitiesImplementations(
        new Fixtures.CallerActivitiesImpl(
            AgentExecutionCommandControllerGrpc.newBlockingStub(channel),
            WorkflowExecutionCommandControllerGrpc.newBlockingStub(channel),
            HandshakeOptions.getDefaultInstance()));
    factory.start();
    Map<String, String> result = new LinkedHashMap<>();
    try {
      String workflowId = "traced-java-" + UUID.randomUUID();
      TracedCaller caller =
          client.newWorkflowStub(
              TracedCaller.class,
              WorkflowOptions.newBuilder()
                  .setWorkflowId(workflowId)
                  .setTaskQueue(taskQueue)
                  .setWorkflowExecutionTimeout(java.time.Duration.ofMinutes(3))
                  .build());
      AgentExecution request =
          AgentExecution.newBuilder()
              .setSpec(
                  AgentExecutionSpec.newBuilder()
                      .setAgentId(flags.get("agent"))
                      .setMessage("traced from Java"))
              .build();
      WorkflowExecution run = WorkflowClient.start(caller::run, request);
      AgentExecution done = WorkflowStub.fromTyped(caller).getResult(AgentExecution.class);
      result.put("workflow_id", run.getWorkflowId());
      result.put("run_id", run.getRunId());
      result.put("phase", done.getStatus().getPhase().name());
    } finally {
      // Stopping the worker ends the workflow's spans.
      factory.shutdown();
      factory.awaitTermination(30, TimeUnit.SECONDS);
      channel.shutdownNow();
      stubs.shutdownNow();
    }
    provider.forceFlush().join(10, TimeUnit.SECONDS);
    writeSpans(flags.get("spans"), spans);
    System.out.println(new ObjectMapper().writeValueAsString(result));
    System.exit(0);
  }

  private static void writeSpans(String path, InMemorySpanExporter spans) throws IOException {
    ObjectMapper json = new ObjectMapper();
    try (BufferedWriter out = Files.newBufferedWriter(Paths.get(path), StandardCharsets.UTF_8)) {
      for (SpanData span : spans.getFinishedSpanItems()) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("name", span.getName());
        line.put("trace_id", span.getTraceId());
        line.put("span_id", span.getSpanId());
        line.put(
            "parent_span_id",
            span.getParentSpanContext().isValid() ? span.getParentSpanContext().getSpanId() : "");
        line.put("kind", span.getKind().name());
        Map<String, String> attributes = new LinkedHashMap<>();
        span.getAttributes()
            .forEach((key, value) -> attributes.put(key.getKey(), String.valueOf(value)));
        line.put("attributes", attributes);
        out.write(json.writeValueAsString(line));
        out.newLine();
      }
    }
  }
}
