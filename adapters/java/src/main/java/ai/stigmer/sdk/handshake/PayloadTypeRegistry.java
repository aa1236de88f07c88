package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionId;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionSpec;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionStatus;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionUpdateStatusInput;
import ai.stigmer.agentic.agentexecution.v1.AgentMessage;
import ai.stigmer.agentic.agentexecution.v1.ExecutionConfig;
import ai.stigmer.agentic.executioncontext.v1.ExecutionValue;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionSpec;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionStatus;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionUpdateStatusInput;
import ai.stigmer.commons.apiresource.ApiResourceMetadata;
import ai.stigmer.sdk.v1.ActivityCancellation;
import ai.stigmer.sdk.v1.ActivityFailure;
import ai.stigmer.sdk.v1.CompleteExternalActivityInput;
import ai.stigmer.sdk.v1.CompleteExternalActivityResult;
import ai.stigmer.sdk.v1.GetExecutionInput;
import ai.stigmer.sdk.v1.PayloadEncoding;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageLite;
import com.google.protobuf.util.JsonFormat;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The protobuf message types a completing worker can decode, and the conversion of a {@code
 * google.protobuf.Any} into the Temporal payload the caller's workflow receives (handshake
 * contract, section 4, "Result payload"). Immutable and thread-safe.
 *
 * <ul>
 *   <li>{@link PayloadEncoding#PAYLOAD_ENCODING_BINARY_PROTOBUF} (the default, also for {@code
 *       UNSPECIFIED}): metadata {@code encoding = binary/protobuf}, {@code messageType} = the full
 *       message name taken from the type URL, data = the deterministic binary encoding. A known
 *       type is decoded and re-encoded deterministically (sorted map entries), so every SDK writes
 *       the same bytes; an unknown type is passed through with its bytes untouched, so the
 *       completing worker needs no compiled-in knowledge of it.
 *   <li>{@link PayloadEncoding#PAYLOAD_ENCODING_JSON_PROTOBUF}: metadata {@code encoding =
 *       json/protobuf}, {@code messageType} as above, data = the proto JSON of the message. This
 *       needs the type, so an unknown type is refused.
 * </ul>
 *
 * <p>{@link #stigmerDefaults()} knows every message generated from the Stigmer protos; add your own
 * with {@link Builder#add(Message)}.
 */
public final class PayloadTypeRegistry {

  /** Metadata key of the payload encoding. */
  public static final String ENCODING_KEY = Contract.PAYLOAD_ENCODING_KEY;

  /** Metadata key of the protobuf message type. */
  public static final String MESSAGE_TYPE_KEY = Contract.PAYLOAD_MESSAGE_TYPE_KEY;

  /** Encoding of binary protobuf payloads. */
  public static final String BINARY_PROTOBUF = Contract.PAYLOAD_BINARY_PROTOBUF;

  /** Encoding of JSON protobuf payloads. */
  public static final String JSON_PROTOBUF = Contract.PAYLOAD_JSON_PROTOBUF;

  private static final PayloadTypeRegistry STIGMER_DEFAULTS =
      newBuilder()
          .addAll(
              Immutables.list(
                  AgentExecution.getDefaultInstance(),
                  AgentExecutionSpec.getDefaultInstance(),
                  AgentExecutionStatus.getDefaultInstance(),
                  AgentExecutionId.getDefaultInstance(),
                  AgentExecutionUpdateStatusInput.getDefaultInstance(),
                  AgentMessage.getDefaultInstance(),
                  ExecutionConfig.getDefaultInstance(),
                  WorkflowExecution.getDefaultInstance(),
                  WorkflowExecutionSpec.getDefaultInstance(),
                  WorkflowExecutionStatus.getDefaultInstance(),
                  WorkflowExecutionId.getDefaultInstance(),
                  WorkflowExecutionUpdateStatusInput.getDefaultInstance(),
                  ExecutionValue.getDefaultInstance(),
                  ApiResourceMetadata.getDefaultInstance(),
                  CompleteExternalActivityInput.getDefaultInstance(),
                  CompleteExternalActivityResult.getDefaultInstance(),
                  ActivityFailure.getDefaultInstance(),
                  ActivityCancellation.getDefaultInstance(),
                  GetExecutionInput.getDefaultInstance()))
          .build();

  private final Map<String, Message> prototypes;
  private final JsonFormat.TypeRegistry jsonTypeRegistry;

  private PayloadTypeRegistry(Builder builder) {
    this.prototypes = java.util.Collections.unmodifiableMap(new java.util.HashMap<>(builder.prototypes));
    JsonFormat.TypeRegistry.Builder json = JsonFormat.TypeRegistry.newBuilder();
    builder.prototypes.values().forEach(p -> json.add(p.getDescriptorForType()));
    this.jsonTypeRegistry = json.build();
  }

  /**
   * Returns the registry of every message generated from the Stigmer protos.
   *
   * @return the shared default registry
   */
  public static PayloadTypeRegistry stigmerDefaults() {
    return STIGMER_DEFAULTS;
  }

  /**
   * Returns an empty builder.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Returns a builder holding the types of this registry.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder builder = new Builder();
    builder.prototypes.putAll(prototypes);
    return builder;
  }

  /**
   * Finds the prototype of a message type.
   *
   * @param fullName the full message name, for example {@code
   *     ai.stigmer.agentic.agentexecution.v1.AgentExecution}
   * @return its default instance, or empty when the type is unknown
   */
  public Optional<Message> find(String fullName) {
    return Optional.ofNullable(prototypes.get(fullName));
  }

  /**
   * Returns the JSON type registry of the known types (and every type of their files and imports),
   * for printing and parsing messages that contain {@code Any} fields.
   *
   * @return the JSON type registry
   */
  public JsonFormat.TypeRegistry getJsonTypeRegistry() {
    return jsonTypeRegistry;
  }

  /**
   * Returns {@link StigmerDataConverter#create(PayloadTypeRegistry)} with this registry: the
   * default Temporal data converter, except that its {@code json/protobuf} converter knows the
   * types of this registry (so that it reads and writes messages with {@code google.protobuf.Any}
   * fields holding them) and ignores unknown fields, and that {@code json/plain} payloads of the
   * deployed Go service decode into protobuf types.
   *
   * <p>The default Java converter cannot: it fails on the JSON of any {@code Any}. A worker that
   * runs {@link SystemActivitiesImpl} for workflows written in other languages (the Python SDK, for
   * instance, sends the {@code CompleteExternalActivityInput} as {@code json/protobuf}) needs this
   * converter on its {@code WorkflowClient}:
   *
   * <pre>{@code
   * WorkflowClient client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder()
   *     .setDataConverter(PayloadTypeRegistry.stigmerDefaults().newDataConverter())
   *     .build());
   * }</pre>
   *
   * @return a new data converter
   */
  public DataConverter newDataConverter() {
    return StigmerDataConverter.create(this);
  }

  /**
   * Returns the full message name of a packed message: the part of its type URL after the last
   * {@code '/'} (the whole URL when it has none).
   *
   * @param value a packed message
   * @return the full message name
   * @throws IllegalArgumentException if the type URL is empty
   */
  public static String messageType(Any value) {
    String typeUrl = value.getTypeUrl();
    String name = typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
    if (name.isEmpty()) {
      throw new IllegalArgumentException("packed message has no type in its type URL");
    }
    return name;
  }

  /**
   * Converts a packed message into the Temporal payload the caller's workflow receives.
   *
   * @param value the packed message
   * @param encoding the encoding; {@code UNSPECIFIED} means binary
   * @return the payload, with its {@code encoding} and {@code messageType} metadata
   * @throws IllegalArgumentException if the type URL is empty, a known type's bytes do not decode,
   *     the encoding is unrecognised, or JSON is asked for an unknown type
   */
  public Payload toPayload(Any value, PayloadEncoding encoding) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(encoding, "encoding");
    String messageType = messageType(value);
    Optional<Message> prototype = find(messageType);
    switch (encoding) {
      case PAYLOAD_ENCODING_UNSPECIFIED:
      case PAYLOAD_ENCODING_BINARY_PROTOBUF:
        ByteString data =
            prototype.isPresent()
                ? deterministicBytes(parse(prototype.get(), value, messageType))
                : value.getValue();
        return payload(BINARY_PROTOBUF, messageType, data);
      case PAYLOAD_ENCODING_JSON_PROTOBUF:
        Message message =
            parse(
                prototype.orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "cannot encode unknown message type "
                                + messageType
                                + " as JSON; add it to the PayloadTypeRegistry or use "
                                + "PAYLOAD_ENCODING_BINARY_PROTOBUF")),
                value,
                messageType);
        return payload(
            JSON_PROTOBUF,
            messageType,
            ByteString.copyFrom(printJson(message), StandardCharsets.UTF_8));
      default:
        throw new IllegalArgumentException("unrecognised payload encoding " + encoding);
    }
  }

  /**
   * Returns the {@code binary/protobuf} payload of a message: its deterministic binary encoding
   * with its full name as {@code messageType}.
   *
   * @param message the message
   * @return the payload
   */
  public static Payload binaryPayload(Message message) {
    Objects.requireNonNull(message, "message");
    return payload(
        BINARY_PROTOBUF, message.getDescriptorForType().getFullName(), deterministicBytes(message));
  }

  /**
   * Returns the deterministic binary encoding of a message (map entries sorted by key), the same in
   * every SDK.
   *
   * @param message the message
   * @return its encoding
   */
  public static ByteString deterministicBytes(MessageLite message) {
    byte[] bytes = new byte[message.getSerializedSize()];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.useDeterministicSerialization();
    try {
      message.writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("serializing to a byte array failed", e);
    }
    return ByteString.copyFrom(bytes);
  }

  private String printJson(Message message) {
    try {
      return JsonFormat.printer()
          .usingTypeRegistry(jsonTypeRegistry)
          .omittingInsignificantWhitespace()
          .print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(
          "cannot print "
              + message.getDescriptorForType().getFullName()
              + " as JSON: "
              + e.getMessage(),
          e);
    }
  }

  private static Message parse(Message prototype, Any value, String messageType) {
    try {
      return prototype.getParserForType().parseFrom(value.getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(
          "packed " + messageType + " does not decode: " + e.getMessage(), e);
    }
  }

  private static Payload payload(String encoding, String messageType, ByteString data) {
    return Payload.newBuilder()
        .putMetadata(ENCODING_KEY, ByteString.copyFromUtf8(encoding))
        .putMetadata(MESSAGE_TYPE_KEY, ByteString.copyFromUtf8(messageType))
        .setData(data)
        .build();
  }

  /** Builder of {@link PayloadTypeRegistry}. Not thread-safe. */
  public static final class Builder {
    private final Map<String, Message> prototypes = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Adds a message type.
     *
     * @param prototype any instance of the type, usually {@code Foo.getDefaultInstance()}
     * @return this builder
     */
    public Builder add(Message prototype) {
      Objects.requireNonNull(prototype, "prototype");
      prototypes.put(
          prototype.getDescriptorForType().getFullName(), prototype.getDefaultInstanceForType());
      return this;
    }

    /**
     * Adds message types.
     *
     * @param prototypes instances of the types
     * @return this builder
     */
    public Builder addAll(Iterable<? extends Message> prototypes) {
      Objects.requireNonNull(prototypes, "prototypes");
      prototypes.forEach(this::add);
      return this;
    }

    /**
     * Builds the registry.
     *
     * @return the immutable registry
     */
    public PayloadTypeRegistry build() {
      return new PayloadTypeRegistry(this);
    }
  }
}
