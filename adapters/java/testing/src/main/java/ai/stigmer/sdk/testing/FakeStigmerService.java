package ai.stigmer.sdk.testing;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandControllerGrpc;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionId;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryControllerGrpc;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionStatus;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionUpdateStatusInput;
import ai.stigmer.agentic.agentexecution.v1.AgentMessage;
import ai.stigmer.agentic.agentexecution.v1.MessageType;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandControllerGrpc;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryControllerGrpc;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionStatus;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionUpdateStatusInput;
import ai.stigmer.sdk.handshake.CompletionInputs;
import ai.stigmer.sdk.handshake.CompletionOptions;
import ai.stigmer.sdk.handshake.ExternalActivityCompleter;
import ai.stigmer.sdk.handshake.HandshakeFailureTypes;
import ai.stigmer.sdk.handshake.HeartbeatOutcome;
import ai.stigmer.sdk.handshake.HeartbeatResult;
import ai.stigmer.sdk.v1.ActivityFailure;
import ai.stigmer.sdk.v1.CompleteExternalActivityInput;
import ai.stigmer.sdk.v1.CompleteExternalActivityResult;
import com.google.protobuf.Message;
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
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.temporal.client.WorkflowClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A fake Stigmer service for the tests of a caller application: a real gRPC server on loopback
 * that speaks the agent and workflow execution API.
 *
 * <p>It records every {@code create} (the execution as received, callback token included, and the
 * call's metadata: {@link #calls()}, {@link #waitForCalls}), ACKs it (the execution with an id, the
 * token cleared, phase PENDING), and answers {@code get} with the execution's latest state ({@code
 * updateStatus} replaces it; {@code subscribe} streams each new state until a terminal one). The
 * test then finishes each handshake on demand: {@link #complete},
 * {@link #fail} and {@link #cancel} act on the caller's activity through Temporal, as a real
 * service's workflow would. {@link #failNext} makes the next {@code create} calls fail with a gRPC
 * status. The {@code cancel} RPC (pushed cancellation) ends the execution CANCELLED and reports
 * the caller's activity cancelled; it is recorded ({@link #cancelRequests()}) and can be answered
 * with a status instead ({@link #answerCancelsWith}, {@link #failNextCancel}).
 *
 * <pre>{@code
 * try (FakeStigmerService stigmer = FakeStigmerService.start(temporalClient)) {
 *   // connect the caller to stigmer.target(), start its workflow ...
 *   CreateCall call = stigmer.waitForCalls(1).get(0);
 *   stigmer.complete(call, "four");
 * }
 * }</pre>
 *
 * <p>The Python ({@code stigmer_sdk.testing.FakeStigmerService}) and Go ({@code
 * handshaketest.FakeStigmerService}) kits behave the same.
 */
public final class FakeStigmerService implements AutoCloseable {

  /** How long {@link #waitForCalls(int)} and {@link #cancel(CreateCall)} wait by default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  /** Heartbeat outcomes after which no cancel request can come. */
  private static final Set<HeartbeatOutcome> GONE =
      EnumSet.of(
          HeartbeatOutcome.ALREADY_COMPLETED,
          HeartbeatOutcome.INVALID_TOKEN,
          HeartbeatOutcome.EMPTY_TOKEN);

  /** COMPLETED, FAILED, CANCELLED: the same numbers in both kinds. */
  private static final Set<Integer> TERMINAL_PHASES =
      Collections.unmodifiableSet(new HashSet<>(Arrays.asList(3, 4, 5)));

  private static final String API_VERSION = "agentic.stigmer.ai/v1";
  private static final Context.Key<Map<String, String>> METADATA = Context.key("metadata");

  private final Object lock = new Object();
  private final List<CreateCall> calls = new ArrayList<>();
  private final Map<String, Message> executions = new HashMap<>();
  private final Queue<Status> failures = new ConcurrentLinkedQueue<>();
  private final Queue<Duration> delays = new ConcurrentLinkedQueue<>();
  private final Map<String, Queue<Object>> getScripts = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> getCalls = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();
  private final List<CancelRequest> cancels = new ArrayList<>();
  private final Queue<Status> cancelFailures = new ConcurrentLinkedQueue<>();
  private volatile Status cancelAnswer;
  private final WorkflowClient temporalClient;
  private volatile ExternalActivityCompleter completer;
  private final Server server;
  private final ManagedChannel channel;

  private FakeStigmerService(WorkflowClient temporalClient, int port) {
    this.temporalClient = temporalClient;
    ServerInterceptor headers =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata metadata, ServerCallHandler<Q, R> next) {
            Map<String, String> ascii = new HashMap<>();
            for (String key : metadata.keys()) {
              if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                String value =
                    metadata.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
                if (value != null) {
                  ascii.put(key.toLowerCase(Locale.ROOT), value);
                }
              }
            }
            Context context = Context.current().withValue(METADATA, ascii);
            return Contexts.interceptCall(context, call, metadata, next);
          }
        };
    try {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
              .addService(ServerInterceptors.intercept(new AgentCommands(), headers))
              .addService(ServerInterceptors.intercept(new WorkflowCommands(), headers))
              .addService(new AgentQueries())
              .addService(new WorkflowQueries())
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the fake Stigmer service", e);
    }
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  /**
   * Starts a fake on a free port of 127.0.0.1 that finishes handshakes through this client.
   *
   * @param temporalClient a client of the callers' namespace, for {@link #complete}, {@link #fail}
   *     and {@link #cancel}
   * @return the running fake
   */
  public static FakeStigmerService start(WorkflowClient temporalClient) {
    return new FakeStigmerService(Objects.requireNonNull(temporalClient, "temporalClient"), 0);
  }

  /** Starts a fake on a free port of 127.0.0.1 that only records (it cannot finish handshakes). */
  public static FakeStigmerService start() {
    return new FakeStigmerService(null, 0);
  }

  /**
   * Starts a fake on a given port of 127.0.0.1.
   *
   * @param temporalClient a client of the callers' namespace, or {@code null} to only record
   * @param port the port
   * @return the running fake
   */
  public static FakeStigmerService start(WorkflowClient temporalClient, int port) {
    return new FakeStigmerService(temporalClient, port);
  }

  /** The address to connect a caller to, {@code 127.0.0.1:<port>}. */
  public String target() {
    return "127.0.0.1:" + server.getPort();
  }

  /** A blocking stub of the agent command controller, connected to this fake. */
  public AgentExecutionCommandControllerGrpc.AgentExecutionCommandControllerBlockingStub
      agentStub() {
    return AgentExecutionCommandControllerGrpc.newBlockingStub(channel);
  }

  /** A blocking stub of the workflow command controller, connected to this fake. */
  public WorkflowExecutionCommandControllerGrpc.WorkflowExecutionCommandControllerBlockingStub
      workflowStub() {
    return WorkflowExecutionCommandControllerGrpc.newBlockingStub(channel);
  }

  /** A blocking stub of the agent query controller, connected to this fake. */
  public AgentExecutionQueryControllerGrpc.AgentExecutionQueryControllerBlockingStub
      agentQueryStub() {
    return AgentExecutionQueryControllerGrpc.newBlockingStub(channel);
  }

  /** A blocking stub of the workflow query controller, connected to this fake. */
  public WorkflowExecutionQueryControllerGrpc.WorkflowExecutionQueryControllerBlockingStub
      workflowQueryStub() {
    return WorkflowExecutionQueryControllerGrpc.newBlockingStub(channel);
  }

  /** Every {@code create} received so far, of either kind, failed ones included, oldest first. */
  public List<CreateCall> calls() {
    synchronized (lock) {
      return Collections.unmodifiableList(new ArrayList<>(calls));
    }
  }

  /** Waits up to a minute until {@code count} creates have arrived in all; returns them all. */
  public List<CreateCall> waitForCalls(int count) {
    return waitForCalls(count, DEFAULT_TIMEOUT);
  }

  /**
   * Waits until {@code count} creates have arrived in all, and returns all of them.
   *
   * @param count how many
   * @param timeout how long to wait
   * @return every create so far, oldest first
   * @throws AssertionError when fewer arrived within the timeout
   */
  public List<CreateCall> waitForCalls(int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (calls.size() < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(
              "timed out after " + timeout + " waiting for " + count + " creates; got "
                  + calls.size());
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted while waiting for " + count + " creates", e);
        }
      }
      return Collections.unmodifiableList(new ArrayList<>(calls));
    }
  }

  /**
   * The execution's latest state, as {@code get} answers it.
   *
   * @param executionId the id from the ACK
   * @return the execution
   * @throws IllegalArgumentException when there is no such execution
   */
  public Message execution(String executionId) {
    synchronized (lock) {
      Message execution = executions.get(executionId);
      if (execution == null) {
        throw new IllegalArgumentException("no execution " + executionId);
      }
      return execution;
    }
  }

  /** Makes the next {@code create} call (of either kind) fail with this status, once recorded. */
  public void failNext(Status status) {
    failNext(status, 1);
  }

  /** Makes the next {@code times} creates fail with this status, once recorded. */
  public void failNext(Status status, int times) {
    Objects.requireNonNull(status, "status");
    for (int i = 0; i < times; i++) {
      failures.add(status);
    }
  }

  /**
   * Makes every {@code cancel} call answer with this status (recorded all the same), for example
   * {@code Status.UNIMPLEMENTED} as the deployed service does; {@code null} restores the normal
   * answer.
   */
  public void answerCancelsWith(Status status) {
    this.cancelAnswer = status;
  }

  /** Makes the next {@code times} {@code cancel} calls fail with this status, once recorded. */
  public void failNextCancel(Status status, int times) {
    Objects.requireNonNull(status, "status");
    for (int i = 0; i < times; i++) {
      cancelFailures.add(status);
    }
  }

  /** Every {@code cancel} call received so far, of either kind, failed ones included, oldest first. */
  public List<CancelRequest> cancelRequests() {
    synchronized (lock) {
      return Collections.unmodifiableList(new ArrayList<>(cancels));
    }
  }

  /**
   * Waits until {@code count} {@code cancel} calls have arrived in all, and returns all of them.
   *
   * @param count how many
   * @param timeout how long to wait
   * @return every cancel call so far, oldest first
   * @throws AssertionError when fewer arrived within the timeout
   */
  public List<CancelRequest> waitForCancelRequests(int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (cancels.size() < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(
              "timed out after " + timeout + " waiting for " + count + " cancel calls; got "
                  + cancels.size());
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted while waiting for " + count + " cancel calls", e);
        }
      }
      return Collections.unmodifiableList(new ArrayList<>(cancels));
    }
  }

  /** One {@code cancel} call the fake received. */
  public static final class CancelRequest {
    private final String executionId;
    private final boolean workflow;
    private final Status.Code code;

    CancelRequest(String executionId, boolean workflow, Status.Code code) {
      this.executionId = executionId;
      this.workflow = workflow;
      this.code = code;
    }

    /** The id the caller asked to cancel. */
    public String executionId() {
      return executionId;
    }

    /** Whether it came to the workflow execution controller (else the agent's). */
    public boolean isWorkflow() {
      return workflow;
    }

    /** The status code the call was answered with. */
    public Status.Code code() {
      return code;
    }

    @Override
    public String toString() {
      return (workflow ? "workflow " : "agent ") + executionId + " " + code;
    }
  }

  /** Makes the next {@code create} calls answer only after these delays, one per call. */
  public void delayNext(Duration... delays) {
    this.delays.addAll(Arrays.asList(delays));
  }

  /**
   * Scripts the answers of {@code get} for an id, in order, instead of the latest state; each
   * answer is an execution or a {@link Status} to fail with. The last answer repeats.
   */
  public void scriptGets(String executionId, Object... answers) {
    for (Object answer : answers) {
      if (!(answer instanceof Message) && !(answer instanceof Status)) {
        throw new IllegalArgumentException("an answer is an execution or a Status: " + answer);
      }
    }
    getScripts.put(executionId, new ConcurrentLinkedQueue<>(Arrays.asList(answers)));
  }

  /** How many {@code get} calls arrived for an id. */
  public int getCalls(String executionId) {
    AtomicInteger count = getCalls.get(executionId);
    return count == null ? 0 : count.get();
  }

  /** Finishes the execution as COMPLETED and completes the caller's activity with it. */
  public CompleteExternalActivityResult complete(CreateCall call) {
    return complete(call, "");
  }

  /**
   * Finishes the execution as COMPLETED, with one AI message {@code reply} (agent executions, when
   * not empty), and completes the caller's activity with it.
   *
   * @param call the create to finish
   * @param reply the agent's reply, or "" for none
   * @return the completion's outcome
   */
  public CompleteExternalActivityResult complete(CreateCall call, String reply) {
    Message finished =
        finish(
            call,
            3,
            agent -> {
              if (!reply.isEmpty()) {
                agent.addMessages(
                    AgentMessage.newBuilder().setType(MessageType.MESSAGE_AI).setContent(reply));
              }
            });
    return deliver(CompletionInputs.result(call.token(), finished, options(call)));
  }

  /** Finishes the execution as FAILED and fails the caller's activity non-retryably. */
  public CompleteExternalActivityResult fail(CreateCall call) {
    return fail(call, "the agent failed");
  }

  /**
   * Finishes the execution as FAILED and fails the caller's activity with a non-retryable {@value
   * HandshakeFailureTypes#AGENT_EXECUTION_FAILED} failure.
   */
  public CompleteExternalActivityResult fail(CreateCall call, String message) {
    return fail(
        call,
        ActivityFailure.newBuilder()
            .setType(HandshakeFailureTypes.AGENT_EXECUTION_FAILED)
            .setMessage(message)
            .setNonRetryable(true)
            .build());
  }

  /**
   * Finishes the execution as FAILED and fails the caller's activity with this failure.
   *
   * @param call the create to finish
   * @param failure type, message, non-retryable flag and details
   * @return the completion's outcome
   */
  public CompleteExternalActivityResult fail(CreateCall call, ActivityFailure failure) {
    finish(call, 4, agent -> {});
    return deliver(CompletionInputs.failure(call.token(), failure, options(call)));
  }

  /** {@link #cancel(CreateCall, Duration)} waiting up to a minute. */
  public CompleteExternalActivityResult cancel(CreateCall call) {
    return cancel(call, DEFAULT_TIMEOUT);
  }

  /**
   * Once the caller's workflow has asked to cancel the activity (learnt by heartbeating it, as a
   * service does), finishes the execution as CANCELLED and reports the cancellation.
   *
   * @param call the create to cancel
   * @param timeout how long to wait for the cancel request
   * @return the outcome of the cancellation report
   * @throws AssertionError when no cancel request arrived within the timeout
   * @throws IllegalStateException when the caller's activity is gone (completed, timed out) or
   *     the token is refused
   */
  public CompleteExternalActivityResult cancel(CreateCall call, Duration timeout) {
    ExternalActivityCompleter completer = completer();
    Poll.until(
        timeout,
        "the caller's cancel request",
        () -> {
          HeartbeatResult beat = completer.heartbeat(call.token());
          if (GONE.contains(beat.outcome())) {
            throw new IllegalStateException(
                "cannot cancel " + call.executionId() + ": " + beat.outcome() + ": "
                    + beat.message());
          }
          return beat.isCancelRequested();
        });
    finish(call, 5, agent -> {});
    return deliver(CompletionInputs.cancellation(call.token(), options(call)));
  }

  /** Stops serving at once. */
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

  private static CompletionOptions options(CreateCall call) {
    return CompletionOptions.newBuilder().setExecutionId(call.executionId()).build();
  }

  private CompleteExternalActivityResult deliver(CompleteExternalActivityInput input) {
    return completer().complete(input);
  }

  private ExternalActivityCompleter completer() {
    if (temporalClient == null) {
      throw new IllegalStateException(
          "FakeStigmerService.start(temporalClient) is needed to finish handshakes");
    }
    ExternalActivityCompleter current = completer;
    if (current == null) {
      current = ExternalActivityCompleter.newBuilder(temporalClient).build();
      completer = current;
    }
    return current;
  }

  /** Sets the phase (the same numbers in both kinds) of the stored execution; returns it. */
  private Message finish(
      CreateCall call, int phase, Consumer<AgentExecutionStatus.Builder> more) {
    synchronized (lock) {
      Message stored = execution(call.executionId());
      Message finished;
      if (stored instanceof AgentExecution) {
        AgentExecution.Builder builder = ((AgentExecution) stored).toBuilder();
        builder.getStatusBuilder().setPhaseValue(phase);
        more.accept(builder.getStatusBuilder());
        finished = builder.build();
      } else {
        WorkflowExecution.Builder builder = ((WorkflowExecution) stored).toBuilder();
        builder.getStatusBuilder().setPhaseValue(phase);
        finished = builder.build();
      }
      executions.put(call.executionId(), finished);
      lock.notifyAll();
      return finished;
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

  /** Records a create, then fails it as scripted or stores and returns the ACK. */
  private <T extends Message> void create(
      T request, String prefix, BiFunction<T, String, T> ack, StreamObserver<T> response) {
    delay();
    String id = prefix + ids.incrementAndGet();
    Map<String, String> metadata = METADATA.get();
    Status failure;
    T acked = null;
    synchronized (lock) {
      calls.add(
          new CreateCall(
              request, metadata == null ? Collections.<String, String>emptyMap() : metadata, id));
      failure = failures.poll();
      if (failure == null) {
        acked = ack.apply(request, id);
        executions.put(id, acked);
      }
      lock.notifyAll();
    }
    if (failure != null) {
      response.onError(failure.asRuntimeException());
      return;
    }
    response.onNext(acked);
    response.onCompleted();
  }

  private <T extends Message> void answerGet(String id, Class<T> type, StreamObserver<T> response) {
    getCalls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
    Object answer = null;
    Queue<Object> script = getScripts.get(id);
    if (script != null) {
      synchronized (script) {
        answer = script.size() > 1 ? script.poll() : script.peek();
      }
    } else {
      synchronized (lock) {
        answer = executions.get(id);
      }
    }
    if (answer instanceof Status) {
      response.onError(((Status) answer).asRuntimeException());
    } else if (type.isInstance(answer)) {
      response.onNext(type.cast(answer));
      response.onCompleted();
    } else {
      response.onError(
          Status.NOT_FOUND.withDescription("execution " + id + " not found").asRuntimeException());
    }
  }

  /**
   * Answers {@code cancel} as the reference service does: the execution ends CANCELLED (a terminal
   * one is returned unchanged), and the caller's activity is reported cancelled through Temporal,
   * in the background, once the caller's workflow has asked to cancel it (when the fake has a
   * client).
   */
  private <T extends Message> void cancelExecution(
      String id, Class<T> type, boolean workflow, StreamObserver<T> response) {
    Status failure = cancelFailures.poll();
    if (failure == null) {
      failure = cancelAnswer;
    }
    T answer = null;
    CreateCall owner = null;
    synchronized (lock) {
      Message stored = executions.get(id);
      if (failure == null && !type.isInstance(stored)) {
        failure = Status.NOT_FOUND.withDescription("execution " + id + " not found");
      }
      cancels.add(new CancelRequest(id, workflow, failure == null ? Status.Code.OK : failure.getCode()));
      lock.notifyAll();
      if (failure == null) {
        answer = type.cast(stored);
        if (!TERMINAL_PHASES.contains(phaseOf(stored))) {
          for (CreateCall call : calls) {
            if (id.equals(call.executionId())) {
              owner = call;
            }
          }
        }
      }
    }
    if (failure != null) {
      response.onError(failure.asRuntimeException());
      return;
    }
    if (owner != null) {
      answer = type.cast(finish(owner, 5, agent -> {}));
      if (temporalClient != null) {
        CreateCall cancelled = owner;
        Thread report = new Thread(() -> reportCancelled(cancelled), "fake-stigmer-cancel-report");
        report.setDaemon(true);
        report.start();
      }
    }
    response.onNext(answer);
    response.onCompleted();
  }

  /**
   * Reports the caller's activity of a cancelled execution cancelled, as the reference service's
   * settlement does once the run has stopped: after the caller's workflow has asked to cancel the
   * activity (a helper that pushes the cancel asks right after its cancel call). Gives up after
   * {@link #DEFAULT_TIMEOUT}, or when the activity is gone (the workflow ended).
   */
  private void reportCancelled(CreateCall call) {
    try {
      ExternalActivityCompleter completer = completer();
      Poll.until(
          DEFAULT_TIMEOUT,
          "the caller's cancel request",
          () -> {
            HeartbeatResult beat = completer.heartbeat(call.token());
            if (GONE.contains(beat.outcome())) {
              throw new IllegalStateException("gone: " + beat.outcome());
            }
            return beat.isCancelRequested();
          });
      deliver(CompletionInputs.cancellation(call.token(), options(call)));
    } catch (RuntimeException | AssertionError e) {
      // The caller's workflow ended or never asked: nothing to report.
    }
  }

  private static int phaseOf(Message execution) {
    if (execution instanceof AgentExecution) {
      return ((AgentExecution) execution).getStatus().getPhaseValue();
    }
    if (execution instanceof WorkflowExecution) {
      return ((WorkflowExecution) execution).getStatus().getPhaseValue();
    }
    return 0;
  }

  private <T extends Message> void updateStatus(
      String id,
      Class<T> type,
      UnaryOperator<T> update,
      StreamObserver<T> response) {
    T updated;
    synchronized (lock) {
      Message stored = executions.get(id);
      if (!type.isInstance(stored)) {
        response.onError(
            Status.NOT_FOUND.withDescription("execution " + id + " not found")
                .asRuntimeException());
        return;
      }
      updated = update.apply(type.cast(stored));
      executions.put(id, updated);
      lock.notifyAll();
    }
    response.onNext(updated);
    response.onCompleted();
  }

  /**
   * Streams the execution: its state now, then each new state, until it is terminal or the caller
   * goes away.
   */
  private <T extends Message> void subscribe(
      String id, Class<T> type, Function<T, Integer> phase, StreamObserver<T> response) {
    ServerCallStreamObserver<T> stream = (ServerCallStreamObserver<T>) response;
    Message last = null;
    while (!stream.isCancelled()) {
      Message current;
      synchronized (lock) {
        current = executions.get(id);
        if (current != null && current.equals(last)) {
          try {
            lock.wait(200);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          continue;
        }
      }
      if (!type.isInstance(current)) {
        response.onError(
            Status.NOT_FOUND.withDescription("execution " + id + " not found").asRuntimeException());
        return;
      }
      T execution = type.cast(current);
      response.onNext(execution);
      last = execution;
      if (TERMINAL_PHASES.contains(phase.apply(execution))) {
        response.onCompleted();
        return;
      }
    }
  }

  private final class AgentCommands
      extends AgentExecutionCommandControllerGrpc.AgentExecutionCommandControllerImplBase {
    @Override
    public void create(AgentExecution request, StreamObserver<AgentExecution> response) {
      FakeStigmerService.this.create(
          request,
          "ae-",
          (sent, id) -> {
            AgentExecution.Builder ack = sent.toBuilder();
            ack.getMetadataBuilder().setId(id);
            if (ack.getApiVersion().isEmpty()) {
              ack.setApiVersion(API_VERSION);
            }
            if (ack.getKind().isEmpty()) {
              ack.setKind("AgentExecution");
            }
            ack.getSpecBuilder().clearCallbackToken(); // services never echo the token
            ack.setStatus(
                AgentExecutionStatus.newBuilder()
                    .setPhase(ai.stigmer.agentic.agentexecution.v1.ExecutionPhase.EXECUTION_PENDING));
            return ack.build();
          },
          response);
    }

    @Override
    public void updateStatus(
        AgentExecutionUpdateStatusInput request, StreamObserver<AgentExecution> response) {
      FakeStigmerService.this.updateStatus(
          request.getExecutionId(),
          AgentExecution.class,
          stored -> stored.toBuilder().setStatus(request.getStatus()).build(),
          response);
    }

    @Override
    public void cancel(AgentExecutionId request, StreamObserver<AgentExecution> response) {
      cancelExecution(request.getValue(), AgentExecution.class, false, response);
    }
  }

  private final class WorkflowCommands
      extends WorkflowExecutionCommandControllerGrpc.WorkflowExecutionCommandControllerImplBase {
    @Override
    public void create(WorkflowExecution request, StreamObserver<WorkflowExecution> response) {
      FakeStigmerService.this.create(
          request,
          "we-",
          (sent, id) -> {
            WorkflowExecution.Builder ack = sent.toBuilder();
            ack.getMetadataBuilder().setId(id);
            if (ack.getApiVersion().isEmpty()) {
              ack.setApiVersion(API_VERSION);
            }
            if (ack.getKind().isEmpty()) {
              ack.setKind("WorkflowExecution");
            }
            ack.getSpecBuilder().clearCallbackToken(); // services never echo the token
            ack.setStatus(
                WorkflowExecutionStatus.newBuilder()
                    .setPhase(
                        ai.stigmer.agentic.workflowexecution.v1.ExecutionPhase.EXECUTION_PENDING));
            return ack.build();
          },
          response);
    }

    @Override
    public void updateStatus(
        WorkflowExecutionUpdateStatusInput request, StreamObserver<WorkflowExecution> response) {
      FakeStigmerService.this.updateStatus(
          request.getExecutionId(),
          WorkflowExecution.class,
          stored -> stored.toBuilder().setStatus(request.getStatus()).build(),
          response);
    }

    @Override
    public void cancel(WorkflowExecutionId request, StreamObserver<WorkflowExecution> response) {
      cancelExecution(request.getValue(), WorkflowExecution.class, true, response);
    }
  }

  private final class AgentQueries
      extends AgentExecutionQueryControllerGrpc.AgentExecutionQueryControllerImplBase {
    @Override
    public void get(AgentExecutionId request, StreamObserver<AgentExecution> response) {
      answerGet(request.getValue(), AgentExecution.class, response);
    }

    @Override
    public void subscribe(AgentExecutionId request, StreamObserver<AgentExecution> response) {
      FakeStigmerService.this.subscribe(
          request.getValue(),
          AgentExecution.class,
          execution -> execution.getStatus().getPhaseValue(),
          response);
    }
  }

  private final class WorkflowQueries
      extends WorkflowExecutionQueryControllerGrpc.WorkflowExecutionQueryControllerImplBase {
    @Override
    public void get(WorkflowExecutionId request, StreamObserver<WorkflowExecution> response) {
      answerGet(request.getValue(), WorkflowExecution.class, response);
    }

    @Override
    public void subscribe(WorkflowExecutionId request, StreamObserver<WorkflowExecution> response) {
      FakeStigmerService.this.subscribe(
          request.getValue(),
          WorkflowExecution.class,
          execution -> execution.getStatus().getPhaseValue(),
          response);
    }
  }
}
