package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandControllerGrpc.AgentExecutionCommandControllerBlockingStub;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandControllerGrpc;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandControllerGrpc.WorkflowExecutionCommandControllerBlockingStub;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandControllerGrpc;
import ai.stigmer.sdk.v1.ExecutionKind;
import ai.stigmer.sdk.v1.GetExecutionInput;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.ErrorInfo;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.common.converter.RawValue;
import io.temporal.failure.ApplicationFailure;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caller side of the token handshake: starts a Stigmer execution from inside a Temporal activity
 * and leaves the activity pending until the Stigmer service completes it.
 *
 * <p>Use it as the last statement of an activity method, then return anything (the return value is
 * ignored, because the activity does not complete when its method returns):
 *
 * <pre>{@code
 * public final class AgentActivitiesImpl implements AgentActivities {
 *   private final StigmerHandshake stigmer;
 *
 *   public AgentActivitiesImpl(StigmerHandshake stigmer) { // StigmerHandshake.create(channel)
 *     this.stigmer = stigmer;
 *   }
 *
 *   @Override
 *   public AgentExecution runAgent(AgentExecution execution) {
 *     stigmer.executeAgentAndWaitPending(execution);
 *     return null; // ignored: the service completes this activity with the finished execution
 *   }
 * }
 * }</pre>
 *
 * <p>An instance holds the command stubs and the options; it is thread-safe, and not final, so a
 * unit test of the activity can mock it. The static members are pure helpers.
 *
 * <p>The workflow then receives the finished {@link AgentExecution} (or an {@code ActivityFailure}
 * whose cause is the {@code ApplicationFailure} the service reported) when the execution ends.
 * Schedule the activity with {@link HandshakeActivityOptions#forExpectedDuration}.
 *
 * <p>What one call does (handshake contract, section 1):
 *
 * <ol>
 *   <li>takes the task token of the current activity; refuses a local activity (which cannot
 *       complete asynchronously) with a non-retryable {@link ApplicationFailure} of type {@value
 *       HandshakeFailureTypes#LOCAL_ACTIVITY}, and an empty token (or no activity at all) with
 *       {@value HandshakeFailureTypes#EMPTY_TASK_TOKEN};
 *   <li>derives the {@linkplain IdempotencyKeys idempotency key} from the activity;
 *   <li>copies the execution, fills what the deployed service requires ({@link ExecutionRequests}:
 *       {@code api_version}, {@code kind}, a {@code metadata.name} derived from the key) and
 *       refuses what it cannot fill with {@value HandshakeFailureTypes#INVALID_REQUEST}, before any
 *       RPC;
 *   <li>sets {@code spec.callback_token} to the token's raw bytes and sends the key as gRPC
 *       metadata {@value IdempotencyKeys#METADATA_KEY} and as the annotation {@value
 *       IdempotencyKeys#ANNOTATION_KEY};
 *   <li>calls {@code create} with a deadline ({@link HandshakeOptions#getCreateTimeout()}, 30 s by
 *       default);
 *   <li>logs the token preview, digest and length and the execution id of the ACK ({@code Agent
 *       execution started, activity pending}), never the token;
 *   <li>counts {@link HandshakeMetrics#HANDSHAKES_STARTED} before the call and {@link
 *       HandshakeMetrics#HANDSHAKES_PENDING} after the ACK, in the activity's metrics scope;
 *   <li>calls {@link ActivityExecutionContext#doNotCompleteOnReturn()}.
 * </ol>
 *
 * <p>If {@code create} fails, nothing is left pending: the call throws an {@link
 * ApplicationFailure} of type {@value HandshakeFailureTypes#CREATE_FAILED}, whose message starts
 * with the gRPC code name and which is non-retryable for permanent codes (see {@link
 * #isRetryable(Status.Code)}).
 *
 * <p>Do not log {@code ActivityInfo} objects yourself: the Temporal SDK's {@code toString()} of an
 * activity info includes the full task token in Base64.
 */
public class StigmerHandshake {

  private static final Logger log = LoggerFactory.getLogger(StigmerHandshake.class);

  /** The gRPC metadata key that carries the idempotency key. */
  static final Metadata.Key<String> IDEMPOTENCY_METADATA_KEY =
      Metadata.Key.of(IdempotencyKeys.METADATA_KEY, Metadata.ASCII_STRING_MARSHALLER);

  /** The contract's transient codes (section 1): a create that failed with one may succeed. */
  private static final Set<Status.Code> RETRYABLE_CODES = retryableCodes();

  private static Set<Status.Code> retryableCodes() {
    Set<Status.Code> codes = EnumSet.noneOf(Status.Code.class);
    for (String name : Contract.TRANSIENT_STATUS_CODES) {
      codes.add(Status.Code.valueOf(name));
    }
    return java.util.Collections.unmodifiableSet(codes);
  }

  /** The {@code google.rpc.ErrorInfo} domain of the Stigmer service's refusals. */
  public static final String ERROR_INFO_DOMAIN = Contract.ERROR_INFO_DOMAIN;

  /**
   * The {@code google.rpc.ErrorInfo} reasons (domain {@value #ERROR_INFO_DOMAIN}) of a refused
   * {@code create} that sending the same
   * request again cannot change, whatever the gRPC code (SPEC_TOO_LARGE comes with
   * RESOURCE_EXHAUSTED, otherwise retryable): the failure is then {@value
   * HandshakeFailureTypes#INVALID_REQUEST}, non-retryable, as in every SDK.
   */
  public static final Set<String> NON_RETRYABLE_REASONS =
      Immutables.set(
          "SPEC_TOO_LARGE",
          "IDEMPOTENCY_CONFLICT_OWNER",
          "IDEMPOTENCY_CONFLICT_REQUEST",
          "IDEMPOTENCY_CONFLICT_ACTIVITY");

  private final AgentExecutionCommandControllerBlockingStub agents;
  private final WorkflowExecutionCommandControllerBlockingStub workflows;
  private final HandshakeOptions options;

  /**
   * Creates a handshake over these stubs (either may be null when that kind is never started).
   *
   * @param agents the agent execution command stub, or null
   * @param workflows the workflow execution command stub, or null
   * @param options the deadline of the {@code create} call
   */
  public StigmerHandshake(
      AgentExecutionCommandControllerBlockingStub agents,
      WorkflowExecutionCommandControllerBlockingStub workflows,
      HandshakeOptions options) {
    this.agents = agents;
    this.workflows = workflows;
    this.options = Objects.requireNonNull(options, "options");
  }

  /**
   * Creates a handshake over a channel to the Stigmer service ({@link StigmerChannels}), for both
   * kinds, with the default options.
   *
   * @param channel the channel
   * @return the handshake
   */
  public static StigmerHandshake create(Channel channel) {
    return create(channel, HandshakeOptions.getDefaultInstance());
  }

  /**
   * Creates a handshake over a channel to the Stigmer service, for both kinds.
   *
   * @param channel the channel
   * @param options the deadline of the {@code create} call
   * @return the handshake
   */
  public static StigmerHandshake create(Channel channel, HandshakeOptions options) {
    Objects.requireNonNull(channel, "channel");
    return new StigmerHandshake(
        AgentExecutionCommandControllerGrpc.newBlockingStub(channel),
        WorkflowExecutionCommandControllerGrpc.newBlockingStub(channel),
        options);
  }

  /**
   * Starts an agent execution and leaves the current activity pending.
   *
   * @param execution the execution to start; not modified
   * @return the service's ACK (the created execution, with its id in {@code metadata.id})
   * @throws ApplicationFailure of type {@value HandshakeFailureTypes#LOCAL_ACTIVITY} in a local
   *     activity, {@value HandshakeFailureTypes#EMPTY_TASK_TOKEN} when not running in an activity,
   *     {@value HandshakeFailureTypes#INVALID_REQUEST} for a request the deployed service would
   *     refuse, or {@value HandshakeFailureTypes#CREATE_FAILED} when {@code create} fails
   */
  public AgentExecution executeAgentAndWaitPending(AgentExecution execution) {
    Objects.requireNonNull(execution, "execution");
    AgentExecutionCommandControllerBlockingStub stub =
        Objects.requireNonNull(agents, "this handshake has no agent execution stub");
    return createAndWaitPending(
        execution,
        ExecutionRequests::prepareAgent,
        (request, key) -> prepare(stub, key, options).create(request),
        "Agent");
  }

  /**
   * Starts a workflow execution and leaves the current activity pending.
   *
   * @param execution the execution to start; not modified
   * @return the service's ACK (the created execution, with its id in {@code metadata.id})
   * @throws ApplicationFailure of type {@value HandshakeFailureTypes#LOCAL_ACTIVITY} in a local
   *     activity, {@value HandshakeFailureTypes#EMPTY_TASK_TOKEN} when not running in an activity,
   *     {@value HandshakeFailureTypes#INVALID_REQUEST} for a request the deployed service would
   *     refuse, or {@value HandshakeFailureTypes#CREATE_FAILED} when {@code create} fails
   */
  public WorkflowExecution executeWorkflowAndWaitPending(WorkflowExecution execution) {
    Objects.requireNonNull(execution, "execution");
    WorkflowExecutionCommandControllerBlockingStub stub =
        Objects.requireNonNull(workflows, "this handshake has no workflow execution stub");
    return createAndWaitPending(
        execution,
        ExecutionRequests::prepareWorkflow,
        (request, key) -> prepare(stub, key, options).create(request),
        "Workflow");
  }

  /**
   * The handshake of either kind: takes the activity's token, fills and checks the request, sends
   * it with the token in {@code spec.callback_token}, and leaves the activity pending.
   *
   * @param prepareRequest fills and checks the request, given the idempotency key
   * @param create sends the request with the idempotency key, returns the ACK
   * @param kind {@code "Agent"} or {@code "Workflow"}
   */
  private static <E extends Message> E createAndWaitPending(
      E execution,
      BiFunction<E, String, E> prepareRequest,
      BiFunction<E, String, E> create,
      String kind) {
    PendingActivity pending = PendingActivity.current();
    E request =
        withCallbackToken(
            pending.prepare(() -> prepareRequest.apply(execution, pending.key)), pending.token);
    pending.started();
    E ack;
    try {
      ack = create.apply(request, pending.key);
    } catch (StatusRuntimeException e) {
      throw pending.createFailed(e);
    }
    pending.leavePending(WorkflowHandshake.executionId(ack), kind);
    return ack;
  }

  /** A copy of the execution with {@code spec.callback_token} set (both kinds have the field). */
  private static <E extends Message> E withCallbackToken(E execution, ByteString token) {
    Message.Builder request = execution.toBuilder();
    Message.Builder spec =
        request.getFieldBuilder(request.getDescriptorForType().findFieldByName("spec"));
    spec.setField(spec.getDescriptorForType().findFieldByName("callback_token"), token);
    @SuppressWarnings("unchecked") // toBuilder().build() is of the message's own class
    E withToken = (E) request.build();
    return withToken;
  }

  /**
   * Starts an agent or a workflow execution given as a message of any generated class whose full
   * name is {@code ai.stigmer.agentic.agentexecution.v1.AgentExecution} or {@code
   * ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution} (Stigmer's own generated classes,
   * for example), and leaves the current activity pending, as {@link #executeAgentAndWaitPending}
   * and {@link #executeWorkflowAndWaitPending} do (which it calls). The request travels through the
   * wire format, so fields that the SDK's copy of the API lacks reach the service; the ACK comes
   * back as the caller's class. In the workflow, Temporal's data converter ({@link
   * StigmerDataConverter}) decodes the delivered execution into the activity method's own return
   * class the same way, by full name.
   *
   * @param execution the execution to start; not modified
   * @param <E> the caller's generated class
   * @return the service's ACK, as an instance of the caller's class
   * @throws ApplicationFailure of type {@value HandshakeFailureTypes#INVALID_REQUEST} for a message
   *     of another full name, and as {@link #executeAgentAndWaitPending} throws
   */
  public <E extends Message> E executeAndWaitPending(E execution) {
    Objects.requireNonNull(execution, "execution");
    Message ack;
    if (ForeignMessages.sameName(execution, WorkflowExecution.getDefaultInstance())) {
      ack =
          executeWorkflowAndWaitPending(
              ForeignMessages.as(execution, WorkflowExecution.getDefaultInstance()));
    } else {
      ack =
          executeAgentAndWaitPending(
              ForeignMessages.as(execution, AgentExecution.getDefaultInstance()));
    }
    return ForeignMessages.as(ack, execution);
  }

  /**
   * Environment variable that chooses the shape of {@link #startWorkflowAndWaitPending} when the
   * call does not: {@code false} (or {@code 0}, {@code no}, {@code off}) selects the blocking
   * fallback of the architecture note; anything else, or unset, the pending shape.
   */
  public static final String ASYNC_COMPLETION_ENV = Contract.ASYNC_COMPLETION_ENV;

  /**
   * Tells whether {@value #ASYNC_COMPLETION_ENV} allows pending activities (the default: yes).
   *
   * @return false only when the variable says {@code false}, {@code 0}, {@code no} or {@code off}
   */
  public static boolean asyncCompletionEnabled() {
    String value = System.getenv(ASYNC_COMPLETION_ENV);
    if (value == null) {
      return true;
    }
    String normalized = value.trim().toLowerCase(java.util.Locale.ROOT);
    return !Immutables.set("false", "0", "no", "off").contains(normalized);
  }

  /**
   * The inner-workflow shape (architecture note; Python's {@code start_workflow_and_wait_pending}):
   * from inside a Temporal activity, starts an inner workflow with two arguments, {@code arg} and
   * this activity's task token ({@code byte[]}), and leaves the activity pending; the inner
   * workflow completes the activity itself when it ends, typically with {@link
   * WorkflowCompletions#completeCallerWhenDone}. Call it as the last statement of the activity
   * method and return anything.
   *
   * <p>With {@code asyncCompletion} false (or, when it is {@code null}, {@value
   * #ASYNC_COMPLETION_ENV}{@code =false}) the blocking fallback is used instead: the inner workflow
   * gets an empty token, and this call waits for its result and returns it, holding the worker's
   * activity slot meanwhile.
   *
   * @param client the client that starts the inner workflow
   * @param workflowType the inner workflow's type name
   * @param options its options (workflow id and task queue at least)
   * @param arg its first argument
   * @param resultType the type of its result, for the blocking shape
   * @param asyncCompletion the shape: {@code true} pending, {@code false} blocking, {@code null}
   *     from {@value #ASYNC_COMPLETION_ENV}
   * @param <R> the result type
   * @return {@code null} in the pending shape (the activity's result comes from the inner
   *     workflow), the inner workflow's result in the blocking shape
   * @throws ApplicationFailure of type {@value HandshakeFailureTypes#LOCAL_ACTIVITY} or {@value
   *     HandshakeFailureTypes#EMPTY_TASK_TOKEN} as {@link #executeAgentAndWaitPending} does, in the
   *     pending shape
   */
  public static <R> R startWorkflowAndWaitPending(
      io.temporal.client.WorkflowClient client,
      String workflowType,
      io.temporal.client.WorkflowOptions options,
      Object arg,
      Class<R> resultType,
      Boolean asyncCompletion) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(workflowType, "workflowType");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(resultType, "resultType");
    boolean pendingShape = asyncCompletion == null ? asyncCompletionEnabled() : asyncCompletion;
    io.temporal.client.WorkflowStub inner = client.newUntypedWorkflowStub(workflowType, options);
    if (!pendingShape) {
      String workflowId = inner.start(arg, new byte[0]).getWorkflowId();
      KeyValueLog.info(
          log, "Waiting for inner workflow (blocking shape)", "workflow_id", workflowId);
      return inner.getResult(resultType);
    }
    PendingActivity pending = PendingActivity.current();
    String workflowId = inner.start(arg, pending.token.toByteArray()).getWorkflowId();
    KeyValueLog.info(
        log,
        "Inner workflow started, activity pending",
        "workflow_id",
        workflowId,
        "token_preview",
        pending.tokenLog.preview(),
        "token_digest",
        pending.tokenLog.digest());
    pending.context.doNotCompleteOnReturn();
    return null;
  }

  /**
   * Tells whether a failed {@code create} is worth retrying (handshake contract, section 1):
   * UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNKNOWN and CANCELLED
   * are; every other code is permanent.
   *
   * @param code the gRPC status code of the failure
   * @return whether the resulting failure is retryable
   */
  public static boolean isRetryable(Status.Code code) {
    return RETRYABLE_CODES.contains(code);
  }

  /**
   * Maps a failed {@code create} call to the application failure the activity fails with: type
   * {@value HandshakeFailureTypes#CREATE_FAILED}, message {@code "<CODE>: <server message>"} (just
   * the code name when the server sent no message), non-retryable unless {@link
   * #isRetryable(Status.Code)}. When the status carries a {@code google.rpc.ErrorInfo} whose
   * reason is one of {@link #NON_RETRYABLE_REASONS}, the failure is {@value
   * HandshakeFailureTypes#INVALID_REQUEST} instead, non-retryable, its message ending with {@code
   * " (reason <REASON>)"}, as in the Go SDK.
   *
   * <p>The failure carries neither the gRPC exception as cause nor a stack trace: the message holds
   * all of the status, and Temporal keeps at most 4 KiB of an attempt's failure on a pending
   * activity, which a Java stack trace with its cause would exceed, hiding the message from {@code
   * describe} and the UI while the activity retries.
   *
   * @param e the exception thrown by the gRPC stub
   * @return the failure to throw from the activity
   */
  public static ApplicationFailure createFailed(StatusRuntimeException e) {
    Status status = e.getStatus();
    String reason = nonRetryableReason(e);
    String description = status.getDescription();
    String message =
        description == null || description.isEmpty()
            ? status.getCode().name()
            : status.getCode().name() + ": " + description;
    if (reason != null) {
      message += " (reason " + reason + ")";
    }
    ApplicationFailure failure =
        ApplicationFailure.newBuilder()
            .setMessage(message)
            .setType(
                reason == null
                    ? HandshakeFailureTypes.CREATE_FAILED
                    : HandshakeFailureTypes.INVALID_REQUEST)
            .setNonRetryable(reason != null || !isRetryable(status.getCode()))
            .build();
    return ApplicationFailures.withoutStackTrace(failure);
  }

  /** The first ErrorInfo reason of the status that is in {@link #NON_RETRYABLE_REASONS}. */
  private static String nonRetryableReason(StatusRuntimeException e) {
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    if (details == null) {
      return null;
    }
    for (com.google.protobuf.Any detail : details.getDetailsList()) {
      if (!detail.is(ErrorInfo.class)) {
        continue;
      }
      try {
        ErrorInfo info = detail.unpack(ErrorInfo.class);
        if (ERROR_INFO_DOMAIN.equals(info.getDomain())
            && NON_RETRYABLE_REASONS.contains(info.getReason())) {
          return info.getReason();
        }
      } catch (InvalidProtocolBufferException malformed) {
        // A detail that does not parse says nothing about retrying.
      }
    }
    return null;
  }

  private static <S extends AbstractStub<S>> S prepare(
      S stub, String idempotencyKey, HandshakeOptions options) {
    Metadata headers = new Metadata();
    headers.put(IDEMPOTENCY_METADATA_KEY, idempotencyKey);
    S prepared =
        stub.withDeadlineAfter(options.getCreateTimeout().toNanos(), TimeUnit.NANOSECONDS)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    return TraceContextPropagation.Availability.AVAILABLE
        ? prepared.withInterceptors(TraceContextPropagation.INSTANCE)
        : prepared;
  }

  /** The current activity, about to go pending. */
  private static final class PendingActivity {
    private final ActivityExecutionContext context;
    private final ByteString token;
    private final TokenLog tokenLog;
    private final String key;

    private PendingActivity(ActivityExecutionContext context, byte[] token, String key) {
      this.context = context;
      this.token = ByteString.copyFrom(token);
      this.tokenLog = new TokenLog(log, "activity_id", context.getInfo().getActivityId(), token);
      this.key = key;
    }

    static PendingActivity current() {
      ActivityExecutionContext context;
      try {
        context = Activity.getExecutionContext();
      } catch (IllegalStateException e) {
        throw emptyToken("no task token: not running in a Temporal activity");
      }
      ActivityInfo info = context.getInfo();
      if (info.isLocal()) {
        throw ApplicationFailures.nonRetryable(
            "a local activity cannot be completed asynchronously; schedule a regular activity",
            HandshakeFailureTypes.LOCAL_ACTIVITY);
      }
      byte[] token = context.getTaskToken();
      if (token == null || token.length == 0) {
        throw emptyToken("the activity's task token is empty");
      }
      String key =
          IdempotencyKeys.derive(
              info.getNamespace(),
              info.getWorkflowId(),
              info.getWorkflowRunId(),
              info.getActivityId());
      PendingActivity pending = new PendingActivity(context, token, key);
      pending.tokenLog.line(Contract.LOG_TOKEN_TAKEN, "token_length", token.length);
      return pending;
    }

    /** Counts the create attempt about to be made. */
    void started() {
      HandshakeMetrics.counter(context.getMetricsScope(), HandshakeMetrics.HANDSHAKES_STARTED);
    }

    /** Fills and checks the request; logs the contract's line for a local refusal. */
    <T> T prepare(Supplier<T> prepare) {
      try {
        return prepare.get();
      } catch (ApplicationFailure refused) {
        String message = refused.getOriginalMessage();
        tokenLog.line(
            Contract.LOG_CREATE_REFUSED,
            "violations",
            message.substring(message.indexOf(": ") + 2));
        throw refused;
      }
    }

    ApplicationFailure createFailed(StatusRuntimeException e) {
      ApplicationFailure failure = StigmerHandshake.createFailed(e);
      tokenLog.line(
          Contract.LOG_CREATE_FAILED,
          "code",
          e.getStatus().getCode().name(),
          "retryable",
          !failure.isNonRetryable());
      return failure;
    }

    /**
     * Logs the ACK line of the contract, counts the handshake pending and leaves the activity
     * pending.
     *
     * @param kind {@code "Agent"} or {@code "Workflow"}, the first word of the ACK line
     */
    void leavePending(String executionId, String kind) {
      tokenLog
          .about("execution_id", executionId)
          .line(
              "Workflow".equals(kind) ? Contract.LOG_ACK_WORKFLOW : Contract.LOG_ACK_AGENT,
              "token_length",
              token.size());
      HandshakeMetrics.counter(context.getMetricsScope(), HandshakeMetrics.HANDSHAKES_PENDING);
      recordExecution(executionId, kind);
      context.doNotCompleteOnReturn();
    }

    /**
     * Records the execution's kind and id as this activity's heartbeat details ({@code
     * GetExecutionInput}, {@code binary/protobuf}; never the token), where {@value
     * WatchExecutionActivity#WATCH_EXECUTION} finds them while the activity is pending. Best
     * effort: the handshake does not depend on it.
     */
    private void recordExecution(String executionId, String kind) {
      GetExecutionInput recorded =
          GetExecutionInput.newBuilder()
              .setKind(
                  kind.equals("Workflow")
                      ? ExecutionKind.EXECUTION_KIND_WORKFLOW
                      : ExecutionKind.EXECUTION_KIND_AGENT)
              .setExecutionId(executionId)
              .build();
      try {
        context.heartbeat(new RawValue(PayloadTypeRegistry.binaryPayload(recorded)));
      } catch (io.temporal.client.ActivityCompletionException done) {
        // Already completed (a fast agent) or cancelled: nothing left to watch.
      } catch (RuntimeException e) {
        KeyValueLog.warn(
            log,
            "Could not record the execution for the watcher",
            "execution_id",
            executionId,
            "error",
            e.toString());
      }
    }

    private static ApplicationFailure emptyToken(String message) {
      return ApplicationFailures.nonRetryable(message, HandshakeFailureTypes.EMPTY_TASK_TOKEN);
    }

  }
}
