package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Message;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverterException;
import io.temporal.common.converter.JacksonJsonPayloadConverter;
import io.temporal.common.converter.PayloadConverter;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code json/plain} payload converter of {@link StigmerDataConverter}: Temporal's Jackson
 * converter, except that a protobuf message type is read from the JSON that the deployed Stigmer Go
 * service writes (Go's {@code encoding/json} of the protoc-gen-go struct: snake_case keys, enums as
 * numbers, Timestamps as {@code {"seconds", "nanos"}}, empty fields omitted; unknown keys ignored).
 *
 * <p>Everything else (writing any value, reading non-protobuf types) is Jackson's.
 */
public final class StigmerJsonPlainPayloadConverter implements PayloadConverter {

  private static final String ENCODING = Contract.PAYLOAD_JSON_PLAIN;

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
      GoStructJson.merge(node, builder);
      return valueClass.cast(builder.build());
    } catch (IOException e) {
      throw new DataConverterException(
          "cannot read the json/plain payload as " + valueClass.getName() + ": " + e.getMessage(),
          e);
    }
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
