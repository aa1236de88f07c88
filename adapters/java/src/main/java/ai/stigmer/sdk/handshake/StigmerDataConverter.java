package ai.stigmer.sdk.handshake;

import com.google.protobuf.util.JsonFormat;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.common.converter.PayloadConverter;
import io.temporal.common.converter.ProtobufJsonPayloadConverter;
import java.util.Objects;

/**
 * The Temporal data converter of a Stigmer caller or worker: Temporal's default, except that it
 * decodes every completion a Stigmer service sends into the requested protobuf type (handshake
 * contract, "Payload converter"):
 *
 * <ul>
 *   <li>{@code binary/protobuf}: Temporal's converter (unknown fields are kept);
 *   <li>{@code json/protobuf}: proto JSON with the types of a {@link PayloadTypeRegistry} (so that
 *       {@code google.protobuf.Any} fields read and write), ignoring unknown fields, so that a
 *       newer service's fields ({@code status.audit}, ...) cannot break an older caller;
 *   <li>{@code json/plain}: the deployed Go service's JSON of its proto structs ({@link
 *       StigmerJsonPlainPayloadConverter}), Jackson for everything else.
 * </ul>
 *
 * <p>One line on the caller's (and the system worker's) client:
 *
 * <pre>{@code
 * WorkflowClient client = WorkflowClient.newInstance(service,
 *     WorkflowClientOptions.newBuilder().setDataConverter(StigmerDataConverter.create()).build());
 * }</pre>
 *
 * <p>With a converter of your own, add {@link #payloadConverters(PayloadTypeRegistry)} with {@code
 * DefaultDataConverter.withPayloadConverterOverrides}.
 */
public final class StigmerDataConverter {

  private StigmerDataConverter() {}

  /**
   * Returns the data converter with the types of {@link PayloadTypeRegistry#stigmerDefaults()}.
   *
   * @return a new data converter
   */
  public static DataConverter create() {
    return create(PayloadTypeRegistry.stigmerDefaults());
  }

  /**
   * Returns the data converter with the types of a registry (for results of your own types).
   *
   * @param registry the message types {@code json/protobuf} payloads may hold in an {@code Any}
   * @return a new data converter
   */
  public static DataConverter create(PayloadTypeRegistry registry) {
    return DefaultDataConverter.newDefaultInstance()
        .withPayloadConverterOverrides(payloadConverters(registry));
  }

  /**
   * Returns the payload converters that replace Temporal's {@code json/protobuf} and {@code
   * json/plain} ones, for {@code DefaultDataConverter.withPayloadConverterOverrides}.
   *
   * @param registry the message types {@code json/protobuf} payloads may hold in an {@code Any}
   * @return the two converters
   */
  public static PayloadConverter[] payloadConverters(PayloadTypeRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    JsonFormat.TypeRegistry types = registry.getJsonTypeRegistry();
    return new PayloadConverter[] {
      new ProtobufJsonPayloadConverter(
          JsonFormat.printer().usingTypeRegistry(types),
          JsonFormat.parser().usingTypeRegistry(types).ignoringUnknownFields()),
      new StigmerJsonPlainPayloadConverter()
    };
  }
}
