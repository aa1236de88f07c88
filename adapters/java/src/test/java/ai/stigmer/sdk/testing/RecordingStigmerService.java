package ai.stigmer.sdk.testing;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandControllerGrpc;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionId;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryControllerGrpc;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionStatus;
import ai.stigmer.agentic.agentexecution.v1.ExecutionPhase;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandControllerGrpc;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryControllerGrpc;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionStatus;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real gRPC Stigmer service on 127.0.0.1 for the tests: it implements the agent and workflow
 * command controllers, records every {@code create} request with its idempotency-key header, and
 * answers with an ACK (the request with an id, the token cleared, phase PENDING) or with the
 * failures queued by {@link #failNextCreates}. Its query controllers answer {@code get} with the
 * answers scripted by {@link #scriptAgentGets} (NOT_FOUND for an id without a script), counting the
 * calls.
 */
public final class RecordingStigmerService implements AutoCloseable {

  /** One recorded {@code create} call. */
  public record Create<T>(
      T request, String idempotencyKeyHeader, String ackId, String authorizationHeader) {}

  private static final Metadata.Key<String> IDEMPOTENCY_KEY =
      Metadata.Key.of("stigmer-idempotency-key", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> IDEMPOTENCY_CONTEXT_KEY =
      Context.key("stigmer-idempotency-key");
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> AUTHORIZATION_CONTEXT_KEY = Context.key("authorization");

  private final List<Create<AgentExecution>> agentCreates = new CopyOnWriteArrayList<>();
  private final List<Create<WorkflowExecution>> workflowCreates = new CopyOnWriteArrayList<>();
  private final Queue<Status> failures = new ConcurrentLinkedQueue<>();
  private final Queue<Duration> delays = new ConcurrentLinkedQueue<>();
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<String, Queue<Object>> getScripts = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> getCalls = new ConcurrentHashMap<>();
  private final Server server;
  private final ManagedChannel channel;

  private RecordingStigmerService(int port) {
    ServerInterceptor headers =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata metadata, ServerCallHandler<Q, R> next) {
            Context context =
                Context.current()
                    .withValue(IDEMPOTENCY_CONTEXT_KEY, metadata.get(IDEMPOTENCY_KEY))
                    .withValue(AUTHORIZATION_CONTEXT_KEY, metadata.get(AUTHORIZATION));
            return Contexts.interceptCall(context, call, metadata, next);
          }
        };
    try {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
              .addService(ServerInterceptors.intercept(new AgentController(), headers))
              .addService(ServerInterceptors.intercept(new WorkflowController(), headers))
              .addService(new AgentQueries())
              .addService(new WorkflowQueries())
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  /** Starts a service on a free port. */
  public static RecordingStigmerService start() {
    return new RecordingStigmerService(0);
  }

  /** Starts a service on a given port of 127.0.0.1. */
  public static RecordingStigmerService start(int port) {
    return new RecordingStigmerService(port);
  }

  /** The address of this service, {@code 127.0.0.1:<port>}. */
  public String target() {
    return "127.0.0.1:" + server.getPort();
  }

  /** A blocking stub of the agent command controller, connected to this service. */
  public AgentExecutionCommandControllerGrpc.AgentExecutionCommandControllerBlockingStub
      agentStub() {
    return AgentExecutionCommandControllerGrpc.newBlockingStub(channel);
  }

  /** A blocking stub of the workflow command controller, connected to this service. */
  public WorkflowExecutionCommandControllerGrpc.WorkflowExecutionCommandControllerBlockingStub
      workflowStub() {
    return WorkflowExecutionCommandControllerGrpc.newBlockingStub(channel);
  }

  /** A blocking stub of the agent query controller, connected to this service. */
  public AgentExecutionQueryControllerGrpc.AgentExecutionQueryControllerBlockingStub
      agentQueryStub() {
    return AgentExecutionQueryControllerGrpc.newBlockingStub(channel);
  }

  /** A blocking stub of the workflow query controller, connected to this service. */
  public WorkflowExecutionQueryControllerGrpc.WorkflowExecutionQueryControllerBlockingStub
      workflowQueryStub() {
    return WorkflowExecutionQueryControllerGrpc.newBlockingStub(channel);
  }

  /**
   * Scripts the answers of {@code get} for an id, in order; each answer is an execution or a
   * {@link Status} to fail with. The last answer repeats.
   */
  public void scriptGets(String id, Object... answers) {
    getScripts.put(id, new ConcurrentLinkedQueue<>(List.of(answers)));
  }

  /** How many {@code get} calls arrived for an id. */
  public int getCalls(String id) {
    AtomicInteger calls = getCalls.get(id);
    return calls == null ? 0 : calls.get();
  }

  /** Makes the next {@code create} calls (of either kind) fail with these statuses, in order. */
  public void failNextCreates(Status... statuses) {
    failures.addAll(List.of(statuses));
  }

  /** Makes the next {@code create} calls (of either kind) answer only after these delays. */
  public void delayNextCreates(Duration... durations) {
    delays.addAll(List.of(durations));
  }

  /** Every agent {@code create} so far, including failed ones, oldest first. */
  public List<Create<AgentExecution>> agentCreates() {
    return List.copyOf(agentCreates);
  }

  /** Every workflow {@code create} so far, including failed ones, oldest first. */
  public List<Create<WorkflowExecution>> workflowCreates() {
    return List.copyOf(workflowCreates);
  }

  /** Waits until at least {@code count} agent creates arrived, and returns them all. */
  public List<Create<AgentExecution>> awaitAgentCreates(int count, Duration timeout) {
    Poll.until(timeout, count + " agent creates", () -> agentCreates.size() >= count);
    return agentCreates();
  }

  /** Waits until at least {@code count} workflow creates arrived, and returns them all. */
  public List<Create<WorkflowExecution>> awaitWorkflowCreates(int count, Duration timeout) {
    Poll.until(timeout, count + " workflow creates", () -> workflowCreates.size() >= count);
    return workflowCreates();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void delay() {
    Duration delay = delays.poll();
    if (delay != null) {
      try {
        Thread.sleep(delay.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private final class AgentController
      extends AgentExecutionCommandControllerGrpc.AgentExecutionCommandControllerImplBase {
    @Override
    public void create(AgentExecution request, StreamObserver<AgentExecution> response) {
      delay();
      Status failure = failures.poll();
      String id = failure == null ? "ae-" + ids.incrementAndGet() : "";
      agentCreates.add(
          new Create<>(
              request, IDEMPOTENCY_CONTEXT_KEY.get(), id, AUTHORIZATION_CONTEXT_KEY.get()));
      if (failure != null) {
        response.onError(failure.asRuntimeException());
        return;
      }
      AgentExecution.Builder ack = request.toBuilder();
      ack.getMetadataBuilder().setId(id);
      ack.getSpecBuilder().clearCallbackToken();
      ack.setStatus(AgentExecutionStatus.newBuilder().setPhase(ExecutionPhase.EXECUTION_PENDING));
      response.onNext(ack.build());
      response.onCompleted();
    }
  }

  private final class WorkflowController
      extends WorkflowExecutionCommandControllerGrpc.WorkflowExecutionCommandControllerImplBase {
    @Override
    public void create(WorkflowExecution request, StreamObserver<WorkflowExecution> response) {
      delay();
      Status failure = failures.poll();
      String id = failure == null ? "we-" + ids.incrementAndGet() : "";
      workflowCreates.add(
          new Create<>(
              request, IDEMPOTENCY_CONTEXT_KEY.get(), id, AUTHORIZATION_CONTEXT_KEY.get()));
      if (failure != null) {
        response.onError(failure.asRuntimeException());
        return;
      }
      WorkflowExecution.Builder ack = request.toBuilder();
      ack.getMetadataBuilder().setId(id);
      ack.getSpecBuilder().clearCallbackToken();
      ack.setStatus(WorkflowExecutionStatus.getDefaultInstance());
      response.onNext(ack.build());
      response.onCompleted();
    }
  }

  private <T> void answerGet(String id, Class<T> type, StreamObserver<T> response) {
    getCalls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
    Queue<Object> script = getScripts.get(id);
    Object answer = null;
    if (script != null) {
      synchronized (script) {
        answer = script.size() > 1 ? script.poll() : script.peek();
      }
    }
    if (answer == null) {
      response.onError(Status.NOT_FOUND.withDescription("no execution " + id).asRuntimeException());
    } else if (answer instanceof Status status) {
      response.onError(status.asRuntimeException());
    } else {
      response.onNext(type.cast(answer));
      response.onCompleted();
    }
  }

  private final class AgentQueries
      extends AgentExecutionQueryControllerGrpc.AgentExecutionQueryControllerImplBase {
    @Override
    public void get(AgentExecutionId request, StreamObserver<AgentExecution> response) {
      answerGet(request.getValue(), AgentExecution.class, response);
    }
  }

  private final class WorkflowQueries
      extends WorkflowExecutionQueryControllerGrpc.WorkflowExecutionQueryControllerImplBase {
    @Override
    public void get(WorkflowExecutionId request, StreamObserver<WorkflowExecution> response) {
      answerGet(request.getValue(), WorkflowExecution.class, response);
    }
  }
}
