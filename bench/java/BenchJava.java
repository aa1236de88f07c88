/*
 * Compares the Java adapter's caller side with hand-written Temporal Java SDK code.
 *
 * One process, two caller workers (4 activity slots each) on two task queues of one dev server,
 * both calling the same Stigmer service:
 *   raw - the activity puts its task token into spec.callback_token, calls create through the
 *         generated gRPC stub and calls doNotCompleteOnReturn;
 *   sdk - the activity calls StigmerHandshake#executeAgentAndWaitPending.
 * Each round runs handshakes one at a time, the modes taking turns (raw, sdk, raw, ...; the next
 * round starts with sdk), then one burst of both modes at once, interleaved, so that both meet the
 * same load. The overhead of a handshake is its caller activity's scheduled-to-completed time, read
 * from the workflow's history. Prints one JSON object on stdout.
 *
 * Usage: java -cp ... BenchJava TEMPORAL SERVICE ROUNDS SEQUENTIAL BURST
 */

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandControllerGrpc;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandControllerGrpc.AgentExecutionCommandControllerBlockingStub;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionSpec;
import ai.stigmer.sdk.handshake.HandshakeOptions;
import ai.stigmer.sdk.handshake.StigmerHandshake;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.RetryOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

public final class BenchJava {
  static final String CALLER_WORKFLOW = "bench/java-caller";
  static final int CALLER_SLOTS = 4;
  static final int CALLER_ACTIVITY_POLLS = 2;

  @WorkflowInterface
  public interface Caller {
    @WorkflowMethod(name = CALLER_WORKFLOW)
    AgentExecution run(AgentExecution request);
  }

  @ActivityInterface
  public interface Handshake {
    @ActivityMethod(name = "handshake")
    AgentExecution handshake(AgentExecution request);
  }

  public static final class CallerImpl implements Caller {
    private final Handshake activity =
        Workflow.newActivityStub(
            Handshake.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(2))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());

    @Override
    public AgentExecution run(AgentExecution request) {
      return activity.handshake(request);
    }
  }

  /** The hand-written activity: token into the request, create, leave the activity pending. */
  static final class RawHandshake implements Handshake {
    private final AgentExecutionCommandControllerBlockingStub stub;

    RawHandshake(AgentExecutionCommandControllerBlockingStub stub) {
      this.stub = stub;
    }

    @Override
    public AgentExecution handshake(AgentExecution request) {
      ActivityExecutionContext context = Activity.getExecutionContext();
      AgentExecution execution =
          request.toBuilder()
              .setSpec(
                  request.getSpec().toBuilder()
                      .setCallbackToken(com.google.protobuf.ByteString.copyFrom(context.getTaskToken())))
              .build();
      stub.withDeadlineAfter(60, java.util.concurrent.TimeUnit.SECONDS).create(execution);
      context.doNotCompleteOnReturn();
      return null;
    }
  }

  /** The adapter's activity. */
  static final class SdkHandshake implements Handshake {
    private final AgentExecutionCommandControllerBlockingStub stub;

    SdkHandshake(AgentExecutionCommandControllerBlockingStub stub) {
      this.stub = stub;
    }

    @Override
    public AgentExecution handshake(AgentExecution request) {
      return new StigmerHandshake(stub, null, HandshakeOptions.getDefaultInstance())
          .executeAgentAndWaitPending(request);
    }
  }

  /** Records how long each successful call took (the ACK), in milliseconds. */
  static final class Timing implements ClientInterceptor {
    final ConcurrentLinkedQueue<Double> acks = new ConcurrentLinkedQueue<>();

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      long started = System.nanoTime();
      return new ForwardingClientCall.SimpleForwardingClientCall<Q, R>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          super.start(
              new ForwardingClientCallListener.SimpleForwardingClientCallListener<R>(listener) {
                @Override
                public void onClose(Status status, Metadata trailers) {
                  if (status.isOk()) {
                    acks.add((System.nanoTime() - started) / 1e6);
                  }
                  super.onClose(status, trailers);
                }
              },
              headers);
        }
      };
    }

    List<Double> drain() {
      List<Double> out = new ArrayList<>();
      Double value;
      while ((value = acks.poll()) != null) {
        out.add(value);
      }
      return out;
    }
  }

  static final class Samples {
    final List<Double> seqOverhead = new ArrayList<>();
    final List<Double> burstOverhead = new ArrayList<>();
    final List<Double> seqAck = new ArrayList<>();
    final List<Double> burstAck = new ArrayList<>();
    final List<Double> burstRate = new ArrayList<>();
    int failed;

    String json() {
      return String.format(
          "{\"seq_overhead\": %s, \"burst_overhead\": %s, \"seq_ack\": %s, \"burst_ack\": %s,"
              + " \"burst_rate\": %s, \"failed\": %d}",
          list(seqOverhead), list(burstOverhead), list(seqAck), list(burstAck), list(burstRate),
          failed);
    }

    private static String list(List<Double> values) {
      return values.stream().map(v -> String.format("%.3f", v)).collect(Collectors.joining(", ", "[", "]"));
    }
  }

  private final WorkflowClient client;
  private final Map<String, Timing> timings = new LinkedHashMap<>();
  private final Map<String, Samples> out = new LinkedHashMap<>();

  BenchJava(WorkflowClient client) {
    this.client = client;
  }

  /** Runs one handshake; returns its workflow id, or null when it failed. */
  String one(String mode, int index) {
    String id = "bench-java-" + mode + "-" + UUID.randomUUID();
    Caller caller =
        client.newWorkflowStub(
            Caller.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue("bench-java-" + mode)
                .setWorkflowId(id)
                .setWorkflowRunTimeout(Duration.ofMinutes(2))
                .build());
    try {
      caller.run(
          AgentExecution.newBuilder()
              .setSpec(AgentExecutionSpec.newBuilder().setAgentId("instant").setMessage("java bench " + index))
              .build());
      return id;
    } catch (RuntimeException e) {
      return null;
    }
  }

  Double overhead(String workflowId) {
    long scheduled = 0;
    long completed = 0;
    for (HistoryEvent event : client.fetchHistory(workflowId).getEvents()) {
      long at = event.getEventTime().getSeconds() * 1_000_000_000L + event.getEventTime().getNanos();
      if (event.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        scheduled = at;
      } else if (event.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
        completed = at;
      }
    }
    return completed == 0 ? null : (completed - scheduled) / 1e6;
  }

  /** Adds a finished handshake's overhead to overheads, or counts it failed (id null). */
  void record(Samples samples, String id, List<Double> overheads) {
    Double o = id == null ? null : overhead(id);
    if (o == null) {
      samples.failed++;
    } else {
      overheads.add(o);
    }
  }

  /** Handshakes one at a time, the modes taking turns: a change in load weighs on both alike. */
  void sequential(List<String> order, int count) {
    for (String mode : order) {
      timings.get(mode).drain();
    }
    for (int i = 0; i < count; i++) {
      for (String mode : order) {
        Samples samples = out.get(mode);
        record(samples, one(mode, i), samples.seqOverhead);
      }
    }
    for (String mode : order) {
      out.get(mode).seqAck.addAll(timings.get(mode).drain());
    }
  }

  /** A burst of every mode at once, interleaved: both modes meet the same queue and load. */
  void burst(List<String> order, int count, ExecutorService pool) throws Exception {
    Map<String, List<Future<String>>> runs = new LinkedHashMap<>();
    Map<String, AtomicLong> lastDone = new LinkedHashMap<>();
    for (String mode : order) {
      timings.get(mode).drain();
      runs.put(mode, new ArrayList<>());
      lastDone.put(mode, new AtomicLong());
    }
    long started = System.nanoTime();
    for (int i = 0; i < count; i++) {
      for (String mode : order) {
        int index = i;
        runs.get(mode)
            .add(
                pool.submit(
                    () -> {
                      String id = one(mode, index);
                      lastDone.get(mode).accumulateAndGet(System.nanoTime(), Math::max);
                      return id;
                    }));
      }
    }
    for (String mode : order) {
      Samples samples = out.get(mode);
      List<String> ids = new ArrayList<>();
      for (Future<String> run : runs.get(mode)) {
        ids.add(run.get());
      }
      samples.burstRate.add(count / ((lastDone.get(mode).get() - started) / 1e9));
      samples.burstAck.addAll(timings.get(mode).drain());
      for (String id : ids) {
        record(samples, id, samples.burstOverhead);
      }
    }
  }

  public static void main(String[] args) throws Exception {
    String temporal = args[0];
    String service = args[1];
    int rounds = Integer.parseInt(args[2]);
    int sequentialCount = Integer.parseInt(args[3]);
    int burstCount = Integer.parseInt(args[4]);
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(temporal).build());
    WorkflowClient client = WorkflowClient.newInstance(stubs);
    ManagedChannel channel = ManagedChannelBuilder.forTarget(service).usePlaintext().build();
    BenchJava bench = new BenchJava(client);
    WorkerFactory factory = WorkerFactory.newInstance(client);
    for (String mode : List.of("raw", "sdk")) {
      Timing timing = new Timing();
      AgentExecutionCommandControllerBlockingStub stub =
          AgentExecutionCommandControllerGrpc.newBlockingStub(ClientInterceptors.intercept(channel, timing));
      bench.timings.put(mode, timing);
      bench.out.put(mode, new Samples());
      Worker worker =
          factory.newWorker(
              "bench-java-" + mode,
              WorkerOptions.newBuilder()
                  .setMaxConcurrentActivityExecutionSize(CALLER_SLOTS)
                  // Fewer pollers than slots leaves a slot free for eager activity dispatch.
                  .setMaxConcurrentActivityTaskPollers(CALLER_ACTIVITY_POLLS)
                  .build());
      worker.registerWorkflowImplementationTypes(CallerImpl.class);
      worker.registerActivitiesImplementations(
          mode.equals("raw") ? new RawHandshake(stub) : new SdkHandshake(stub));
    }
    factory.start();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, 2 * burstCount));
    try {
      bench.sequential(List.of("raw", "sdk"), 3); // warm up
      for (String mode : List.of("raw", "sdk")) {
        bench.out.put(mode, new Samples());
      }
      for (int round = 0; round < rounds; round++) {
        List<String> order = round % 2 == 0 ? List.of("raw", "sdk") : List.of("sdk", "raw");
        bench.sequential(order, sequentialCount);
        bench.burst(order, burstCount, pool);
      }
      System.out.println(
          "{\"raw\": " + bench.out.get("raw").json() + ", \"sdk\": " + bench.out.get("sdk").json() + "}");
    } finally {
      pool.shutdownNow();
      factory.shutdownNow();
      channel.shutdownNow();
      stubs.shutdownNow();
    }
  }
}
