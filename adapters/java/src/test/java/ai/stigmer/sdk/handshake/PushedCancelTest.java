package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.ExecutionPhase;
import ai.stigmer.sdk.contract.Contract;
import ai.stigmer.sdk.testing.CreateCall;
import ai.stigmer.sdk.testing.FakeStigmerService;
import ai.stigmer.sdk.testing.Poll;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.util.Durations;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.RetryPolicy;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.ActivityTaskScheduledEventAttributes;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pushed cancellation (issue 25) on temporal-testing's in-memory environment, with {@link
 * StigmerPlugin}'s activities and the fake service: a caller workflow cancelled while its handshake
 * is pending runs {@value CancelExecutionActivity#CANCEL_EXECUTION} with the pending handshake's
 * activity id and the contract's options, and the fake receives {@code cancel} for its execution.
 */
class PushedCancelTest {

  private static final String TASK_QUEUE = "pushed-cancel-callers";

  private PluginEnvironment environment;
  private TestWorkflowEnvironment env;
  private FakeStigmerService stigmer;

  /** A caller whose handshake stays unwatched (TRY_CANCEL: the default cancellation type). */
  @WorkflowInterface
  public interface UnwatchedCaller {
    @WorkflowMethod
    AgentExecution run(AgentExecution request);
  }

  public static final class UnwatchedCallerImpl extends Fixtures.WatchingCallerImpl
      implements UnwatchedCaller {
    public UnwatchedCallerImpl() {
      super(
          ActivityOptions.newBuilder(Fixtures.callerOptions())
              .setCancellationType(ActivityCancellationType.TRY_CANCEL)
              .build(),
          Duration.ofHours(1));
    }
  }

  /** A caller that watches after 200 ms (WAIT_CANCELLATION_COMPLETED). */
  @WorkflowInterface
  public interface QuicklyWatchedCaller {
    @WorkflowMethod
    AgentExecution run(AgentExecution request);
  }

  /** A caller whose handshake activity has a heartbeat timeout: it keeps the relay. */
  @WorkflowInterface
  public interface HeartbeatingCaller {
    @WorkflowMethod
    AgentExecution run(AgentExecution request);
  }

  public static final class HeartbeatingCallerImpl extends Fixtures.WatchingCallerImpl
      implements HeartbeatingCaller {
    public HeartbeatingCallerImpl() {
      super(
          ActivityOptions.newBuilder(Fixtures.callerOptions())
              .setHeartbeatTimeout(Duration.ofMinutes(5))
              .build(),
          WorkflowHandshake.TerminalOptions.getDefaultInstance().getWatchAfter());
    }
  }

  public static final class QuicklyWatchedCallerImpl extends Fixtures.WatchingCallerImpl
      implements QuicklyWatchedCaller {
    public QuicklyWatchedCallerImpl() {
      super(Fixtures.callerOptions(), Duration.ofMillis(200));
    }
  }

  private void start() throws IOException {
    environment = PluginEnvironment.start(PushedCancelTest::quicklyWatchedPlugin);
    env = environment.env;
    stigmer = environment.stigmer;
    Worker worker = env.newWorker(TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(
        UnwatchedCallerImpl.class, QuicklyWatchedCallerImpl.class, HeartbeatingCallerImpl.class);
    worker.registerActivitiesImplementations(environment.callerActivities());
    env.start();
  }

  /** The plugin with a watch that polls every 50 to 200 ms. */
  static StigmerPlugin.Builder quicklyWatchedPlugin(ManagedChannel channel) {
    return StigmerPlugin.newBuilder()
        .setWatchExecutionActivity(
            WatchExecutionActivityImpl.newBuilder()
                .setChannel(channel)
                .setBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
                .build());
  }

  @AfterEach
  void tearDown() {
    if (environment != null) {
      environment.close();
    }
  }

  private WorkflowStub startCaller(Class<?> type) {
    WorkflowStub caller =
        env.getWorkflowClient()
            .newUntypedWorkflowStub(
                type.getSimpleName(), It.workflowOptions(TASK_QUEUE, "pushed-cancel"));
    caller.start(It.request("cancel me"));
    return caller;
  }

  private List<ActivityTaskScheduledEventAttributes> scheduled(WorkflowStub caller) {
    return env
        .getWorkflowClient()
        .fetchHistory(caller.getExecution().getWorkflowId())
        .getEvents()
        .stream()
        .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        .map(HistoryEvent::getActivityTaskScheduledEventAttributes)
        .collect(Collectors.toList());
  }

  /** Cancels the caller and checks that it ends cancelled, the pushed cancel scheduled as it must. */
  private void cancelAndCheck(WorkflowStub caller, CreateCall call) throws Exception {
    caller.cancel();
    WorkflowFailedException failed =
        assertThrows(WorkflowFailedException.class, () -> It.result(caller, AgentExecution.class));
    assertInstanceOf(CanceledFailure.class, failed.getCause());

    List<ActivityTaskScheduledEventAttributes> activities = scheduled(caller);
    String handshakeId = activities.get(0).getActivityId();
    ActivityTaskScheduledEventAttributes cancel =
        activities.stream()
            .filter(
                a -> a.getActivityType().getName().equals(CancelExecutionActivity.CANCEL_EXECUTION))
            .findFirst()
            .orElse(null);
    assertNotNull(cancel, "the cancel activity was scheduled: " + activities);
    // The watch's input shape, as Go and Python write it.
    Payload input = cancel.getInput().getPayloads(0);
    assertEquals(Contract.PAYLOAD_JSON_PLAIN, input.getMetadataOrThrow("encoding").toStringUtf8());
    JsonNode json = new ObjectMapper().readTree(input.getData().toByteArray());
    assertEquals(handshakeId, json.get("activity_id").asText());
    assertEquals(1, json.get("kind").asInt(), "EXECUTION_KIND_AGENT");
    // The contract's options.
    assertEquals(
        Contract.TIMEOUT_CANCEL_EXECUTION_START_TO_CLOSE.toMillis(),
        Durations.toMillis(cancel.getStartToCloseTimeout()));
    assertEquals(
        Contract.TIMEOUT_CANCEL_EXECUTION_SCHEDULE_TO_CLOSE.toMillis(),
        Durations.toMillis(cancel.getScheduleToCloseTimeout()));
    RetryPolicy retry = cancel.getRetryPolicy();
    Contract.RetryPolicy want = Contract.RETRY_CANCEL_EXECUTION;
    assertEquals(want.initialInterval().toMillis(), Durations.toMillis(retry.getInitialInterval()));
    assertEquals(want.backoff(), retry.getBackoffCoefficient());
    assertEquals(want.maximumInterval().toMillis(), Durations.toMillis(retry.getMaximumInterval()));
    assertEquals(want.maximumAttempts(), retry.getMaximumAttempts());
    assertEquals(want.nonRetryable(), retry.getNonRetryableErrorTypesList());
  }

  @Test
  void aCallerCancelledBeforeTheWatchPushesTheCancel() throws Exception {
    start();
    WorkflowStub caller = startCaller(UnwatchedCaller.class);
    CreateCall call = stigmer.waitForCalls(1).get(0);

    cancelAndCheck(caller, call);

    // The helper opted its caller out of the service's relayed heartbeats.
    assertEquals(
        Contract.CALLER_HEARTBEATS_NONE,
        call.agentExecution()
            .getMetadata()
            .getAnnotationsOrDefault(Contract.ANNOTATION_CALLER_HEARTBEATS, ""));
    List<FakeStigmerService.CancelRequest> cancels = stigmer.cancelRequests();
    assertEquals(1, cancels.size(), cancels.toString());
    assertEquals(call.executionId(), cancels.get(0).executionId());
    assertEquals(Status.Code.OK, cancels.get(0).code());
    assertEquals(
        ExecutionPhase.EXECUTION_CANCELLED,
        ((AgentExecution) stigmer.execution(call.executionId())).getStatus().getPhase());
  }

  @Test
  void aCallerCancelledWhileTheWatchRunsPushesTheCancel() throws Exception {
    start();
    WorkflowStub caller = startCaller(QuicklyWatchedCaller.class);
    CreateCall call = stigmer.waitForCalls(1).get(0);
    Poll.until(
        Duration.ofSeconds(30), "the watcher's get", () -> stigmer.getCalls(call.executionId()) > 0);

    cancelAndCheck(caller, call);

    List<FakeStigmerService.CancelRequest> cancels = stigmer.cancelRequests();
    assertEquals(1, cancels.size(), cancels.toString());
    assertEquals(call.executionId(), cancels.get(0).executionId());
    assertTrue(
        scheduled(caller).stream()
            .anyMatch(
                a -> a.getActivityType().getName().equals(WatchExecutionActivity.WATCH_EXECUTION)),
        "the watch ran");
  }

  @Test
  void aHandshakeWithAHeartbeatTimeoutKeepsTheRelay() throws Exception {
    start();
    WorkflowStub caller = startCaller(HeartbeatingCaller.class);
    CreateCall call = stigmer.waitForCalls(1).get(0);
    assertFalse(
        call.agentExecution()
            .getMetadata()
            .containsAnnotations(Contract.ANNOTATION_CALLER_HEARTBEATS));
    cancelAndCheck(caller, call);
  }

  @Test
  void aServiceWithoutCancelLeavesTheCancellationAsBefore() throws Exception {
    start();
    stigmer.answerCancelsWith(Status.UNIMPLEMENTED.withDescription("Method not found: cancel"));
    WorkflowStub caller = startCaller(UnwatchedCaller.class);
    CreateCall call = stigmer.waitForCalls(1).get(0);

    cancelAndCheck(caller, call);

    List<FakeStigmerService.CancelRequest> cancels = stigmer.cancelRequests();
    assertEquals(1, cancels.size(), "UNIMPLEMENTED is not retried: " + cancels);
    assertEquals(Status.Code.UNIMPLEMENTED, cancels.get(0).code());
    assertTrue(
        env
            .getWorkflowClient()
            .fetchHistory(caller.getExecution().getWorkflowId())
            .getEvents()
            .stream()
            .anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED),
        "the cancel activity returned normally");
  }

  @Test
  void aRefusedCancelIsNotRetriedAndATransientOneIs() throws Exception {
    start();
    stigmer.failNextCancel(Status.UNAVAILABLE, 1);
    WorkflowStub caller = startCaller(UnwatchedCaller.class);
    CreateCall call = stigmer.waitForCalls(1).get(0);
    cancelAndCheck(caller, call);
    List<FakeStigmerService.CancelRequest> cancels = stigmer.cancelRequests();
    assertEquals(2, cancels.size(), cancels.toString());
    assertEquals(Status.Code.UNAVAILABLE, cancels.get(0).code());
    assertEquals(Status.Code.OK, cancels.get(1).code());

    stigmer.failNextCancel(Status.PERMISSION_DENIED, 5);
    WorkflowStub second = startCaller(UnwatchedCaller.class);
    CreateCall secondCall = stigmer.waitForCalls(2).get(1);
    cancelAndCheck(second, secondCall);
    List<FakeStigmerService.CancelRequest> after = stigmer.cancelRequests();
    assertEquals(3, after.size(), "PERMISSION_DENIED is not retried: " + after);
    assertEquals(Status.Code.PERMISSION_DENIED, after.get(2).code());
  }
}
