package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.common.converter.RawValue;

/**
 * The caller-side activity {@value #WATCH_EXECUTION}: while the caller's handshake activity is
 * still pending, watches its execution until it is terminal, so that {@link
 * WorkflowHandshake#executeToTerminal} learns of a FAILED or CANCELLED execution even from a
 * service that cannot complete the caller (the deployed Stigmer service, whose completion activity
 * cannot decode its own {@code Error}). Register {@link WatchExecutionActivityImpl} on the caller's
 * worker ({@link StigmerPlugin} does).
 *
 * <p>The input is {@code json/plain} {@code {"activity_id": <the pending handshake activity's id>,
 * "kind": <ExecutionKind number>}}, as in Go and Python, so that any SDK's worker can run any
 * SDK's watch; the execution id, unknown to the workflow while the handshake is pending, is found
 * in the heartbeat details that the handshake activity recorded with the service's ACK (a {@code
 * binary/protobuf} {@code GetExecutionInput}, {@link StigmerHandshake}). The result is the
 * terminal execution as a {@code binary/protobuf} payload, callback tokens cleared.
 */
@ActivityInterface
public interface WatchExecutionActivity {

  /** Name of the activity, the same in every SDK. */
  String WATCH_EXECUTION = Contract.ACTIVITY_WATCH_EXECUTION;

  /**
   * Finds the pending handshake's execution, then calls {@code get} until its phase is terminal,
   * with backoff from 5 s, doubling, capped at 30 s, heartbeating after every call.
   *
   * @param input {@code json/plain} {@code {"activity_id", "kind"}}
   * @return the terminal execution, callback tokens cleared, as a {@code binary/protobuf} payload
   */
  @ActivityMethod(name = WATCH_EXECUTION)
  RawValue watchExecution(RawValue input);
}
