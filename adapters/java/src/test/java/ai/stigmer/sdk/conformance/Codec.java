package ai.stigmer.sdk.conformance;

import ai.stigmer.conformance.v1.CodecRequest;
import ai.stigmer.conformance.v1.CodecResponse;
import ai.stigmer.sdk.handshake.PayloadTypeRegistry;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.DescriptorProtos.FileOptions;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The codec role: decodes a vector's binary form as its message type and re-encodes it
 * deterministically (unknown fields kept), and parses its proto3 JSON form and encodes that
 * deterministically.
 *
 * <p>It knows every message generated from {@code proto/} (each file's outer class is listed in
 * {@link #ROOT_FILES}; the files they import are walked too) and the well-known types, decoded
 * with their generated classes; a message whose class cannot be found is handled as a {@link
 * DynamicMessage}. The JSON parser resolves {@code google.protobuf.Any} contents against all of
 * them.
 */
final class Codec {

  /** One outer class per {@code .proto} file under {@code proto/}, and the well-known types. */
  static final Map<FileDescriptor, Class<?>> ROOT_FILES = rootFiles();

  private static final Codec INSTANCE = new Codec();

  private final Map<String, Message> prototypes;
  private final JsonFormat.Parser jsonParser;

  private Codec() {
    Map<String, Message> found = new LinkedHashMap<>();
    JsonFormat.TypeRegistry.Builder types = JsonFormat.TypeRegistry.newBuilder();
    for (FileDescriptor file : allFiles()) {
      Deque<Descriptor> pending = new ArrayDeque<>(file.getMessageTypes());
      while (!pending.isEmpty()) {
        Descriptor type = pending.removeFirst();
        pending.addAll(type.getNestedTypes());
        if (type.getOptions().getMapEntry()) {
          continue; // synthetic: no class, never a vector's type
        }
        found.put(type.getFullName(), prototype(type));
        types.add(type);
      }
    }
    this.prototypes = Collections.unmodifiableMap(found);
    this.jsonParser = JsonFormat.parser().usingTypeRegistry(types.build());
  }

  /** The shared codec. */
  static Codec get() {
    return INSTANCE;
  }

  /** Every known message type, by full name, with its default instance. */
  Map<String, Message> prototypes() {
    return prototypes;
  }

  /**
   * Decodes and re-encodes one vector.
   *
   * @throws IllegalArgumentException for an unknown message type
   * @throws InvalidProtocolBufferException when the binary or JSON form does not decode
   */
  CodecResponse handle(CodecRequest request) throws InvalidProtocolBufferException {
    Message prototype = prototypes.get(request.getMessageType());
    if (prototype == null) {
      throw new IllegalArgumentException("unknown message type \"" + request.getMessageType() + "\"");
    }
    Message decoded;
    try {
      decoded = prototype.getParserForType().parseFrom(request.getBinary());
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidProtocolBufferException(
          "decoding the binary form of " + request.getMessageType() + ": " + e.getMessage());
    }
    Message.Builder parsed = prototype.newBuilderForType();
    try {
      if (request.getJson().isBlank()) {
        throw new InvalidProtocolBufferException("empty JSON document");
      }
      jsonParser.merge(request.getJson(), parsed);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidProtocolBufferException(
          "parsing the JSON form of " + request.getMessageType() + ": " + e.getMessage());
    }
    return CodecResponse.newBuilder()
        .setReencoded(PayloadTypeRegistry.deterministicBytes(decoded))
        .setFromJson(PayloadTypeRegistry.deterministicBytes(parsed.build()))
        .build();
  }

  private static Map<FileDescriptor, Class<?>> rootFiles() {
    Map<FileDescriptor, Class<?>> files = new LinkedHashMap<>();
    for (Class<?> outer :
        List.<Class<?>>of(
            ai.stigmer.agentic.agentexecution.v1.ApiProto.class,
            ai.stigmer.agentic.agentexecution.v1.CommandProto.class,
            ai.stigmer.agentic.agentexecution.v1.EnumProto.class,
            ai.stigmer.agentic.agentexecution.v1.IoProto.class,
            ai.stigmer.agentic.agentexecution.v1.QueryProto.class,
            ai.stigmer.agentic.agentexecution.v1.SpecProto.class,
            ai.stigmer.agentic.agentexecution.v1.StatusProto.class,
            ai.stigmer.agentic.executioncontext.v1.ExecutionValueProto.class,
            ai.stigmer.agentic.workflowexecution.v1.ApiProto.class,
            ai.stigmer.agentic.workflowexecution.v1.CommandProto.class,
            ai.stigmer.agentic.workflowexecution.v1.EnumProto.class,
            ai.stigmer.agentic.workflowexecution.v1.IoProto.class,
            ai.stigmer.agentic.workflowexecution.v1.QueryProto.class,
            ai.stigmer.agentic.workflowexecution.v1.SpecProto.class,
            ai.stigmer.agentic.workflowexecution.v1.StatusProto.class,
            ai.stigmer.commons.apiresource.MetadataProto.class,
            ai.stigmer.commons.apiresource.EnumProto.class,
            ai.stigmer.commons.apiresource.StatusProto.class,
            ai.stigmer.sdk.v1.CallerProto.class,
            ai.stigmer.conformance.v1.HarnessProto.class,
            ai.stigmer.sdk.v1.CompletionProto.class,
            com.google.protobuf.AnyProto.class,
            com.google.protobuf.StructProto.class,
            com.google.protobuf.TimestampProto.class,
            com.google.protobuf.DurationProto.class,
            com.google.protobuf.WrappersProto.class,
            com.google.protobuf.EmptyProto.class,
            com.google.protobuf.FieldMaskProto.class)) {
      try {
        files.put((FileDescriptor) outer.getMethod("getDescriptor").invoke(null), outer);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("no file descriptor in " + outer.getName(), e);
      }
    }
    return Collections.unmodifiableMap(files);
  }

  /** The root files and everything they import, each once. */
  private static Set<FileDescriptor> allFiles() {
    Set<FileDescriptor> seen = new java.util.LinkedHashSet<>();
    Deque<FileDescriptor> pending = new ArrayDeque<>(ROOT_FILES.keySet());
    while (!pending.isEmpty()) {
      FileDescriptor file = pending.removeFirst();
      if (seen.add(file)) {
        pending.addAll(file.getDependencies());
      }
    }
    return seen;
  }

  /** The generated default instance of a message type, or a dynamic one if it has no class. */
  private static Message prototype(Descriptor type) {
    for (String name : candidateClassNames(type)) {
      try {
        Class<?> cls = Class.forName(name, true, Codec.class.getClassLoader());
        if (Message.class.isAssignableFrom(cls)) {
          Message instance = (Message) cls.getMethod("getDefaultInstance").invoke(null);
          if (instance.getDescriptorForType().getFullName().equals(type.getFullName())) {
            return instance;
          }
        }
      } catch (ReflectiveOperationException | LinkageError e) {
        // try the next candidate
      }
    }
    return DynamicMessage.getDefaultInstance(type);
  }

  /** Where protoc puts the class of a message type: with or without java_multiple_files. */
  private static List<String> candidateClassNames(Descriptor type) {
    StringBuilder nested = new StringBuilder(type.getName());
    for (Descriptor outer = type.getContainingType();
        outer != null;
        outer = outer.getContainingType()) {
      nested.insert(0, outer.getName() + "$");
    }
    FileDescriptor file = type.getFile();
    Class<?> outerClass = ROOT_FILES.get(file);
    String javaPackage;
    String outerName;
    if (outerClass != null) {
      javaPackage = outerClass.getPackageName();
      outerName = outerClass.getName();
    } else {
      FileOptions options = file.getOptions();
      javaPackage = options.hasJavaPackage() ? options.getJavaPackage() : file.getPackage();
      String simple =
          options.hasJavaOuterClassname()
              ? options.getJavaOuterClassname()
              : defaultOuterClassName(file.getName());
      outerName = javaPackage.isEmpty() ? simple : javaPackage + "." + simple;
    }
    String prefix = javaPackage.isEmpty() ? "" : javaPackage + ".";
    return List.of(prefix + nested, outerName + "$" + nested);
  }

  /** protoc's outer class name of a file without java_outer_classname: its base name in camel case. */
  private static String defaultOuterClassName(String fileName) {
    String base = fileName.substring(fileName.lastIndexOf('/') + 1);
    if (base.endsWith(".proto")) {
      base = base.substring(0, base.length() - ".proto".length());
    }
    StringBuilder out = new StringBuilder();
    boolean upper = true;
    for (char c : base.toCharArray()) {
      if (c == '_' || c == '-' || c == '.') {
        upper = true;
      } else if (upper) {
        out.append(Character.toUpperCase(c));
        upper = false;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
