package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import ai.stigmer.sdk.v1.CompleteExternalActivityResult;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.common.converter.RawValue;

/**
 * The completion system activity, registered under the name {@value #COMPLETE_EXTERNAL_ACTIVITY}
 * (handshake contract, section 5). Workflow code must stay deterministic and cannot call the
 * Temporal client, so a service's workflow schedules this activity when an execution ends; the
 * activity completes the caller's activity with the token.
 *
 * <p>The input is taken as the raw payload and decoded by the implementation, whatever data
 * converter the worker's client has, so that one worker serves every sender:
 *
 * <ul>
 *   <li>a {@code ai.stigmer.sdk.v1.CompleteExternalActivityInput} as {@code binary/protobuf} (what
 *       {@link WorkflowCompletions} and the Go SDK send) or {@code json/protobuf} (the Python SDK);
 *   <li>the deployed Stigmer Go service's {@code json/plain} struct {@code {"CallbackToken":
 *       "<base64>", "Result": <any JSON or null>, "Error": <object or null>}}, read as {@link
 *       StigmerJsonPlainPayloadConverter} describes: an {@code Error} that is present, even {@code
 *       {}}, fails the caller with type {@code AGENT_EXECUTION_FAILED}.
 * </ul>
 *
 * <p>Register {@link SystemActivitiesImpl} on the service's worker. Schedule it from a Java
 * workflow with {@link WorkflowCompletions}; workflows in other languages schedule it by its name.
 */
@ActivityInterface
public interface SystemActivities {

  /** Name of the completion system activity, the same in every SDK. */
  String COMPLETE_EXTERNAL_ACTIVITY = Contract.ACTIVITY_SYSTEM;

  /**
   * Completes, fails or cancels the caller's activity identified by the input's callback token.
   *
   * <p>{@code COMPLETED}, {@code ALREADY_COMPLETED}, {@code INVALID_TOKEN} and {@code EMPTY_TOKEN}
   * are returned; {@code TRANSIENT} fails this activity with a retryable application failure of
   * type {@value HandshakeFailureTypes#COMPLETION_TRANSIENT}, so Temporal retries it; an input that
   * cannot be decoded fails it with a non-retryable {@value
   * HandshakeFailureTypes#COMPLETION_INVALID_INPUT}.
   *
   * @param input the payload of the input, in any of the encodings above
   * @return the outcome, with the server's message and the token preview
   */
  @ActivityMethod(name = COMPLETE_EXTERNAL_ACTIVITY)
  CompleteExternalActivityResult completeExternalActivity(RawValue input);
}
