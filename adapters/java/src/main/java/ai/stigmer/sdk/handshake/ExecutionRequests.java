package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.executioncontext.v1.ExecutionValue;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.commons.apiresource.ApiResourceMetadata;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the deployed Stigmer service requires of a {@code create} request (handshake contract,
 * sections 1.1 and 1.2), the same in every SDK.
 *
 * <p>The SDK sets the annotations {@value IdempotencyKeys#ANNOTATION_KEY} and {@value
 * #RESULT_ENCODING_ANNOTATION} ({@value #RESULT_ENCODING_BINARY_PROTOBUF}), and fills, when they
 * are empty, {@code api_version} ({@value #API_VERSION}), {@code kind}
 * ({@value #AGENT_EXECUTION_KIND} or {@value #WORKFLOW_EXECUTION_KIND}) and {@code metadata.name}
 * ({@link #executionName(String)}: derived from the idempotency key, so that every attempt of one
 * activity names the same execution). It refuses locally, with a non-retryable {@link
 * ApplicationFailure} of type {@value HandshakeFailureTypes#INVALID_REQUEST} and before any RPC,
 * what the deployed service would refuse and the SDK cannot fill; the message is {@code invalid
 * <kind>: <field>: <description>; ...}:
 *
 * <ul>
 *   <li>{@code api_version} or {@code kind} set to another value;
 *   <li>a {@code metadata.name} without an ASCII letter or digit (its slug would be empty);
 *   <li>agent executions: an empty {@code spec.message}; neither {@code spec.agent_id} nor {@code
 *       spec.session_id}; a {@code metadata.owner_scope} set (it inherits its session's);
 *   <li>workflow executions: neither {@code spec.workflow_id} nor {@code
 *       spec.workflow_instance_id}; a {@code metadata.owner_scope} of platform (1) or undefined
 *       (unspecified, organization and identity account are left to the service);
 *   <li>a {@code spec.runtime_env} entry whose {@code value} is empty.
 * </ul>
 */
public final class ExecutionRequests {

  /** The {@code api_version} of agent and workflow executions. */
  public static final String API_VERSION = Contract.API_VERSION;

  /** The {@code kind} of agent executions. */
  public static final String AGENT_EXECUTION_KIND = Contract.AGENT_EXECUTION_KIND;

  /** The {@code kind} of workflow executions. */
  public static final String WORKFLOW_EXECUTION_KIND = Contract.WORKFLOW_EXECUTION_KIND;

  /**
   * Annotation of every create, declaring how the caller's activity decodes its result (handshake
   * contract, "Result-encoding declaration"): with {@value #RESULT_ENCODING_BINARY_PROTOBUF}, the
   * reference service delivers the terminal execution as {@code binary/protobuf}; without it, as
   * the deployed Go service's {@code json/plain}. The three SDKs set it on every create.
   */
  public static final String RESULT_ENCODING_ANNOTATION = Contract.ANNOTATION_RESULT_ENCODING;

  /** The value of {@value #RESULT_ENCODING_ANNOTATION} this SDK declares. */
  public static final String RESULT_ENCODING_BINARY_PROTOBUF =
      Contract.PAYLOAD_RESULT_ENCODING_DECLARED;

  /** Prefix of a derived {@code metadata.name}. */
  public static final String NAME_PREFIX = Contract.EXECUTION_NAME_PREFIX;

  /** Number of hexadecimal characters of the key's SHA-256 in a derived name. */
  public static final int NAME_HEX_LENGTH = Contract.EXECUTION_NAME_HEX_CHARS;

  private static final int OWNER_SCOPE_UNSPECIFIED = 0;
  private static final Set<Integer> WORKFLOW_OWNER_SCOPES = Immutables.set(0, 2, 3);

  private ExecutionRequests() {}

  /**
   * Returns the {@code metadata.name} the SDK gives an execution whose request has none: {@code
   * "exec-"} followed by the first 20 lowercase hexadecimal characters of the SHA-256 of the
   * idempotency key (UTF-8). The Python and Go SDKs derive the same name.
   *
   * @param idempotencyKey the idempotency key of the caller activity
   * @return the name, for example {@code exec-f5fdba99bcea2eb1aa06}
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
    if (request.getApiVersion().isEmpty()) {
      request.setApiVersion(API_VERSION);
    }
    if (request.getKind().isEmpty()) {
      request.setKind(AGENT_EXECUTION_KIND);
    }
    fillMetadata(request.getMetadataBuilder(), idempotencyKey);
    List<String> violations =
        common(
            request.getApiVersion(),
            request.getKind(),
            AGENT_EXECUTION_KIND,
            request.getMetadata());
    if (request.getSpec().getMessage().isEmpty()) {
      violations.add("spec.message: must not be empty");
    }
    if (request.getSpec().getSessionId().isEmpty() && request.getSpec().getAgentId().isEmpty()) {
      violations.add("spec.agent_id: either session_id or agent_id must be set");
    }
    if (request.getMetadata().getOwnerScopeValue() != OWNER_SCOPE_UNSPECIFIED) {
      violations.add(
          "metadata.owner_scope: must be unspecified: an agent execution inherits its session's");
    }
    runtimeEnv(request.getSpec().getRuntimeEnvMap(), violations);
    refuse(request.getKind(), violations);
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
    if (request.getApiVersion().isEmpty()) {
      request.setApiVersion(API_VERSION);
    }
    if (request.getKind().isEmpty()) {
      request.setKind(WORKFLOW_EXECUTION_KIND);
    }
    fillMetadata(request.getMetadataBuilder(), idempotencyKey);
    List<String> violations =
        common(
            request.getApiVersion(),
            request.getKind(),
            WORKFLOW_EXECUTION_KIND,
            request.getMetadata());
    if (request.getSpec().getWorkflowId().isEmpty()
        && request.getSpec().getWorkflowInstanceId().isEmpty()) {
      violations.add("spec.workflow_id: either workflow_id or workflow_instance_id must be set");
    }
    if (!WORKFLOW_OWNER_SCOPES.contains(request.getMetadata().getOwnerScopeValue())) {
      violations.add("metadata.owner_scope: must be organization or identity_account");
    }
    runtimeEnv(request.getSpec().getRuntimeEnvMap(), violations);
    refuse(request.getKind(), violations);
    return request.build();
  }

  private static List<String> common(
      String apiVersion, String kind, String wantedKind, ApiResourceMetadata metadata) {
    List<String> violations = new ArrayList<>();
    if (!apiVersion.equals(API_VERSION)) {
      violations.add("api_version: must be '" + API_VERSION + "'");
    }
    if (!kind.equals(wantedKind)) {
      violations.add("kind: must be '" + wantedKind + "'");
    }
    if (metadata.getName().chars().noneMatch(ExecutionRequests::isAsciiAlphanumeric)) {
      violations.add("metadata.name: must contain an ASCII letter or digit");
    }
    return violations;
  }

  private static boolean isAsciiAlphanumeric(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static void runtimeEnv(Map<String, ExecutionValue> env, List<String> violations) {
    new TreeMap<>(env)
        .forEach(
            (name, value) -> {
              if (value.getValue().isEmpty()) {
                violations.add("spec.runtime_env['" + name + "'].value: must not be empty");
              }
            });
  }

  private static void fillMetadata(ApiResourceMetadata.Builder metadata, String idempotencyKey) {
    if (metadata.getName().isEmpty()) {
      metadata.setName(executionName(idempotencyKey));
    }
    metadata.putAnnotations(IdempotencyKeys.ANNOTATION_KEY, idempotencyKey);
    metadata.putAnnotations(RESULT_ENCODING_ANNOTATION, RESULT_ENCODING_BINARY_PROTOBUF);
  }

  private static void refuse(String kind, List<String> violations) {
    if (violations.isEmpty()) {
      return;
    }
    ApplicationFailure failure =
        ApplicationFailure.newNonRetryableFailure(
            "invalid " + kind + ": " + String.join("; ", violations),
            HandshakeFailureTypes.INVALID_REQUEST);
    failure.setStackTrace(new StackTraceElement[0]);
    throw failure;
  }
}
