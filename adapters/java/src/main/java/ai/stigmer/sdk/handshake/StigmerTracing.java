package ai.stigmer.sdk.handshake;

import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.common.interceptors.WorkflowClientInterceptor;
import io.temporal.opentracing.OpenTracingClientInterceptor;
import io.temporal.opentracing.OpenTracingWorkerInterceptor;

/**
 * OpenTracing wiring of {@link StigmerPlugin}, apart so that the SDK loads {@code
 * io.temporal:temporal-opentracing} (an optional dependency) only when tracing is asked for.
 */
final class StigmerTracing {

  private StigmerTracing() {}

  static WorkerInterceptor workerInterceptor() {
    return new OpenTracingWorkerInterceptor();
  }

  static WorkflowClientInterceptor clientInterceptor() {
    return new OpenTracingClientInterceptor();
  }
}
