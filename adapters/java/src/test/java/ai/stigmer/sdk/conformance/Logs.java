package ai.stigmer.sdk.conformance;

import ai.stigmer.conformance.v1.LogRecord;
import ai.stigmer.conformance.v1.LogsResponse;
import ai.stigmer.sdk.testing.CapturedLogs;
import java.util.Map;

/**
 * The log records of the SDK ({@code ai.stigmer.sdk}) kept by the test SLF4J backend, as an
 * encoder sees them, for a {@code LogsRequest}: the message is the event's text (KeyValueLog
 * writes exactly the message) and the fields are the MDC entries at that time (the check keeps
 * the snake_case ones, the contract's; Temporal's own MDC tags are CamelCase). Nothing is split
 * off the text, so a field written into it shows as such.
 */
final class Logs {

  private Logs() {}

  /** Every SDK record captured so far, oldest first. */
  static LogsResponse records() {
    LogsResponse.Builder response = LogsResponse.newBuilder();
    for (CapturedLogs.Event event : CapturedLogs.events()) {
      if (event.logger().startsWith("ai.stigmer.sdk.conformance")
          || !event.logger().startsWith("ai.stigmer.sdk")) {
        continue; // the harness's own lines and third-party warnings
      }
      response.addRecords(
          record(event.level().toString(), event.logger(), event.message(), event.fields()));
    }
    return response.build();
  }

  /** One record: the text as the message, the MDC entries as the fields. */
  static LogRecord record(String level, String logger, String text, Map<String, String> fields) {
    return LogRecord.newBuilder()
        .setLevel(level)
        .setLogger(logger)
        .setMessage(text)
        .putAllFields(fields)
        .build();
  }
}
