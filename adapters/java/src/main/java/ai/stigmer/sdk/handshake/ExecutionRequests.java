package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.executioncontext.v1.ExecutionValue;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.commons.apiresource.ApiResourceMetadata;
import ai.stigmer.commons.apiresource.ApiResourceOwnerScope;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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
 * what breaks the create rules; the message is {@code invalid <kind>: <field>: <description>;
 * ...}, sorted by field path, then description.
 *
 * <p>The create rules are the {@code buf.validate} constraints declared on the protos
 * (proto/ai/stigmer/agentic; handshake contract section 1.2), which the Python and Go SDKs and the
 * reference service check with protovalidate. protovalidate-java needs protobuf-java 4, and this
 * adapter is on the Temporal Java SDK's protobuf-java 3.25, so this class checks the same rules in
 * code, with protovalidate's field paths and the rules' messages; its tests hold it to the vectors
 * every SDK checks (tests/create_rules_vectors.json):
 *
 * <ul>
 *   <li>{@code api_version} or {@code kind} other than the constant ({@code string.const});
 *   <li>{@code metadata}: a name without an ASCII letter or digit (its slug would be empty); an
 *       agent execution's owner scope set (it inherits its session's); a workflow execution's
 *       owner scope other than unspecified, organization or identity account;
 *   <li>{@code metadata.owner_scope}: an undefined value ({@code enum.defined_only});
 *   <li>{@code spec}: neither {@code agent_id} nor {@code session_id}, neither {@code
 *       workflow_id} nor {@code workflow_instance_id};
 *   <li>{@code spec.message} of an agent execution empty, a {@code spec.runtime_env} entry's
 *       {@code value} empty ({@code string.min_len}).
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
    refuse(request.getKind(), agentViolations(request.build()));
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
    refuse(request.getKind(), workflowViolations(request.build()));
    return request.build();
  }

  /**
   * The create rules an agent execution request breaks, as {@code <field>: <description>}, sorted
   * by field path, then description.
   *
   * @param request the request as it would be sent
   * @return the violations; empty when the request keeps every rule
   */
  static List<String> agentViolations(AgentExecution request) {
    List<String[]> violations =
        common(
            request.getApiVersion(),
            request.getKind(),
            AGENT_EXECUTION_KIND,
            request.getMetadata());
    if (request.getMetadata().getOwnerScopeValue() != OWNER_SCOPE_UNSPECIFIED) {
      violations.add(new String[] {"metadata", AGENT_OWNER_SCOPE});
    }
    if (request.getSpec().getSessionId().isEmpty() && request.getSpec().getAgentId().isEmpty()) {
      violations.add(new String[] {"spec", "either agent_id or session_id must be set"});
    }
    if (request.getSpec().getMessage().isEmpty()) {
      violations.add(new String[] {"spec.message", MIN_LEN_1});
    }
    runtimeEnv(request.getSpec().getRuntimeEnvMap(), violations);
    return sorted(violations);
  }

  /**
   * The create rules a workflow execution request breaks, as {@code <field>: <description>},
   * sorted by field path, then description.
   *
   * @param request the request as it would be sent
   * @return the violations; empty when the request keeps every rule
   */
  static List<String> workflowViolations(WorkflowExecution request) {
    List<String[]> violations =
        common(
            request.getApiVersion(),
            request.getKind(),
            WORKFLOW_EXECUTION_KIND,
            request.getMetadata());
    if (!WORKFLOW_OWNER_SCOPES.contains(request.getMetadata().getOwnerScopeValue())) {
      violations.add(new String[] {"metadata", WORKFLOW_OWNER_SCOPE});
    }
    if (request.getSpec().getWorkflowId().isEmpty()
        && request.getSpec().getWorkflowInstanceId().isEmpty()) {
      violations.add(
          new String[] {"spec", "either workflow_id or workflow_instance_id must be set"});
    }
    runtimeEnv(request.getSpec().getRuntimeEnvMap(), violations);
    return sorted(violations);
  }

  // The rules' messages, as declared on the protos (CEL) or protovalidate's standard rules.
  private static final String MIN_LEN_1 = "must be at least 1 characters";
  private static final String AGENT_OWNER_SCOPE =
      "AgentExecution owner_scope must be unspecified (inherits premission from session)";
  private static final String WORKFLOW_OWNER_SCOPE =
      "WorkflowExecution resources can only have organization or identity_account scope";
  private static final String NAME_SLUG =
      "name must contain an ASCII letter or digit (the slug is derived from it)";

  private static List<String[]> common(
      String apiVersion, String kind, String wantedKind, ApiResourceMetadata metadata) {
    List<String[]> violations = new ArrayList<>();
    if (!apiVersion.equals(API_VERSION)) {
      violations.add(new String[] {"api_version", "must equal `" + API_VERSION + "`"});
    }
    if (!kind.equals(wantedKind)) {
      violations.add(new String[] {"kind", "must equal `" + wantedKind + "`"});
    }
    if (metadata.getName().chars().noneMatch(ExecutionRequests::isAsciiAlphanumeric)) {
      violations.add(new String[] {"metadata", NAME_SLUG});
    }
    if (metadata.getOwnerScope() == ApiResourceOwnerScope.UNRECOGNIZED) {
      violations.add(
          new String[] {"metadata.owner_scope", "value must be one of the defined enum values"});
    }
    return violations;
  }

  private static boolean isAsciiAlphanumeric(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static void runtimeEnv(Map<String, ExecutionValue> env, List<String[]> violations) {
    env.forEach(
        (name, value) -> {
          if (value.getValue().isEmpty()) {
            violations.add(new String[] {"spec.runtime_env[" + quote(name) + "].value", MIN_LEN_1});
          }
        });
  }

  /** A map key as protovalidate writes it in a field path: a double-quoted string. */
  private static String quote(String key) {
    return "\"" + key.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static List<String> sorted(List<String[]> violations) {
    violations.sort(
        Comparator.<String[], String>comparing(v -> v[0]).thenComparing(v -> v[1]));
    List<String> text = new ArrayList<>(violations.size());
    for (String[] violation : violations) {
      text.add(violation[0] + ": " + violation[1]);
    }
    return text;
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
