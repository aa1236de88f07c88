package ai.stigmer.sdk.handshake;

import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * Writes the SDK's log lines (handshake contract, section 7) with their fields as key-value pairs:
 * each field is in the SLF4J MDC while the line is logged (a JSON or logfmt encoder, or a pattern
 * with {@code %X}, gets them as separate keys), and the text is the contract's exact message
 * followed by {@code key=value} pairs separated by spaces, as the Python SDK writes it, so that the
 * runbook's {@code grep "Extracted task token" | grep -oP 'token_preview=\K[^ ]+'} works on plain
 * text too.
 *
 * <p>Why the MDC rather than SLF4J 2's {@code addKeyValue}: io.temporal:temporal-sdk brings SLF4J
 * 1.7, whose bindings an SLF4J 2 API would silently ignore.
 */
final class KeyValueLog {

  private KeyValueLog() {}

  static void info(Logger log, String message, Object... keyValues) {
    if (log.isInfoEnabled()) {
      write(log, Level.INFO, message, keyValues);
    }
  }

  static void warn(Logger log, String message, Object... keyValues) {
    if (log.isWarnEnabled()) {
      write(log, Level.WARN, message, keyValues);
    }
  }

  static void error(Logger log, String message, Object... keyValues) {
    if (log.isErrorEnabled()) {
      write(log, Level.ERROR, message, keyValues);
    }
  }

  /** The line's text: the message, then {@code key=value} for each field. */
  static String text(String message, Object... keyValues) {
    StringBuilder text = new StringBuilder(message);
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      text.append(' ').append(keyValues[i]).append('=').append(keyValues[i + 1]);
    }
    return text.toString();
  }

  private enum Level {
    INFO,
    WARN,
    ERROR
  }

  private static void write(Logger log, Level level, String message, Object[] keyValues) {
    if (keyValues.length % 2 != 0) {
      throw new IllegalArgumentException("fields come as key, value pairs");
    }
    Map<String, String> previous = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      String key = String.valueOf(keyValues[i]);
      previous.put(key, MDC.get(key));
      MDC.put(key, String.valueOf(keyValues[i + 1]));
    }
    try {
      String text = text(message, keyValues);
      switch (level) {
        case INFO:
          log.info(text);
          break;
        case WARN:
          log.warn(text);
          break;
        default:
          log.error(text);
      }
    } finally {
      previous.forEach(
          (key, value) -> {
            if (value == null) {
              MDC.remove(key);
            } else {
              MDC.put(key, value);
            }
          });
    }
  }
}
