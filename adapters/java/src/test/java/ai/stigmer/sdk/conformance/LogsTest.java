package ai.stigmer.sdk.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.stigmer.conformance.v1.LogRecord;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogsTest {

  @Test
  void splitsTheSdksMessageFromItsFields() {
    LogRecord record =
        Logs.normalise(
            "INFO",
            "ai.stigmer.sdk.handshake.StigmerHandshake",
            "Agent execution started, activity pending execution_id=aex-1 "
                + "token_preview=CiQw... token_digest=0123456789ab token_length=172");
    assertEquals("Agent execution started, activity pending", record.getMessage());
    assertEquals(
        Map.of(
            "execution_id", "aex-1",
            "token_preview", "CiQw...",
            "token_digest", "0123456789ab",
            "token_length", "172"),
        record.getFieldsMap());
    assertEquals("INFO", record.getLevel());
  }

  @Test
  void keepsAMessageWithoutFieldsWhole() {
    LogRecord record = Logs.normalise("WARN", "ai.stigmer.sdk.x", "Worker stopped, bye");
    assertEquals("Worker stopped, bye", record.getMessage());
    assertEquals(Map.of(), record.getFieldsMap());
  }
}
