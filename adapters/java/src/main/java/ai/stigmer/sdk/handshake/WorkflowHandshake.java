package ai.stigmer.sdk.handshake;

import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.sdk.v1.ExecutionKind;
import ai.stigmer.sdk.v1.GetExecutionInput;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.common.converter.RawValue;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Workflow side of the caller: runs the handshake activity, and makes sure the workflow gets the
 * terminal execution. Call these methods only from workflow code.
 *
 * <pre>{@code
 * AgentActivities agents = Workflow.newActivityStub(
 *     AgentActivities.class, HandshakeActivityOptions.forExpectedDuration(Duration.ofMinutes(30)));
 * AgentExecution finished = WorkflowHandshake.executeToTerminal(agents::runAgent, request);
 * String reply = finished.getStatus().getMessages(finished.getStatus().getMessagesCount() - 1)
 *     .getContent();
 * }</pre>
 *
 * <p>A service may complete the caller with an execution that is not terminal yet (the deployed
 * Stigmer service delivers the execution as it was created: phase PENDING, no messages). {@link
 * #executeToTerminal} then runs the activity {@value GetExecutionActivity#GET_EXECUTION} ({@link
 * GetExecutionActivityImpl}, registered on the caller's worker), which polls {@code get} until the
 * phase is COMPLETED, FAILED or CANCELLED.
 *
 * <p>Both methods count the resolved handshake in the workflow's metrics scope ({@code
 * Workflow.getMetricsScope()}): {@value HandshakeMetrics#HANDSHAKES} and {@value
 * HandshakeMetrics#HANDSHAKE_DURATION} (seconds of workflow time from scheduling the handshake
 * activity to its resolution), tagged {@code outcome} = {@code completed}, {@code failed}, {@code
 * cancelled} or {@code timed_out}.
 */
public final class WorkflowHandshake {

  /** Phases (of agent and workflow executions alike) after which an execution no longer changes. */
  public static final Set<Integer> TERMINAL_PHASES = Set.of(3, 4, 5);

  /** Start-to-close timeout of {@value GetExecutionActivity#GET_EXECUTION}: 10 minutes. */
  public static final Duration GET_EXECUTION_START_TO_CLOSE = Duration.ofMinutes(10);

  /** Heartbeat timeout of {@value GetExecutionActivity#GET_EXECUTION}: 1 minute. */
  public static final Duration GET_EXECUTION_HEARTBEAT_TIMEOUT = Duration.ofMinutes(1);

  private WorkflowHandshake() {}

  /** Maximum attempts of {@value GetExecutionActivity#GET_EXECUTION}: 3. */
  public static final int GET_EXECUTION_MAXIMUM_ATTEMPTS = 3;

  /**
   * Returns the options {@link #executeToTerminal} schedules {@value
   * GetExecutionActivity#GET_EXECUTION} with, as in every SDK: start-to-close 10 minutes, heartbeat
   * timeout 1 minute, at most 3 attempts (initial interval 1 s), never retrying {@value
   * HandshakeFailureTypes#GET_EXECUTION_FAILED}; on the workflow's task queue.
   *
   * @return the activity options
   */
  public static ActivityOptions getExecutionOptions() {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(GET_EXECUTION_START_TO_CLOSE)
        .setHeartbeatTimeout(GET_EXECUTION_HEARTBEAT_TIMEOUT)
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setInitialInterval(Duration.ofSeconds(1))
                .setMaximumAttempts(GET_EXECUTION_MAXIMUM_ATTEMPTS)
                .setDoNotRetry(HandshakeFailureTypes.GET_EXECUTION_FAILED)
                .build())
        .build();
  }

  /**
   * Runs the handshake activity and returns the terminal execution, with {@link
   * #getExecutionOptions()}.
   *
   * @param handshake the activity stub's method that calls {@link StigmerHandshake}, for example
   *     {@code agents::runAgent}
   * @param request the execution to start
   * @param <E> {@code AgentExecution} or {@code WorkflowExecution}
   * @return the terminal execution
   * @throws ActivityFailure as the handshake activity (or the get activity) failed
   */
  public static <E extends Message> E executeToTerminal(
      Functions.Func1<E, E> handshake, E request) {
    return executeToTerminal(handshake, request, getExecutionOptions());
  }

  /**
   * Runs the handshake activity and returns the terminal execution.
   *
   * @param handshake the activity stub's method that calls {@link StigmerHandshake}, for example
   *     {@code agents::runAgent}
   * @param request the execution to start
   * @param getExecutionOptions the options of {@value GetExecutionActivity#GET_EXECUTION}, for
   *     example with the task queue of the worker that runs it
   * @param <E> {@code AgentExecution} or {@code WorkflowExecution}
   * @return the terminal execution, callback tokens cleared: the delivered one when it is
   *     terminal, else the one {@code get} returned once it was
   * @throws ActivityFailure as the handshake activity (or the get activity) failed
   * @throws ApplicationFailure of type {@value HandshakeFailureTypes#GET_EXECUTION_FAILED} when the
   *     delivered execution is not terminal and has no {@code metadata.id}
   */
  public static <E extends Message> E executeToTerminal(
      Functions.Func1<E, E> handshake, E request, ActivityOptions getExecutionOptions) {
    Objects.requireNonNull(getExecutionOptions, "getExecutionOptions");
    E delivered = execute(handshake, request);
    if (delivered == null || isTerminal(delivered)) {
      return delivered == null ? null : clearCallbackTokens(delivered);
    }
    String id = executionId(delivered);
    if (id.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "the delivered execution is not terminal and has no metadata.id to fetch it by",
          HandshakeFailureTypes.GET_EXECUTION_FAILED);
    }
    KeyValueLog.info(
        Workflow.getLogger(WorkflowHandshake.class),
        "Delivered execution is not terminal, fetching it",
        "execution_id",
        id,
        "phase",
        phase(delivered));
    GetExecutionInput input =
        GetExecutionInput.newBuilder()
            .setKind(
                delivered instanceof WorkflowExecution
                    ? ExecutionKind.EXECUTION_KIND_WORKFLOW
                    : ExecutionKind.EXECUTION_KIND_AGENT)
            .setExecutionId(id)
            .build();
    @SuppressWarnings("unchecked")
    Class<E> type = (Class<E>) delivered.getClass();
    E terminal =
        Workflow.newUntypedActivityStub(getExecutionOptions)
            .execute(
                GetExecutionActivity.GET_EXECUTION,
                type,
                new RawValue(PayloadTypeRegistry.binaryPayload(input)));
    return clearCallbackTokens(terminal);
  }

  /**
   * Returns a copy of an execution without its callback tokens ({@code spec.callback_token}, and
   * {@code status.callback_token} where the schema has it), which the deployed service echoes.
   *
   * @param execution an {@code AgentExecution} or a {@code WorkflowExecution}
   * @param <E> its type
   * @return the copy (the same instance when it has no token)
   */
  @SuppressWarnings("unchecked")
  public static <E extends Message> E clearCallbackTokens(E execution) {
    Message.Builder builder = null;
    for (String part : new String[] {"spec", "status"}) {
      FieldDescriptor partField = execution.getDescriptorForType().findFieldByName(part);
      if (partField == null
          || partField.getJavaType() != FieldDescriptor.JavaType.MESSAGE
          || !execution.hasField(partField)) {
        continue;
      }
      Message section = (Message) execution.getField(partField);
      FieldDescriptor token = section.getDescriptorForType().findFieldByName("callback_token");
      if (token == null || token.isRepeated() || !section.hasField(token)) {
        continue;
      }
      if (builder == null) {
        builder = execution.toBuilder();
      }
      builder.setField(partField, section.toBuilder().clearField(token).build());
    }
    return builder == null ? execution : (E) builder.build();
  }

  /**
   * Runs the handshake activity and returns what the service delivered, counting the outcome and
   * its duration in the workflow's metrics scope.
   *
   * @param handshake the activity stub's method that calls {@link StigmerHandshake}
   * @param request the execution to start
   * @param <E> {@code AgentExecution} or {@code WorkflowExecution}
   * @return the delivered execution, terminal or not
   * @throws ActivityFailure as the handshake activity failed
   */
  public static <E extends Message> E execute(Functions.Func1<E, E> handshake, E request) {
    Objects.requireNonNull(handshake, "handshake");
    Objects.requireNonNull(request, "request");
    long start = Workflow.currentTimeMillis();
    String outcome = HandshakeMetrics.OUTCOME_FAILED;
    try {
      E delivered = handshake.apply(request);
      outcome = HandshakeMetrics.OUTCOME_COMPLETED;
      return delivered;
    } catch (ActivityFailure e) {
      outcome = outcomeOf(e.getCause());
      throw e;
    } catch (CanceledFailure e) {
      outcome = HandshakeMetrics.OUTCOME_CANCELLED;
      throw e;
    } finally {
      long nanos = TimeUnit.MILLISECONDS.toNanos(Workflow.currentTimeMillis() - start);
      HandshakeMetrics.resolved(Workflow.getMetricsScope(), outcome, nanos);
    }
  }

  /**
   * Tells whether an execution is terminal: its {@code status.phase} is COMPLETED (3), FAILED (4)
   * or CANCELLED (5).
   *
   * @param execution an {@code AgentExecution} or a {@code WorkflowExecution}
   * @return whether its phase is terminal
   */
  public static boolean isTerminal(Message execution) {
    return TERMINAL_PHASES.contains(phase(execution));
  }

  private static String outcomeOf(Throwable cause) {
    if (cause instanceof TimeoutFailure) {
      return HandshakeMetrics.OUTCOME_TIMED_OUT;
    }
    if (cause instanceof CanceledFailure) {
      return HandshakeMetrics.OUTCOME_CANCELLED;
    }
    return HandshakeMetrics.OUTCOME_FAILED;
  }

  /** The number of {@code status.phase}, 0 when the message has none. */
  static int phase(Message execution) {
    FieldDescriptor statusField = execution.getDescriptorForType().findFieldByName("status");
    if (statusField == null || statusField.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
      return 0;
    }
    Message status = (Message) execution.getField(statusField);
    FieldDescriptor phaseField = status.getDescriptorForType().findFieldByName("phase");
    if (phaseField == null || phaseField.getJavaType() != FieldDescriptor.JavaType.ENUM) {
      return 0;
    }
    return ((EnumValueDescriptor) status.getField(phaseField)).getNumber();
  }

  /** The {@code metadata.id}, empty when the message has none. */
  static String executionId(Message execution) {
    FieldDescriptor metadataField = execution.getDescriptorForType().findFieldByName("metadata");
    if (metadataField == null || metadataField.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
      return "";
    }
    Message metadata = (Message) execution.getField(metadataField);
    FieldDescriptor idField = metadata.getDescriptorForType().findFieldByName("id");
    return idField == null ? "" : String.valueOf(metadata.getField(idField));
  }
}
