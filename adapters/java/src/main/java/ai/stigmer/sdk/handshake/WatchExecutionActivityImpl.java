package ai.stigmer.sdk.handshake;

import ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryControllerGrpc;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryControllerGrpc;
import ai.stigmer.sdk.v1.GetExecutionInput;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Channel;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.common.converter.RawValue;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The implementation of {@value WatchExecutionActivity#WATCH_EXECUTION}: finds the execution of the
 * workflow's pending handshake (the heartbeat details its activity recorded: a {@code
 * GetExecutionInput} as {@code binary/protobuf}), then polls {@code get} as {@link
 * GetExecutionActivityImpl} does, from {@link #DEFAULT_INITIAL_INTERVAL} doubling up to {@link
 * #DEFAULT_MAXIMUM_INTERVAL}. When the workflow has several pending handshakes of that kind, it
 * cannot tell them apart and fails with {@value HandshakeFailureTypes#GET_EXECUTION_FAILED}; the
 * workflow then just waits for its handshake.
 */
public final class WatchExecutionActivityImpl implements WatchExecutionActivity {

  /** First wait between two {@code get} calls: 5 s. */
  public static final Duration DEFAULT_INITIAL_INTERVAL = Duration.ofSeconds(5);

  /** Longest wait between two {@code get} calls: 30 s. */
  public static final Duration DEFAULT_MAXIMUM_INTERVAL = Duration.ofSeconds(30);

  private final GetExecutionActivityImpl poller;
  private final Duration initialInterval;
  private final Duration maximumInterval;

  private WatchExecutionActivityImpl(Builder builder) {
    this.poller = builder.poller.build();
    this.initialInterval = builder.initialInterval;
    this.maximumInterval = builder.maximumInterval;
  }

  /**
   * Returns a builder; set the channel (or the stubs).
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  @Override
  public RawValue watchExecution(GetExecutionInput input) {
    Objects.requireNonNull(input, "input");
    GetExecutionInput target =
        input.getExecutionId().isEmpty() ? findPendingHandshake(input) : input;
    return poller.getExecution(target);
  }

  /** Waits until the workflow's pending handshake has recorded its execution, and returns it. */
  private GetExecutionInput findPendingHandshake(GetExecutionInput input) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    ActivityInfo info = context.getInfo();
    Duration wait = initialInterval;
    while (true) {
      List<GetExecutionInput> found = new ArrayList<>();
      for (PendingActivityInfo pending :
          context
              .getWorkflowClient()
              .getWorkflowServiceStubs()
              .blockingStub()
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(info.getNamespace())
                      .setExecution(
                          WorkflowExecution.newBuilder()
                              .setWorkflowId(info.getWorkflowId())
                              .setRunId(info.getRunId()))
                      .build())
              .getPendingActivitiesList()) {
        GetExecutionInput recorded = recordedExecution(pending);
        if (recorded != null && recorded.getKind() == input.getKind()) {
          found.add(recorded);
        }
      }
      if (found.size() == 1) {
        return found.get(0);
      }
      if (found.size() > 1) {
        ApplicationFailure failure =
            ApplicationFailure.newNonRetryableFailure(
                "several pending handshakes in this workflow: cannot tell which one to watch",
                HandshakeFailureTypes.GET_EXECUTION_FAILED);
        failure.setStackTrace(new StackTraceElement[0]);
        throw failure;
      }
      // Throws ActivityCompletionException when the workflow cancels the watch.
      context.heartbeat(null);
      sleep(wait);
      wait = wait.multipliedBy(2).compareTo(maximumInterval) > 0 ? maximumInterval : wait.multipliedBy(2);
    }
  }

  /** The execution a handshake activity recorded in its heartbeat details, or null. */
  static GetExecutionInput recordedExecution(PendingActivityInfo pending) {
    if (!pending.hasHeartbeatDetails() || pending.getHeartbeatDetails().getPayloadsCount() == 0) {
      return null;
    }
    Payload payload = pending.getHeartbeatDetails().getPayloads(0);
    String type =
        payload
            .getMetadataOrDefault(
                PayloadTypeRegistry.MESSAGE_TYPE_KEY, com.google.protobuf.ByteString.EMPTY)
            .toStringUtf8();
    if (!type.equals(GetExecutionInput.getDescriptor().getFullName())) {
      return null;
    }
    try {
      GetExecutionInput recorded = GetExecutionInput.parseFrom(payload.getData());
      return recorded.getExecutionId().isEmpty() ? null : recorded;
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  private static void sleep(Duration wait) {
    try {
      Thread.sleep(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while watching the execution", e);
    }
  }

  /** Settings of the watcher. Not thread-safe. */
  public static final class Builder {
    private final GetExecutionActivityImpl.Builder poller =
        GetExecutionActivityImpl.newBuilder()
            .setInitialInterval(DEFAULT_INITIAL_INTERVAL)
            .setMaximumInterval(DEFAULT_MAXIMUM_INTERVAL);
    private Duration initialInterval = DEFAULT_INITIAL_INTERVAL;
    private Duration maximumInterval = DEFAULT_MAXIMUM_INTERVAL;

    private Builder() {}

    /**
     * Sets the channel to the Stigmer service (both kinds' query stubs).
     *
     * @param channel the channel
     * @return this builder
     */
    public Builder setChannel(Channel channel) {
      Objects.requireNonNull(channel, "channel");
      poller
          .setAgentStub(AgentExecutionQueryControllerGrpc.newBlockingStub(channel))
          .setWorkflowStub(WorkflowExecutionQueryControllerGrpc.newBlockingStub(channel));
      return this;
    }

    /**
     * Sets the backoff between two {@code get} calls (and two looks for the pending handshake):
     * from {@code initial}, doubling, capped at {@code maximum}; 5 s and 30 s by default.
     *
     * @param initial the first wait
     * @param maximum the longest wait
     * @return this builder
     */
    public Builder setBackoff(Duration initial, Duration maximum) {
      poller.setInitialInterval(initial).setMaximumInterval(maximum);
      this.initialInterval = initial;
      this.maximumInterval = maximum;
      return this;
    }

    /**
     * Builds the activity implementation.
     *
     * @return the implementation
     * @throws IllegalStateException if no channel was set
     */
    public WatchExecutionActivityImpl build() {
      return new WatchExecutionActivityImpl(this);
    }
  }
}
