package ai.stigmer.sdk.conformance;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandControllerGrpc;
import ai.stigmer.conformance.v1.CompleteRequest;
import ai.stigmer.conformance.v1.CompleteResponse;
import ai.stigmer.conformance.v1.Event;
import ai.stigmer.conformance.v1.Fault;
import ai.stigmer.conformance.v1.HeartbeatOutcome;
import ai.stigmer.conformance.v1.StartRequest;
import ai.stigmer.conformance.v1.SystemActivityCall;
import ai.stigmer.conformance.v1.TokenMutation;
import ai.stigmer.sdk.handshake.CompletionInputs;
import ai.stigmer.sdk.handshake.CompletionOptions;
import ai.stigmer.sdk.handshake.ExternalActivityCompleter;
import ai.stigmer.sdk.handshake.HeartbeatResult;
import ai.stigmer.sdk.handshake.IdempotencyKeys;
import ai.stigmer.sdk.handshake.PayloadTypeRegistry;
import ai.stigmer.sdk.handshake.TaskTokens;
import ai.stigmer.sdk.handshake.WorkflowCompletions;
import ai.stigmer.sdk.v1.ActivityFailure;
import ai.stigmer.sdk.v1.CompleteExternalActivityInput;
import ai.stigmer.sdk.v1.CompleteExternalActivityResult;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service role: an {@code AgentExecutionCommandController} on loopback that records the token
 * of each case, and completes the caller when told to (a {@link CompleteRequest}), directly with
 * {@link ExternalActivityCompleter} or from the workflow {@value #WORKFLOW_TYPE} through the system
 * activity.
 */
final class ServiceRole implements Role {

  static final String WORKFLOW_TYPE = "conformance/complete-via-system-activity";

  /** How long a completion through the system activity may take. */
  static final Duration COMPLETE_TIMEOUT = Duration.ofMinutes(4);

  private static final Logger log = LoggerFactory.getLogger(ServiceRole.class);

  private static final Metadata.Key<String> IDEMPOTENCY_HEADER =
      Metadata.Key.of(IdempotencyKeys.METADATA_KEY, Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> IDEMPOTENCY_CONTEXT_KEY =
      Context.key(IdempotencyKeys.METADATA_KEY);

  private static final SecureRandom RANDOM = new SecureRandom();

  /** The service's workflow: schedules the system activity on another worker, returns its result. */
  @WorkflowInterface
  public interface CompleteViaSystemActivityWorkflow {
    /** Completes through the system activity on {@code call.task_queue}. */
    @WorkflowMethod(name = WORKFLOW_TYPE)
    CompleteExternalActivityResult run(SystemActivityCall call);
  }

  /** Implementation of {@link CompleteViaSystemActivityWorkflow}. */
  public static final class CompleteViaSystemActivityWorkflowImpl
      implements CompleteViaSystemActivityWorkflow {
    /** Instantiated by the worker. */
    public CompleteViaSystemActivityWorkflowImpl() {}

    @Override
    public CompleteExternalActivityResult run(SystemActivityCall call) {
      // Start-to-close 1 minute, at most 3 attempts, on the call's task queue; the input goes as
      // binary/protobuf, which every language decodes.
      return WorkflowCompletions.execute(
          call.getInput(), WorkflowCompletions.activityOptions(call.getTaskQueue()));
    }
  }

  private final Frames.Writer events;
  private final WorkflowServiceStubs service;
  private final WorkflowClient client;
  private final ExternalActivityCompleter completer;
  private final ExternalActivityCompleter foreignCompleter;
  private final String workflowTaskQueue;
  private final boolean flipTokenByte;
  private final boolean dropFailureType;
  private final Map<String, ByteString> tokens = new ConcurrentHashMap<>();
  private WorkerFactory factory;
  private Server server;
  private String address = "";

  private ServiceRole(StartRequest start, Frames.Writer events, WorkflowServiceStubs service) {
    this.events = events;
    this.service = service;
    this.client = Temporal.client(service, start.getTemporal().getNamespace());
    this.completer = ExternalActivityCompleter.newBuilder(client).build();
    String other = start.getService().getOtherNamespace();
    this.foreignCompleter =
        other.isEmpty()
            ? null
            : ExternalActivityCompleter.newBuilder(Temporal.client(service, other)).build();
    this.workflowTaskQueue = start.getService().getWorkflowTaskQueue();
    this.flipTokenByte = start.getFaultsList().contains(Fault.FAULT_FLIP_TOKEN_BYTE);
    this.dropFailureType = start.getFaultsList().contains(Fault.FAULT_DROP_FAILURE_TYPE);
  }

  /** Starts the workflow worker and the gRPC server. */
  static ServiceRole start(StartRequest start, Frames.Writer events) throws IOException {
    WorkflowServiceStubs service = Temporal.connect(start.getTemporal());
    ServiceRole role;
    try {
      role = new ServiceRole(start, events, service);
    } catch (RuntimeException e) {
      service.shutdownNow();
      throw e;
    }
    try {
      role.startWorker();
      role.startServer();
    } catch (IOException | RuntimeException e) {
      role.stop();
      throw e;
    }
    log.info(
        "service started: address={}, workflow_task_queue={}, flip_token_byte={}, "
            + "drop_failure_type={}",
        role.address,
        role.workflowTaskQueue,
        role.flipTokenByte,
        role.dropFailureType);
    return role;
  }

  private void startWorker() {
    if (workflowTaskQueue.isEmpty()) {
      return;
    }
    factory = WorkerFactory.newInstance(client);
    Worker worker = factory.newWorker(workflowTaskQueue);
    worker.registerWorkflowImplementationTypes(CompleteViaSystemActivityWorkflowImpl.class);
    factory.start();
  }

  private void startServer() throws IOException {
    ServerInterceptor headers =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata metadata, ServerCallHandler<Q, R> next) {
            Context context =
                Context.current()
                    .withValue(IDEMPOTENCY_CONTEXT_KEY, metadata.get(IDEMPOTENCY_HEADER));
            return Contexts.interceptCall(context, call, metadata, next);
          }
        };
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(ServerInterceptors.intercept(new Controller(), headers))
            .build()
            .start();
    address = "127.0.0.1:" + server.getPort();
  }

  /** host:port of the gRPC server. */
  String address() {
    return address;
  }

  /** The command controller: records the token, reports it, ACKs. */
  private final class Controller
      extends AgentExecutionCommandControllerGrpc.AgentExecutionCommandControllerImplBase {
    @Override
    public void create(AgentExecution request, StreamObserver<AgentExecution> response) {
      String caseId =
          request.getMetadata().getAnnotationsOrDefault(Temporal.CASE_ANNOTATION, "");
      ByteString token = request.getSpec().getCallbackToken();
      String key = IDEMPOTENCY_CONTEXT_KEY.get();
      tokens.put(caseId, token);
      log.info(
          "Callback token detected: execution_id={}, token_preview={}, token_length={}",
          caseId,
          TaskTokens.preview(token),
          token.size());
      events.event(
          Event.newBuilder()
              .setServiceToken(Temporal.tokenSeen(caseId, token.toByteArray(), key))
              .build());
      AgentExecution.Builder ack = request.toBuilder();
      if (request.hasSpec()) {
        ack.getSpecBuilder().clearCallbackToken();
      }
      ack.getMetadataBuilder().setId(caseId);
      response.onNext(ack.build());
      response.onCompleted();
    }
  }

  /** Acts on the token received for a case. */
  CompleteResponse complete(CompleteRequest request) {
    String caseId = request.getCaseId();
    ByteString received = tokens.get(caseId);
    if (received == null) {
      throw new IllegalStateException("no create received for case \"" + caseId + "\"");
    }
    byte[] token = useToken(received.toByteArray(), request.getTokenMutation(), flipTokenByte);
    ExternalActivityCompleter target = completer;
    if (request.getForeignNamespace()) {
      if (foreignCompleter == null) {
        throw new IllegalStateException(
            "foreign_namespace asked but the service role has no other_namespace");
      }
      target = foreignCompleter;
    }
    log.info(
        "completing: case={}, action={}, token_preview={}, mutation={}, foreign_namespace={}, "
            + "system_activity_task_queue={}",
        caseId,
        request.getActionCase(),
        TaskTokens.preview(token),
        request.getTokenMutation(),
        request.getForeignNamespace(),
        request.getSystemActivityTaskQueue());

    ByteString callbackToken = ByteString.copyFrom(token);
    CompleteExternalActivityInput input;
    switch (request.getActionCase()) {
      case HEARTBEAT -> {
        HeartbeatResult beat = target.heartbeat(callbackToken, request.getHeartbeat());
        return heartbeatResponse(beat);
      }
      case RESULT ->
          input =
              CompletionInputs.result(
                      callbackToken,
                      request.getResult(),
                      CompletionOptions.newBuilder()
                          .setExecutionId(caseId)
                          .setResultEncoding(request.getEncoding())
                          .build())
                  .toBuilder()
                  .setResult(packDeterministically(request.getResult()))
                  .build();
      case FAILURE -> {
        ActivityFailure failure = request.getFailure();
        if (dropFailureType) {
          failure = failure.toBuilder().clearType().build();
        }
        input =
            CompletionInputs.failure(
                callbackToken,
                failure,
                CompletionOptions.newBuilder().setExecutionId(caseId).build());
      }
      case CANCEL ->
          input =
              CompletionInputs.cancellation(
                  callbackToken, CompletionOptions.newBuilder().setExecutionId(caseId).build());
      default ->
          throw new IllegalArgumentException(
              "CompleteRequest for case \"" + caseId + "\" has no action");
    }

    CompleteExternalActivityResult result =
        request.getSystemActivityTaskQueue().isEmpty()
            ? target.complete(input)
            : completeViaSystemActivity(caseId, input, request.getSystemActivityTaskQueue());
    return CompleteResponse.newBuilder()
        .setOutcome(result.getOutcome())
        .setMessage(result.getMessage())
        .build();
  }

  /**
   * The token to use: the received one with the lowest bit of its first byte flipped when {@code
   * flipTokenByte} (fault FLIP_TOKEN_BYTE), then mutated as asked. Never modifies {@code received}.
   */
  static byte[] useToken(byte[] received, TokenMutation mutation, boolean flipTokenByte) {
    byte[] token = received.clone();
    if (flipTokenByte && token.length > 0) {
      token[0] ^= 1;
    }
    return switch (mutation) {
      case TOKEN_MUTATION_UNSPECIFIED -> token;
      case TOKEN_MUTATION_GARBAGE -> {
        byte[] garbage = new byte[32];
        RANDOM.nextBytes(garbage);
        yield garbage;
      }
      case TOKEN_MUTATION_TRUNCATED -> Arrays.copyOf(token, token.length / 2);
      case TOKEN_MUTATION_EMPTY -> new byte[0];
      default -> throw new IllegalArgumentException("unknown token mutation " + mutation);
    };
  }

  /** {@code Any.pack} with the deterministic encoding of the message (sorted map entries). */
  static Any packDeterministically(Message message) {
    return Any.newBuilder()
        .setTypeUrl("type.googleapis.com/" + message.getDescriptorForType().getFullName())
        .setValue(PayloadTypeRegistry.deterministicBytes(message))
        .build();
  }

  private CompleteExternalActivityResult completeViaSystemActivity(
      String caseId, CompleteExternalActivityInput input, String taskQueue) {
    if (factory == null) {
      throw new IllegalStateException(
          "system_activity_task_queue asked but the service role has no workflow_task_queue");
    }
    CompleteViaSystemActivityWorkflow workflow =
        client.newWorkflowStub(
            CompleteViaSystemActivityWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("conformance-complete-" + caseId + "-" + UUID.randomUUID())
                .setTaskQueue(workflowTaskQueue)
                .setWorkflowExecutionTimeout(COMPLETE_TIMEOUT)
                .build());
    return workflow.run(
        SystemActivityCall.newBuilder().setInput(input).setTaskQueue(taskQueue).build());
  }

  /**
   * Maps the helper's heartbeat outcome to the protocol's; a paused or reset activity still recorded
   * the heartbeat, so it is RECORDED with the outcome's name as message.
   */
  static CompleteResponse heartbeatResponse(HeartbeatResult beat) {
    HeartbeatOutcome outcome;
    String message = beat.message();
    switch (beat.outcome()) {
      case RECORDED -> outcome = HeartbeatOutcome.HEARTBEAT_OUTCOME_RECORDED;
      case CANCEL_REQUESTED -> outcome = HeartbeatOutcome.HEARTBEAT_OUTCOME_CANCEL_REQUESTED;
      case PAUSED, RESET -> {
        outcome = HeartbeatOutcome.HEARTBEAT_OUTCOME_RECORDED;
        message = beat.outcome().name();
      }
      case ALREADY_COMPLETED -> outcome = HeartbeatOutcome.HEARTBEAT_OUTCOME_ALREADY_COMPLETED;
      case INVALID_TOKEN -> outcome = HeartbeatOutcome.HEARTBEAT_OUTCOME_INVALID_TOKEN;
      case EMPTY_TOKEN -> outcome = HeartbeatOutcome.HEARTBEAT_OUTCOME_EMPTY_TOKEN;
      case TRANSIENT -> outcome = HeartbeatOutcome.HEARTBEAT_OUTCOME_TRANSIENT;
      default -> {
        outcome = HeartbeatOutcome.HEARTBEAT_OUTCOME_UNSPECIFIED;
        message = beat.outcome().name();
      }
    }
    return CompleteResponse.newBuilder().setHeartbeatOutcome(outcome).setMessage(message).build();
  }

  @Override
  public void stop() {
    if (server != null) {
      server.shutdownNow();
      try {
        server.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (factory != null) {
      Temporal.shutdown(factory);
    }
    service.shutdownNow();
  }
}
