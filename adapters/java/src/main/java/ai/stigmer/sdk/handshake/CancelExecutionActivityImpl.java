package ai.stigmer.sdk.handshake;

import ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandControllerGrpc;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionId;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandControllerGrpc;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId;
import ai.stigmer.sdk.contract.Contract;
import ai.stigmer.sdk.v1.ExecutionKind;
import ai.stigmer.sdk.v1.GetExecutionInput;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.common.converter.RawValue;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The implementation of {@value CancelExecutionActivity#CANCEL_EXECUTION}: finds the execution of
 * the workflow's pending handshake as {@link WatchExecutionActivityImpl} does (nothing to do when
 * the handshake is no longer pending; a retryable failure when it has not recorded its execution
 * yet, so that the next attempt finds it), then calls {@code cancel} on the service.
 *
 * <p>A service without {@code cancel} (the deployed one answers UNIMPLEMENTED) is logged once per
 * process at WARNING and the activity returns normally: the handshake's own cancellation is all
 * that reaches it. NOT_FOUND, PERMISSION_DENIED and INVALID_ARGUMENT fail it with the non-retryable
 * {@value HandshakeFailureTypes#CANCEL_FAILED}; any other error with a retryable failure without a
 * type (the contract's retry policy retries it).
 */
public final class CancelExecutionActivityImpl implements CancelExecutionActivity {

  private static final Logger log = LoggerFactory.getLogger(CancelExecutionActivityImpl.class);

  /** Bound of one {@code cancel} (and {@code DescribeWorkflowExecution}) call: 30 s. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Contract.TIMEOUT_GET;

  private final AgentExecutionCommandControllerGrpc.AgentExecutionCommandControllerBlockingStub
      agents;
  private final WorkflowExecutionCommandControllerGrpc.WorkflowExecutionCommandControllerBlockingStub
      workflows;
  /** The service's UNIMPLEMENTED is logged once per process. */
  private static final AtomicBoolean UNIMPLEMENTED_LOGGED = new AtomicBoolean();

  private CancelExecutionActivityImpl(Builder builder) {
    this.agents = AgentExecutionCommandControllerGrpc.newBlockingStub(builder.channel);
    this.workflows = WorkflowExecutionCommandControllerGrpc.newBlockingStub(builder.channel);
  }

  /**
   * Returns a builder; set the channel.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  @Override
  public void cancelExecution(RawValue input) {
    Objects.requireNonNull(input, "input");
    WatchExecutionActivityImpl.WatchInput target =
        WatchExecutionActivityImpl.WatchInput.fromPayload(input.getPayload());
    ActivityExecutionContext context = Activity.getExecutionContext();
    GetExecutionInput execution = findPendingHandshake(context, target);
    if (execution == null) {
      KeyValueLog.info(
          log,
          "The handshake is no longer pending, nothing to cancel",
          "activity_id",
          target.activityId);
      return;
    }
    String id = execution.getExecutionId();
    KeyValueLog.info(
        log,
        Contract.LOG_CANCEL_REQUESTED.message(),
        "execution_id",
        id,
        "activity_id",
        target.activityId);
    try {
      cancel(execution.getKind(), id);
      return;
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code == Status.Code.UNIMPLEMENTED) {
        if (!UNIMPLEMENTED_LOGGED.getAndSet(true)) {
          KeyValueLog.warn(
              log, Contract.LOG_CANCEL_UNIMPLEMENTED.message(), "execution_id", id, "code", code.name());
        }
        return;
      }
      String message = "cancel " + id + ": " + code.name() + ": " + e.getStatus().getDescription();
      if (code == Status.Code.NOT_FOUND
          || code == Status.Code.PERMISSION_DENIED
          || code == Status.Code.INVALID_ARGUMENT) {
        throw failure(ApplicationFailure.newNonRetryableFailure(message, CANCEL_FAILED));
      }
      throw failure(ApplicationFailure.newFailure(message, null));
    }
  }

  private static final String CANCEL_FAILED = HandshakeFailureTypes.CANCEL_FAILED;

  private void cancel(ExecutionKind kind, String id) {
    if (kind == ExecutionKind.EXECUTION_KIND_WORKFLOW) {
      workflows
          .withDeadlineAfter(DEFAULT_CALL_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS)
          .cancel(WorkflowExecutionId.newBuilder().setValue(id).build());
    } else {
      agents
          .withDeadlineAfter(DEFAULT_CALL_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS)
          .cancel(AgentExecutionId.newBuilder().setValue(id).build());
    }
  }

  /**
   * The execution the pending handshake recorded (by its activity id, or without one the only
   * pending handshake of the kind); null when no such handshake is pending any more. A pending
   * handshake that has not recorded its execution yet fails the attempt retryably, so that the
   * next one finds it.
   */
  private static GetExecutionInput findPendingHandshake(
      ActivityExecutionContext context, WatchExecutionActivityImpl.WatchInput target) {
    boolean pendingSeen = false;
    List<GetExecutionInput> found = new ArrayList<>();
    for (PendingActivityInfo pending : WatchExecutionActivityImpl.pendingActivities(context)) {
      GetExecutionInput recorded = WatchExecutionActivityImpl.recordedExecution(pending);
      if (target.activityId.isEmpty()) {
        if (recorded != null && recorded.getKind() == target.kind) {
          found.add(recorded);
        }
      } else if (pending.getActivityId().equals(target.activityId)) {
        pendingSeen = true;
        if (recorded != null) {
          return recorded;
        }
      }
    }
    if (target.activityId.isEmpty()) {
      if (found.size() > 1) {
        throw failure(
            ApplicationFailure.newNonRetryableFailure(
                "stigmer: several pending handshakes in this workflow: cannot tell which one to"
                    + " cancel",
                CANCEL_FAILED));
      }
      return found.isEmpty() ? null : found.get(0);
    }
    if (!pendingSeen) {
      return null;
    }
    throw failure(
        ApplicationFailure.newFailure(
            "stigmer: the handshake activity "
                + target.activityId
                + " has not recorded its execution yet",
            null));
  }

  private static ApplicationFailure failure(ApplicationFailure failure) {
    return ApplicationFailures.withoutStackTrace(failure);
  }

  /** Settings of the cancel activity. Not thread-safe. */
  public static final class Builder {
    private Channel channel;

    private Builder() {}

    /**
     * Sets the channel to the Stigmer service (both kinds' command stubs).
     *
     * @param channel the channel
     * @return this builder
     */
    public Builder setChannel(Channel channel) {
      this.channel = Objects.requireNonNull(channel, "channel");
      return this;
    }

    /**
     * Builds the activity implementation.
     *
     * @return the implementation
     * @throws IllegalStateException if no channel was set
     */
    public CancelExecutionActivityImpl build() {
      if (channel == null) {
        throw new IllegalStateException("set the channel to the Stigmer service");
      }
      return new CancelExecutionActivityImpl(this);
    }
  }
}
