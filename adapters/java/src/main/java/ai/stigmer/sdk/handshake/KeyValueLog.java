package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * Writes the SDK's log lines (handshake contract, section 7) with their fields as key-value pairs:
 * the text is exactly the message (for a contract line, the contract's: {@link #line}), and each
 * field is in the SLF4J MDC while the line is logged, where a JSON or logfmt encoder, or a pattern
 * with {@code %X}, finds it as a separate key. A plain pattern that should show the fields for the
 * runbook's {@code grep -oP 'token_preview=\\K[^ ]+'} adds {@code %X} (or {@code
 * %X{token_preview}}) after {@code %msg}.
 *
 * <p>Why the MDC rather than SLF4J 2's {@code addKeyValue}: io.temporal:temporal-sdk brings SLF4J
 * 1.7, whose bindings an SLF4J 2 API would silently ignore.
 */
final class KeyValueLog {

  private KeyValueLog() {}

  /**
   * Logs the contract line {@code line} at its level, with exactly its fields.
   *
   * @throws IllegalArgumentException when the keys are not the line's fields: a programming error
   */
  static void line(Logger log, Contract.Log line, Object... keyValues) {
    lineAt(log, Level.valueOf(line.level().equals("WARNING") ? "WARN" : line.level()), line,
        keyValues);
  }

  /**
   * Logs the contract line {@code line} at {@code level}, more severe than the contract's: an
   * unknown cause of a failure the contract escalates to ERROR.
   */
  static void lineAt(Logger log, Level level, Contract.Log line, Object... keyValues) {
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      keys.add(String.valueOf(keyValues[i]));
    }
    if (!keys.equals(new HashSet<>(line.fields()))) {
      throw new IllegalArgumentException(
          "the log line '" + line.message() + "' has the fields " + line.fields() + ", got " + keys);
    }
    write(log, level, line.message(), keyValues);
  }

  static void info(Logger log, String message, Object... keyValues) {
    write(log, Level.INFO, message, keyValues);
  }

  static void warn(Logger log, String message, Object... keyValues) {
    write(log, Level.WARN, message, keyValues);
  }

  static void error(Logger log, String message, Object... keyValues) {
    write(log, Level.ERROR, message, keyValues);
  }

  /** The levels of the SDK's lines; DEBUG is never used for a contract line. */
  enum Level {
    INFO,
    WARN,
    ERROR
  }

  private static boolean enabled(Logger log, Level level) {
    switch (level) {
      case INFO:
        return log.isInfoEnabled();
      case WARN:
        return log.isWarnEnabled();
      default:
        return log.isErrorEnabled();
    }
  }

  private static void write(Logger log, Level level, String message, Object[] keyValues) {
    if (keyValues.length % 2 != 0) {
      throw new IllegalArgumentException("fields come as key, value pairs");
    }
    if (!enabled(log, level)) {
      return;
    }
    Map<String, String> previous = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      String key = String.valueOf(keyValues[i]);
      previous.put(key, MDC.get(key));
      MDC.put(key, String.valueOf(keyValues[i + 1]));
    }
    try {
      switch (level) {
        case INFO:
          log.info(message);
          break;
        case WARN:
          log.warn(message);
          break;
        default:
          log.error(message);
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
