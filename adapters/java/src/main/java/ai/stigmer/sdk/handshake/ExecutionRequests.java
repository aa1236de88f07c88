package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.commons.apiresource.ApiResourceMetadata;
import build.buf.protovalidate.ValidationResult;
import build.buf.protovalidate.Validator;
import build.buf.protovalidate.ValidatorFactory;
import build.buf.protovalidate.Violation;
import build.buf.protovalidate.exceptions.ValidationException;
import build.buf.validate.FieldPath;
import build.buf.validate.FieldPathElement;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

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
 * (proto/ai/stigmer/agentic; handshake contract section 1.2), checked here with protovalidate-java,
 * as the Python and Go SDKs and the reference service check them with protovalidate; the field
 * path is protovalidate's, written as protovalidate-go's {@code FieldPathString} writes it. Its
 * tests hold it to the vectors every SDK checks (testdata/create-rules-vectors.json).
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
    return prepare(execution, AGENT_EXECUTION_KIND, idempotencyKey);
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
    return prepare(execution, WORKFLOW_EXECUTION_KIND, idempotencyKey);
  }

  /**
   * Both kinds of execution are API resources with the same {@code api_version}, {@code kind} and
   * {@code metadata} fields: one preparation serves both, through the fields' descriptors.
   */
  private static <E extends Message> E prepare(E execution, String kind, String idempotencyKey) {
    Message.Builder request = execution.toBuilder();
    Descriptors.Descriptor type = request.getDescriptorForType();
    FieldDescriptor kindField = type.findFieldByName("kind");
    fillIfEmpty(request, type.findFieldByName("api_version"), API_VERSION);
    fillIfEmpty(request, kindField, kind);
    fillMetadata(
        (ApiResourceMetadata.Builder) request.getFieldBuilder(type.findFieldByName("metadata")),
        idempotencyKey);
    @SuppressWarnings("unchecked") // toBuilder().build() is of the message's own class
    E prepared = (E) request.build();
    refuse((String) prepared.getField(kindField), violations(prepared));
    return prepared;
  }

  private static void fillIfEmpty(Message.Builder request, FieldDescriptor field, String value) {
    if (((String) request.getField(field)).isEmpty()) {
      request.setField(field, value);
    }
  }

  /**
   * The create rules an agent or workflow execution request breaks, as {@code <field>:
   * <description>}, sorted by field path, then description.
   *
   * @param request the request as it would be sent
   * @return the violations; empty when the request keeps every rule
   */
  static List<String> violations(Message request) {
    ValidationResult result;
    try {
      result = CreateRules.VALIDATOR.validate(request);
    } catch (ValidationException e) {
      // A rule that does not compile or evaluate is a bug of the protos, not bad input.
      throw new IllegalStateException("the create rules could not be checked: " + e.getMessage(), e);
    }
    List<String[]> violations = new ArrayList<>();
    for (Violation violation : result.getViolations()) {
      build.buf.validate.Violation proto = violation.toProto();
      violations.add(new String[] {fieldPath(proto.getField()), proto.getMessage()});
    }
    return sorted(violations);
  }

  /** protovalidate's validator, built on first use (it compiles the rules' CEL once). */
  private static final class CreateRules {
    static final Validator VALIDATOR = ValidatorFactory.newBuilder().build();
  }

  /** protovalidate's field path as text, as protovalidate-go's {@code FieldPathString} writes it. */
  private static String fieldPath(FieldPath path) {
    List<String> parts = new ArrayList<>();
    for (FieldPathElement element : path.getElementsList()) {
      StringBuilder part = new StringBuilder(element.getFieldName());
      switch (element.getSubscriptCase()) {
        case INDEX:
          part.append('[').append(element.getIndex()).append(']');
          break;
        case BOOL_KEY:
          part.append('[').append(element.getBoolKey()).append(']');
          break;
        case INT_KEY:
          part.append('[').append(element.getIntKey()).append(']');
          break;
        case UINT_KEY:
          part.append('[').append(Long.toUnsignedString(element.getUintKey())).append(']');
          break;
        case STRING_KEY:
          part.append('[').append(quote(element.getStringKey())).append(']');
          break;
        default:
          break;
      }
      parts.add(part.toString());
    }
    return String.join(".", parts);
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
    throw ApplicationFailures.nonRetryable(
        "invalid " + kind + ": " + String.join("; ", violations),
        HandshakeFailureTypes.INVALID_REQUEST);
  }
}
