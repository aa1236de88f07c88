package ai.stigmer.sdk.handshake;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.sdk.contract.Contract;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptor;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkflowOutboundCallsInterceptor;
import io.temporal.common.interceptors.WorkflowOutboundCallsInterceptorBase;
import io.temporal.workflow.WorkflowLocal;
import java.time.Duration;

/**
 * Tells {@link WorkflowHandshake#executeToTerminal} the activity id of the handshake activity it
 * schedules through the caller's stub, so that {@value WatchExecutionActivity#WATCH_EXECUTION} can
 * name it as Go and Python do ({@code {"activity_id", "kind"}}): a worker interceptor ({@link
 * StigmerPlugin} installs it) that reports the id Temporal gave the activity (Java's activity
 * options cannot set one).
 *
 * <p>Without the interceptor the id stays unknown (empty in the watch's input): a Java watch then
 * finds the handshake by kind; a Go or Python watch cannot, and the workflow just waits for the
 * handshake.
 */
public final class HandshakeActivityIds {

  /** The first activity scheduled while {@link #schedule} runs: its id, and whether to opt out. */
  private static final WorkflowLocal<Slot> SLOT = WorkflowLocal.withCachedInitial(() -> null);

  private static final class Slot {
    final boolean optOutOfRelay;
    String id;

    Slot(boolean optOutOfRelay) {
      this.optOutOfRelay = optOutOfRelay;
    }
  }

  private HandshakeActivityIds() {}

  /**
   * Runs {@code schedule}, which schedules one activity, and returns the id Temporal gave that
   * activity, or empty when no interceptor saw it.
   */
  static String schedule(Runnable schedule) {
    return schedule(schedule, false);
  }

  /**
   * As {@link #schedule(Runnable)}; with {@code optOutOfRelay}, the interceptor also puts the
   * annotation {@value ai.stigmer.sdk.contract.Contract#ANNOTATION_CALLER_HEARTBEATS}: {@value
   * ai.stigmer.sdk.contract.Contract#CALLER_HEARTBEATS_NONE} into a copy of the activity's
   * execution request (pushed cancellation: the service then relays no heartbeats to this caller),
   * unless the activity has a heartbeat timeout (the relay's heartbeats keep it alive) or the
   * request already carries the annotation. Only the interceptor sees the activity's options:
   * without it, the request is sent as it is.
   */
  static String schedule(Runnable schedule, boolean optOutOfRelay) {
    Slot slot = new Slot(optOutOfRelay);
    SLOT.set(slot);
    try {
      schedule.run();
    } finally {
      SLOT.set(null);
    }
    return slot.id == null ? "" : slot.id;
  }

  /** The input with its execution request opted out of the relay, when it should be. */
  private static <R> WorkflowOutboundCallsInterceptor.ActivityInput<R> optedOutOfRelay(
      WorkflowOutboundCallsInterceptor.ActivityInput<R> input) {
    ActivityOptions options = input.getOptions();
    Duration heartbeat = options == null ? null : options.getHeartbeatTimeout();
    Object[] args = input.getArgs();
    if ((heartbeat != null && !heartbeat.isZero()) || args == null || args.length != 1) {
      return input;
    }
    Object request = args[0];
    Object optedOut = request;
    String key = Contract.ANNOTATION_CALLER_HEARTBEATS;
    if (request instanceof AgentExecution
        && !((AgentExecution) request).getMetadata().containsAnnotations(key)) {
      AgentExecution.Builder builder = ((AgentExecution) request).toBuilder();
      builder.getMetadataBuilder().putAnnotations(key, Contract.CALLER_HEARTBEATS_NONE);
      optedOut = builder.build();
    } else if (request instanceof WorkflowExecution
        && !((WorkflowExecution) request).getMetadata().containsAnnotations(key)) {
      WorkflowExecution.Builder builder = ((WorkflowExecution) request).toBuilder();
      builder.getMetadataBuilder().putAnnotations(key, Contract.CALLER_HEARTBEATS_NONE);
      optedOut = builder.build();
    }
    if (optedOut == request) {
      return input;
    }
    return new WorkflowOutboundCallsInterceptor.ActivityInput<>(
        input.getActivityName(),
        input.getResultClass(),
        input.getResultType(),
        new Object[] {optedOut},
        options,
        input.getHeader());
  }

  /**
   * The interceptor, to add to the caller's worker ({@link StigmerPlugin} does).
   *
   * @return the worker interceptor
   */
  public static WorkerInterceptor workerInterceptor() {
    return new WorkerInterceptorBase() {
      @Override
      public WorkflowInboundCallsInterceptor interceptWorkflow(
          WorkflowInboundCallsInterceptor next) {
        return new WorkflowInboundCallsInterceptorBase(next) {
          @Override
          public void init(WorkflowOutboundCallsInterceptor outboundCalls) {
            super.init(new Outbound(outboundCalls));
          }
        };
      }
    };
  }

  private static final class Outbound extends WorkflowOutboundCallsInterceptorBase {
    Outbound(WorkflowOutboundCallsInterceptor next) {
      super(next);
    }

    @Override
    public <R> ActivityOutput<R> executeActivity(ActivityInput<R> input) {
      Slot slot = SLOT.get();
      if (slot != null && slot.id == null && slot.optOutOfRelay) {
        input = optedOutOfRelay(input);
      }
      ActivityOutput<R> output = super.executeActivity(input);
      if (slot != null && slot.id == null) {
        slot.id = output.getActivityId();
      }
      return output;
    }
  }
}
