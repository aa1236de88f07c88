package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TaskTokensTest {

  private static byte[] bytes(int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) i;
    }
    return b;
  }

  @ParameterizedTest(name = "{0} bytes -> {1}")
  @CsvSource({
    // Base64 longer than 20 characters: its first 20 and "...".
    "16, AAECAwQFBgcICQoLDA0O...",
    "30, AAECAwQFBgcICQoLDA0O...",
    // Base64 of 20 characters or fewer: its first half, rounded down.
    "15, AAECAwQFBg...",
    "14, AAECAwQFBg...",
    "12, AAECAwQF...",
    "3, AA...",
    "1, AA..."
  })
  void previewFollowsTheContract(int length, String expected) {
    assertEquals(expected, TaskTokens.preview(bytes(length)));
    assertEquals(expected, TaskTokens.preview(ByteString.copyFrom(bytes(length))));
  }

  @Test
  void previewUsesStandardBase64WithPadding() {
    byte[] token = new byte[30];
    for (int i = 0; i < token.length; i += 3) {
      token[i] = (byte) 0xfb;
      token[i + 1] = (byte) 0xff;
      token[i + 2] = (byte) 0xbf;
    }
    // URL-safe Base64 would give "-_-_..."; standard gives "+/+/...".
    assertEquals("+/+/+/+/+/+/+/+/+/+/...", TaskTokens.preview(token));
    assertEquals("AQ...", TaskTokens.preview(new byte[] {1}), "padding counts: AQ== has 4 chars");
  }

  @Test
  void emptyAndAbsentTokensPreviewAsEmpty() {
    assertEquals("<empty>", TaskTokens.preview(new byte[0]));
    assertEquals("<empty>", TaskTokens.preview((byte[]) null));
    assertEquals("<empty>", TaskTokens.preview(ByteString.EMPTY));
    assertEquals("<empty>", TaskTokens.preview((ByteString) null));
  }

  @Test
  void previewNeverShowsAWholeToken() {
    Random random = new Random(1);
    for (int length = 1; length <= 64; length++) {
      byte[] token = new byte[length];
      random.nextBytes(token);
      String base64 = Base64.getEncoder().encodeToString(token);
      String preview = TaskTokens.preview(token);
      String shown = preview.substring(0, preview.length() - 3);
      assertFalse(shown.length() >= base64.length(), "length " + length + " shows it all");
      assertEquals(base64.substring(0, shown.length()), shown);
    }
  }

  @Test
  void digestIsTheFirst12HexOfTheSha256OfTheRawBytes() {
    assertEquals("ba7816bf8f01", TaskTokens.digest("abc".getBytes(StandardCharsets.US_ASCII)));
    assertEquals("ba7816bf8f01", TaskTokens.digest(ByteString.copyFromUtf8("abc")));
    assertEquals("e3b0c44298fc", TaskTokens.digest(new byte[0]));
    assertEquals("e3b0c44298fc", TaskTokens.digest((byte[]) null));
  }

  @Test
  void tokensOfOneNamespaceShareTheirPreviewButNotTheirDigest() {
    byte[] a = new byte[40];
    byte[] b = new byte[40];
    b[39] = 1;
    assertEquals(TaskTokens.preview(a), TaskTokens.preview(b));
    assertNotEquals(TaskTokens.digest(a), TaskTokens.digest(b));
  }
}
