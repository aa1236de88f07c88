package ai.stigmer.sdk.conformance;

import ai.stigmer.conformance.v1.LogRecord;
import ai.stigmer.conformance.v1.LogsResponse;
import ai.stigmer.sdk.testing.CapturedLogs;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The log records of the SDK ({@code ai.stigmer.sdk}) kept by the test SLF4J backend, normalised
 * for a {@code LogsRequest}: the SDK logs "message key=value key=value" with the fields also in the
 * MDC (KeyValueLog), so the message is the text before the first field and the fields are the MDC
 * entries (split off the text by name when there are none).
 */
final class Logs {

  /** A {@code key=value} field: after the start, a space, a comma or a colon. */
  private static final Pattern FIELD =
      Pattern.compile("(?<=^|[\\s,:])([A-Za-z_][A-Za-z0-9_]*)=([^,\\s]*)");

  private Logs() {}

  /** Every SDK record captured so far, oldest first. */
  static LogsResponse records() {
    LogsResponse.Builder response = LogsResponse.newBuilder();
    for (CapturedLogs.Event event : CapturedLogs.events()) {
      if (event.logger().startsWith("ai.stigmer.sdk.conformance")
          || !event.logger().startsWith("ai.stigmer.sdk")) {
        continue; // the harness's own lines and third-party warnings
      }
      LogRecord record = normalise(event.level().toString(), event.logger(), event.message());
      if (!event.fields().isEmpty()) {
        record = record.toBuilder().clearFields().putAllFields(event.fields()).build();
      }
      response.addRecords(record);
    }
    return response.build();
  }

  /** One record: the message up to its first field, and the fields. */
  static LogRecord normalise(String level, String logger, String text) {
    LogRecord.Builder record = LogRecord.newBuilder().setLevel(level).setLogger(logger);
    Matcher fields = FIELD.matcher(text);
    int first = -1;
    while (fields.find()) {
      if (first < 0) {
        first = fields.start();
      }
      record.putFields(fields.group(1), fields.group(2));
    }
    String message = first < 0 ? text : text.substring(0, first);
    return record.setMessage(message.replaceAll("[\\s,:]+$", "")).build();
  }
}
