package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class IdempotencyKeysTest {

  @Test
  void contractExample() {
    // SHA-256 of the 21 bytes "default\x1fwf-1\x1frun-1\x1f1" (computed independently with
    // Python's hashlib).
    assertEquals(
        "v1:64af68bd1204dce0666305e56cd78a7aebc7043e257ec1a5c5d5a8b171cc1fc6",
        IdempotencyKeys.derive("default", "wf-1", "run-1", "1"));
  }

  @Test
  void valuesAreUtf8AndNullIsEmpty() {
    assertEquals(
        "v1:2fffa3dbc4ebf2402084f238e3c499862215eb3829cc4a756e54441d01025e3c",
        IdempotencyKeys.derive("ns-é", "wf", "", "act"));
    assertEquals(
        IdempotencyKeys.derive("ns-é", "wf", "", "act"),
        IdempotencyKeys.derive("ns-é", "wf", null, "act"));
  }

  @Test
  void theSeparatorKeepsFieldsApart() {
    assertNotEquals(
        IdempotencyKeys.derive("default", "wf-1", "run-1", "1"),
        IdempotencyKeys.derive("default", "wf-1run-1", "", "1"));
    assertNotEquals(
        IdempotencyKeys.derive("a", "b", "c", "d"), IdempotencyKeys.derive("a", "b", "c", "e"));
  }

  @Test
  void namesOnTheWire() {
    assertEquals("stigmer-idempotency-key", IdempotencyKeys.METADATA_KEY);
    assertEquals("stigmer.ai/idempotency-key", IdempotencyKeys.ANNOTATION_KEY);
  }
}
