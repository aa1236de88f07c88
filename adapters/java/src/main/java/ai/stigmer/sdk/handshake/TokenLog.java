package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import org.slf4j.Logger;

/**
 * The contract's log lines about one token (handshake contract, section 7): each carries what the
 * token belongs to ({@code execution_id} or {@code activity_id}), the token's preview and its
 * digest, never the token, then the line's own fields.
 */
final class TokenLog {

  private final Logger log;
  private final String ownerKey;
  private final Object owner;
  private final String preview;
  private final String digest;

  /**
   * @param ownerKey {@code "execution_id"} or {@code "activity_id"}
   * @param owner its value
   * @param token the raw token, may be {@code null}
   */
  TokenLog(Logger log, String ownerKey, Object owner, byte[] token) {
    this(log, ownerKey, owner, TaskTokens.preview(token), TaskTokens.digest(token));
  }

  private TokenLog(Logger log, String ownerKey, Object owner, String preview, String digest) {
    this.log = log;
    this.ownerKey = ownerKey;
    this.owner = owner;
    this.preview = preview;
    this.digest = digest;
  }

  /** The same token's lines, about another owner (the execution the activity created). */
  TokenLog about(String ownerKey, Object owner) {
    return new TokenLog(log, ownerKey, owner, preview, digest);
  }

  /** The token's preview, for messages. */
  String preview() {
    return preview;
  }

  /** The token's digest, for messages. */
  String digest() {
    return digest;
  }

  /** Logs {@code line} at the contract's level. */
  void line(Contract.Log line, Object... more) {
    KeyValueLog.line(log, line, fields(more));
  }

  /** Logs {@code line} at {@code level}, more severe than the contract's. */
  void lineAt(KeyValueLog.Level level, Contract.Log line, Object... more) {
    KeyValueLog.lineAt(log, level, line, fields(more));
  }

  /**
   * Logs the completion failing with {@code error}: at the contract's level for a known outcome,
   * at ERROR for an unknown cause.
   */
  void completionFailed(boolean known, String error) {
    if (known) {
      line(Contract.LOG_COMPLETION_FAILED, "error", error);
    } else {
      lineAt(KeyValueLog.Level.ERROR, Contract.LOG_COMPLETION_FAILED, "error", error);
    }
  }

  /** The owner, the token's preview and digest, then {@code more}, as key-value pairs. */
  private Object[] fields(Object... more) {
    Object[] fields = new Object[6 + more.length];
    fields[0] = ownerKey;
    fields[1] = owner;
    fields[2] = "token_preview";
    fields[3] = preview;
    fields[4] = "token_digest";
    fields[5] = digest;
    System.arraycopy(more, 0, fields, 6, more.length);
    return fields;
  }
}
