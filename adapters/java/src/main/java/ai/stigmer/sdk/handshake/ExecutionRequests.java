package ai.stigmer.sdk.handshake;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.commons.apiresource.ApiResourceMetadata;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the deployed Stigmer service requires of a {@code create} request (handshake contract,
 * "Deployed-service create fields"), the same in every SDK.
 *
 * <p>The SDK fills, when they are empty, {@code api_version} ({@value #API_VERSION}), {@code kind}
 * ({@value #AGENT_EXECUTION_KIND} or {@value #WORKFLOW_EXECUTION_KIND}) and {@code metadata.name}
 * ({@link #executionName(String)}: derived from the idempotency key, so that every attempt of one
 * activity names the same execution). It refuses locally, with a non-retryable {@link
 * ApplicationFailure} of type {@value HandshakeFailureTypes#INVALID_REQUEST} and before any RPC,
 * what the deployed service would refuse and the SDK cannot fill:
 *
 * <ul>
 *   <li>{@code api_version} or {@code kind} set to another value;
 *   <li>agent executions: an empty {@code spec.message}; neither {@code spec.agent_id} nor {@code
 *       spec.session_id}; a {@code metadata.owner_scope} other than unspecified (when the generated
 *       schema has the field);
 *   <li>workflow executions: neither {@code spec.workflow_id} nor {@code
 *       spec.workflow_instance_id}; a {@code metadata.owner_scope} other than organization (2) or
 *       identity account (3) (when the generated schema has the field).
 * </ul>
 */
public final class ExecutionRequests {

  /** The {@code api_version} of agent and workflow executions. */
  public static final String API_VERSION = "agentic.stigmer.ai/v1";

  /** The {@code kind} of agent executions. */
  public static final String AGENT_EXECUTION_KIND = "AgentExecution";

  /** The {@code kind} of workflow executions. */
  public static final String WORKFLOW_EXECUTION_KIND = "WorkflowExecution";

  /** Prefix of a derived {@code metadata.name}. */
  public static final String NAME_PREFIX = "exec-";

  /** Number of hexadecimal characters of the key's SHA-256 in a derived name. */
  public static final int NAME_HEX_LENGTH = 20;

  private static final int OWNER_SCOPE_UNSPECIFIED = 0;
  private static final Set<Integer> WORKFLOW_OWNER_SCOPES = Set.of(2, 3);

  private ExecutionRequests() {}

  /**
   * Returns the {@code metadata.name} the SDK gives an execution whose request has none: {@code
   * "exec-"} followed by the first 20 lowercase hexadecimal characters of the SHA-256 of the
   * idempotency key (UTF-8). The Python and Go SDKs derive the same name.
   *
   * @param idempotencyKey the idempotency key of the caller activity
   * @return the name, for example {@code exec-3f1c0e5a9b7d2c4e6f80}
   */
  public static String executionName(String idempotencyKey) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    return NAME_PREFIX
        + Digests.sha256Hex(idempotencyKey.getBytes(StandardCharsets.UTF_8))
            .substring(0, NAME_HEX_LENGTH);
  }

  /**
   * Fills what the SDK fills on an agent execution request and checks the rest.
   *
   * @param execution the request as the caller wrote it; not modified
   * @param idempotencyKey the idempotency key of the caller activity
   * @return a copy with {@code api_version}, {@code kind}, {@code metadata.name} and the
   *     idempotency annotation set
   * @throws ApplicationFailure non-retryable, of type {@value
   *     HandshakeFailureTypes#INVALID_REQUEST}, naming every problem
   */
  public static AgentExecution prepareAgent(AgentExecution execution, String idempotencyKey) {
    AgentExecution.Builder request = execution.toBuilder();
    List<String> problems = new ArrayList<>();
    request.setApiVersion(fill("api_version", request.getApiVersion(), API_VERSION, problems));
    request.setKind(fill("kind", request.getKind(), AGENT_EXECUTION_KIND, problems));
    fillMetadata(request.getMetadataBuilder(), idempotencyKey);
    if (request.getSpec().getMessage().isEmpty()) {
      problems.add("spec.message must not be empty");
    }
    if (request.getSpec().getAgentId().isEmpty() && request.getSpec().getSessionId().isEmpty()) {
      problems.add("spec.agent_id or spec.session_id must be set");
    }
    Integer scope = ownerScope(request.getMetadataBuilder());
    if (scope != null && scope != OWNER_SCOPE_UNSPECIFIED) {
      problems.add("metadata.owner_scope must be unspecified for an AgentExecution");
    }
    refuse("agent", problems);
    return request.build();
  }

  /**
   * Fills what the SDK fills on a workflow execution request and checks the rest.
   *
   * @param execution the request as the caller wrote it; not modified
   * @param idempotencyKey the idempotency key of the caller activity
   * @return a copy with {@code api_version}, {@code kind}, {@code metadata.name} and the
   *     idempotency annotation set
   * @throws ApplicationFailure non-retryable, of type {@value
   *     HandshakeFailureTypes#INVALID_REQUEST}, naming every problem
   */
  public static WorkflowExecution prepareWorkflow(
      WorkflowExecution execution, String idempotencyKey) {
    WorkflowExecution.Builder request = execution.toBuilder();
    List<String> problems = new ArrayList<>();
    request.setApiVersion(fill("api_version", request.getApiVersion(), API_VERSION, problems));
    request.setKind(fill("kind", request.getKind(), WORKFLOW_EXECUTION_KIND, problems));
    fillMetadata(request.getMetadataBuilder(), idempotencyKey);
    if (request.getSpec().getWorkflowId().isEmpty()
        && request.getSpec().getWorkflowInstanceId().isEmpty()) {
      problems.add("spec.workflow_id or spec.workflow_instance_id must be set");
    }
    Integer scope = ownerScope(request.getMetadataBuilder());
    if (scope != null && !WORKFLOW_OWNER_SCOPES.contains(scope)) {
      problems.add(
          "metadata.owner_scope must be organization (2) or identity_account (3) for a "
              + "WorkflowExecution");
    }
    refuse("workflow", problems);
    return request.build();
  }

  private static String fill(String field, String value, String wanted, List<String> problems) {
    if (value.isEmpty() || value.equals(wanted)) {
      return wanted;
    }
    problems.add(field + " must be \"" + wanted + "\", not \"" + value + "\"");
    return value;
  }

  private static void fillMetadata(ApiResourceMetadata.Builder metadata, String idempotencyKey) {
    if (metadata.getName().isEmpty()) {
      metadata.setName(executionName(idempotencyKey));
    }
    metadata.putAnnotations(IdempotencyKeys.ANNOTATION_KEY, idempotencyKey);
  }

  /**
   * {@code metadata.owner_scope} by reflection, so that this works with generated code that has the
   * field (the deployed schema) and code that does not: {@code null} without it.
   */
  private static Integer ownerScope(ApiResourceMetadata.Builder metadata) {
    FieldDescriptor field = metadata.getDescriptorForType().findFieldByName("owner_scope");
    if (field == null
        || field.getJavaType() != FieldDescriptor.JavaType.ENUM
        || field.isRepeated()) {
      return null;
    }
    return ((EnumValueDescriptor) metadata.getField(field)).getNumber();
  }

  private static void refuse(String kind, List<String> problems) {
    if (problems.isEmpty()) {
      return;
    }
    ApplicationFailure failure =
        ApplicationFailure.newNonRetryableFailure(
            "invalid " + kind + " execution request: " + String.join("; ", problems),
            HandshakeFailureTypes.INVALID_REQUEST);
    failure.setStackTrace(new StackTraceElement[0]);
    throw failure;
  }
}
