package ai.stigmer.sdk.handshake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.Payload;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The payloads captured from the deployed Stigmer service: the repository's testdata/deployed-service/,
 * on the test classpath (core/pom.xml).
 */
final class DeployedPayloads {

  static final String COMPLETION_SUCCESS = "completion-success.json";
  static final String SYSTEM_INPUT_SUCCESS = "system-activity-input-success.json";
  static final String SYSTEM_INPUT_FAILURE = "system-activity-input-failure.json";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private DeployedPayloads() {}

  /** The captured file: {"metadata": {...}, "data": <the JSON document>}. */
  static JsonNode file(String name) {
    try (InputStream in = DeployedPayloads.class.getResourceAsStream("/deployed-service/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource deployed-service/" + name);
      }
      return MAPPER.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The payload as the deployed service sent it. */
  static Payload payload(String name) {
    JsonNode file = file(name);
    Payload.Builder payload = Payload.newBuilder();
    file.get("metadata")
        .fields()
        .forEachRemaining(
            e -> payload.putMetadata(e.getKey(), ByteString.copyFromUtf8(e.getValue().asText())));
    return payload
        .setData(ByteString.copyFrom(file.get("data").toString(), StandardCharsets.UTF_8))
        .build();
  }

  /** The raw bytes of the callback token in the captured payloads. */
  static ByteString token() {
    String base64 = file(SYSTEM_INPUT_SUCCESS).get("data").get("CallbackToken").asText();
    return ByteString.copyFrom(Base64.getDecoder().decode(base64));
  }
}
