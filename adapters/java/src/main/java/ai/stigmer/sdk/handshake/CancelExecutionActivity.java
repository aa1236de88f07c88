package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.common.converter.RawValue;

/**
 * The caller-side activity {@value #CANCEL_EXECUTION} (pushed cancellation): when the caller's
 * workflow is cancelled while its handshake is pending, {@link WorkflowHandshake#executeToTerminal}
 * runs it so that the service stops the execution at once, instead of when its heartbeat relay
 * learns of the cancellation. Register {@link CancelExecutionActivityImpl} on the caller's worker
 * ({@link StigmerPlugin} does).
 *
 * <p>The input has the watch's shape, {@code json/plain} {@code {"activity_id": <the pending
 * handshake activity's id>, "kind": <ExecutionKind number>}}, as in Go and Python; the execution id
 * is found in the heartbeat details the handshake activity recorded with the service's ACK.
 */
@ActivityInterface
public interface CancelExecutionActivity {

  /** Name of the activity, the same in every SDK. */
  String CANCEL_EXECUTION = Contract.ACTIVITY_CANCEL_EXECUTION;

  /**
   * Finds the pending handshake's execution and calls the service's {@code cancel} for it.
   *
   * @param input {@code json/plain} {@code {"activity_id", "kind"}}
   */
  @ActivityMethod(name = CANCEL_EXECUTION)
  void cancelExecution(RawValue input);
}
