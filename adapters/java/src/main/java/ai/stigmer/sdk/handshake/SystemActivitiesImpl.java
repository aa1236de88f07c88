package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import ai.stigmer.sdk.v1.ActivityFailure;
import ai.stigmer.sdk.v1.CompleteExternalActivityInput;
import ai.stigmer.sdk.v1.CompleteExternalActivityOutcome;
import ai.stigmer.sdk.v1.CompleteExternalActivityResult;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.RawValue;
import io.temporal.failure.ApplicationFailure;
import java.util.Objects;

/**
 * Implementation of the completion system activity {@value
 * SystemActivities#COMPLETE_EXTERNAL_ACTIVITY}. Register it on the worker that runs the service's
 * workflows:
 *
 * <pre>{@code
 * ExternalActivityCompleter completer = ExternalActivityCompleter.newBuilder(workflowClient).build();
 * worker.registerActivitiesImplementations(new SystemActivitiesImpl(completer));
 * }</pre>
 *
 * <p>The input is decoded from its raw payload (see {@link SystemActivities}): the proto input as
 * {@code binary/protobuf} or {@code json/protobuf}, or the deployed Go service's {@code json/plain}
 * struct.
 *
 * <ul>
 *   <li>{@code COMPLETED}, {@code ALREADY_COMPLETED}, {@code INVALID_TOKEN}, {@code EMPTY_TOKEN}:
 *       returned as the result;
 *   <li>{@code TRANSIENT}: throws a retryable {@link ApplicationFailure} of type {@value
 *       HandshakeFailureTypes#COMPLETION_TRANSIENT};
 *   <li>an input that cannot be decoded or turned into a completion: throws a non-retryable {@link
 *       ApplicationFailure} of type {@value HandshakeFailureTypes#COMPLETION_INVALID_INPUT};
 *   <li>other Temporal errors: {@link ExternalActivityCompletionException}, which Temporal reports
 *       as a retryable failure.
 * </ul>
 *
 * <p>Each completion is counted in the completion metrics of {@link ExternalActivityCompleter}: in
 * the scope set with {@link ExternalActivityCompleter.Builder#setMetricsScope} if any, else in the
 * metrics scope of the running activity (the worker's, tagged with namespace, task queue and
 * activity type).
 */
public final class SystemActivitiesImpl implements SystemActivities {

  private static final String JSON_PLAIN = Contract.PAYLOAD_JSON_PLAIN;

  private final ExternalActivityCompleter fixedCompleter;
  private final PayloadTypeRegistry registry;
  private final java.util.Map<io.temporal.client.WorkflowClient, ExternalActivityCompleter>
      completers = new java.util.concurrent.ConcurrentHashMap<>();
  private final JsonFormat.Parser jsonParser;

  /**
   * Creates the activity implementation.
   *
   * @param completer the completer bound to the callers' namespace; its type registry also decodes
   *     {@code json/protobuf} inputs
   */
  public SystemActivitiesImpl(ExternalActivityCompleter completer) {
    this(Objects.requireNonNull(completer, "completer"), completer.typeRegistry());
  }

  private SystemActivitiesImpl(ExternalActivityCompleter completer, PayloadTypeRegistry registry) {
    this.fixedCompleter = completer;
    this.registry = registry;
    this.jsonParser =
        JsonFormat.parser().usingTypeRegistry(registry.getJsonTypeRegistry()).ignoringUnknownFields();
  }

  /**
   * Returns an implementation that completes callers through the workflow client of the worker
   * running it ({@code Activity.getExecutionContext().getWorkflowClient()}): its namespace and
   * data converter. {@link StigmerPlugin} registers this one.
   *
   * @param registry the result types it encodes and decodes
   * @return the activity implementation
   */
  public static SystemActivitiesImpl withWorkerClient(PayloadTypeRegistry registry) {
    return new SystemActivitiesImpl(null, Objects.requireNonNull(registry, "registry"));
  }

  private ExternalActivityCompleter completer() {
    if (fixedCompleter != null) {
      return fixedCompleter;
    }
    return completers.computeIfAbsent(
        io.temporal.activity.Activity.getExecutionContext().getWorkflowClient(),
        client -> ExternalActivityCompleter.newBuilder(client).setTypeRegistry(registry).build());
  }

  /**
   * {@inheritDoc}
   *
   * @throws ApplicationFailure of type {@value HandshakeFailureTypes#COMPLETION_TRANSIENT}
   *     (retryable) or {@value HandshakeFailureTypes#COMPLETION_INVALID_INPUT} (non-retryable)
   * @throws ExternalActivityCompletionException when Temporal answers another error
   */
  @Override
  public CompleteExternalActivityResult completeExternalActivity(RawValue input) {
    Objects.requireNonNull(input, "input");
    Payload payload = input.getPayload();
    String encoding =
        payload.getMetadataOrDefault(PayloadTypeRegistry.ENCODING_KEY, ByteString.EMPTY)
            .toStringUtf8();
    switch (encoding) {
      case PayloadTypeRegistry.BINARY_PROTOBUF:
        try {
          return complete(CompleteExternalActivityInput.parseFrom(payload.getData()));
        } catch (InvalidProtocolBufferException e) {
          throw invalidInput("binary/protobuf: " + e.getMessage());
        }
      case PayloadTypeRegistry.JSON_PROTOBUF:
        {
          CompleteExternalActivityInput.Builder proto = CompleteExternalActivityInput.newBuilder();
          try {
            jsonParser.merge(payload.getData().toStringUtf8(), proto);
          } catch (InvalidProtocolBufferException e) {
            throw invalidInput("json/protobuf: " + e.getMessage());
          }
          return complete(proto.build());
        }
      case JSON_PLAIN:
        {
          DeployedSystemInput deployed;
          try {
            deployed = DeployedSystemInput.parse(payload);
          } catch (IllegalArgumentException e) {
            throw invalidInput(e.getMessage());
          }
          return completeDeployed(deployed);
        }
      default:
        throw invalidInput("unsupported encoding " + (encoding.isEmpty() ? "<none>" : encoding));
    }
  }

  /**
   * Carries out the deployed service's input: fails the caller for an {@code Error}, else completes
   * it with {@code Result} as {@code json/plain} without its tokens (no result for null).
   */
  private CompleteExternalActivityResult completeDeployed(DeployedSystemInput deployed) {
    if (deployed.failed()) {
      return complete(
          CompletionInputs.failure(
              deployed.callbackToken(),
              ActivityFailure.newBuilder()
                  .setType(HandshakeFailureTypes.AGENT_EXECUTION_FAILED)
                  .setMessage(deployed.failureMessage())
                  .setNonRetryable(true)
                  .build()));
    }
    if (deployed.result() == null) {
      return complete(
          CompleteExternalActivityInput.newBuilder()
              .setCallbackToken(deployed.callbackToken())
              .build());
    }
    return checked(
        completer().completeInActivity(
            deployed.callbackToken(), deployed.executionId(), deployed.resultPayload()),
        deployed.callbackToken());
  }

  /**
   * Completes the caller with a decoded input, as the activity does once it has decoded its input.
   *
   * @param input the token and how the caller's activity ends
   * @return the outcome: {@code COMPLETED}, {@code ALREADY_COMPLETED}, {@code INVALID_TOKEN} or
   *     {@code EMPTY_TOKEN}
   * @throws ApplicationFailure of type {@value HandshakeFailureTypes#COMPLETION_TRANSIENT}
   *     (retryable) or {@value HandshakeFailureTypes#COMPLETION_INVALID_INPUT} (non-retryable)
   * @throws ExternalActivityCompletionException when Temporal answers another error
   */
  public CompleteExternalActivityResult complete(CompleteExternalActivityInput input) {
    CompleteExternalActivityResult result;
    try {
      result = completer().completeInActivity(input);
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailureWithCause(
          e.getMessage(), HandshakeFailureTypes.COMPLETION_INVALID_INPUT, e);
    }
    return checked(result, input.getCallbackToken());
  }

  /** Returns the result, or throws the retryable failure of a {@code TRANSIENT} one. */
  private static CompleteExternalActivityResult checked(
      CompleteExternalActivityResult result, ByteString token) {
    if (result.getOutcome()
        == CompleteExternalActivityOutcome.COMPLETE_EXTERNAL_ACTIVITY_OUTCOME_TRANSIENT) {
      // Small enough for Temporal to keep it as the pending activity's last failure (4 KiB).
      throw ApplicationFailures.withoutStackTrace(
          ApplicationFailure.newFailure(
              "transient error completing the external activity: "
                  + result.getMessage()
                  + " (token_preview="
                  + result.getTokenPreview()
                  + ", token_digest="
                  + TaskTokens.digest(token)
                  + ")",
              HandshakeFailureTypes.COMPLETION_TRANSIENT));
    }
    return result;
  }

  private static ApplicationFailure invalidInput(String reason) {
    return ApplicationFailures.nonRetryable(
        "invalid " + COMPLETE_EXTERNAL_ACTIVITY + " input: " + reason,
        HandshakeFailureTypes.COMPLETION_INVALID_INPUT);
  }
}
