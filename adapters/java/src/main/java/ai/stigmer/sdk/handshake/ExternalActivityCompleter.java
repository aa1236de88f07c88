package ai.stigmer.sdk.handshake;

import com.google.auto.value.AutoBuilder;
import ai.stigmer.sdk.contract.Contract;
import ai.stigmer.sdk.v1.ActivityFailure;
import ai.stigmer.sdk.v1.CompleteExternalActivityInput;
import ai.stigmer.sdk.v1.CompleteExternalActivityOutcome;
import ai.stigmer.sdk.v1.CompleteExternalActivityResult;
import ai.stigmer.sdk.v1.PayloadEncoding;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.uber.m3.tally.Scope;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.temporal.activity.Activity;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCanceledRequest;
import io.temporal.client.ActivityCanceledException;
import io.temporal.client.ActivityCompletionClient;
import io.temporal.client.ActivityCompletionException;
import io.temporal.client.ActivityNotExistsException;
import io.temporal.client.ActivityPausedException;
import io.temporal.client.ActivityResetException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.RawValue;
import io.temporal.failure.ApplicationFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completion side of the token handshake: completes, fails or cancels a caller's pending activity
 * by its task token, and heartbeats it (handshake contract, section 4). Thread-safe; create one per
 * {@link WorkflowClient} and share it.
 *
 * <pre>{@code
 * ExternalActivityCompleter completer = ExternalActivityCompleter.newBuilder(workflowClient).build();
 * CompleteExternalActivityResult result =
 *     completer.complete(CompletionInputs.result(callbackToken, finishedExecution,
 *         CompletionOptions.newBuilder().setExecutionId(executionId).build()));
 * switch (result.getOutcome()) { ... }
 * }</pre>
 *
 * <p>{@link #complete} never throws for the known outcomes; it returns them:
 *
 * <table>
 *   <caption>Outcomes</caption>
 *   <tr><th>outcome</th><th>when</th></tr>
 *   <tr><td>COMPLETED</td><td>Temporal accepted the completion</td></tr>
 *   <tr><td>ALREADY_COMPLETED</td><td>Temporal answered NOT_FOUND: token used, activity timed
 *       out, workflow closed</td></tr>
 *   <tr><td>INVALID_TOKEN</td><td>Temporal answered INVALID_ARGUMENT: garbled or truncated
 *       token, token from another namespace</td></tr>
 *   <tr><td>EMPTY_TOKEN</td><td>the token is empty: nothing is sent</td></tr>
 *   <tr><td>TRANSIENT</td><td>UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED,
 *       INTERNAL, UNKNOWN: worth retrying</td></tr>
 * </table>
 *
 * <p>Other errors (PERMISSION_DENIED, UNAUTHENTICATED, ...) throw {@link
 * ExternalActivityCompletionException}; an input that cannot be turned into a completion (see
 * {@link PayloadTypeRegistry#toPayload}) throws {@link IllegalArgumentException} before Temporal is
 * called. Results, messages and logs carry the token's {@linkplain TaskTokens#preview preview},
 * never the token.
 *
 * <p>A result is delivered as a {@link RawValue}, so the caller's history holds exactly the payload
 * built by {@link PayloadTypeRegistry#toPayload}; failure and cancellation details become one
 * {@code binary/protobuf} payload each. Success, failure and heartbeat go through the {@link
 * ActivityCompletionClient} of the workflow client. Cancellation is sent with {@code
 * RespondActivityTaskCanceled} on the client's service stubs, because {@link
 * ActivityCompletionClient#reportCancellation} swallows every error and could not tell an invalid
 * token from a delivered cancellation.
 *
 * <p>Every call to {@link #complete} is counted in the metrics of the operator runbook (handshake
 * contract, section 7), with the same names and tags as the Go and Python SDKs: {@link
 * #METRIC_COMPLETIONS} and {@link #METRIC_COMPLETION_DURATION} tagged {@code status} (the outcome
 * in lower case, {@code completed}, {@code already_completed}, ..., or {@code error} when {@code
 * complete} throws), and {@link #METRIC_ERRORS} tagged {@code error_type} for every attempt that
 * did not complete the activity; every one also tagged {@code service=java} ({@link
 * HandshakeMetrics#SERVICE_TAG}). They go to the scope set with {@link
 * Builder#setMetricsScope}; by default to the metrics scope of the workflow client's service stubs
 * ({@link com.uber.m3.tally.NoopScope} unless one was configured), or, in {@link
 * SystemActivitiesImpl}, to the metrics scope of the running activity. No tag ever carries the
 * token or its preview.
 */
public final class ExternalActivityCompleter {

  private static final Logger log = LoggerFactory.getLogger(ExternalActivityCompleter.class);

  /** Default deadline of the cancellation call: 10 seconds. */
  public static final Duration DEFAULT_RPC_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Counter of completion attempts, tagged {@code status}: the outcome in lower case ({@code
   * completed}, {@code already_completed}, {@code invalid_token}, {@code empty_token}, {@code
   * transient}), or {@code error} when {@link #complete} throws.
   */
  public static final String METRIC_COMPLETIONS = Contract.METRIC_COMPLETIONS.name();

  /**
   * Timer of completion attempts (a histogram in seconds with the buckets {@link
   * HandshakeMetrics#DURATION_BUCKETS_SECONDS} where the Micrometer registry has {@link
   * HandshakeMetrics#meterFilter()}), tagged {@code status} like {@link #METRIC_COMPLETIONS}: from
   * the start of {@link #complete} to Temporal's answer (zero for an input that cannot be turned
   * into a completion).
   */
  public static final String METRIC_COMPLETION_DURATION =
      Contract.METRIC_COMPLETION_DURATION.name();

  /**
   * Counter of failed completion attempts, tagged {@code error_type}: the outcome in lower case for
   * {@code already_completed}, {@code invalid_token}, {@code transient} and {@code empty_token}
   * (as in the Python SDK); the gRPC code in lower case (for example {@code permission_denied}, or
   * {@code unknown} without one) when {@link #complete} throws {@link
   * ExternalActivityCompletionException}; {@code invalid_input} for an input that cannot be turned
   * into a completion. {@code completed} is not an error.
   */
  public static final String METRIC_ERRORS = Contract.METRIC_ERRORS.name();

  /** Message of the {@code EMPTY_TOKEN} outcome. */
  public static final String EMPTY_TOKEN_MESSAGE = Contract.EMPTY_TOKEN_MESSAGE;

  private static final String STATUS_TAG = "status";
  private static final String ERROR_TYPE_TAG = "error_type";
  private static final String STATUS_ERROR = "error";
  private static final String ERROR_TYPE_INVALID_INPUT = "invalid_input";
  private static final String ERROR_TYPE_UNKNOWN = "unknown";
  private static final String OUTCOME_PREFIX = "COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_";

  private final ActivityCompletionClient completionClient;
  private final WorkflowServiceStubs service;
  private final String namespace;
  private final String identity;
  private final DataConverter dataConverter;
  private final PayloadTypeRegistry typeRegistry;
  private final Duration rpcTimeout;
  private final Scope metricsScope;
  private final boolean metricsScopeSet;

  /** Called by the builder ({@code AutoBuilder_ExternalActivityCompleter_Builder}). */
  ExternalActivityCompleter(
      WorkflowClient client,
      PayloadTypeRegistry typeRegistry,
      Duration rpcTimeout,
      @Nullable Scope metricsScope) {
    WorkflowClientOptions options = client.getOptions();
    this.completionClient = client.newActivityCompletionClient();
    this.service = client.getWorkflowServiceStubs();
    this.namespace = options.getNamespace();
    this.identity = options.getIdentity();
    this.dataConverter = options.getDataConverter();
    this.typeRegistry = typeRegistry;
    this.rpcTimeout = BuilderArguments.positive(rpcTimeout, "rpcTimeout");
    this.metricsScopeSet = metricsScope != null;
    this.metricsScope = metricsScopeSet ? metricsScope : service.getOptions().getMetricsScope();
  }

  /**
   * Returns a builder for a completer that uses this workflow client (and so its namespace, data
   * converter and payload codec).
   *
   * @param client the workflow client of the namespace the caller's activities run in
   * @return a new builder
   */
  public static Builder newBuilder(WorkflowClient client) {
    return new AutoBuilder_ExternalActivityCompleter_Builder()
        .setClient(client)
        .setTypeRegistry(PayloadTypeRegistry.stigmerDefaults())
        .setRpcTimeout(DEFAULT_RPC_TIMEOUT);
  }

  /**
   * Completes, fails or cancels the caller's activity identified by {@code input.callback_token}.
   * The attempt is counted in the completer's metrics scope (see the class documentation).
   *
   * @param input the token and how the activity ends
   * @return the outcome, with the server's message and the token preview
   * @throws ExternalActivityCompletionException when Temporal answers an error that is none of the
   *     known outcomes
   * @throws IllegalArgumentException when the input cannot be turned into a completion; nothing is
   *     sent to Temporal then
   */
  public CompleteExternalActivityResult complete(CompleteExternalActivityInput input) {
    return completeWith(input, metricsScope, null);
  }

  /**
   * {@link #complete(CompleteExternalActivityInput)} from an activity implementation: the metrics
   * go to the scope set with {@link Builder#setMetricsScope} if any, else to the running activity's
   * metrics scope, else (not in an activity) to the default scope.
   */
  CompleteExternalActivityResult completeInActivity(CompleteExternalActivityInput input) {
    return completeWith(input, activityScope(), null);
  }

  /**
   * Completes the caller successfully with a result payload delivered as it is (the deployed
   * service's {@code json/plain} {@code Result}), from an activity implementation, with the
   * metrics and logs of {@link #complete}.
   */
  CompleteExternalActivityResult completeInActivity(
      ByteString token, String executionId, Payload result) {
    CompleteExternalActivityInput input =
        CompleteExternalActivityInput.newBuilder()
            .setCallbackToken(token)
            .setExecutionId(executionId)
            .build();
    return completeWith(input, activityScope(), Objects.requireNonNull(result, "result"));
  }

  /** The scope set on the builder, else the running activity's, else the default. */
  private Scope activityScope() {
    if (metricsScopeSet) {
      return metricsScope;
    }
    try {
      return Activity.getExecutionContext().getMetricsScope();
    } catch (IllegalStateException notInAnActivity) {
      // Called outside an activity (a unit test, or a caller's own thread): the default scope.
      return metricsScope;
    }
  }

  /**
   * Completes as {@code input} says; {@code rawResult}, when not {@code null}, is the success
   * result of an input without outcome, delivered untouched.
   */
  private CompleteExternalActivityResult completeWith(
      CompleteExternalActivityInput input, Scope scope, Payload rawResult) {
    Objects.requireNonNull(input, "input");
    long start = System.nanoTime();
    byte[] token = input.getCallbackToken().toByteArray();
    String executionId = input.getExecutionId();
    TokenLog tokenLog = new TokenLog(log, "execution_id", executionId, token);
    String preview = tokenLog.preview();
    if (token.length == 0) {
      KeyValueLog.line(log, Contract.LOG_NO_CALLBACK_TOKEN, "execution_id", executionId);
      recordCompletion(
          scope,
          CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN,
          outcomeName(
              CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN),
          System.nanoTime() - start);
      return result(
          CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_EMPTY_TOKEN,
          EMPTY_TOKEN_MESSAGE,
          preview);
    }
    Runnable call;
    Contract.Log description;
    try {
      switch (input.getOutcomeCase()) {
        case RESULT:
          {
            RawValue value =
                new RawValue(typeRegistry.toPayload(input.getResult(), input.getResultEncoding()));
            call = () -> completionClient.complete(token, value);
            description = Contract.LOG_COMPLETING_SUCCESS;
            break;
          }
        case OUTCOME_NOT_SET:
          {
            RawValue value = rawResult == null ? null : new RawValue(rawResult);
            call = () -> completionClient.complete(token, value);
            description = Contract.LOG_COMPLETING_SUCCESS;
            break;
          }
        case FAILURE:
          {
            ApplicationFailure failure = toApplicationFailure(input.getFailure());
            call = () -> completionClient.completeExceptionally(token, failure);
            description = Contract.LOG_COMPLETING_ERROR;
            break;
          }
        case CANCELLATION:
          {
            Optional<Payloads> details = toPayloads(input.getCancellation().getDetailsList());
            call = () -> reportCancellation(token, details);
            description = Contract.LOG_COMPLETING_CANCELLATION;
            break;
          }
        default:
          throw new IllegalArgumentException("unrecognised outcome " + input.getOutcomeCase());
      }
    } catch (IllegalArgumentException e) {
      tokenLog.completionFailed(false, e.getMessage());
      // As in the Go SDK: nothing was sent, so no duration.
      recordCompletion(scope, null, ERROR_TYPE_INVALID_INPUT, 0);
      throw e;
    }
    tokenLog.line(description);
    try {
      call.run();
    } catch (ActivityCompletionException | StatusRuntimeException e) {
      long elapsed = System.nanoTime() - start;
      CompleteExternalActivityResult known;
      try {
        known = classify(e, preview);
      } catch (ExternalActivityCompletionException unknown) {
        tokenLog.completionFailed(false, unknown.getMessage());
        recordCompletion(scope, null, errorType(unknown.getStatusCode()), elapsed);
        throw unknown;
      }
      tokenLog.completionFailed(true, known.getMessage());
      recordCompletion(scope, known.getOutcome(), outcomeName(known.getOutcome()), elapsed);
      return known;
    } catch (RuntimeException e) {
      // Not a Temporal answer (for example the data converter failing): an unknown error.
      recordCompletion(scope, null, ERROR_TYPE_UNKNOWN, System.nanoTime() - start);
      throw e;
    }
    long elapsed = System.nanoTime() - start;
    tokenLog.line(Contract.LOG_COMPLETED);
    recordCompletion(
        scope,
        CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED,
        null,
        elapsed);
    return result(
        CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_COMPLETED, "", preview);
  }

  /** The message types this completer decodes, for the system activity's input converter. */
  PayloadTypeRegistry typeRegistry() {
    return typeRegistry;
  }

  /**
   * Records a heartbeat without details for the caller's activity, to learn whether its workflow
   * requested cancellation.
   *
   * @param token the caller's task token
   * @return the outcome; {@link HeartbeatOutcome#CANCEL_REQUESTED} when cancellation was requested
   * @throws ExternalActivityCompletionException when Temporal answers an error that is none of the
   *     known outcomes
   */
  public HeartbeatResult heartbeat(ByteString token) {
    return heartbeat(token, null);
  }

  /**
   * Records a heartbeat for the caller's activity, to learn whether its workflow requested
   * cancellation.
   *
   * @param token the caller's task token, as it arrives in {@code spec.callback_token}
   * @param details heartbeat details, delivered as one payload: a protobuf message (or a {@code
   *     google.protobuf.Any} holding one) as {@code binary/protobuf}, anything else through the
   *     workflow client's data converter; {@code null} for none
   * @return the outcome; {@link HeartbeatOutcome#CANCEL_REQUESTED} when cancellation was requested
   * @throws ExternalActivityCompletionException when Temporal answers an error that is none of the
   *     known outcomes
   * @throws IllegalArgumentException when protobuf details cannot be turned into a payload
   */
  public HeartbeatResult heartbeat(ByteString token, Object details) {
    return heartbeatBytes(token == null ? null : token.toByteArray(), details);
  }

  private HeartbeatResult heartbeatBytes(byte[] token, Object details) {
    String preview = TaskTokens.preview(token);
    if (token == null || token.length == 0) {
      return new HeartbeatResult(HeartbeatOutcome.EMPTY_TOKEN, EMPTY_TOKEN_MESSAGE, preview);
    }
    Object value;
    if (details instanceof Any) {
      value = toRawValue((Any) details);
    } else if (details instanceof Message) {
      value = new RawValue(PayloadTypeRegistry.binaryPayload((Message) details));
    } else {
      value = details;
    }
    byte[] copy = token.clone();
    try {
      completionClient.heartbeat(copy, value);
      return new HeartbeatResult(HeartbeatOutcome.RECORDED, "", preview);
    } catch (ActivityCompletionException | StatusRuntimeException e) {
      if (hasCause(e, ActivityCanceledException.class)) {
        return new HeartbeatResult(HeartbeatOutcome.CANCEL_REQUESTED, "", preview);
      }
      if (hasCause(e, ActivityPausedException.class)) {
        return new HeartbeatResult(HeartbeatOutcome.PAUSED, "", preview);
      }
      if (hasCause(e, ActivityResetException.class)) {
        return new HeartbeatResult(HeartbeatOutcome.RESET, "", preview);
      }
      CompleteExternalActivityResult known = classify(e, preview);
      HeartbeatOutcome outcome;
      switch (known.getOutcome()) {
        case COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED:
          outcome = HeartbeatOutcome.ALREADY_COMPLETED;
          break;
        case COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_INVALID_TOKEN:
          outcome = HeartbeatOutcome.INVALID_TOKEN;
          break;
        default:
          outcome = HeartbeatOutcome.TRANSIENT;
      }
      return new HeartbeatResult(outcome, known.getMessage(), preview);
    }
  }

  private void reportCancellation(byte[] token, Optional<Payloads> details) {
    RespondActivityTaskCanceledRequest.Builder request =
        RespondActivityTaskCanceledRequest.newBuilder()
            .setNamespace(namespace)
            .setIdentity(identity)
            .setTaskToken(ByteString.copyFrom(token));
    details.ifPresent(request::setDetails);
    service
        .blockingStub()
        .withDeadlineAfter(rpcTimeout.toNanos(), TimeUnit.NANOSECONDS)
        .respondActivityTaskCanceled(request.build());
  }

  private ApplicationFailure toApplicationFailure(ActivityFailure failure) {
    // The failure is created here, not thrown by the caller's code: no stack trace to report.
    return ApplicationFailures.withoutStackTrace(
        ApplicationFailure.newBuilder()
            .setMessage(failure.getMessage())
            .setType(failure.getType())
            .setNonRetryable(failure.getNonRetryable())
            .setDetails(failure.getDetailsList().stream().map(this::toRawValue).toArray())
            .build());
  }

  private Optional<Payloads> toPayloads(List<Any> details) {
    return dataConverter.toPayloads(details.stream().map(this::toRawValue).toArray());
  }

  private RawValue toRawValue(Any value) {
    return new RawValue(
        typeRegistry.toPayload(value, PayloadEncoding.PAYLOAD_ENCODING_BINARY_PROTOBUF));
  }

  private static CompleteExternalActivityResult result(
      CompleteExternalActivityOutcome outcome, String message, String preview) {
    return CompleteExternalActivityResult.newBuilder()
        .setOutcome(outcome)
        .setMessage(message)
        .setTokenPreview(preview)
        .build();
  }

  /**
   * Counts one completion attempt in {@code scope}, like {@code recordCompletion} of the Go SDK.
   *
   * @param outcome the outcome, or {@code null} when {@link #complete} throws (status {@code
   *     error})
   * @param errorType the {@code error_type} tag of {@link #METRIC_ERRORS}, or {@code null} when the
   *     attempt is not an error
   * @param nanos the duration of the attempt
   */
  static void recordCompletion(
      Scope scope, CompleteExternalActivityOutcome outcome, String errorType, long nanos) {
    try {
      String status = outcome == null ? STATUS_ERROR : outcomeName(outcome);
      Scope tagged = HandshakeMetrics.withService(scope, STATUS_TAG, status);
      tagged.counter(METRIC_COMPLETIONS).inc(1);
      tagged.timer(METRIC_COMPLETION_DURATION).record(com.uber.m3.util.Duration.ofNanos(nanos));
      if (errorType != null) {
        HandshakeMetrics.withService(scope, ERROR_TYPE_TAG, errorType)
            .counter(METRIC_ERRORS)
            .inc(1);
      }
    } catch (RuntimeException e) {
      // A failing metrics reporter must not change what became of the completion.
      log.warn("Failed to record the completion metrics: {}", e.toString());
    }
  }

  /** The lower-case outcome name of the metric tags, for example {@code already_completed}. */
  static String outcomeName(CompleteExternalActivityOutcome outcome) {
    String name = outcome.name();
    if (name.startsWith(OUTCOME_PREFIX)) {
      name = name.substring(OUTCOME_PREFIX.length());
    }
    return name.toLowerCase(Locale.ROOT);
  }

  /** The {@code error_type} of an unknown Temporal error: its gRPC code in lower case. */
  private static String errorType(Optional<Status.Code> code) {
    return code.map(c -> c.name().toLowerCase(Locale.ROOT)).orElse(ERROR_TYPE_UNKNOWN);
  }

  /** The known outcome of each gRPC code Temporal may answer a completion with. */
  private static final Map<Status.Code, CompleteExternalActivityOutcome> KNOWN_CODES =
      knownCodes();

  private static Map<Status.Code, CompleteExternalActivityOutcome> knownCodes() {
    Map<Status.Code, CompleteExternalActivityOutcome> codes = new EnumMap<>(Status.Code.class);
    codes.put(
        Status.Code.NOT_FOUND,
        CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED);
    codes.put(
        Status.Code.INVALID_ARGUMENT,
        CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_INVALID_TOKEN);
    for (Status.Code code :
        EnumSet.of(
            Status.Code.UNAVAILABLE,
            Status.Code.DEADLINE_EXCEEDED,
            Status.Code.RESOURCE_EXHAUSTED,
            Status.Code.ABORTED,
            Status.Code.INTERNAL,
            Status.Code.UNKNOWN)) {
      codes.put(code, CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_TRANSIENT);
    }
    return Collections.unmodifiableMap(codes);
  }

  /**
   * Maps a failed completion to its known outcome (with its message and the token preview), or
   * throws {@link ExternalActivityCompletionException}.
   */
  static CompleteExternalActivityResult classify(RuntimeException e, String preview) {
    Status status = findStatus(e);
    if (e instanceof ActivityNotExistsException) {
      return result(
          CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_ALREADY_COMPLETED,
          status == null ? "NOT_FOUND" : messageOf(status),
          preview);
    }
    if (status == null) {
      throw new ExternalActivityCompletionException(
          "completing the external activity failed (token_preview=" + preview + ")",
          null,
          preview,
          e);
    }
    CompleteExternalActivityOutcome outcome = KNOWN_CODES.get(status.getCode());
    if (outcome == null) {
      throw new ExternalActivityCompletionException(
          messageOf(status) + " (token_preview=" + preview + ")", status.getCode(), preview, e);
    }
    return result(outcome, messageOf(status), preview);
  }

  /** The outcome message: the code name and the server's message, {@code "NOT_FOUND: ..."}. */
  private static String messageOf(Status status) {
    String description = status.getDescription();
    return description == null || description.isEmpty()
        ? status.getCode().name()
        : status.getCode().name() + ": " + description;
  }

  private static Status findStatus(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException) {
        return ((StatusRuntimeException) t).getStatus();
      }
      if (t instanceof StatusException) {
        return ((StatusException) t).getStatus();
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /**
   * Builder of {@link ExternalActivityCompleter}, written by AutoValue's {@code @AutoBuilder}. Not
   * thread-safe.
   */
  @AutoBuilder
  public abstract static class Builder {

    Builder() {}

    abstract Builder setClient(WorkflowClient client);

    /**
     * Sets the message types the completer can decode (default {@link
     * PayloadTypeRegistry#stigmerDefaults()}). Needed for JSON results and for the deterministic
     * re-encoding of binary ones.
     *
     * @param typeRegistry the registry
     * @return this builder
     */
    public abstract Builder setTypeRegistry(PayloadTypeRegistry typeRegistry);

    /**
     * Sets the deadline of the cancellation call (default 10 seconds). Success, failure and
     * heartbeat use the RPC settings of the workflow client's service stubs.
     *
     * @param rpcTimeout a positive duration (checked by {@link #build})
     * @return this builder
     */
    public abstract Builder setRpcTimeout(Duration rpcTimeout);

    /**
     * Sets the scope that receives the completion metrics ({@link
     * ExternalActivityCompleter#METRIC_COMPLETIONS}, {@link
     * ExternalActivityCompleter#METRIC_COMPLETION_DURATION}, {@link
     * ExternalActivityCompleter#METRIC_ERRORS}). Without it, {@link
     * ExternalActivityCompleter#complete} reports to the metrics scope of the workflow client's
     * service stubs ({@code WorkflowServiceStubsOptions.getMetricsScope()}, a {@link
     * com.uber.m3.tally.NoopScope} unless one was configured), and {@link SystemActivitiesImpl} to
     * the metrics scope of the running activity.
     *
     * @param metricsScope the scope, used for every completion of this completer
     * @return this builder
     */
    public abstract Builder setMetricsScope(Scope metricsScope);

    /**
     * Builds the completer.
     *
     * @return the completer
     * @throws IllegalArgumentException if the RPC timeout is zero or negative
     */
    public abstract ExternalActivityCompleter build();
  }
}
