package ai.stigmer.sdk.handshake;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandControllerGrpc.AgentExecutionCommandControllerBlockingStub;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandControllerGrpc.WorkflowExecutionCommandControllerBlockingStub;
import ai.stigmer.sdk.v1.CompleteExternalActivityInput;
import ai.stigmer.sdk.v1.CompleteExternalActivityResult;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.RawValue;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;

/** Workflows and activities the integration tests run: callers and a Stigmer-like service. */
public final class Fixtures {

  private Fixtures() {}

  /** The caller's activities: each starts an execution and goes pending. */
  @ActivityInterface
  public interface CallerActivities {
    AgentExecution runAgent(AgentExecution execution);

    WorkflowExecution runWorkflow(WorkflowExecution execution);
  }

  /** Uses {@link StigmerHandshake} exactly as the README shows. */
  public static final class CallerActivitiesImpl implements CallerActivities {
    private final StigmerHandshake agents;
    private final StigmerHandshake workflows;

    CallerActivitiesImpl(
        AgentExecutionCommandControllerBlockingStub agents,
        WorkflowExecutionCommandControllerBlockingStub workflows,
        HandshakeOptions options) {
      this.agents = new StigmerHandshake(agents, null, options);
      this.workflows =
          new StigmerHandshake(null, workflows, HandshakeOptions.getDefaultInstance());
    }

    @Override
    public AgentExecution runAgent(AgentExecution execution) {
      agents.executeAgentAndWaitPending(execution);
      return null;
    }

    @Override
    public WorkflowExecution runWorkflow(WorkflowExecution execution) {
      workflows.executeWorkflowAndWaitPending(execution);
      return null;
    }
  }

  static ActivityOptions callerOptions() {
    // Waits for the activity to report its cancellation, so that the test sees what the service
    // reported with reportCancellation.
    return ActivityOptions.newBuilder(
            HandshakeActivityOptions.forExpectedDuration(Duration.ofMinutes(1)))
        .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
        .build();
  }

  /** A caller workflow: runs one agent and returns the finished execution. */
  @WorkflowInterface
  public interface AgentCaller {
    @WorkflowMethod
    AgentExecution run(AgentExecution request);
  }

  /** Returns the activity's result. */
  public static final class AgentCallerImpl implements AgentCaller {
    private final CallerActivities activities =
        Workflow.newActivityStub(CallerActivities.class, callerOptions());

    @Override
    public AgentExecution run(AgentExecution request) {
      return activities.runAgent(request);
    }
  }

  /** A caller workflow that wrongly runs the handshake in a local activity. */
  @WorkflowInterface
  public interface LocalCaller {
    @WorkflowMethod
    AgentExecution run(AgentExecution request);
  }

  /** Runs the agent activity as a local activity, once. */
  public static final class LocalCallerImpl implements LocalCaller {
    private final CallerActivities activities =
        Workflow.newLocalActivityStub(
            CallerActivities.class,
            LocalActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());

    @Override
    public AgentExecution run(AgentExecution request) {
      return activities.runAgent(request);
    }
  }

  /** A caller workflow that wants the terminal execution, as the README shows. */
  @WorkflowInterface
  public interface TerminalCaller {
    @WorkflowMethod
    AgentExecution run(AgentExecution request);
  }

  /** Uses {@link WorkflowHandshake#executeToTerminal}. */
  public static final class TerminalCallerImpl implements TerminalCaller {
    private final CallerActivities activities =
        Workflow.newActivityStub(CallerActivities.class, callerOptions());

    @Override
    public AgentExecution run(AgentExecution request) {
      return WorkflowHandshake.executeToTerminal(
          activities::runAgent,
          request,
          ActivityOptions.newBuilder(WorkflowHandshake.getExecutionOptions())
              .setHeartbeatTimeout(Duration.ofSeconds(10))
              .build());
    }
  }

  /**
   * The callers of the cancellation and tracing tests: the terminal execution, the watcher
   * starting after {@code watchAfter}, the handshake scheduled with {@code activityOptions}. Each
   * test's workflow type extends it with its own interface (the type names its histories hold).
   */
  public abstract static class WatchingCallerImpl {
    private final CallerActivities activities;
    private final WorkflowHandshake.TerminalOptions options;

    protected WatchingCallerImpl(ActivityOptions activityOptions, Duration watchAfter) {
      this.activities = Workflow.newActivityStub(CallerActivities.class, activityOptions);
      this.options = WorkflowHandshake.TerminalOptions.newBuilder().setWatchAfter(watchAfter).build();
    }

    /** The contract's watch delay and the default caller options. */
    protected WatchingCallerImpl() {
      this(callerOptions(), WorkflowHandshake.TerminalOptions.getDefaultInstance().getWatchAfter());
    }

    public AgentExecution run(AgentExecution request) {
      return WorkflowHandshake.executeToTerminal(activities::runAgent, request, options);
    }
  }

  /** A caller workflow that wants the terminal Stigmer workflow execution. */
  @WorkflowInterface
  public interface TerminalWorkflowCaller {
    @WorkflowMethod
    WorkflowExecution run(WorkflowExecution request);
  }

  /** Uses {@link WorkflowHandshake#executeToTerminal} for a workflow execution. */
  public static final class TerminalWorkflowCallerImpl implements TerminalWorkflowCaller {
    private final CallerActivities activities =
        Workflow.newActivityStub(CallerActivities.class, callerOptions());

    @Override
    public WorkflowExecution run(WorkflowExecution request) {
      return WorkflowHandshake.executeToTerminal(activities::runWorkflow, request);
    }
  }

  /** A caller workflow: runs one Stigmer workflow execution. */
  @WorkflowInterface
  public interface WorkflowCaller {
    @WorkflowMethod
    WorkflowExecution run(WorkflowExecution request);
  }

  /** Returns the activity's result. */
  public static final class WorkflowCallerImpl implements WorkflowCaller {
    private final CallerActivities activities =
        Workflow.newActivityStub(CallerActivities.class, callerOptions());

    @Override
    public WorkflowExecution run(WorkflowExecution request) {
      return activities.runWorkflow(request);
    }
  }

  /**
   * A service's execution workflow, reduced to its end: completes the caller with the finished
   * execution (success path), or fails it and then fails itself with the original error (failure
   * path) when {@code failureMessage} is set.
   */
  @WorkflowInterface
  public interface Service {
    @WorkflowMethod
    CompleteExternalActivityResult run(
        byte[] token, AgentExecution finished, String failureMessage);
  }

  /** Uses {@link WorkflowCompletions} exactly as the README shows. */
  public static final class ServiceImpl implements Service {
    @Override
    public CompleteExternalActivityResult run(
        byte[] token, AgentExecution finished, String failureMessage) {
      ByteString callbackToken = ByteString.copyFrom(token);
      String id = finished.getMetadata().getId();
      if (failureMessage == null) {
        return WorkflowCompletions.completeOnSuccess(
            CompletionInputs.result(callbackToken, finished, It.options(id)));
      }
      ApplicationFailure original =
          ApplicationFailure.newNonRetryableFailure(failureMessage, "AGENT_EXECUTION_FAILED");
      WorkflowCompletions.completeOnFailure(
          CompletionInputs.failure(
              callbackToken,
              It.failure("AGENT_EXECUTION_FAILED")
                  .setMessage(failureMessage)
                  .setNonRetryable(true)
                  .addDetails(Any.pack(finished))
                  .build(),
              It.options(id)));
      throw original;
    }
  }

  /**
   * A service workflow that schedules the system activity through its typed interface, so that the
   * input travels as {@code json/protobuf}: what a workflow in another language sends.
   */
  @WorkflowInterface
  public interface JsonInputService {
    @WorkflowMethod
    CompleteExternalActivityResult run(byte[] token, AgentExecution finished);
  }

  /** Schedules {@link SystemActivities} with its input as JSON. */
  public static final class JsonInputServiceImpl implements JsonInputService {
    @Override
    public CompleteExternalActivityResult run(byte[] token, AgentExecution finished) {
      CompleteExternalActivityInput input =
          CompletionInputs.result(
              ByteString.copyFrom(token),
              finished,
              It.options(finished.getMetadata().getId()));
      // Through the workflow's data converter: json/protobuf, as the Python SDK sends it.
      return Workflow.newUntypedActivityStub(WorkflowCompletions.activityOptions())
          .execute(
              SystemActivities.COMPLETE_EXTERNAL_ACTIVITY,
              CompleteExternalActivityResult.class,
              input);
    }
  }

  /**
   * A service workflow that schedules the system activity with the input the deployed Stigmer Go
   * service sends: its JSON struct as a {@code json/plain} payload.
   */
  @WorkflowInterface
  public interface DeployedInputService {
    @WorkflowMethod
    CompleteExternalActivityResult run(String deployedInputJson);
  }

  /** Schedules {@link SystemActivities} with a json/plain input. */
  public static final class DeployedInputServiceImpl implements DeployedInputService {
    @Override
    public CompleteExternalActivityResult run(String deployedInputJson) {
      Payload payload =
          Payload.newBuilder()
              .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
              .setData(ByteString.copyFromUtf8(deployedInputJson))
              .build();
      return Workflow.newUntypedActivityStub(WorkflowCompletions.activityOptions())
          .execute(
              SystemActivities.COMPLETE_EXTERNAL_ACTIVITY,
              CompleteExternalActivityResult.class,
              new RawValue(payload));
    }
  }
}
