package ai.stigmer.sdk.conformance;

import ai.stigmer.conformance.v1.StartRequest;
import ai.stigmer.sdk.handshake.ExternalActivityCompleter;
import ai.stigmer.sdk.handshake.SystemActivitiesImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The system worker role: serves {@code stigmer/system/complete-external-activity} ({@link
 * SystemActivitiesImpl}) on the start request's task queue, completing through a client of the
 * start request's namespace whose data converter reads the input as any language sends it.
 */
final class SystemWorkerRole implements Role {

  private static final Logger log = LoggerFactory.getLogger(SystemWorkerRole.class);

  private final WorkflowServiceStubs service;
  private final WorkerFactory factory;

  private SystemWorkerRole(WorkflowServiceStubs service, WorkerFactory factory) {
    this.service = service;
    this.factory = factory;
  }

  /** Starts the system worker. */
  static SystemWorkerRole start(StartRequest start) {
    String queue = start.getSystemWorker().getTaskQueue();
    if (queue.isEmpty()) {
      throw new IllegalArgumentException("system_worker: empty task_queue");
    }
    WorkflowServiceStubs service = Temporal.connect(start.getTemporal());
    try {
      WorkflowClient client = Temporal.client(service, start.getTemporal().getNamespace());
      WorkerFactory factory = WorkerFactory.newInstance(client);
      Worker worker = factory.newWorker(queue);
      worker.registerActivitiesImplementations(
          new SystemActivitiesImpl(ExternalActivityCompleter.newBuilder(client).build()));
      factory.start();
      log.info("system worker started: task_queue={}", queue);
      return new SystemWorkerRole(service, factory);
    } catch (RuntimeException e) {
      service.shutdownNow();
      throw e;
    }
  }

  @Override
  public void stop() {
    Temporal.shutdown(factory);
    service.shutdownNow();
  }
}
