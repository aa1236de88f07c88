package ai.stigmer.sdk.handshake;

import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.sdk.contract.Contract;
import ai.stigmer.sdk.v1.ExecutionKind;
import ai.stigmer.sdk.v1.GetExecutionInput;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.common.converter.RawValue;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import com.google.auto.value.AutoValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Workflow side of the caller: runs the handshake activity, and makes sure the workflow gets the
 * terminal execution. Call these methods only from workflow code.
 *
 * <pre>{@code
 * AgentActivities agents = Workflow.newActivityStub(
 *     AgentActivities.class, HandshakeActivityOptions.forExpectedDuration(Duration.ofMinutes(30)));
 * AgentExecution finished = WorkflowHandshake.executeToTerminal(agents::runAgent, request);
 * String reply = finished.getStatus().getMessages(finished.getStatus().getMessagesCount() - 1)
 *     .getContent();
 * }</pre>
 *
 * <p>A service may complete the caller with an execution that is not terminal yet (the deployed
 * Stigmer service delivers the execution as it was created: phase PENDING, no messages). {@link
 * #executeToTerminal} then runs the activity {@value GetExecutionActivity#GET_EXECUTION} ({@link
 * GetExecutionActivityImpl}, registered on the caller's worker), which polls {@code get} until the
 * phase is COMPLETED, FAILED or CANCELLED.
 *
 * <p>Both methods count the resolved handshake in the workflow's metrics scope ({@code
 * Workflow.getMetricsScope()}): {@link HandshakeMetrics#HANDSHAKES} and {@link
 * HandshakeMetrics#HANDSHAKE_DURATION} (seconds of workflow time from scheduling the handshake
 * activity to its resolution), tagged {@code outcome} = {@code completed}, {@code failed}, {@code
 * cancelled} or {@code timed_out}.
 */
public final class WorkflowHandshake {

  /** Phases (of agent and workflow executions alike) after which an execution no longer changes. */
  public static final Set<Integer> TERMINAL_PHASES = Immutables.set(3, 4, 5);

  /** Start-to-close timeout of {@value GetExecutionActivity#GET_EXECUTION}: 10 minutes. */
  public static final Duration GET_EXECUTION_START_TO_CLOSE = Duration.ofMinutes(10);

  /** Heartbeat timeout of {@value GetExecutionActivity#GET_EXECUTION}: 1 minute. */
  public static final Duration GET_EXECUTION_HEARTBEAT_TIMEOUT = Duration.ofMinutes(1);

  /**
   * How long {@link #executeToTerminal} waits for the handshake before it starts {@value
   * WatchExecutionActivity#WATCH_EXECUTION}: 30 s, as in every SDK.
   */
  public static final Duration WATCH_AFTER = Contract.TIMEOUT_WATCH_AFTER;

  /** Heartbeat timeout of {@value WatchExecutionActivity#WATCH_EXECUTION}: 60 s. */
  public static final Duration WATCH_EXECUTION_HEARTBEAT_TIMEOUT =
      Contract.TIMEOUT_WATCH_EXECUTION_HEARTBEAT;

  /**
   * The {@code Workflow.getVersion} change id of the watcher: histories recorded before it replay
   * without it.
   */
  static final String WATCH_CHANGE_ID = Contract.WATCH_VERSION;

  /**
   * The {@code Workflow.getVersion} change id of the pushed cancellation: histories recorded before
   * it replay without it.
   */
  static final String CANCEL_CHANGE_ID = Contract.CANCEL_VERSION;

  private WorkflowHandshake() {}

  /**
   * Returns the options {@link #executeToTerminal} schedules {@value
   * CancelExecutionActivity#CANCEL_EXECUTION} with, as in every SDK: start-to-close 30 s,
   * schedule-to-close 165 s (all attempts: a worker that does not serve it delays the workflow's
   * cancellation by at most that), retry from 1 s, doubling, up to 10 s, at most 5 attempts, never
   * retrying {@value HandshakeFailureTypes#CANCEL_FAILED}; on the watcher's task queue (the
   * workflow's by default).
   *
   * @return the activity options
   */
  public static ActivityOptions cancelExecutionOptions() {
    Contract.RetryPolicy retry = Contract.RETRY_CANCEL_EXECUTION;
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Contract.TIMEOUT_CANCEL_EXECUTION_START_TO_CLOSE)
        .setScheduleToCloseTimeout(Contract.TIMEOUT_CANCEL_EXECUTION_SCHEDULE_TO_CLOSE)
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setInitialInterval(retry.initialInterval())
                .setBackoffCoefficient(retry.backoff())
                .setMaximumInterval(retry.maximumInterval())
                .setMaximumAttempts(retry.maximumAttempts())
                .setDoNotRetry(retry.nonRetryable().toArray(new String[0]))
                .build())
        .build();
  }

  /** Maximum attempts of {@value GetExecutionActivity#GET_EXECUTION}: 3. */
  public static final int GET_EXECUTION_MAXIMUM_ATTEMPTS = 3;

  /**
   * Returns the options {@link #executeToTerminal} schedules {@value
   * GetExecutionActivity#GET_EXECUTION} with, as in every SDK: start-to-close 10 minutes, heartbeat
   * timeout 1 minute, at most 3 attempts (initial interval 1 s), never retrying {@value
   * HandshakeFailureTypes#GET_EXECUTION_FAILED}; on the workflow's task queue.
   *
   * @return the activity options
   */
  public static ActivityOptions getExecutionOptions() {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(GET_EXECUTION_START_TO_CLOSE)
        .setHeartbeatTimeout(GET_EXECUTION_HEARTBEAT_TIMEOUT)
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setInitialInterval(Duration.ofSeconds(1))
                .setMaximumAttempts(GET_EXECUTION_MAXIMUM_ATTEMPTS)
                .setDoNotRetry(HandshakeFailureTypes.GET_EXECUTION_FAILED)
                .build())
        .build();
  }

  /**
   * Returns the options {@link #executeToTerminal} schedules {@value
   * WatchExecutionActivity#WATCH_EXECUTION} with, as in every SDK: heartbeat timeout 60 s, no
   * start-to-close bound (the longest Java allows stands for none: the workflow's own timeout
   * bounds it), retried until cancelled except for {@value
   * HandshakeFailureTypes#GET_EXECUTION_FAILED}; on the workflow's task queue.
   *
   * @return the activity options
   */
  public static ActivityOptions watchExecutionOptions() {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofDays(3650))
        .setHeartbeatTimeout(WATCH_EXECUTION_HEARTBEAT_TIMEOUT)
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setInitialInterval(Duration.ofSeconds(1))
                .setMaximumInterval(Duration.ofSeconds(30))
                .setDoNotRetry(HandshakeFailureTypes.GET_EXECUTION_FAILED)
                .build())
        .build();
  }

  /**
   * Runs the handshake activity and returns the terminal execution, with {@link
   * #getExecutionOptions()}.
   *
   * @param handshake the activity stub's method that calls {@link StigmerHandshake}, for example
   *     {@code agents::runAgent}
   * @param request the execution to start
   * @param <E> {@code AgentExecution} or {@code WorkflowExecution}
   * @return the terminal execution
   * @throws ActivityFailure as the handshake activity (or the get activity) failed
   */
  public static <E extends Message> E executeToTerminal(
      Functions.Func1<E, E> handshake, E request) {
    return executeToTerminal(handshake, request, getExecutionOptions());
  }

  /**
   * Runs the handshake activity and returns the terminal execution.
   *
   * @param handshake the activity stub's method that calls {@link StigmerHandshake}, for example
   *     {@code agents::runAgent}
   * @param request the execution to start
   * @param getExecutionOptions the options of {@value GetExecutionActivity#GET_EXECUTION}, for
   *     example with the task queue of the worker that runs it
   * @param <E> {@code AgentExecution} or {@code WorkflowExecution}
   * @return the terminal execution, callback tokens cleared: the delivered one when it is
   *     terminal, else the one {@code get} returned once it was
   * @throws ActivityFailure as the handshake activity (or the get activity) failed
   * @throws ApplicationFailure of type {@value HandshakeFailureTypes#GET_EXECUTION_FAILED} when the
   *     delivered execution is not terminal and has no {@code metadata.id}
   */
  public static <E extends Message> E executeToTerminal(
      Functions.Func1<E, E> handshake, E request, ActivityOptions getExecutionOptions) {
    Objects.requireNonNull(getExecutionOptions, "getExecutionOptions");
    return executeToTerminal(
        handshake,
        request,
        TerminalOptions.newBuilder().setGetExecutionOptions(getExecutionOptions).build());
  }

  /**
   * Runs the handshake activity and returns the terminal execution; learns of a FAILED or
   * CANCELLED execution while the handshake is still pending (handshake contract, "Typed failure
   * while pending").
   *
   * <p>If the handshake has not resolved after {@link TerminalOptions#getWatchAfter()} ({@link
   * #WATCH_AFTER}, 30 s), it starts {@value WatchExecutionActivity#WATCH_EXECUTION}, which calls
   * {@code get} (backoff from 5 s, doubling, capped at 30 s) until the execution is terminal. When
   * the watcher returns a FAILED or CANCELLED execution while the handshake is still pending, the
   * handshake activity is cancelled and this method throws a non-retryable {@link
   * ApplicationFailure} of type {@value HandshakeFailureTypes#AGENT_EXECUTION_FAILED} or {@value
   * HandshakeFailureTypes#AGENT_EXECUTION_CANCELLED} (the execution, tokens cleared, as its
   * detail). When the handshake resolves first, the watcher is cancelled. So the failure reaches
   * the workflow at most 30 s (watch-after) + 30 s (backoff cap) + one {@code get} call after the
   * execution turned terminal, and never later than max(watch-after, time terminal) + 30 s + one
   * {@code get}. A watcher that fails (no execution recorded, several pending handshakes) changes
   * nothing: the workflow waits for the handshake.
   *
   * @param handshake the activity stub's method that calls {@link StigmerHandshake}
   * @param request the execution to start
   * @param options get-execution and watcher settings
   * @param <E> {@code AgentExecution} or {@code WorkflowExecution}
   * @return the terminal execution, callback tokens cleared
   * @throws ActivityFailure as the handshake activity (or the get activity) failed
   * @throws ApplicationFailure of type {@value HandshakeFailureTypes#AGENT_EXECUTION_FAILED} or
   *     {@value HandshakeFailureTypes#AGENT_EXECUTION_CANCELLED} as the watcher found, or {@value
   *     HandshakeFailureTypes#GET_EXECUTION_FAILED} when the delivered execution is not terminal and
   *     has no {@code metadata.id}
   */
  public static <E extends Message> E executeToTerminal(
      Functions.Func1<E, E> handshake, E request, TerminalOptions options) {
    Objects.requireNonNull(options, "options");
    ActivityOptions getExecutionOptions = options.getGetExecutionOptions();
    // Callers whose history began before the watcher replay as they ran.
    int version = Workflow.getVersion(WATCH_CHANGE_ID, Workflow.DEFAULT_VERSION, 1);
    E delivered =
        version == Workflow.DEFAULT_VERSION
            ? execute(handshake, request)
            : executeWatched(handshake, request, options);
    if (delivered == null || isTerminal(delivered)) {
      return delivered == null ? null : clearCallbackTokens(delivered);
    }
    String id = executionId(delivered);
    if (id.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "the delivered execution is not terminal and has no metadata.id to fetch it by",
          HandshakeFailureTypes.GET_EXECUTION_FAILED);
    }
    KeyValueLog.info(
        Workflow.getLogger(WorkflowHandshake.class),
        "Delivered execution is not terminal, fetching it",
        "execution_id",
        id,
        "phase",
        phase(delivered));
    GetExecutionInput input =
        GetExecutionInput.newBuilder()
            .setKind(
                kindOf(delivered))
            .setExecutionId(id)
            .build();
    @SuppressWarnings("unchecked")
    Class<E> type = (Class<E>) delivered.getClass();
    E terminal =
        Workflow.newUntypedActivityStub(getExecutionOptions)
            .execute(
                GetExecutionActivity.GET_EXECUTION,
                type,
                new RawValue(PayloadTypeRegistry.binaryPayload(input)));
    return clearCallbackTokens(terminal);
  }

  /**
   * Returns a copy of an execution without its callback tokens ({@code spec.callback_token}, and
   * {@code status.callback_token} where the schema has it), which the deployed service echoes.
   *
   * @param execution an {@code AgentExecution} or a {@code WorkflowExecution}
   * @param <E> its type
   * @return the copy (the same instance when it has no token)
   */
  @SuppressWarnings("unchecked")
  public static <E extends Message> E clearCallbackTokens(E execution) {
    Message.Builder builder = null;
    for (String part : new String[] {"spec", "status"}) {
      FieldDescriptor partField = execution.getDescriptorForType().findFieldByName(part);
      if (partField == null
          || partField.getJavaType() != FieldDescriptor.JavaType.MESSAGE
          || !execution.hasField(partField)) {
        continue;
      }
      Message section = (Message) execution.getField(partField);
      FieldDescriptor token = section.getDescriptorForType().findFieldByName("callback_token");
      if (token == null || token.isRepeated() || !section.hasField(token)) {
        continue;
      }
      if (builder == null) {
        builder = execution.toBuilder();
      }
      builder.setField(partField, section.toBuilder().clearField(token).build());
    }
    return builder == null ? execution : (E) builder.build();
  }

  /**
   * Runs the handshake activity and returns what the service delivered, counting the outcome and
   * its duration in the workflow's metrics scope.
   *
   * @param handshake the activity stub's method that calls {@link StigmerHandshake}
   * @param request the execution to start
   * @param <E> {@code AgentExecution} or {@code WorkflowExecution}
   * @return the delivered execution, terminal or not
   * @throws ActivityFailure as the handshake activity failed
   */
  public static <E extends Message> E execute(Functions.Func1<E, E> handshake, E request) {
    Objects.requireNonNull(handshake, "handshake");
    Objects.requireNonNull(request, "request");
    return counted(Workflow.currentTimeMillis(), () -> handshake.apply(request), () -> {});
  }

  /**
   * Runs the handshake's {@code body}, counting how it resolved and how long it took since {@code
   * start} in the workflow's metrics scope; {@code onCancel} runs when the workflow is cancelled,
   * before the cancellation is rethrown. The watcher's failure (the execution ended while the
   * handshake was pending) counts as cancelled or failed, as the execution ended.
   */
  private static <E> E counted(long start, Functions.Func<E> body, Functions.Proc onCancel) {
    String outcome = HandshakeMetrics.OUTCOME_FAILED;
    try {
      E result = body.apply();
      outcome = HandshakeMetrics.OUTCOME_COMPLETED;
      return result;
    } catch (ActivityFailure e) {
      outcome = outcomeOf(e.getCause());
      throw e;
    } catch (CanceledFailure e) {
      outcome = HandshakeMetrics.OUTCOME_CANCELLED;
      onCancel.apply();
      throw e;
    } catch (ApplicationFailure e) {
      if (HandshakeFailureTypes.AGENT_EXECUTION_CANCELLED.equals(e.getType())) {
        outcome = HandshakeMetrics.OUTCOME_CANCELLED;
      }
      throw e;
    } finally {
      long nanos = TimeUnit.MILLISECONDS.toNanos(Workflow.currentTimeMillis() - start);
      HandshakeMetrics.resolved(Workflow.getMetricsScope(), outcome, nanos);
    }
  }

  /** {@link #execute} raced against the watcher; the same metrics. */
  private static <E extends Message> E executeWatched(
      Functions.Func1<E, E> handshake, E request, TerminalOptions options) {
    Objects.requireNonNull(handshake, "handshake");
    Objects.requireNonNull(request, "request");
    long start = Workflow.currentTimeMillis();
    List<Promise<E>> handshakes = new ArrayList<>(1);
    // Taken when the handshake is scheduled: a history from before the pushed cancel keeps its
    // request as sent and, when cancelled, only cancels its handshake.
    boolean pushCancel =
        Workflow.getVersion(CANCEL_CHANGE_ID, Workflow.DEFAULT_VERSION, 1)
            != Workflow.DEFAULT_VERSION;
    // Detached with the pushed cancel: the workflow's cancellation must not cancel the handshake
    // before the service has been told (pushCancel below).
    CancellationScope handshakeScope =
        pushCancel
            ? Workflow.newDetachedCancellationScope(
                () -> handshakes.add(Async.function(handshake, request)))
            : Workflow.newCancellationScope(
                () -> handshakes.add(Async.function(handshake, request)));
    // Its activity id, so that the watch can find the pending handshake; with the pushed cancel,
    // the request opted out of the service's relayed heartbeats (HandshakeActivityIds).
    String handshakeActivityId = HandshakeActivityIds.schedule(handshakeScope::run, pushCancel);
    Promise<E> delivered = handshakes.get(0);
    return counted(
        start,
        () -> {
          if (!Workflow.await(options.getWatchAfter(), delivered::isCompleted)) {
            E ended =
                watch(delivered, handshakeActivityId, request, options.getWatchExecutionOptions());
            if (ended != null) {
              handshakeScope.cancel();
              throw executionEnded(ended);
            }
          }
          // Throws CanceledFailure when the workflow is cancelled: the detached handshake would
          // not.
          Workflow.await(delivered::isCompleted);
          return delivered.get();
        },
        () -> {
          if (pushCancel && !delivered.isCompleted()) {
            pushCancel(handshakeActivityId, request, options);
            handshakeScope.cancel();
            awaitShielded(delivered);
          }
        });
  }

  /**
   * Logs that the watcher saw the execution end while the handshake was pending, and returns the
   * failure the handshake then fails with.
   */
  private static ApplicationFailure executionEnded(Message ended) {
    boolean cancelled = phase(ended) == PHASE_CANCELLED;
    String id = executionId(ended);
    String state = cancelled ? "CANCELLED" : "FAILED";
    KeyValueLog.warn(
        Workflow.getLogger(WorkflowHandshake.class),
        "The execution ended while the handshake was pending",
        "execution_id",
        id,
        "phase",
        state);
    return ApplicationFailure.newNonRetryableFailure(
        Contract.WATCH_ENDED_MESSAGE.replace("{execution_id}", id).replace("{state}", state),
        cancelled
            ? HandshakeFailureTypes.AGENT_EXECUTION_CANCELLED
            : HandshakeFailureTypes.AGENT_EXECUTION_FAILED);
  }

  /**
   * Tells the service that the workflow was cancelled while the handshake is pending (pushed
   * cancellation): runs {@value CancelExecutionActivity#CANCEL_EXECUTION} in a detached scope and
   * waits for it. A failure of the cancel activity is logged, never thrown: the handshake's own
   * cancellation follows.
   */
  private static <E extends Message> void pushCancel(
      String handshakeActivityId, E request, TerminalOptions options) {
    WatchExecutionActivityImpl.WatchInput input =
        new WatchExecutionActivityImpl.WatchInput(
            handshakeActivityId,
            request instanceof WorkflowExecution
                ? ExecutionKind.EXECUTION_KIND_WORKFLOW
                : ExecutionKind.EXECUTION_KIND_AGENT);
    Workflow.newDetachedCancellationScope(
            () -> {
              try {
                Workflow.newUntypedActivityStub(options.cancelExecutionOptionsOnQueue())
                    .execute(
                        CancelExecutionActivity.CANCEL_EXECUTION,
                        Void.class,
                        new RawValue(input.toPayload()));
              } catch (ActivityFailure e) {
                KeyValueLog.warn(
                    Workflow.getLogger(WorkflowHandshake.class),
                    "Could not cancel the execution through the Stigmer service, cancelling the"
                        + " handshake only",
                    "activity_id",
                    handshakeActivityId,
                    "error",
                    e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
              }
            })
        .run();
  }

  /** Waits, shielded from the workflow's cancellation, until the promise is resolved. */
  private static void awaitShielded(Promise<?> promise) {
    Workflow.newDetachedCancellationScope(
            () -> {
              try {
                promise.get();
              } catch (ActivityFailure | CanceledFailure e) {
                // cancelled with the activity's own cancellation type, or it ended otherwise
              }
            })
        .run();
  }

  /**
   * Runs the watcher until the handshake resolves or the execution is terminal: the FAILED or
   * CANCELLED execution (tokens cleared) when it ended so while the handshake was pending, else
   * null.
   */
  private static <E extends Message> E watch(
      Promise<E> delivered, String handshakeActivityId, E request, ActivityOptions watchOptions) {
    @SuppressWarnings("unchecked")
    Class<E> type = (Class<E>) request.getClass();
    WatchExecutionActivityImpl.WatchInput input =
        new WatchExecutionActivityImpl.WatchInput(
            handshakeActivityId,
            kindOf(request));
    List<Promise<E>> watches = new ArrayList<>(1);
    CancellationScope watchScope =
        Workflow.newCancellationScope(
            () ->
                watches.add(
                    Workflow.newUntypedActivityStub(watchOptions)
                        .executeAsync(
                            WatchExecutionActivity.WATCH_EXECUTION,
                            type,
                            new RawValue(input.toPayload()))));
    watchScope.run();
    Promise<E> watched = watches.get(0);
    Workflow.await(() -> delivered.isCompleted() || watched.isCompleted());
    if (delivered.isCompleted()) {
      watchScope.cancel();
      return null;
    }
    E execution;
    try {
      execution = watched.get();
    } catch (ActivityFailure e) {
      return null; // nothing learnt: wait for the handshake
    }
    int phase = phase(execution);
    return phase == PHASE_FAILED || phase == PHASE_CANCELLED
        ? clearCallbackTokens(execution)
        : null;
  }

  private static final int PHASE_FAILED = 4;
  private static final int PHASE_CANCELLED = 5;

  /**
   * Tells whether an execution is terminal: its {@code status.phase} is COMPLETED (3), FAILED (4)
   * or CANCELLED (5).
   *
   * @param execution an {@code AgentExecution} or a {@code WorkflowExecution}
   * @return whether its phase is terminal
   */
  public static boolean isTerminal(Message execution) {
    return TERMINAL_PHASES.contains(phase(execution));
  }

  private static String outcomeOf(Throwable cause) {
    if (cause instanceof TimeoutFailure) {
      return HandshakeMetrics.OUTCOME_TIMED_OUT;
    }
    if (cause instanceof CanceledFailure) {
      return HandshakeMetrics.OUTCOME_CANCELLED;
    }
    return HandshakeMetrics.OUTCOME_FAILED;
  }

  /**
   * The kind of an execution by its full name, so that a message of any generated class
   * (Stigmer's own, for example) works: WORKFLOW for a {@code WorkflowExecution}, else AGENT.
   */
  static ExecutionKind kindOf(Message execution) {
    return ForeignMessages.sameName(execution, WorkflowExecution.getDefaultInstance())
        ? ExecutionKind.EXECUTION_KIND_WORKFLOW
        : ExecutionKind.EXECUTION_KIND_AGENT;
  }

  /** The number of {@code status.phase}, 0 when the message has none. */
  static int phase(Message execution) {
    FieldDescriptor statusField = execution.getDescriptorForType().findFieldByName("status");
    if (statusField == null || statusField.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
      return 0;
    }
    Message status = (Message) execution.getField(statusField);
    FieldDescriptor phaseField = status.getDescriptorForType().findFieldByName("phase");
    if (phaseField == null || phaseField.getJavaType() != FieldDescriptor.JavaType.ENUM) {
      return 0;
    }
    return ((EnumValueDescriptor) status.getField(phaseField)).getNumber();
  }

  /** The {@code metadata.id}, empty when the message has none. */
  static String executionId(Message execution) {
    FieldDescriptor metadataField = execution.getDescriptorForType().findFieldByName("metadata");
    if (metadataField == null || metadataField.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
      return "";
    }
    Message metadata = (Message) execution.getField(metadataField);
    FieldDescriptor idField = metadata.getDescriptorForType().findFieldByName("id");
    return idField == null ? "" : String.valueOf(metadata.getField(idField));
  }

  /** Settings of {@link #executeToTerminal}. Immutable. */
  @AutoValue
  public abstract static class TerminalOptions {

    TerminalOptions() {}

    /**
     * Returns a builder with the defaults of every SDK.
     *
     * @return a new builder
     */
    public static Builder newBuilder() {
      return new AutoValue_WorkflowHandshake_TerminalOptions.Builder()
          .setGetExecutionOptions(WorkflowHandshake.getExecutionOptions())
          .setWatchAfter(WATCH_AFTER)
          .setWatchExecutionOptions(WorkflowHandshake.watchExecutionOptions())
          .setCancelExecutionOptions(WorkflowHandshake.cancelExecutionOptions());
    }

    /**
     * Returns the options with the defaults of every SDK.
     *
     * @return the options
     */
    public static TerminalOptions getDefaultInstance() {
      return newBuilder().build();
    }

    /** The options of {@value GetExecutionActivity#GET_EXECUTION}. */
    public abstract ActivityOptions getGetExecutionOptions();

    /** How long the handshake may stay pending before the watcher starts. */
    public abstract Duration getWatchAfter();

    /** The options of {@value WatchExecutionActivity#WATCH_EXECUTION}. */
    public abstract ActivityOptions getWatchExecutionOptions();

    /** The options of {@value CancelExecutionActivity#CANCEL_EXECUTION}. */
    public abstract ActivityOptions getCancelExecutionOptions();

    /** The cancel options; without a task queue, the watcher's (as in every SDK). */
    ActivityOptions cancelExecutionOptionsOnQueue() {
      ActivityOptions cancel = getCancelExecutionOptions();
      ActivityOptions watch = getWatchExecutionOptions();
      if (cancel.getTaskQueue() != null || watch.getTaskQueue() == null) {
        return cancel;
      }
      return ActivityOptions.newBuilder(cancel).setTaskQueue(watch.getTaskQueue()).build();
    }

    /** Builder of {@link TerminalOptions}. Not thread-safe. */
    @AutoValue.Builder
    public abstract static class Builder {

      Builder() {}

      /**
       * Sets the options of {@value GetExecutionActivity#GET_EXECUTION} ({@link
       * WorkflowHandshake#getExecutionOptions()} by default).
       *
       * @param options the options
       * @return this builder
       */
      public abstract Builder setGetExecutionOptions(ActivityOptions options);

      /**
       * Sets how long the handshake may stay pending before the watcher starts ({@link
       * WorkflowHandshake#WATCH_AFTER} by default).
       *
       * @param watchAfter a positive duration (checked by {@link #build})
       * @return this builder
       */
      public abstract Builder setWatchAfter(Duration watchAfter);

      /**
       * Sets the options of {@value WatchExecutionActivity#WATCH_EXECUTION} ({@link
       * WorkflowHandshake#watchExecutionOptions()} by default), for example its task queue.
       *
       * @param options the options
       * @return this builder
       */
      public abstract Builder setWatchExecutionOptions(ActivityOptions options);

      /**
       * Sets the options of {@value CancelExecutionActivity#CANCEL_EXECUTION} ({@link
       * WorkflowHandshake#cancelExecutionOptions()} by default), for example its task queue.
       *
       * @param options the options
       * @return this builder
       */
      public abstract Builder setCancelExecutionOptions(ActivityOptions options);

      abstract TerminalOptions autoBuild();

      /**
       * Builds the options.
       *
       * @return the options
       * @throws IllegalArgumentException if the watch delay is not positive
       */
      public TerminalOptions build() {
        TerminalOptions options = autoBuild();
        BuilderArguments.positive(options.getWatchAfter(), "watchAfter");
        return options;
      }
    }
  }
}
