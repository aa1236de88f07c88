package ai.stigmer.sdk.handshake;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.Timestamps;
import java.text.ParseException;
import java.util.Base64;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Reads the JSON that Go's {@code encoding/json} writes for a protoc-gen-go struct (the deployed
 * Stigmer service's {@code json/plain} payloads) into a protobuf message: keys are the snake_case
 * JSON tags (or the Go field names of oneofs, {@code "Kind": {"StringValue": ...}}), enums are
 * numbers, 64-bit integers are numbers, {@code bytes} are Base64, well-known types are structs
 * ({@code {"seconds": .., "nanos": ..}} for a Timestamp), empty fields are omitted.
 *
 * <p>It is lenient so that it also reads proto JSON: a key matches a field by its proto name, its
 * JSON name or, ignoring case and underscores, its Go name; an enum may be a name; 64-bit integers
 * may be strings; a Timestamp or Duration may be its RFC 3339 string; a {@code
 * google.protobuf.Value}, {@code Struct}, {@code ListValue} or wrapper may be in proto JSON form.
 * Unknown keys are ignored, so that a newer service cannot break an older caller.
 */
final class GoStructJson {

  private static final String TIMESTAMP = "google.protobuf.Timestamp";
  private static final String DURATION = "google.protobuf.Duration";
  private static final String VALUE = "google.protobuf.Value";
  private static final String STRUCT = "google.protobuf.Struct";
  private static final String LIST_VALUE = "google.protobuf.ListValue";
  private static final Set<String> WRAPPERS =
      Immutables.set(
          "google.protobuf.DoubleValue",
          "google.protobuf.FloatValue",
          "google.protobuf.Int64Value",
          "google.protobuf.UInt64Value",
          "google.protobuf.Int32Value",
          "google.protobuf.UInt32Value",
          "google.protobuf.BoolValue",
          "google.protobuf.StringValue",
          "google.protobuf.BytesValue");

  private static final JsonFormat.Parser PROTO_JSON = JsonFormat.parser().ignoringUnknownFields();

  private GoStructJson() {}

  /**
   * Merges a JSON document into a message builder.
   *
   * @param node the JSON document (an object, or for well-known types their proto JSON form)
   * @param builder the builder of the requested type
   * @throws InvalidProtocolBufferException if a value does not fit its field
   */
  static void merge(JsonNode node, Message.Builder builder) throws InvalidProtocolBufferException {
    if (node == null || node.isNull()) {
      return;
    }
    String type = builder.getDescriptorForType().getFullName();
    if ((type.equals(TIMESTAMP) || type.equals(DURATION)) && node.isTextual()) {
      mergeTimeText(node.asText(), builder, type);
      return;
    }
    if (isProtoJsonForm(type, node)) {
      PROTO_JSON.merge(node.toString(), builder);
      return;
    }
    if (!node.isObject()) {
      throw new InvalidProtocolBufferException(
          "expected a JSON object for " + type + ", got " + node.getNodeType());
    }
    mergeObject(node, builder);
  }

  /** Merges the keys of a JSON object into the fields of a message builder. */
  private static void mergeObject(JsonNode node, Message.Builder builder)
      throws InvalidProtocolBufferException {
    Descriptor descriptor = builder.getDescriptorForType();
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> entry = fields.next();
      JsonNode value = entry.getValue();
      if (value.isNull()) {
        continue;
      }
      FieldDescriptor field = findField(descriptor, entry.getKey());
      if (field != null) {
        mergeField(field, value, builder);
        continue;
      }
      if (findOneof(descriptor, entry.getKey()) != null && value.isObject()) {
        // Go writes a oneof as its interface field holding the wrapper struct of the set case,
        // whose key is the Go name of the case's field.
        mergeObject(value, builder);
      }
      // Anything else is a field this schema does not have: ignored.
    }
  }

  /** Whether a well-known type's JSON is in its proto JSON form rather than Go's struct form. */
  private static boolean isProtoJsonForm(String type, JsonNode node) {
    if (WRAPPERS.contains(type)) {
      return !node.isObject();
    }
    switch (type) {
      case VALUE:
        return !(node.isObject() && node.size() == 1 && node.has("Kind"));
      case STRUCT:
        return !holdsGoValues(node, "fields", JsonNode::isObject);
      case LIST_VALUE:
        return !holdsGoValues(node, "values", JsonNode::isArray);
      default:
        return false;
    }
  }

  /**
   * Whether the node is {@code {"<key>": <container>}} alone, the container of the expected kind
   * and holding only Go values.
   */
  private static boolean holdsGoValues(
      JsonNode node, String key, Predicate<JsonNode> expectedKind) {
    return node.isObject()
        && node.size() == 1
        && node.has(key)
        && expectedKind.test(node.get(key))
        && allGoValues(node.get(key));
  }

  private static boolean allGoValues(JsonNode container) {
    for (JsonNode value : container) {
      if (!(value.isObject() && value.size() == 1 && value.has("Kind"))) {
        return false;
      }
    }
    return true;
  }

  private static void mergeTimeText(String text, Message.Builder builder, String type)
      throws InvalidProtocolBufferException {
    try {
      Message parsed = type.equals(TIMESTAMP) ? Timestamps.parse(text) : Durations.parse(text);
      builder.mergeFrom(parsed);
    } catch (ParseException e) {
      throw new InvalidProtocolBufferException("invalid " + type + " \"" + text + "\"");
    }
  }

  private static FieldDescriptor findField(Descriptor descriptor, String key) {
    FieldDescriptor field = descriptor.findFieldByName(key);
    if (field != null) {
      return field;
    }
    String normalized = normalize(key);
    for (FieldDescriptor candidate : descriptor.getFields()) {
      if (candidate.getJsonName().equals(key)
          || normalize(candidate.getName()).equals(normalized)) {
        return candidate;
      }
    }
    return null;
  }

  private static OneofDescriptor findOneof(Descriptor descriptor, String key) {
    String normalized = normalize(key);
    for (OneofDescriptor oneof : descriptor.getRealOneofs()) {
      if (normalize(oneof.getName()).equals(normalized)) {
        return oneof;
      }
    }
    return null;
  }

  /** A name without case and underscores: {@code callback_token}, {@code CallbackToken} agree. */
  private static String normalize(String name) {
    return name.replace("_", "").toLowerCase(Locale.ROOT);
  }

  private static void mergeField(FieldDescriptor field, JsonNode value, Message.Builder builder)
      throws InvalidProtocolBufferException {
    if (field.isMapField()) {
      if (!value.isObject()) {
        throw new InvalidProtocolBufferException(
            "expected a JSON object for the map " + field.getFullName());
      }
      Descriptor entryType = field.getMessageType();
      FieldDescriptor keyField = entryType.findFieldByNumber(1);
      FieldDescriptor valueField = entryType.findFieldByNumber(2);
      Iterator<Map.Entry<String, JsonNode>> entries = value.fields();
      while (entries.hasNext()) {
        Map.Entry<String, JsonNode> entry = entries.next();
        Message.Builder entryBuilder = builder.newBuilderForField(field);
        entryBuilder.setField(keyField, mapKey(keyField, entry.getKey()));
        if (!entry.getValue().isNull()) {
          entryBuilder.setField(valueField, scalar(valueField, entry.getValue(), entryBuilder));
        }
        builder.addRepeatedField(field, entryBuilder.build());
      }
      return;
    }
    if (field.isRepeated()) {
      if (!value.isArray()) {
        throw new InvalidProtocolBufferException(
            "expected a JSON array for " + field.getFullName());
      }
      for (JsonNode element : value) {
        if (!element.isNull()) {
          builder.addRepeatedField(field, scalar(field, element, builder));
        }
      }
      return;
    }
    builder.setField(field, scalar(field, value, builder));
  }

  private static Object mapKey(FieldDescriptor keyField, String key)
      throws InvalidProtocolBufferException {
    try {
      switch (keyField.getJavaType()) {
        case STRING:
          return key;
        case BOOLEAN:
          return Boolean.parseBoolean(key);
        case INT:
          return (int) parseLong(keyField, key);
        case LONG:
          return parseLong(keyField, key);
        default:
          throw new InvalidProtocolBufferException(
              "unsupported map key type of " + keyField.getFullName());
      }
    } catch (NumberFormatException e) {
      throw new InvalidProtocolBufferException(
          "invalid map key \"" + key + "\" of " + keyField.getFullName());
    }
  }

  private static long parseLong(FieldDescriptor field, String text) {
    switch (field.getType()) {
      case UINT64:
      case FIXED64:
        return Long.parseUnsignedLong(text);
      default:
        return Long.parseLong(text);
    }
  }

  /** The value of one (non-repeated, or one element of a repeated) field. */
  private static Object scalar(FieldDescriptor field, JsonNode value, Message.Builder parent)
      throws InvalidProtocolBufferException {
    try {
      switch (field.getJavaType()) {
        case MESSAGE:
          Message.Builder child = parent.newBuilderForField(field);
          merge(value, child);
          return child.build();
        case ENUM:
          return enumValue(field.getEnumType(), value);
        case STRING:
          return value.isTextual() ? value.asText() : value.toString();
        case BYTE_STRING:
          return bytes(value.asText());
        case BOOLEAN:
          return value.isTextual() ? Boolean.parseBoolean(value.asText()) : value.asBoolean();
        case INT:
          return value.isTextual() ? (int) parseLong(field, value.asText()) : (int) value.asLong();
        case LONG:
          if (value.isTextual()) {
            return parseLong(field, value.asText());
          }
          return value.isBigInteger() ? value.bigIntegerValue().longValue() : value.asLong();
        case FLOAT:
          return value.isTextual() ? Float.parseFloat(value.asText()) : (float) value.asDouble();
        case DOUBLE:
          return value.isTextual() ? Double.parseDouble(value.asText()) : value.asDouble();
        default:
          throw new InvalidProtocolBufferException("unsupported field " + field.getFullName());
      }
    } catch (IllegalArgumentException e) {
      // NumberFormatException, or Base64 that neither alphabet decodes.
      throw new InvalidProtocolBufferException(
          "invalid value " + value + " for " + field.getFullName());
    }
  }

  private static EnumValueDescriptor enumValue(EnumDescriptor type, JsonNode value)
      throws InvalidProtocolBufferException {
    if (value.isTextual()) {
      EnumValueDescriptor named = type.findValueByName(value.asText());
      if (named == null) {
        throw new InvalidProtocolBufferException(
            "unknown value \"" + value.asText() + "\" of the enum " + type.getFullName());
      }
      return named;
    }
    if (!type.isClosed()) {
      // Open enums keep numbers this schema does not know, as the binary decoder does.
      return type.findValueByNumberCreatingIfUnknown(value.asInt());
    }
    EnumValueDescriptor known = type.findValueByNumber(value.asInt());
    if (known == null) {
      throw new InvalidProtocolBufferException(
          "unknown value " + value.asInt() + " of the closed enum " + type.getFullName());
    }
    return known;
  }

  private static ByteString bytes(String base64) {
    try {
      return ByteString.copyFrom(Base64.getDecoder().decode(base64));
    } catch (IllegalArgumentException notStandard) {
      return ByteString.copyFrom(Base64.getUrlDecoder().decode(base64));
    }
  }
}
