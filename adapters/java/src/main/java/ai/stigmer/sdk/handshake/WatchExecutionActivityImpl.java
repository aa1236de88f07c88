package ai.stigmer.sdk.handshake;

import ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryControllerGrpc;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryControllerGrpc;
import ai.stigmer.sdk.contract.Contract;
import ai.stigmer.sdk.v1.ExecutionKind;
import ai.stigmer.sdk.v1.GetExecutionInput;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
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
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The implementation of {@value WatchExecutionActivity#WATCH_EXECUTION}: finds the execution of the
 * workflow's pending handshake (the heartbeat details its activity recorded: a {@code
 * GetExecutionInput} as {@code binary/protobuf}), then polls {@code get} as {@link
 * GetExecutionActivityImpl} does, from {@link #DEFAULT_INITIAL_INTERVAL} doubling up to {@link
 * #DEFAULT_MAXIMUM_INTERVAL}. The input names the handshake by its activity id ({@code json/plain}
 * {@code {"activity_id", "kind"}}, as in Go and Python); when that activity is no longer pending it
 * fails with {@value HandshakeFailureTypes#GET_EXECUTION_FAILED} and the workflow then just waits
 * for its handshake.
 */
public final class WatchExecutionActivityImpl implements WatchExecutionActivity {

  /** First wait between two {@code get} calls: 5 s. */
  public static final Duration DEFAULT_INITIAL_INTERVAL =
      Contract.RETRY_WATCH_EXECUTION_POLL.initialInterval();

  /** Longest wait between two {@code get} calls: 30 s. */
  public static final Duration DEFAULT_MAXIMUM_INTERVAL =
      Contract.RETRY_WATCH_EXECUTION_POLL.maximumInterval();

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
  public RawValue watchExecution(RawValue input) {
    Objects.requireNonNull(input, "input");
    WatchInput watched = WatchInput.fromPayload(input.getPayload());
    GetExecutionInput target =
        watched.activityId.isEmpty()
            ? findPendingHandshake(watched.kind)
            : findPendingHandshake(watched.activityId);
    return poller.getExecution(target);
  }

  /**
   * The {@code json/plain} input of {@value WatchExecutionActivity#WATCH_EXECUTION}, as Go's {@code
   * WatchInput} and Python's {@code WatchInput} write it: {@code {"activity_id", "kind"}}.
   */
  static final class WatchInput {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    final String activityId;
    final ExecutionKind kind;

    WatchInput(String activityId, ExecutionKind kind) {
      this.activityId = activityId;
      this.kind = kind;
    }

    /** The payload: {@code json/plain} {@code {"activity_id": ..., "kind": <number>}}. */
    Payload toPayload() {
      ObjectNode node = MAPPER.createObjectNode();
      node.put("activity_id", activityId);
      node.put("kind", kind.getNumber());
      return Payload.newBuilder()
          .putMetadata(
              PayloadTypeRegistry.ENCODING_KEY, ByteString.copyFromUtf8(Contract.PAYLOAD_JSON_PLAIN))
          .setData(ByteString.copyFromUtf8(node.toString()))
          .build();
    }

    static WatchInput fromPayload(Payload payload) {
      try {
        JsonNode node = MAPPER.readTree(payload.getData().toByteArray());
        if (node == null || !node.isObject()) {
          throw invalid("not a JSON object");
        }
        ExecutionKind kind = ExecutionKind.forNumber(node.path("kind").asInt(0));
        if (kind == null || kind == ExecutionKind.EXECUTION_KIND_UNSPECIFIED) {
          throw invalid("no known kind");
        }
        return new WatchInput(node.path("activity_id").asText(""), kind);
      } catch (IOException e) {
        throw invalid(e.getMessage());
      }
    }

    private static ApplicationFailure invalid(String why) {
      return watchFailed("the watch input is not {\"activity_id\", \"kind\"}: " + why);
    }
  }

  /**
   * Waits until the handshake activity {@code activityId} of this workflow has recorded its
   * execution, and returns it; fails with {@value HandshakeFailureTypes#GET_EXECUTION_FAILED} when
   * that activity is no longer pending (as Go and Python do).
   */
  private GetExecutionInput findPendingHandshake(String activityId) {
    return pollPendingActivities(
        pendings -> {
          boolean pendingSeen = false;
          for (PendingActivityInfo pending : pendings) {
            if (!pending.getActivityId().equals(activityId)) {
              continue;
            }
            pendingSeen = true;
            GetExecutionInput recorded = recordedExecution(pending);
            if (recorded != null) {
              return recorded;
            }
          }
          if (!pendingSeen) {
            throw watchFailed("the handshake activity " + activityId + " is no longer pending");
          }
          return null;
        });
  }

  /**
   * Without an activity id (a Java caller whose worker lacks {@link StigmerPlugin}'s interceptor):
   * waits until the workflow's only pending handshake of that kind has recorded its execution.
   * With several, it cannot tell them apart and fails with {@value
   * HandshakeFailureTypes#GET_EXECUTION_FAILED}.
   */
  private GetExecutionInput findPendingHandshake(ExecutionKind kind) {
    return pollPendingActivities(
        pendings -> {
          List<GetExecutionInput> found = new ArrayList<>();
          for (PendingActivityInfo pending : pendings) {
            GetExecutionInput recorded = recordedExecution(pending);
            if (recorded != null && recorded.getKind() == kind) {
              found.add(recorded);
            }
          }
          if (found.size() > 1) {
            throw watchFailed(
                "several pending handshakes in this workflow: cannot tell which one to watch");
          }
          return found.isEmpty() ? null : found.get(0);
        });
  }

  /**
   * Reads the workflow's pending activities until {@code lookup} finds the execution in them (it
   * returns {@code null} to wait longer, or throws), heartbeating and backing off in between.
   */
  private GetExecutionInput pollPendingActivities(
      Function<List<PendingActivityInfo>, GetExecutionInput> lookup) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    Duration wait = initialInterval;
    while (true) {
      GetExecutionInput found = lookup.apply(pendingActivities(context));
      if (found != null) {
        return found;
      }
      // Throws ActivityCompletionException when the workflow cancels the watch.
      context.heartbeat(null);
      GetExecutionActivityImpl.sleep(wait, "watching the execution");
      wait = next(wait);
    }
  }

  /** The watch's non-retryable failure, {@code "stigmer: <why>"}. */
  private static ApplicationFailure watchFailed(String why) {
    return ApplicationFailures.nonRetryable(
        "stigmer: " + why, HandshakeFailureTypes.GET_EXECUTION_FAILED);
  }

  private Duration next(Duration wait) {
    Duration doubled = wait.multipliedBy(2);
    return doubled.compareTo(maximumInterval) > 0 ? maximumInterval : doubled;
  }

  static List<PendingActivityInfo> pendingActivities(ActivityExecutionContext context) {
    ActivityInfo info = context.getInfo();
    return context
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
        .getPendingActivitiesList();
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
                PayloadTypeRegistry.MESSAGE_TYPE_KEY, ByteString.EMPTY)
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
