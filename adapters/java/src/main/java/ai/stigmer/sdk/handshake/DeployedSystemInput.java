package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.Payload;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;

/**
 * The deployed Stigmer Go service's input of the system activity (handshake contract, section 5):
 * {@code json/plain} {@code {"CallbackToken": "<standard Base64>", "Result": <any JSON or null>,
 * "Error": <object or null>}}, decoded.
 *
 * @param callbackToken the caller's token, empty when absent
 * @param result the JSON of {@code Result}, {@code null} for null or absent
 * @param error the JSON of {@code Error}, {@code null} for null or absent
 */
final class DeployedSystemInput {
  private final ByteString callbackToken;
  private final JsonNode result;
  private final JsonNode error;

  DeployedSystemInput(ByteString callbackToken, JsonNode result, JsonNode error) {
    this.callbackToken = callbackToken;
    this.result = result;
    this.error = error;
  }

  ByteString callbackToken() {
    return callbackToken;
  }

  JsonNode result() {
    return result;
  }

  JsonNode error() {
    return error;
  }

  /** Message of the failure when the {@code Error} carries none (Go marshals an error as {}). */
  static final String FAILURE_WITHOUT_MESSAGE = Contract.NO_FAILURE_MESSAGE;

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final List<String> KEYS =
      Collections.unmodifiableList(Arrays.asList("CallbackToken", "Result", "Error"));
  private static final List<String> MESSAGE_KEYS =
      Collections.unmodifiableList(
          Arrays.asList("message", "Message", "msg", "error", "Error", "cause", "Cause"));

  /** Whether the service reported a failure: {@code Error} present and not null, even {}. */
  boolean failed() {
    return error != null;
  }

  /**
   * Decodes a {@code json/plain} payload.
   *
   * @throws IllegalArgumentException if it is not JSON, has none of the three keys, or its token
   *     is not standard Base64
   */
  static DeployedSystemInput parse(Payload payload) {
    JsonNode document;
    try {
      document = MAPPER.readTree(payload.getData().toByteArray());
    } catch (IOException e) {
      throw new IllegalArgumentException("json/plain: " + e.getMessage());
    }
    if (document == null
        || !document.isObject()
        || KEYS.stream().noneMatch(document::has)) {
      throw new IllegalArgumentException(
          "json/plain without \"CallbackToken\", \"Result\" or \"Error\"");
    }
    JsonNode token = document.get("CallbackToken");
    ByteString callbackToken = ByteString.EMPTY;
    if (token != null && !token.isNull()) {
      if (!token.isTextual()) {
        throw new IllegalArgumentException("CallbackToken is not a Base64 string");
      }
      try {
        callbackToken = ByteString.copyFrom(Base64.getDecoder().decode(token.asText()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("CallbackToken is not Base64");
      }
    }
    return new DeployedSystemInput(
        callbackToken, presentOrNull(document.get("Result")), presentOrNull(document.get("Error")));
  }

  /** The failure message: the error's own if it has one, else {@link #FAILURE_WITHOUT_MESSAGE}. */
  String failureMessage() {
    String message = errorMessage(error);
    return message.isEmpty() ? FAILURE_WITHOUT_MESSAGE : message;
  }

  /**
   * The message of a JSON-encoded error: the string itself, or the first string under a
   * message-like key ({@code message}, {@code Message}, {@code msg}, {@code error}, {@code Error},
   * {@code cause}, {@code Cause}), looking into nested objects under those keys; else empty.
   */
  static String errorMessage(JsonNode error) {
    if (error == null) {
      return "";
    }
    if (error.isTextual()) {
      return error.asText();
    }
    if (error.isObject()) {
      for (String key : MESSAGE_KEYS) {
        JsonNode value = error.get(key);
        if (value == null) {
          continue;
        }
        if (value.isTextual() && !value.asText().isEmpty()) {
          return value.asText();
        }
        if (value.isObject()) {
          String nested = errorMessage(value);
          if (!nested.isEmpty()) {
            return nested;
          }
        }
      }
    }
    return "";
  }

  /**
   * The {@code Result} as the {@code json/plain} payload the caller is completed with, without the
   * {@code spec.callback_token} and {@code status.callback_token} keys the deployed service leaves
   * in it.
   */
  Payload resultPayload() {
    JsonNode cleaned = result.deepCopy();
    if (cleaned.isObject()) {
      for (String part : new String[] {"spec", "status"}) {
        JsonNode section = cleaned.get(part);
        if (section instanceof ObjectNode) {
          ((ObjectNode) section).remove("callback_token");
        }
      }
    }
    byte[] data;
    try {
      data = MAPPER.writeValueAsBytes(cleaned);
    } catch (IOException e) {
      throw new IllegalStateException("writing a JSON tree cannot fail", e);
    }
    return Payload.newBuilder()
        .putMetadata(PayloadTypeRegistry.ENCODING_KEY, ByteString.copyFromUtf8(Contract.PAYLOAD_JSON_PLAIN))
        .setData(ByteString.copyFrom(data))
        .build();
  }

  /** The execution id in the result, for logs; empty without one. */
  String executionId() {
    JsonNode id = result == null ? null : result.path("metadata").path("id");
    return id != null && id.isTextual() ? id.asText() : "";
  }

  private static JsonNode presentOrNull(JsonNode node) {
    return node == null || node.isNull() ? null : node;
  }

  @Override
  public String toString() {
    return "DeployedSystemInput{token_preview="
        + TaskTokens.preview(callbackToken)
        + ", token_digest="
        + TaskTokens.digest(callbackToken)
        + ", failed="
        + failed()
        + "}";
  }
}
