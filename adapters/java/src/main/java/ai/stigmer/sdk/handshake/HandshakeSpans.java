package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import io.opentracing.Span;
import io.opentracing.Tracer;
import io.opentracing.util.GlobalTracer;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;
import io.temporal.workflow.unsafe.WorkflowUnsafe;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handshake's workflow span {@value #RESUMED_SPAN}, the same name and attributes as the Python
 * and Go SDKs record (handshake contract, "tracing"): recorded in the caller's workflow when its
 * handshake activity resolves, under the workflow's {@code RunWorkflow} span, as a span without
 * duration at the workflow time of the resolution, with the attributes {@value
 * #WORKFLOW_ID_ATTRIBUTE}, {@value #RUN_ID_ATTRIBUTE} and {@value #OUTCOME_ATTRIBUTE}. Only when
 * the worker traces ({@link StigmerPlugin.Builder#setTracing(boolean)}: the workflow then has an
 * active OpenTracing span), never during a replay.
 */
final class HandshakeSpans {

  private static final Logger log = LoggerFactory.getLogger(HandshakeSpans.class);

  /** The span the caller's workflow records when its handshake activity resolves. */
  static final String RESUMED_SPAN = Contract.TRACING_RESUMED_SPAN;

  /** Attribute of {@value #RESUMED_SPAN}: the caller's workflow id. */
  static final String WORKFLOW_ID_ATTRIBUTE = Contract.TRACING_WORKFLOW_ID_ATTRIBUTE;

  /** Attribute of {@value #RESUMED_SPAN}: the caller's run id. */
  static final String RUN_ID_ATTRIBUTE = Contract.TRACING_RUN_ID_ATTRIBUTE;

  /**
   * Attribute of {@value #RESUMED_SPAN}: the outcome, as the caller metrics' {@value
   * HandshakeMetrics#OUTCOME_TAG} tag ({@code completed}, {@code failed}, ...).
   */
  static final String OUTCOME_ATTRIBUTE = Contract.TRACING_OUTCOME_ATTRIBUTE;

  private HandshakeSpans() {}

  /**
   * Records {@value #RESUMED_SPAN} in the running workflow (outside a workflow: nothing); a failure
   * is logged, never thrown.
   */
  static void resumed(String outcome) {
    if (!TraceContextPropagation.Availability.AVAILABLE
        || !WorkflowUnsafe.isWorkflowThread()
        || Workflow.isReplaying()) {
      return;
    }
    try {
      OpenTracingSpans.resumed(outcome);
    } catch (RuntimeException | LinkageError e) {
      log.warn("Failed to record the span {}: {}", RESUMED_SPAN, e.toString());
    }
  }

  /** Apart, so that this class loads OpenTracing only where it is on the class path. */
  private static final class OpenTracingSpans {
    static void resumed(String outcome) {
      // The tracer of Temporal's OpenTracing interceptors (their default), whose RunWorkflow span
      // is active in the workflow.
      Tracer tracer = GlobalTracer.get();
      Span workflowSpan = tracer.activeSpan();
      if (workflowSpan == null) {
        return; // the worker does not trace
      }
      WorkflowInfo info = Workflow.getInfo();
      long micros = TimeUnit.MILLISECONDS.toMicros(Workflow.currentTimeMillis());
      tracer
          .buildSpan(RESUMED_SPAN)
          .asChildOf(workflowSpan)
          .withStartTimestamp(micros)
          .withTag(WORKFLOW_ID_ATTRIBUTE, info.getWorkflowId())
          .withTag(RUN_ID_ATTRIBUTE, info.getRunId())
          .withTag(OUTCOME_ATTRIBUTE, outcome)
          .start()
          .finish(micros);
    }
  }
}
