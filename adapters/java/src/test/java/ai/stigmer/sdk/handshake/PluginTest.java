package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionStatus;
import ai.stigmer.agentic.agentexecution.v1.ExecutionPhase;
import ai.stigmer.sdk.testing.CreateCall;
import ai.stigmer.sdk.testing.FakeStigmerService;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.opentracingshim.OpenTracingShim;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentracing.util.GlobalTracer;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInterface;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.common.converter.GlobalDataConverter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A caller set up with one {@link StigmerPlugin} object on temporal-testing's in-memory
 * environment: the handshake (with the plugin's get-execution activity), the inner-workflow shape
 * with both values of the blocking-fallback flag, and a traced handshake checked with
 * OpenTelemetry's in-memory exporter.
 */
class PluginTest {

  private static final String TASK_QUEUE = "plugin-callers";
  private static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();

  static {
    OpenTelemetrySdk otel =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(SPANS))
                    .build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    GlobalTracer.registerIfAbsent(OpenTracingShim.createTracerShim(otel));
  }

  private PluginEnvironment environment;
  private TestWorkflowEnvironment env;
  private FakeStigmerService stigmer;

  /** An environment whose client carries the plugin, and a fake service on its client. */
  private Worker start(StigmerPlugin.Builder plugin) throws IOException {
    return start(channel -> plugin);
  }

  private Worker start(Function<ManagedChannel, StigmerPlugin.Builder> plugin)
      throws IOException {
    environment = PluginEnvironment.start(plugin);
    env = environment.env;
    stigmer = environment.stigmer;
    return env.newWorker(TASK_QUEUE);
  }

  @AfterEach
  void tearDown() {
    if (environment != null) {
      environment.close();
    }
  }

  @Test
  void aClientWithoutAConverterOfItsOwnGetsTheDefaultOneWithStigmerPayloads() {
    // Real client options leave the converter unset until the client fills in the default.
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:1").build());
    try {
      WorkflowClient client =
          WorkflowClient.newInstance(
              stubs,
              WorkflowClientOptions.newBuilder()
                  .setPlugins(StigmerPlugin.newBuilder().build())
                  .build());
      assertTrue(client.getOptions().getDataConverter() instanceof DefaultDataConverter);
      assertNotSame(GlobalDataConverter.get(), client.getOptions().getDataConverter());
    } finally {
      stubs.shutdownNow();
    }
  }

  @Test
  void theHandshakeRunsWithThePluginsActivities() throws Exception {
    Worker worker = start(StigmerPlugin.newBuilder());
    worker.registerWorkflowImplementationTypes(Fixtures.TerminalCallerImpl.class);
    worker.registerActivitiesImplementations(environment.callerActivities());
    env.start();

    WorkflowStub caller = startTerminalCaller(It.request("what is 2+2?"));
    CreateCall call = stigmer.waitForCalls(1).get(0);
    // Delivered as created, as the deployed service does: the plugin's get-execution fetches it.
    AgentExecution finished = It.finished(call.executionId(), "four");
    stigmer.scriptGets(call.executionId(), finished);
    AgentExecution asCreated =
        finished.toBuilder()
            .setStatus(AgentExecutionStatus.newBuilder().setPhase(ExecutionPhase.EXECUTION_PENDING))
            .build();
    ExternalActivityCompleter.newBuilder(env.getWorkflowClient())
        .build()
        .complete(CompletionInputs.result(call.token(), asCreated));

    AgentExecution result = It.result(caller, AgentExecution.class);

    assertEquals("four", result.getStatus().getMessages(0).getContent());
    assertTrue(stigmer.getCalls(call.executionId()) >= 1, "get-execution asked the service");
  }

  @Test
  void theInnerWorkflowShapeCompletesThePendingCaller() throws Exception {
    Worker worker = start(StigmerPlugin.newBuilder());
    registerInnerShape(worker, true);
    env.start();

    AgentExecution result = runInnerCaller("hello");

    assertEquals("inner: hello", result.getStatus().getMessages(0).getContent());
    // The inner workflow completed the caller through the plugin's system activity.
    assertTrue(
        scheduledActivities(innerWorkflowId).contains(SystemActivities.COMPLETE_EXTERNAL_ACTIVITY));
    assertTrue(innerToken.get(innerWorkflowId), "the inner workflow got the caller's token");
  }

  @Test
  void theBlockingFallbackWaitsForTheInnerWorkflow() throws Exception {
    Worker worker = start(StigmerPlugin.newBuilder());
    registerInnerShape(worker, false);
    env.start();

    AgentExecution result = runInnerCaller("hello");

    assertEquals("inner: hello", result.getStatus().getMessages(0).getContent());
    assertFalse(
        scheduledActivities(innerWorkflowId).contains(SystemActivities.COMPLETE_EXTERNAL_ACTIVITY),
        "nothing to complete: the caller's activity returned the result itself");
    assertFalse(innerToken.get(innerWorkflowId), "the blocking shape passes an empty token");
  }

  @Test
  void anInnerFailureReachesTheCallerTyped() throws Exception {
    Worker worker = start(StigmerPlugin.newBuilder());
    registerInnerShape(worker, true);
    env.start();

    WorkflowFailedException failed =
        assertThrows(WorkflowFailedException.class, () -> runInnerCaller("fail"));

    ApplicationFailure cause = It.activityApplicationFailure(failed);
    assertEquals(HandshakeFailureTypes.AGENT_EXECUTION_FAILED, cause.getType());
    assertTrue(cause.isNonRetryable());
  }

  @Test
  void aTracedHandshakeIsOneTraceThatReachesTheService() throws Exception {
    Worker worker = start(StigmerPlugin.newBuilder().setTracing(true));
    worker.registerWorkflowImplementationTypes(Fixtures.TerminalCallerImpl.class);
    worker.registerActivitiesImplementations(environment.callerActivities());
    env.start();
    SPANS.reset();

    WorkflowStub caller = startTerminalCaller(It.request("traced"));
    CreateCall call = stigmer.waitForCalls(1).get(0);
    stigmer.complete(call, "done");
    It.result(caller, AgentExecution.class);

    // The activity's span ends when its method returns, which may come after the caller has
    // resumed (the completion travels through Temporal, not through the activity thread).
    List<SpanData> spans = finishedSpans("RunActivity:RunAgent", HandshakeSpans.RESUMED_SPAN);
    Set<String> names = spanNames(spans);
    assertTrue(names.contains("StartWorkflow:TerminalCaller"), names.toString());
    assertTrue(names.contains("RunWorkflow:TerminalCaller"), names.toString());
    assertTrue(names.contains("StartActivity:RunAgent"), names.toString());
    assertTrue(names.contains("RunActivity:RunAgent"), names.toString());
    Set<String> traces = spans.stream().map(SpanData::getTraceId).collect(Collectors.toSet());
    assertEquals(1, traces.size(), "one trace: " + spans);
    String runActivity =
        spans.stream()
            .filter(span -> span.getName().equals("RunActivity:RunAgent"))
            .findFirst()
            .orElseThrow()
            .getSpanId();
    // One span each: the plugin's interceptors run once.
    assertEquals(names.size(), spans.size(), "one span per name: " + spans);
    // The workflow recorded its resumption under its RunWorkflow span, with the contract's
    // attributes, as the Python and Go SDKs do.
    SpanData resumed = span(spans, HandshakeSpans.RESUMED_SPAN);
    assertEquals(span(spans, "RunWorkflow:TerminalCaller").getSpanId(), resumed.getParentSpanId());
    assertEquals(SpanKind.INTERNAL, resumed.getKind());
    Map<String, String> attributes = new HashMap<>();
    resumed.getAttributes().forEach((key, value) -> attributes.put(key.getKey(), value.toString()));
    Map<String, String> expected = new HashMap<>();
    expected.put("temporalWorkflowID", caller.getExecution().getWorkflowId());
    expected.put("temporalRunID", caller.getExecution().getRunId());
    expected.put("outcome", "completed");
    assertEquals(expected, attributes);
    // The create carried the activity's span to the service, as W3C traceparent.
    String traceparent = call.metadata().get("traceparent");
    assertEquals(
        "00-" + traces.iterator().next() + "-" + runActivity + "-01",
        traceparent,
        "create metadata: " + call.metadata());
    assertFalse(
        spans.stream()
            .anyMatch(
                span ->
                    span.getAttributes().asMap().values().stream()
                        .anyMatch(value -> String.valueOf(value).contains("callback"))),
        "no span attribute carries a token");
  }

  /** The finished spans, once those named have finished (or after 10 s: the asserts say what). */
  private static List<SpanData> finishedSpans(String... names) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<SpanData> spans = SPANS.getFinishedSpanItems();
    while (!spanNames(spans).containsAll(Arrays.asList(names))
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
      spans = SPANS.getFinishedSpanItems();
    }
    return spans;
  }

  private static Set<String> spanNames(List<SpanData> spans) {
    return spans.stream().map(SpanData::getName).collect(Collectors.toSet());
  }

  private static SpanData span(List<SpanData> spans, String name) {
    return spans.stream()
        .filter(span -> span.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no span " + name + " among " + spans));
  }

  // ---- a failure learnt while the handshake is pending (the watcher)

  /** A caller that starts watching after one second instead of 30. */
  @WorkflowInterface
  public interface WatchedCaller {
    @WorkflowMethod
    AgentExecution run(AgentExecution request);
  }

  public static final class WatchedCallerImpl extends Fixtures.WatchingCallerImpl
      implements WatchedCaller {
    public WatchedCallerImpl() {
      super(Fixtures.callerOptions(), Duration.ofSeconds(1));
    }
  }

  private Worker startWatched() throws IOException {
    Worker worker = start(PushedCancelTest::quicklyWatchedPlugin);
    worker.registerWorkflowImplementationTypes(WatchedCallerImpl.class);
    worker.registerActivitiesImplementations(environment.callerActivities());
    env.start();
    return worker;
  }

  private WorkflowStub startWatchedCaller() {
    WatchedCaller caller =
        env.getWorkflowClient()
            .newWorkflowStub(WatchedCaller.class, It.workflowOptions(TASK_QUEUE, "watched"));
    WorkflowClient.start(caller::run, It.request("task"));
    return WorkflowStub.fromTyped(caller);
  }

  private static AgentExecution inPhase(CreateCall call, ExecutionPhase phase) {
    return It.finished(call.executionId(), "")
        .toBuilder()
        .setStatus(AgentExecutionStatus.newBuilder().setPhase(phase))
        .build();
  }

  @Test
  void aFailureWhileTheHandshakeIsPendingReachesTheCallerTyped() throws Exception {
    startWatched();
    WorkflowStub caller = startWatchedCaller();
    CreateCall call = stigmer.waitForCalls(1).get(0);
    // The service fails the execution but never completes the caller (the deployed service's
    // completion activity cannot decode its own Error).
    stigmer.scriptGets(
        call.executionId(),
        inPhase(call, ExecutionPhase.EXECUTION_IN_PROGRESS),
        inPhase(call, ExecutionPhase.EXECUTION_FAILED));

    WorkflowFailedException failed =
        assertThrows(WorkflowFailedException.class, () -> It.result(caller, AgentExecution.class));

    ApplicationFailure cause = (ApplicationFailure) failed.getCause();
    assertEquals(HandshakeFailureTypes.AGENT_EXECUTION_FAILED, cause.getType());
    assertTrue(cause.isNonRetryable());
    // The same message as Go and Python.
    assertEquals(
        "stigmer: execution "
            + call.executionId()
            + " ended FAILED while the caller's activity was pending (seen by get)",
        cause.getOriginalMessage());
    // The watch's input names the handshake as Go and Python do: json/plain
    // {"activity_id", "kind"}, so that a Go or Python worker can run it.
    java.util.List<io.temporal.api.history.v1.HistoryEvent> events =
        env.getWorkflowClient().fetchHistory(caller.getExecution().getWorkflowId()).getEvents();
    String handshakeId = null;
    io.temporal.api.common.v1.Payload watchInput = null;
    for (io.temporal.api.history.v1.HistoryEvent event : events) {
      if (event.getEventType() != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        continue;
      }
      io.temporal.api.history.v1.ActivityTaskScheduledEventAttributes scheduled =
          event.getActivityTaskScheduledEventAttributes();
      if (scheduled.getActivityType().getName().equals(WatchExecutionActivity.WATCH_EXECUTION)) {
        watchInput = scheduled.getInput().getPayloads(0);
      } else if (handshakeId == null) {
        handshakeId = scheduled.getActivityId();
      }
    }
    assertNotNull(watchInput, "the watch was scheduled");
    assertEquals("json/plain", watchInput.getMetadataOrThrow("encoding").toStringUtf8());
    com.fasterxml.jackson.databind.JsonNode input =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(watchInput.getData().toByteArray());
    assertEquals(handshakeId, input.get("activity_id").asText());
    assertEquals(1, input.get("kind").asInt(), "EXECUTION_KIND_AGENT");
    assertTrue(
        scheduledActivities(caller.getExecution().getWorkflowId())
            .contains(WatchExecutionActivity.WATCH_EXECUTION));
    // The handshake activity was cancelled.
    assertTrue(
        env
            .getWorkflowClient()
            .fetchHistory(caller.getExecution().getWorkflowId())
            .getEvents()
            .stream()
            .anyMatch(
                event ->
                    event.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED),
        "the handshake activity's cancellation was requested");
  }

  @Test
  void aCancellationWhileTheHandshakeIsPendingReachesTheCallerTyped() throws Exception {
    startWatched();
    WorkflowStub caller = startWatchedCaller();
    CreateCall call = stigmer.waitForCalls(1).get(0);
    stigmer.scriptGets(call.executionId(), inPhase(call, ExecutionPhase.EXECUTION_CANCELLED));

    WorkflowFailedException failed =
        assertThrows(WorkflowFailedException.class, () -> It.result(caller, AgentExecution.class));

    ApplicationFailure cause = (ApplicationFailure) failed.getCause();
    assertEquals(HandshakeFailureTypes.AGENT_EXECUTION_CANCELLED, cause.getType());
    assertTrue(cause.isNonRetryable());
  }

  @Test
  void aHandshakeThatCompletesWhileWatchedReturnsItsResult() throws Exception {
    startWatched();
    WorkflowStub caller = startWatchedCaller();
    CreateCall call = stigmer.waitForCalls(1).get(0);
    stigmer.scriptGets(call.executionId(), inPhase(call, ExecutionPhase.EXECUTION_IN_PROGRESS));
    // The watcher is polling: the execution is still running when the service completes it.
    ai.stigmer.sdk.testing.Poll.until(
        Duration.ofSeconds(30), "the watcher's get", () -> stigmer.getCalls(call.executionId()) > 0);
    stigmer.complete(call, "done");

    AgentExecution result = It.result(caller, AgentExecution.class);

    assertEquals("done", result.getStatus().getMessages(0).getContent());
  }

  // ---- the inner-workflow shape

  private String innerWorkflowId;
  private static final java.util.Map<String, Boolean> innerToken =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The caller's workflow: runs the activity that starts the inner workflow. */
  @WorkflowInterface
  public interface InnerCaller {
    @WorkflowMethod
    AgentExecution run(AgentExecution request, String innerWorkflowId);
  }

  public static final class InnerCallerImpl implements InnerCaller {
    private final InnerActivities activities =
        Workflow.newActivityStub(
            InnerActivities.class,
            HandshakeActivityOptions.forExpectedDuration(Duration.ofMinutes(1)));

    @Override
    public AgentExecution run(AgentExecution request, String innerWorkflowId) {
      return activities.startInner(request, innerWorkflowId);
    }
  }

  @ActivityInterface
  public interface InnerActivities {
    AgentExecution startInner(AgentExecution request, String innerWorkflowId);
  }

  /** Starts the inner workflow in the shape the flag says. */
  public static final class InnerActivitiesImpl implements InnerActivities {
    private final boolean asyncCompletion;

    InnerActivitiesImpl(boolean asyncCompletion) {
      this.asyncCompletion = asyncCompletion;
    }

    @Override
    public AgentExecution startInner(AgentExecution request, String innerWorkflowId) {
      return StigmerHandshake.startWorkflowAndWaitPending(
          Activity.getExecutionContext().getWorkflowClient(),
          "InnerAgent",
          WorkflowOptions.newBuilder()
              .setTaskQueue(TASK_QUEUE)
              .setWorkflowId(innerWorkflowId)
              .build(),
          request,
          AgentExecution.class,
          asyncCompletion);
    }
  }

  /** The inner workflow: its work, wrapped in {@link WorkflowCompletions#completeCallerWhenDone}. */
  @WorkflowInterface
  public interface InnerAgent {
    @WorkflowMethod
    AgentExecution run(AgentExecution request, byte[] token);
  }

  public static final class InnerAgentImpl implements InnerAgent {
    @Override
    public AgentExecution run(AgentExecution request, byte[] token) {
      innerToken.put(Workflow.getInfo().getWorkflowId(), token.length > 0);
      return WorkflowCompletions.completeCallerWhenDone(
          ByteString.copyFrom(token),
          () -> {
            if (request.getSpec().getMessage().equals("fail")) {
              throw ApplicationFailure.newNonRetryableFailure(
                  "the agent failed", HandshakeFailureTypes.AGENT_EXECUTION_FAILED);
            }
            return It.finished("inner-1", "inner: " + request.getSpec().getMessage());
          },
          CompletionOptions.newBuilder().setExecutionId("inner-1").build());
    }
  }

  private void registerInnerShape(Worker worker, boolean asyncCompletion) {
    worker.registerWorkflowImplementationTypes(InnerCallerImpl.class, InnerAgentImpl.class);
    worker.registerActivitiesImplementations(new InnerActivitiesImpl(asyncCompletion));
  }

  private AgentExecution runInnerCaller(String message) throws Exception {
    innerWorkflowId = "inner-" + UUID.randomUUID();
    InnerCaller caller =
        env.getWorkflowClient()
            .newWorkflowStub(InnerCaller.class, It.workflowOptions(TASK_QUEUE, "inner-caller"));
    WorkflowClient.start(caller::run, It.request(message), innerWorkflowId);
    return It.result(WorkflowStub.fromTyped(caller), AgentExecution.class);
  }

  private Set<String> scheduledActivities(String workflowId) {
    return env.getWorkflowClient().fetchHistory(workflowId).getEvents().stream()
        .filter(event -> event.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        .map(HistoryEvent::getActivityTaskScheduledEventAttributes)
        .map(attributes -> attributes.getActivityType().getName())
        .collect(Collectors.toSet());
  }

  private WorkflowStub startTerminalCaller(AgentExecution request) {
    Fixtures.TerminalCaller caller =
        env.getWorkflowClient()
            .newWorkflowStub(Fixtures.TerminalCaller.class, It.workflowOptions(TASK_QUEUE, "p"));
    WorkflowClient.start(caller::run, request);
    return WorkflowStub.fromTyped(caller);
  }
}
