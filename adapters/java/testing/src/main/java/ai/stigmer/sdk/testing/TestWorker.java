package ai.stigmer.sdk.testing;

import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A started worker on a task queue of its own, shut down by {@link #close()}: a test registers its
 * workflows and activities, starts workflows on {@link #taskQueue()}, and no other test polls it.
 */
public final class TestWorker implements AutoCloseable {

  private final WorkerFactory factory;
  private final String taskQueue;

  private TestWorker(WorkerFactory factory, String taskQueue) {
    this.factory = factory;
    this.taskQueue = taskQueue;
  }

  /** Starts a worker with default options on a new unique task queue. */
  public static TestWorker start(WorkflowClient client, Consumer<Worker> registrations) {
    return start(client, WorkerOptions.getDefaultInstance(), registrations);
  }

  /** Starts a worker on a new unique task queue. */
  public static TestWorker start(
      WorkflowClient client, WorkerOptions options, Consumer<Worker> registrations) {
    String taskQueue = "stigmer-test-" + UUID.randomUUID();
    WorkerFactory factory = WorkerFactory.newInstance(client);
    Worker worker = factory.newWorker(taskQueue, options);
    registrations.accept(worker);
    factory.start();
    return new TestWorker(factory, taskQueue);
  }

  /** The worker's task queue. */
  public String taskQueue() {
    return taskQueue;
  }

  @Override
  public void close() {
    factory.shutdownNow();
    factory.awaitTermination(10, TimeUnit.SECONDS);
  }
}
