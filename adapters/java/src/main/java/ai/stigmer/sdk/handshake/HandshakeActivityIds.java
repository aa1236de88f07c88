package ai.stigmer.sdk.handshake;

import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptor;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkflowOutboundCallsInterceptor;
import io.temporal.common.interceptors.WorkflowOutboundCallsInterceptorBase;
import io.temporal.workflow.WorkflowLocal;

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

  /** The id of the first activity scheduled while {@link #schedule} runs. */
  private static final WorkflowLocal<String[]> SLOT = WorkflowLocal.withCachedInitial(() -> null);

  private HandshakeActivityIds() {}

  /**
   * Runs {@code schedule}, which schedules one activity, and returns the id Temporal gave that
   * activity, or empty when no interceptor saw it.
   */
  static String schedule(Runnable schedule) {
    String[] slot = {null};
    SLOT.set(slot);
    try {
      schedule.run();
    } finally {
      SLOT.set(null);
    }
    return slot[0] == null ? "" : slot[0];
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
      ActivityOutput<R> output = super.executeActivity(input);
      String[] slot = SLOT.get();
      if (slot != null && slot[0] == null) {
        slot[0] = output.getActivityId();
      }
      return output;
    }
  }
}
