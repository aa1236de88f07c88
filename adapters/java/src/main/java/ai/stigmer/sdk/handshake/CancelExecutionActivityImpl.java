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
 * the workflow's pending handshake as {@link WatchExecutionActivityImpl} does (waiting while the
 * handshake has not recorded it yet; nothing to do when the handshake is no longer pending), then
 * calls {@code cancel} on the service.
 *
 * <p>A service without {@code cancel} (the deployed one answers UNIMPLEMENTED) is logged once at
 * WARNING and the activity returns normally: the service's relay remains what cancels the
 * execution. NOT_FOUND, PERMISSION_DENIED and INVALID_ARGUMENT fail it with the non-retryable
 * {@value HandshakeFailureTypes#CANCEL_FAILED}; any other code is retried with the contract's
 * backoff (1 s doubling up to 10 s) within the attempt, then fails it with the retryable one.
 */
public final class CancelExecutionActivityImpl implements CancelExecutionActivity {

  private static final Logger log = LoggerFactory.getLogger(CancelExecutionActivityImpl.class);

  /** Bound of one {@code cancel} (and {@code DescribeWorkflowExecution}) call: 30 s. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Contract.TIMEOUT_GET;

  private final AgentExecutionCommandControllerGrpc.AgentExecutionCommandControllerBlockingStub
      agents;
  private final WorkflowExecutionCommandControllerGrpc.WorkflowExecutionCommandControllerBlockingStub
      workflows;
  private final Duration initialInterval;
  private final Duration maximumInterval;
  private final AtomicBoolean unimplementedLogged = new AtomicBoolean();

  private CancelExecutionActivityImpl(Builder builder) {
    this.agents = AgentExecutionCommandControllerGrpc.newBlockingStub(builder.channel);
    this.workflows = WorkflowExecutionCommandControllerGrpc.newBlockingStub(builder.channel);
    this.initialInterval = builder.initialInterval;
    this.maximumInterval = builder.maximumInterval;
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
    Duration wait = initialInterval;
    while (true) {
      Status.Code code;
      String message;
      try {
        cancel(execution.getKind(), id);
        KeyValueLog.info(log, "Cancelled the execution", "execution_id", id);
        return;
      } catch (StatusRuntimeException e) {
        code = e.getStatus().getCode();
        message = e.getStatus().getDescription();
      }
      if (code == Status.Code.UNIMPLEMENTED) {
        if (!unimplementedLogged.getAndSet(true)) {
          KeyValueLog.warn(
              log,
              "The Stigmer service does not implement cancel; its relay cancels the execution",
              "execution_id",
              id);
        }
        return;
      }
      String failureMessage = "cancel " + id + ": " + code.name() + ": " + message;
      if (code == Status.Code.NOT_FOUND
          || code == Status.Code.PERMISSION_DENIED
          || code == Status.Code.INVALID_ARGUMENT) {
        throw failure(ApplicationFailure.newNonRetryableFailure(failureMessage, CANCEL_FAILED));
      }
      // The contract's retry policy does not retry the failure type, so any other code is retried
      // here, with its backoff, while the attempt's start-to-close timeout allows.
      if (remaining(context).compareTo(wait.multipliedBy(2)) < 0) {
        throw failure(ApplicationFailure.newFailure(failureMessage, CANCEL_FAILED));
      }
      KeyValueLog.warn(
          log, "Cancel of the execution failed, retrying", "execution_id", id, "code", code.name());
      sleep(wait);
      wait = next(wait);
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
   * pending handshake of the kind), waiting while it has recorded none; null when no such
   * handshake is pending any more, or none recorded its execution within the attempt.
   */
  private GetExecutionInput findPendingHandshake(
      ActivityExecutionContext context, WatchExecutionActivityImpl.WatchInput target) {
    Duration wait = initialInterval;
    while (true) {
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
        if (found.size() == 1) {
          return found.get(0);
        }
        if (found.size() > 1) {
          throw failure(
              ApplicationFailure.newNonRetryableFailure(
                  "stigmer: several pending handshakes in this workflow: cannot tell which one to"
                      + " cancel",
                  CANCEL_FAILED));
        }
      } else if (!pendingSeen) {
        return null;
      }
      if (remaining(context).compareTo(wait.multipliedBy(2)) < 0) {
        return null; // nothing recorded in time: the relay remains
      }
      sleep(wait);
      wait = next(wait);
    }
  }

  private static Duration remaining(ActivityExecutionContext context) {
    long startToClose = context.getInfo().getStartToCloseTimeout().toMillis();
    if (startToClose <= 0) {
      return Duration.ofDays(1);
    }
    long elapsed = System.currentTimeMillis() - context.getInfo().getCurrentAttemptScheduledTimestamp();
    return Duration.ofMillis(startToClose - elapsed);
  }

  private Duration next(Duration wait) {
    Duration doubled = wait.multipliedBy(2);
    return doubled.compareTo(maximumInterval) > 0 ? maximumInterval : doubled;
  }

  private static ApplicationFailure failure(ApplicationFailure failure) {
    failure.setStackTrace(new StackTraceElement[0]);
    return failure;
  }

  private static void sleep(Duration wait) {
    try {
      Thread.sleep(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while cancelling the execution", e);
    }
  }

  /** Settings of the cancel activity. Not thread-safe. */
  public static final class Builder {
    private Channel channel;
    private Duration initialInterval = Contract.RETRY_CANCEL_EXECUTION.initialInterval();
    private Duration maximumInterval = Contract.RETRY_CANCEL_EXECUTION.maximumInterval();

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
     * Sets the backoff between two looks for the pending handshake and two {@code cancel} calls
     * after a transient failure: from {@code initial}, doubling, capped at {@code maximum}; the
     * contract's 1 s and 10 s by default.
     *
     * @param initial the first wait
     * @param maximum the longest wait
     * @return this builder
     */
    public Builder setBackoff(Duration initial, Duration maximum) {
      this.initialInterval = Objects.requireNonNull(initial, "initial");
      this.maximumInterval = Objects.requireNonNull(maximum, "maximum");
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
