package ai.stigmer.sdk.handshake;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.common.converter.RawValue;

/**
 * The caller-side activity {@value #GET_EXECUTION}: fetches the terminal state of an execution
 * that a service delivered before it was terminal (the deployed Stigmer service completes the caller
 * with the execution as created). {@link WorkflowHandshake#executeToTerminal} schedules it; register
 * {@link GetExecutionActivityImpl} on the caller's worker.
 *
 * <p>Input and result are raw {@code binary/protobuf} payloads of an {@code AgentExecution} or a
 * {@code WorkflowExecution} (told apart by the payload's {@code messageType}), so that one activity
 * serves both kinds whatever data converter the worker has.
 */
@ActivityInterface
public interface GetExecutionActivity {

  /** Name of the activity, the same in every SDK. */
  String GET_EXECUTION = "stigmer/caller/get-execution";

  /**
   * Calls {@code get} for the execution's {@code metadata.id} until its phase is terminal
   * (COMPLETED, FAILED or CANCELLED), with backoff between calls, heartbeating.
   *
   * @param execution the delivered execution, as a {@code binary/protobuf} payload
   * @return the terminal execution, as a {@code binary/protobuf} payload of the same type
   */
  @ActivityMethod(name = GET_EXECUTION)
  RawValue getExecution(RawValue execution);
}
