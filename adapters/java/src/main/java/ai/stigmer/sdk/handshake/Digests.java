package ai.stigmer.sdk.handshake;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 in lowercase hexadecimal, for the keys, names and digests of the contract. */
final class Digests {

  private Digests() {}

  /** The lowercase hexadecimal SHA-256 of {@code data} (64 characters). */
  static String sha256Hex(byte[] data) {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform is required to provide SHA-256.
      throw new IllegalStateException("SHA-256 is not available", e);
    }
    StringBuilder hex = new StringBuilder();
    for (byte b : sha256.digest(data)) {
      hex.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return hex.toString();
  }
}
