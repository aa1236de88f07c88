package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import ai.stigmer.sdk.v1.GetExecutionInput;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.common.converter.RawValue;

/**
 * The caller-side activity {@value #GET_EXECUTION}: fetches the terminal state of an execution
 * that a service delivered before it was terminal (the deployed Stigmer service completes the
 * caller with the execution as created). {@link WorkflowHandshake#executeToTerminal} schedules
 * it; register {@link GetExecutionActivityImpl} on the caller's worker.
 *
 * <p>The input is an {@code ai.stigmer.sdk.v1.GetExecutionInput{kind, execution_id}}, sent as
 * {@code binary/protobuf} by every SDK's helper; the result is the terminal execution as a raw
 * {@code binary/protobuf} payload of its type, with its callback tokens cleared, so that one
 * activity serves both kinds whatever data converter the worker has.
 */
@ActivityInterface
public interface GetExecutionActivity {

  /** Name of the activity, the same in every SDK. */
  String GET_EXECUTION = Contract.ACTIVITY_GET_EXECUTION;

  /**
   * Calls {@code get} for the execution until its phase is terminal (COMPLETED, FAILED or
   * CANCELLED), with backoff between calls, heartbeating after every call.
   *
   * @param input the kind and id of the execution
   * @return the terminal execution, callback tokens cleared, as a {@code binary/protobuf} payload
   */
  @ActivityMethod(name = GET_EXECUTION)
  RawValue getExecution(GetExecutionInput input);
}
