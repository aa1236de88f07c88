package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.stigmer.sdk.contract.Contract;
import ai.stigmer.sdk.testing.CapturedLogs;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

class KeyValueLogTest {

  private static final Logger log = LoggerFactory.getLogger("ai.stigmer.sdk.handshake.kv-test");

  private static List<CapturedLogs.Event> events() {
    return CapturedLogs.events().stream()
        .filter(event -> event.logger().equals("ai.stigmer.sdk.handshake.kv-test"))
        .collect(Collectors.toList());
  }

  @Test
  void theMessageIsExactAndTheFieldsAreKeyValuePairs() {
    MDC.put("request_id", "r-1");
    MDC.put("token_preview", "outer");
    try {
      KeyValueLog.info(
          log, "Extracted task token", "activity_id", "1", "token_preview", "CiQw...", "n", 3);
      // The caller's own MDC is back as it was.
      assertEquals("outer", MDC.get("token_preview"));
      assertNull(MDC.get("activity_id"));
    } finally {
      MDC.clear();
    }
    CapturedLogs.Event event = events().get(events().size() - 1);
    assertEquals("Extracted task token", event.message());
    assertEquals(
        Map.of("request_id", "r-1", "activity_id", "1", "token_preview", "CiQw...", "n", "3"),
        event.fields());
  }

  @Test
  void braceFieldsAreNotFormatPlaceholders() {
    KeyValueLog.warn(log, "Stigmer create failed", "violations", "{} is {}");
    CapturedLogs.Event event = events().get(events().size() - 1);
    assertEquals("Stigmer create failed", event.message());
    assertEquals(Map.of("violations", "{} is {}"), event.fields());
  }

  @Test
  void aContractLineHasTheContractsMessageLevelAndFields() {
    KeyValueLog.line(
        log,
        Contract.LOG_CREATE_FAILED,
        "activity_id",
        "1",
        "token_preview",
        "CiQw...",
        "token_digest",
        "0123456789ab",
        "code",
        "UNAVAILABLE",
        "retryable",
        true);
    CapturedLogs.Event event = events().get(events().size() - 1);
    assertEquals(Contract.LOG_CREATE_FAILED.message(), event.message());
    assertEquals("WARN", event.level().toString());
    assertEquals("true", event.fields().get("retryable"));
  }

  @Test
  void aContractLineRefusesOtherFields() {
    assertThrows(
        IllegalArgumentException.class,
        () -> KeyValueLog.line(log, Contract.LOG_NO_CALLBACK_TOKEN, "execution_id", "x", "n", 1));
  }
}
