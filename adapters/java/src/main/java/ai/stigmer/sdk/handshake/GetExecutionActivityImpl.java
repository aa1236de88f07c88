package ai.stigmer.sdk.handshake;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionId;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryControllerGrpc.AgentExecutionQueryControllerBlockingStub;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryControllerGrpc.WorkflowExecutionQueryControllerBlockingStub;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.StatusRuntimeException;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.api.common.v1.Payload;
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
 * interval (200 ms), growing by the backoff coefficient (2.0) up to the maximum interval (10 s),
 * heartbeating before each wait (so a heartbeat timeout detects a lost worker and a cancellation
 * reaches it). A transient gRPC failure ({@link StigmerHandshake#isRetryable}) is retried in the
 * same way; a permanent one (NOT_FOUND, PERMISSION_DENIED, ...) fails the activity with a
 * non-retryable {@value HandshakeFailureTypes#GET_EXECUTION_FAILED}.
 */
public final class GetExecutionActivityImpl implements GetExecutionActivity {

  private static final Logger log = LoggerFactory.getLogger(GetExecutionActivityImpl.class);

  /** Default wait after the first non-terminal answer: 200 ms. */
  public static final Duration DEFAULT_INITIAL_INTERVAL = Duration.ofMillis(200);

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

  private GetExecutionActivityImpl(Builder builder) {
    this.agents = builder.agents;
    this.workflows = builder.workflows;
    this.initialInterval = builder.initialInterval;
    this.maximumInterval = builder.maximumInterval;
    this.backoffCoefficient = builder.backoffCoefficient;
    this.callTimeout = builder.callTimeout;
  }

  /**
   * Returns a builder; set at least the stub of the kinds you start.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  @Override
  public RawValue getExecution(RawValue execution) {
    Objects.requireNonNull(execution, "execution");
    Payload payload = execution.getPayload();
    String type = payload.getMetadataOrDefault(PayloadTypeRegistry.MESSAGE_TYPE_KEY,
        com.google.protobuf.ByteString.EMPTY).toStringUtf8();
    Message delivered;
    try {
      if (type.equals(AgentExecution.getDescriptor().getFullName())) {
        delivered = AgentExecution.parseFrom(payload.getData());
      } else if (type.equals(WorkflowExecution.getDescriptor().getFullName())) {
        delivered = WorkflowExecution.parseFrom(payload.getData());
      } else {
        throw invalid("the input is not a binary/protobuf AgentExecution or WorkflowExecution: "
            + (type.isEmpty() ? "no messageType" : type));
      }
    } catch (InvalidProtocolBufferException e) {
      throw invalid("the input does not decode as " + type + ": " + e.getMessage());
    }
    return new RawValue(PayloadTypeRegistry.binaryPayload(poll(delivered)));
  }

  private Message poll(Message delivered) {
    String id = WorkflowHandshake.executionId(delivered);
    if (id.isEmpty()) {
      throw invalid("the delivered execution has no metadata.id");
    }
    boolean agent = delivered instanceof AgentExecution;
    if (agent ? agents == null : workflows == null) {
      throw invalid(
          "no " + (agent ? "agent" : "workflow") + " query stub configured on "
              + "GetExecutionActivityImpl");
    }
    ActivityExecutionContext context = Activity.getExecutionContext();
    Duration wait = initialInterval;
    for (int call = 1; ; call++) {
      try {
        Message current = agent ? getAgent(id) : getWorkflow(id);
        if (WorkflowHandshake.isTerminal(current)) {
          log.info(
              "Fetched the terminal execution: execution_id={}, phase={}, calls={}",
              id,
              WorkflowHandshake.phase(current),
              call);
          return current;
        }
      } catch (StatusRuntimeException e) {
        ApplicationFailure failure = StigmerHandshake.createFailed(e);
        if (failure.isNonRetryable()) {
          ApplicationFailure permanent =
              ApplicationFailure.newNonRetryableFailure(
                  failure.getOriginalMessage(), HandshakeFailureTypes.GET_EXECUTION_FAILED);
          permanent.setStackTrace(new StackTraceElement[0]);
          throw permanent;
        }
        log.warn(
            "Failed to get the execution, retrying: execution_id={}, error={}",
            id,
            failure.getOriginalMessage());
      }
      // Throws ActivityCompletionException when the caller's workflow cancels this activity.
      context.heartbeat(call);
      sleep(wait);
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

  private static void sleep(Duration wait) {
    try {
      Thread.sleep(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the execution to end", e);
    }
  }

  private static ApplicationFailure invalid(String message) {
    ApplicationFailure failure =
        ApplicationFailure.newNonRetryableFailure(
            message, HandshakeFailureTypes.GET_EXECUTION_FAILED);
    failure.setStackTrace(new StackTraceElement[0]);
    return failure;
  }

  /** Builder of {@link GetExecutionActivityImpl}. Not thread-safe. */
  public static final class Builder {
    private AgentExecutionQueryControllerBlockingStub agents;
    private WorkflowExecutionQueryControllerBlockingStub workflows;
    private Duration initialInterval = DEFAULT_INITIAL_INTERVAL;
    private Duration maximumInterval = DEFAULT_MAXIMUM_INTERVAL;
    private double backoffCoefficient = DEFAULT_BACKOFF_COEFFICIENT;
    private Duration callTimeout = DEFAULT_CALL_TIMEOUT;

    private Builder() {}

    /**
     * Sets the query stub for agent executions.
     *
     * @param agents the stub
     * @return this builder
     */
    public Builder setAgentStub(AgentExecutionQueryControllerBlockingStub agents) {
      this.agents = Objects.requireNonNull(agents, "agents");
      return this;
    }

    /**
     * Sets the query stub for workflow executions.
     *
     * @param workflows the stub
     * @return this builder
     */
    public Builder setWorkflowStub(WorkflowExecutionQueryControllerBlockingStub workflows) {
      this.workflows = Objects.requireNonNull(workflows, "workflows");
      return this;
    }

    /**
     * Sets the wait after the first non-terminal answer (default 200 ms).
     *
     * @param initialInterval a positive duration
     * @return this builder
     */
    public Builder setInitialInterval(Duration initialInterval) {
      this.initialInterval = positive(initialInterval, "initialInterval");
      return this;
    }

    /**
     * Sets the longest wait between two calls (default 10 s).
     *
     * @param maximumInterval a positive duration
     * @return this builder
     */
    public Builder setMaximumInterval(Duration maximumInterval) {
      this.maximumInterval = positive(maximumInterval, "maximumInterval");
      return this;
    }

    /**
     * Sets the growth of the wait (default 2.0).
     *
     * @param backoffCoefficient at least 1.0
     * @return this builder
     */
    public Builder setBackoffCoefficient(double backoffCoefficient) {
      if (!(backoffCoefficient >= 1.0)) {
        throw new IllegalArgumentException("backoffCoefficient must be >= 1: " + backoffCoefficient);
      }
      this.backoffCoefficient = backoffCoefficient;
      return this;
    }

    /**
     * Sets the deadline of one {@code get} call (default 30 s).
     *
     * @param callTimeout a positive duration
     * @return this builder
     */
    public Builder setCallTimeout(Duration callTimeout) {
      this.callTimeout = positive(callTimeout, "callTimeout");
      return this;
    }

    /**
     * Builds the activity implementation.
     *
     * @return the implementation
     * @throws IllegalStateException if neither stub is set
     */
    public GetExecutionActivityImpl build() {
      if (agents == null && workflows == null) {
        throw new IllegalStateException("set the agent stub, the workflow stub or both");
      }
      if (maximumInterval.compareTo(initialInterval) < 0) {
        throw new IllegalStateException("maximumInterval is shorter than initialInterval");
      }
      return new GetExecutionActivityImpl(this);
    }

    private static Duration positive(Duration value, String name) {
      Objects.requireNonNull(value, name);
      if (value.isZero() || value.isNegative()) {
        throw new IllegalArgumentException(name + " must be positive: " + value);
      }
      return value;
    }
  }
}
