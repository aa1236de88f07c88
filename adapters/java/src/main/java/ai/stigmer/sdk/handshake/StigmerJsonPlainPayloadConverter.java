package ai.stigmer.sdk.handshake;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.sdk.v1.ActivityFailure;
import ai.stigmer.sdk.v1.CompleteExternalActivityInput;
import ai.stigmer.sdk.v1.PayloadEncoding;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Value;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverterException;
import io.temporal.common.converter.JacksonJsonPayloadConverter;
import io.temporal.common.converter.PayloadConverter;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code json/plain} payload converter of {@link StigmerDataConverter}: Temporal's Jackson
 * converter, except that a protobuf message type is read from the JSON that the deployed Stigmer Go
 * service writes (Go's {@code encoding/json} of the protoc-gen-go struct: snake_case keys, enums as
 * numbers, Timestamps as {@code {"seconds", "nanos"}}, empty fields omitted; unknown keys ignored).
 *
 * <p>Asked for a {@link CompleteExternalActivityInput}, it also reads the deployed service's system
 * activity input, {@code {"CallbackToken": "<base64>", "Result": <any JSON or null>, "Error":
 * <object or null>}} (handshake contract, "Deployed system-activity input"):
 *
 * <ul>
 *   <li>an {@code Error} that is present, even {@code {}}, becomes a non-retryable failure of type
 *       {@value #AGENT_EXECUTION_FAILED}, with the error's {@code message} (or {@code Message}) or,
 *       without one, {@value #FAILURE_WITHOUT_MESSAGE};
 *   <li>otherwise the {@code Result}: a {@code kind} of {@code AgentExecution} or {@code
 *       WorkflowExecution} is read as that execution, anything else as a {@code
 *       google.protobuf.Value}; it is delivered as {@code binary/protobuf};
 *   <li>neither: a success without a result.
 * </ul>
 *
 * <p>Everything else (writing any value, reading non-protobuf types) is Jackson's.
 */
public final class StigmerJsonPlainPayloadConverter implements PayloadConverter {

  /** The failure type an {@code Error} of the deployed input fails the caller with. */
  public static final String AGENT_EXECUTION_FAILED = "AGENT_EXECUTION_FAILED";

  /** The failure message of an {@code Error} that has none. */
  public static final String FAILURE_WITHOUT_MESSAGE =
      "the Stigmer service reported a failure without a message";

  private static final String ENCODING = "json/plain";
  private static final Map<String, Message> KINDS =
      Map.of(
          ExecutionRequests.AGENT_EXECUTION_KIND, AgentExecution.getDefaultInstance(),
          ExecutionRequests.WORKFLOW_EXECUTION_KIND, WorkflowExecution.getDefaultInstance());

  private final JacksonJsonPayloadConverter jackson = new JacksonJsonPayloadConverter();
  private final ObjectMapper mapper = new ObjectMapper();

  /** Creates the converter. */
  public StigmerJsonPlainPayloadConverter() {}

  @Override
  public String getEncodingType() {
    return ENCODING;
  }

  @Override
  public Optional<Payload> toData(Object value) throws DataConverterException {
    return jackson.toData(value);
  }

  @Override
  public <T> T fromData(Payload content, Class<T> valueClass, Type valueType)
      throws DataConverterException {
    if (!Message.class.isAssignableFrom(valueClass)) {
      return jackson.fromData(content, valueClass, valueType);
    }
    try {
      JsonNode node = mapper.readTree(content.getData().toByteArray());
      Message.Builder builder = newBuilder(valueClass);
      if (builder instanceof CompleteExternalActivityInput.Builder && isDeployedInput(node)) {
        return valueClass.cast(deployedInput(node));
      }
      GoStructJson.merge(node, builder);
      return valueClass.cast(builder.build());
    } catch (IOException e) {
      throw new DataConverterException(
          "cannot read the json/plain payload as " + valueClass.getName() + ": " + e.getMessage(),
          e);
    }
  }

  /**
   * Reads the deployed service's system activity input.
   *
   * @param node the JSON object {@code {"CallbackToken", "Result", "Error"}}
   * @return the equivalent proto input
   * @throws InvalidProtocolBufferException if the token is not Base64 or the result does not fit
   */
  static CompleteExternalActivityInput deployedInput(JsonNode node)
      throws InvalidProtocolBufferException {
    CompleteExternalActivityInput.Builder input = CompleteExternalActivityInput.newBuilder();
    JsonNode token = node.get("CallbackToken");
    if (token != null && !token.isNull()) {
      try {
        input.setCallbackToken(ByteString.copyFrom(Base64.getDecoder().decode(token.asText())));
      } catch (IllegalArgumentException e) {
        throw new InvalidProtocolBufferException("CallbackToken is not Base64");
      }
    }
    JsonNode error = node.get("Error");
    JsonNode result = node.get("Result");
    if (error != null && !error.isNull()) {
      input.setFailure(
          ActivityFailure.newBuilder()
              .setType(AGENT_EXECUTION_FAILED)
              .setMessage(errorMessage(error))
              .setNonRetryable(true));
    } else if (result != null && !result.isNull()) {
      JsonNode kind = result.isObject() ? result.get("kind") : null;
      Message prototype = kind == null ? null : KINDS.get(kind.asText());
      Message.Builder builder =
          prototype == null ? Value.newBuilder() : prototype.newBuilderForType();
      GoStructJson.merge(result, builder);
      input.setResult(Any.pack(builder.build()));
      input.setResultEncoding(PayloadEncoding.PAYLOAD_ENCODING_BINARY_PROTOBUF);
      JsonNode id = result.path("metadata").path("id");
      if (id.isTextual()) {
        input.setExecutionId(id.asText());
      }
    }
    return input.build();
  }

  private static boolean isDeployedInput(JsonNode node) {
    return node.isObject()
        && (node.has("CallbackToken") || node.has("Result") || node.has("Error"));
  }

  private static String errorMessage(JsonNode error) {
    if (error.isTextual() && !error.asText().isEmpty()) {
      return error.asText();
    }
    for (String key : new String[] {"message", "Message", "msg", "error"}) {
      JsonNode message = error.get(key);
      if (message != null && message.isTextual() && !message.asText().isEmpty()) {
        return message.asText();
      }
    }
    return FAILURE_WITHOUT_MESSAGE;
  }

  private static Message.Builder newBuilder(Class<?> valueClass) throws IOException {
    try {
      return (Message.Builder)
          Objects.requireNonNull(valueClass.getMethod("newBuilder").invoke(null));
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IOException(valueClass.getName() + " has no static newBuilder()", e);
    }
  }
}
