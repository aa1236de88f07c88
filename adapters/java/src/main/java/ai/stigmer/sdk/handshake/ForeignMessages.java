package ai.stigmer.sdk.handshake;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.temporal.failure.ApplicationFailure;

/**
 * Messages of another generated class with the same full name as the SDK's (Stigmer's own
 * generated Java classes, or any copy in another Java package), converted through the wire format:
 * fields the other copy has and the SDK's lacks travel as unknown fields and come back.
 */
final class ForeignMessages {

  private ForeignMessages() {}

  /** Whether {@code message} has the full name of {@code like}'s type. */
  static boolean sameName(Message message, Message like) {
    return message
        .getDescriptorForType()
        .getFullName()
        .equals(like.getDescriptorForType().getFullName());
  }

  /**
   * {@code message} as an instance of {@code type} (itself when it is one), else a non-retryable
   * {@value HandshakeFailureTypes#INVALID_REQUEST} failure: another full name, or bytes that
   * {@code type} cannot parse (a field of another type under the same number).
   */
  static <T extends Message> T as(Message message, T type) {
    if (type.getClass().isInstance(message)) {
      @SuppressWarnings("unchecked")
      T same = (T) message;
      return same;
    }
    String expected = type.getDescriptorForType().getFullName();
    String actual = message.getDescriptorForType().getFullName();
    if (!expected.equals(actual)) {
      throw ApplicationFailure.newNonRetryableFailure(
          "stigmer: " + actual + " is not a " + expected, HandshakeFailureTypes.INVALID_REQUEST);
    }
    @SuppressWarnings("unchecked")
    Parser<T> parser = (Parser<T>) type.getParserForType();
    try {
      return parser.parseFrom(message.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "stigmer: a " + actual + " of " + message.getClass().getName() + " does not parse as "
              + type.getClass().getName() + ": " + e.getMessage(),
          HandshakeFailureTypes.INVALID_REQUEST);
    }
  }
}
