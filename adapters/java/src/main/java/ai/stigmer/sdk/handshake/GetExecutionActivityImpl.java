package ai.stigmer.sdk.handshake;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionId;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryControllerGrpc.AgentExecutionQueryControllerBlockingStub;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryControllerGrpc.WorkflowExecutionQueryControllerBlockingStub;
import ai.stigmer.sdk.v1.GetExecutionInput;
import com.google.auto.value.AutoBuilder;
import com.google.protobuf.Message;
import io.grpc.StatusRuntimeException;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.common.converter.RawValue;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Implementation of {@value GetExecutionActivity#GET_EXECUTION}, holding the gRPC query stubs of
 * the Stigmer service. Register it on the caller's worker:
 *
 * <pre>{@code
 * worker.registerActivitiesImplementations(
 *     GetExecutionActivityImpl.newBuilder()
 *         .setAgentStub(AgentExecutionQueryControllerGrpc.newBlockingStub(channel))
 *         .setWorkflowStub(WorkflowExecutionQueryControllerGrpc.newBlockingStub(channel))
 *         .build());
 * }</pre>
 *
 * <p>It calls {@code get} until the execution is terminal: first at once, then after the initial
 * interval (500 ms), growing by the backoff coefficient (2.0) up to the maximum interval (10 s),
 * heartbeating after every call (so a heartbeat timeout detects a lost worker and a cancellation
 * reaches it). The terminal execution is returned with its callback tokens cleared ({@link
 * WorkflowHandshake#clearCallbackTokens}), since the deployed service echoes them. A transient
 * gRPC failure ({@link StigmerHandshake#isRetryable}) is retried in the same way; a permanent one
 * (NOT_FOUND, PERMISSION_DENIED, ...) fails the activity with a non-retryable {@value
 * HandshakeFailureTypes#GET_EXECUTION_FAILED}.
 */
public final class GetExecutionActivityImpl implements GetExecutionActivity {

  private static final Logger log = LoggerFactory.getLogger(GetExecutionActivityImpl.class);

  /** Default wait after the first non-terminal answer: 500 ms. */
  public static final Duration DEFAULT_INITIAL_INTERVAL = Duration.ofMillis(500);

  /** Default longest wait between two calls: 10 seconds. */
  public static final Duration DEFAULT_MAXIMUM_INTERVAL = Duration.ofSeconds(10);

  /** Default growth of the wait: 2.0. */
  public static final double DEFAULT_BACKOFF_COEFFICIENT = 2.0;

  /** Default deadline of one {@code get} call: 30 seconds. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);

  private final AgentExecutionQueryControllerBlockingStub agents;
  private final WorkflowExecutionQueryControllerBlockingStub workflows;
  private final Duration initialInterval;
  private final Duration maximumInterval;
  private final double backoffCoefficient;
  private final Duration callTimeout;

  /** Called by the builder ({@code AutoBuilder_GetExecutionActivityImpl_Builder}); checks it all. */
  GetExecutionActivityImpl(
      @Nullable AgentExecutionQueryControllerBlockingStub agentStub,
      @Nullable WorkflowExecutionQueryControllerBlockingStub workflowStub,
      Duration initialInterval,
      Duration maximumInterval,
      double backoffCoefficient,
      Duration callTimeout) {
    if (agentStub == null && workflowStub == null) {
      throw new IllegalStateException("set the agent stub, the workflow stub or both");
    }
    this.agents = agentStub;
    this.workflows = workflowStub;
    this.initialInterval = BuilderArguments.positive(initialInterval, "initialInterval");
    this.maximumInterval = BuilderArguments.positive(maximumInterval, "maximumInterval");
    if (!(backoffCoefficient >= 1.0)) {
      throw new IllegalArgumentException("backoffCoefficient must be >= 1: " + backoffCoefficient);
    }
    this.backoffCoefficient = backoffCoefficient;
    this.callTimeout = BuilderArguments.positive(callTimeout, "callTimeout");
    if (maximumInterval.compareTo(initialInterval) < 0) {
      throw new IllegalStateException("maximumInterval is shorter than initialInterval");
    }
  }

  /**
   * Returns a builder; set at least the stub of the kinds you start.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new AutoBuilder_GetExecutionActivityImpl_Builder()
        .setInitialInterval(DEFAULT_INITIAL_INTERVAL)
        .setMaximumInterval(DEFAULT_MAXIMUM_INTERVAL)
        .setBackoffCoefficient(DEFAULT_BACKOFF_COEFFICIENT)
        .setCallTimeout(DEFAULT_CALL_TIMEOUT);
  }

  @Override
  public RawValue getExecution(GetExecutionInput input) {
    Objects.requireNonNull(input, "input");
    boolean agent;
    switch (input.getKind()) {
      case EXECUTION_KIND_AGENT:
        agent = true;
        break;
      case EXECUTION_KIND_WORKFLOW:
        agent = false;
        break;
      default:
        throw invalid("unknown execution kind " + input.getKindValue());
    }
    String id = input.getExecutionId();
    if (id.isEmpty()) {
      throw invalid("the execution id is empty");
    }
    if (agent ? agents == null : workflows == null) {
      throw invalid(
          "no "
              + (agent ? "agent" : "workflow")
              + " query stub is configured on GetExecutionActivityImpl");
    }
    ActivityExecutionContext context = Activity.getExecutionContext();
    Duration wait = initialInterval;
    for (int polls = 1; ; polls++) {
      int phase;
      try {
        Message current = agent ? getAgent(id) : getWorkflow(id);
        phase = WorkflowHandshake.phase(current);
        if (WorkflowHandshake.isTerminal(current)) {
          KeyValueLog.info(
              log, "Execution is terminal", "execution_id", id, "phase", phase, "polls", polls);
          return new RawValue(
              PayloadTypeRegistry.binaryPayload(WorkflowHandshake.clearCallbackTokens(current)));
        }
      } catch (StatusRuntimeException e) {
        ApplicationFailure failure = StigmerHandshake.createFailed(e);
        if (failure.isNonRetryable()) {
          throw invalid("get " + id + ": " + failure.getOriginalMessage());
        }
        KeyValueLog.warn(
            log,
            "Get execution failed, retrying",
            "execution_id",
            id,
            "code",
            e.getStatus().getCode().name());
        phase = -1;
      }
      // Throws ActivityCompletionException when the caller's workflow cancels this activity.
      context.heartbeat(phase);
      sleep(wait, "waiting for the execution to end");
      wait = next(wait);
    }
  }

  private AgentExecution getAgent(String id) {
    return agents
        .withDeadlineAfter(callTimeout.toNanos(), TimeUnit.NANOSECONDS)
        .get(AgentExecutionId.newBuilder().setValue(id).build());
  }

  private WorkflowExecution getWorkflow(String id) {
    return workflows
        .withDeadlineAfter(callTimeout.toNanos(), TimeUnit.NANOSECONDS)
        .get(WorkflowExecutionId.newBuilder().setValue(id).build());
  }

  private Duration next(Duration wait) {
    long nanos = (long) Math.min(wait.toNanos() * backoffCoefficient, maximumInterval.toNanos());
    return Duration.ofNanos(nanos);
  }

  /** Waits between two polls (this one's and the watcher's); {@code doing} names it if interrupted. */
  static void sleep(Duration wait, String doing) {
    try {
      Thread.sleep(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while " + doing, e);
    }
  }

  private static ApplicationFailure invalid(String message) {
    return ApplicationFailures.nonRetryable(message, HandshakeFailureTypes.GET_EXECUTION_FAILED);
  }

  /**
   * Builder of {@link GetExecutionActivityImpl}, written by AutoValue's {@code @AutoBuilder}. Not
   * thread-safe.
   */
  @AutoBuilder
  public abstract static class Builder {

    Builder() {}

    /**
     * Sets the query stub for agent executions.
     *
     * @param agentStub the stub
     * @return this builder
     */
    public abstract Builder setAgentStub(AgentExecutionQueryControllerBlockingStub agentStub);

    /**
     * Sets the query stub for workflow executions.
     *
     * @param workflowStub the stub
     * @return this builder
     */
    public abstract Builder setWorkflowStub(
        WorkflowExecutionQueryControllerBlockingStub workflowStub);

    /**
     * Sets the wait after the first non-terminal answer (default 500 ms).
     *
     * @param initialInterval a positive duration
     * @return this builder
     */
    public abstract Builder setInitialInterval(Duration initialInterval);

    /**
     * Sets the longest wait between two calls (default 10 s).
     *
     * @param maximumInterval a positive duration
     * @return this builder
     */
    public abstract Builder setMaximumInterval(Duration maximumInterval);

    /**
     * Sets the growth of the wait (default 2.0).
     *
     * @param backoffCoefficient at least 1.0
     * @return this builder
     */
    public abstract Builder setBackoffCoefficient(double backoffCoefficient);

    /**
     * Sets the deadline of one {@code get} call (default 30 s).
     *
     * @param callTimeout a positive duration
     * @return this builder
     */
    public abstract Builder setCallTimeout(Duration callTimeout);

    /**
     * Builds the activity implementation.
     *
     * @return the implementation
     * @throws IllegalStateException if neither stub is set, or the maximum interval is shorter
     *     than the initial one
     * @throws IllegalArgumentException if a duration is not positive or the backoff is below 1
     */
    public abstract GetExecutionActivityImpl build();
  }
}
