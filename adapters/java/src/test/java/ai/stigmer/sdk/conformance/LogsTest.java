package ai.stigmer.sdk.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.stigmer.conformance.v1.LogRecord;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogsTest {

  @Test
  void reportsTheTextAsItIsAndTheFieldsFromTheMdc() {
    LogRecord record =
        Logs.record(
            "INFO",
            "ai.stigmer.sdk.handshake.StigmerHandshake",
            "Agent execution started, activity pending",
            Map.of("execution_id", "aex-1", "token_preview", "CiQw..."));
    assertEquals("Agent execution started, activity pending", record.getMessage());
    assertEquals(Map.of("execution_id", "aex-1", "token_preview", "CiQw..."), record.getFieldsMap());
    assertEquals("INFO", record.getLevel());
  }

  @Test
  void aFieldWrittenIntoTheTextStaysInTheMessage() {
    LogRecord record =
        Logs.record("WARN", "ai.stigmer.sdk.x", "Stigmer create failed code=UNAVAILABLE", Map.of());
    assertEquals("Stigmer create failed code=UNAVAILABLE", record.getMessage());
    assertEquals(Map.of(), record.getFieldsMap());
  }
}
