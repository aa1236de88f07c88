package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.v1.CompleteExternalActivityInput;
import ai.stigmer.sdk.v1.CompleteExternalActivityResult;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The completion system activity, registered under the name {@value #COMPLETE_EXTERNAL_ACTIVITY}
 * (handshake contract, section 5). Workflow code must stay deterministic and cannot call the
 * Temporal client, so a service's workflow schedules this activity when an execution ends; the
 * activity completes the caller's activity with the token.
 *
 * <p>Register {@link SystemActivitiesImpl} on the service's worker. Schedule it from a Java
 * workflow with {@link WorkflowCompletions}, which sends the input as a {@code binary/protobuf}
 * payload: the default Java data converter writes proto messages as JSON, and the JSON of a {@code
 * google.protobuf.Any} result cannot be written or read without knowing the packed type. Workflows
 * in other languages schedule the activity by its name with a {@code
 * ai.stigmer.sdk.v1.CompleteExternalActivityInput}.
 */
@ActivityInterface
public interface SystemActivities {

  /** Name of the completion system activity, the same in every SDK. */
  String COMPLETE_EXTERNAL_ACTIVITY = "stigmer/system/complete-external-activity";

  /**
   * Completes, fails or cancels the caller's activity identified by {@code input.callback_token}.
   *
   * <p>{@code COMPLETED}, {@code ALREADY_COMPLETED}, {@code INVALID_TOKEN} and {@code EMPTY_TOKEN}
   * are returned; {@code TRANSIENT} fails this activity with a retryable application failure of
   * type {@value HandshakeFailureTypes#COMPLETION_TRANSIENT}, so Temporal retries it.
   *
   * @param input the token and how the caller's activity ends
   * @return the outcome, with the server's message and the token preview
   */
  @ActivityMethod(name = COMPLETE_EXTERNAL_ACTIVITY)
  CompleteExternalActivityResult completeExternalActivity(CompleteExternalActivityInput input);
}
