package ai.stigmer.sdk.conformance;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandControllerGrpc;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandControllerGrpc.AgentExecutionCommandControllerBlockingStub;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryControllerGrpc;
import ai.stigmer.conformance.v1.CallerInput;
import ai.stigmer.conformance.v1.Event;
import ai.stigmer.conformance.v1.StartRequest;
import ai.stigmer.sdk.handshake.HandshakeOptions;
import ai.stigmer.sdk.handshake.IdempotencyKeys;
import ai.stigmer.sdk.handshake.StigmerHandshake;
import ai.stigmer.sdk.handshake.GetExecutionActivityImpl;
import ai.stigmer.sdk.handshake.TaskTokens;
import ai.stigmer.sdk.handshake.WorkflowHandshake;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The caller role: a worker serving the workflow {@value #WORKFLOW_TYPE} and the activity {@value
 * #ACTIVITY_TYPE} on the start request's task queue.
 */
final class CallerRole implements Role {

  static final String WORKFLOW_TYPE = "conformance/caller";
  static final String ACTIVITY_TYPE = "conformance/call-agent";
  static final String TERMINAL_ACTIVITY_TYPE = "conformance/call-agent-terminal";
  static final String SERVICE_ADDRESS_ANNOTATION = "conformance.stigmer.ai/service-address";
  static final String CRASH_ANNOTATION = "conformance.stigmer.ai/crash-before-attempt";

  /** Start-to-close of the activity when the input gives none. */
  static final Duration DEFAULT_START_TO_CLOSE = Duration.ofMinutes(5);

  private static final Logger log = LoggerFactory.getLogger(CallerRole.class);

  /** The caller workflow: runs the activity with the input's options, returns its result. */
  @WorkflowInterface
  public interface CallerWorkflow {
    /** Executes {@value CallerRole#ACTIVITY_TYPE} with the same input. */
    @WorkflowMethod(name = WORKFLOW_TYPE)
    AgentExecution run(CallerInput input);
  }

  /** The caller activity. */
  @ActivityInterface
  public interface CallAgentActivity {
    /** Reports the token, then starts the execution and goes pending (or returns the ACK). */
    @ActivityMethod(name = ACTIVITY_TYPE)
    AgentExecution callAgent(CallerInput input);

    /**
     * The handshake activity of the terminal path: its only argument is the execution, whose
     * conformance annotations say where to create it and when to crash (removed before create).
     */
    @ActivityMethod(name = TERMINAL_ACTIVITY_TYPE)
    AgentExecution callAgentTerminal(AgentExecution request);
  }

  /** Implementation of {@link CallerWorkflow}. */
  public static final class CallerWorkflowImpl implements CallerWorkflow {
    /** Instantiated by the worker. */
    public CallerWorkflowImpl() {}

    @Override
    public AgentExecution run(CallerInput input) {
      if (input.getTerminal()) {
        return executeToTerminal(input);
      }
      if (input.getLocalActivity()) {
        Duration startToClose = Temporal.seconds(input.getStartToCloseSeconds());
        return Workflow.newLocalActivityStub(
                CallAgentActivity.class,
                LocalActivityOptions.newBuilder()
                    .setStartToCloseTimeout(
                        startToClose.isZero() ? DEFAULT_START_TO_CLOSE : startToClose)
                    .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                    .build())
            .callAgent(input);
      }
      return Workflow.newActivityStub(CallAgentActivity.class, activityOptions(input))
          .callAgent(input);
    }

    private static AgentExecution executeToTerminal(CallerInput input) {
      AgentExecution request = input.getRequest();
      request =
          request.toBuilder()
              .setMetadata(
                  request.getMetadata().toBuilder()
                      .putAnnotations(SERVICE_ADDRESS_ANNOTATION, input.getServiceAddress())
                      .putAnnotations(
                          CRASH_ANNOTATION, Integer.toString(input.getCrashBeforeAttempt())))
              .build();
      CallAgentActivity stub =
          Workflow.newActivityStub(CallAgentActivity.class, activityOptions(input));
      ActivityOptions getExecution =
          ActivityOptions.newBuilder(WorkflowHandshake.getExecutionOptions())
              .setTaskQueue(
                  getExecutionQueue(Workflow.getInfo().getTaskQueue(), input.getServiceAddress()))
              .build();
      ActivityOptions watch =
          ActivityOptions.newBuilder(WorkflowHandshake.watchExecutionOptions())
              .setTaskQueue(
                  getExecutionQueue(Workflow.getInfo().getTaskQueue(), input.getServiceAddress()))
              .build();
      return WorkflowHandshake.executeToTerminal(
          stub::callAgentTerminal,
          request,
          WorkflowHandshake.TerminalOptions.newBuilder()
              .setGetExecutionOptions(getExecution)
              .setWatchExecutionOptions(watch)
              .build());
    }
  }

  /** The activity options a caller input asks for. */
  static ActivityOptions activityOptions(CallerInput input) {
    Duration startToClose = Temporal.seconds(input.getStartToCloseSeconds());
    ActivityOptions.Builder options =
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(
                startToClose.isNegative() || startToClose.isZero()
                    ? DEFAULT_START_TO_CLOSE
                    : startToClose)
            .setRetryOptions(
                RetryOptions.newBuilder()
                    .setMaximumAttempts(Math.max(input.getMaximumAttempts(), 1))
                    .setInitialInterval(Duration.ofSeconds(1))
                    .build())
            .setCancellationType(
                input.getWaitForCancellation()
                    ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
                    : ActivityCancellationType.TRY_CANCEL);
    if (input.getHeartbeatTimeoutSeconds() > 0) {
      options.setHeartbeatTimeout(Temporal.seconds(input.getHeartbeatTimeoutSeconds()));
    }
    return options.build();
  }

  /** The task queue of the get-execution worker for one service. */
  static String getExecutionQueue(String callerQueue, String serviceAddress) {
    return callerQueue + "@" + serviceAddress;
  }

  /** Implementation of {@link CallAgentActivity}. */
  static final class CallAgentActivityImpl implements CallAgentActivity {
    private final Frames.Writer events;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final Map<String, AgentExecutionCommandControllerBlockingStub> stubs =
        new ConcurrentHashMap<>();

    private final WorkflowClient client;
    private final String queue;
    private final List<WorkerFactory> getWorkers = new CopyOnWriteArrayList<>();

    CallAgentActivityImpl(Frames.Writer events, WorkflowClient client, String queue) {
      this.events = events;
      this.client = client;
      this.queue = queue;
    }

    @Override
    public AgentExecution callAgentTerminal(AgentExecution request) {
      report(request);
      Map<String, String> annotations = request.getMetadata().getAnnotationsMap();
      String address = annotations.getOrDefault(SERVICE_ADDRESS_ANNOTATION, "");
      int crash = Integer.parseInt(annotations.getOrDefault(CRASH_ANNOTATION, "0"));
      AgentExecution execution =
          request.toBuilder()
              .setMetadata(
                  request.getMetadata().toBuilder()
                      .removeAnnotations(SERVICE_ADDRESS_ANNOTATION)
                      .removeAnnotations(CRASH_ANNOTATION))
              .build();
      handshake(stub(address), execution, crash);
      return null; // ignored: the service completes the activity
    }

    private void handshake(
        AgentExecutionCommandControllerBlockingStub stub, AgentExecution request, int crash) {
      new StigmerHandshake(stub, null, HandshakeOptions.getDefaultInstance())
          .executeAgentAndWaitPending(request);
      int attempt = Activity.getExecutionContext().getInfo().getAttempt();
      if (attempt < crash) {
        // Created, but the worker "dies" before the activity goes pending.
        throw ApplicationFailure.newFailure(
            "attempt " + attempt + " crashed after create", "CONFORMANCE_CRASH");
      }
    }

    private void report(AgentExecution request) {
      ActivityExecutionContext context = Activity.getExecutionContext();
      ActivityInfo info = context.getInfo();
      // A local activity has no task token (getTaskToken throws): the SDK must refuse it.
      byte[] token = info.isLocal() ? new byte[0] : context.getTaskToken();
      String caseId = request.getMetadata().getAnnotationsOrDefault(Temporal.CASE_ANNOTATION, "");
      String key =
          IdempotencyKeys.derive(
              info.getNamespace(),
              info.getWorkflowId(),
              info.getWorkflowRunId(),
              info.getActivityId());
      log.info(
          "caller activity took its task token: case={}, token_preview={}, token_length={}, "
              + "attempt={}",
          caseId,
          TaskTokens.preview(token),
          token == null ? 0 : token.length,
          info.getAttempt());
      events.event(
          Event.newBuilder()
              .setCallerToken(Temporal.tokenSeen(caseId, token, key, info.getAttempt()))
              .build());
    }

    @Override
    public AgentExecution callAgent(CallerInput input) {
      report(input.getRequest());
      AgentExecutionCommandControllerBlockingStub stub = stub(input.getServiceAddress());
      if (input.getFireAndForget()) {
        try {
          return stub.withDeadlineAfter(
                  HandshakeOptions.DEFAULT_CREATE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
              .create(input.getRequest());
        } catch (StatusRuntimeException e) {
          throw StigmerHandshake.createFailed(e);
        }
      }
      handshake(stub, input.getRequest(), input.getCrashBeforeAttempt());
      return null; // ignored: the service completes the activity
    }

    private AgentExecutionCommandControllerBlockingStub stub(String address) {
      if (address.isEmpty()) {
        throw ApplicationFailure.newNonRetryableFailure(
            "empty service_address", "CONFORMANCE_BAD_INPUT");
      }
      return stubs.computeIfAbsent(
          address,
          a -> {
            ManagedChannel channel =
                channels.computeIfAbsent(
                    a, b -> Grpc.newChannelBuilder(b, InsecureChannelCredentials.create()).build());
            startGetExecutionWorker(a, channel);
            return AgentExecutionCommandControllerGrpc.newBlockingStub(channel);
          });
    }

    /** The terminal helper's get-execution, watch and cancel activities, on this service. */
    private void startGetExecutionWorker(String address, ManagedChannel channel) {
      WorkerFactory factory = WorkerFactory.newInstance(client);
      factory
          .newWorker(getExecutionQueue(queue, address))
          .registerActivitiesImplementations(
              GetExecutionActivityImpl.newBuilder()
                  .setAgentStub(AgentExecutionQueryControllerGrpc.newBlockingStub(channel))
                  .build(),
              ai.stigmer.sdk.handshake.WatchExecutionActivityImpl.newBuilder()
                  .setChannel(channel)
                  .build(),
              // The pushed cancel runs on the watcher's queue (issue 25 item 1).
              ai.stigmer.sdk.handshake.CancelExecutionActivityImpl.newBuilder()
                  .setChannel(channel)
                  .build());
      factory.start();
      getWorkers.add(factory);
    }

    void close() {
      getWorkers.forEach(Temporal::shutdown);
      getWorkers.clear();
      channels.values().forEach(ManagedChannel::shutdownNow);
      channels.clear();
      stubs.clear();
    }
  }

  private final WorkflowServiceStubs service;
  private final WorkerFactory factory;
  private final CallAgentActivityImpl activities;

  private CallerRole(
      WorkflowServiceStubs service, WorkerFactory factory, CallAgentActivityImpl activities) {
    this.service = service;
    this.factory = factory;
    this.activities = activities;
  }

  /** Starts the caller worker on the request's task queue. */
  static CallerRole start(StartRequest start, Frames.Writer events) {
    String queue = start.getCaller().getTaskQueue();
    if (queue.isEmpty()) {
      throw new IllegalArgumentException("caller: empty task_queue");
    }
    WorkflowServiceStubs service = Temporal.connect(start.getTemporal());
    try {
      WorkflowClient client = Temporal.client(service, start.getTemporal().getNamespace());
      // As StigmerPlugin does: the handshake's activity id for the watch and the pushed cancel,
      // and the pushed cancel's opt-out of the relay (issue 25 item 1).
      WorkerFactory factory =
          WorkerFactory.newInstance(
              client,
              io.temporal.worker.WorkerFactoryOptions.newBuilder()
                  .setWorkerInterceptors(
                      ai.stigmer.sdk.handshake.HandshakeActivityIds.workerInterceptor())
                  .build());
      Worker worker = factory.newWorker(queue);
      worker.registerWorkflowImplementationTypes(CallerWorkflowImpl.class);
      CallAgentActivityImpl activities = new CallAgentActivityImpl(events, client, queue);
      worker.registerActivitiesImplementations(activities);
      factory.start();
      log.info("caller worker started: task_queue={}", queue);
      return new CallerRole(service, factory, activities);
    } catch (RuntimeException e) {
      service.shutdownNow();
      throw e;
    }
  }

  @Override
  public void stop() {
    Temporal.shutdown(factory);
    activities.close();
    service.shutdownNow();
  }
}
