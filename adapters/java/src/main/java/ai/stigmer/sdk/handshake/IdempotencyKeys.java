package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import java.nio.charset.StandardCharsets;

/**
 * The idempotency key of a caller activity (handshake contract, section 2).
 *
 * <p>The key is derived from the activity, not from the attempt: a retried activity (which has a
 * new task token) sends the same key, so the service maps it to the execution that the first
 * attempt created and stores the newer token on it instead of starting a second agent.
 *
 * <pre>
 * key = "v1:" + lowercase_hex(SHA-256(namespace + "\x1f" + workflow_id + "\x1f" + run_id + "\x1f" + activity_id))
 * </pre>
 */
public final class IdempotencyKeys {

  /** gRPC request metadata key that carries the idempotency key on {@code create}. */
  public static final String METADATA_KEY = Contract.HEADER_IDEMPOTENCY_KEY;

  /** Key of the execution's {@code metadata.annotations} entry that carries the idempotency key. */
  public static final String ANNOTATION_KEY = Contract.ANNOTATION_IDEMPOTENCY_KEY;

  /** Prefix of every key of this version of the algorithm. */
  public static final String VERSION_PREFIX = "v1:";

  private static final char SEPARATOR = '\u001f';

  private IdempotencyKeys() {}

  /**
   * Derives the idempotency key of an activity from its own values, each UTF-8 encoded and joined
   * with the ASCII unit separator {@code 0x1F}. A {@code null} value (for example the workflow id
   * of a standalone activity) counts as the empty string.
   *
   * @param namespace the caller's Temporal namespace name
   * @param workflowId the id of the workflow that scheduled the activity
   * @param runId the run id of that workflow
   * @param activityId the activity id
   * @return {@code "v1:"} followed by 64 lowercase hexadecimal digits
   */
  public static String derive(
      String namespace, String workflowId, String runId, String activityId) {
    String joined =
        nullToEmpty(namespace)
            + SEPARATOR
            + nullToEmpty(workflowId)
            + SEPARATOR
            + nullToEmpty(runId)
            + SEPARATOR
            + nullToEmpty(activityId);
    return VERSION_PREFIX + Digests.sha256Hex(joined.getBytes(StandardCharsets.UTF_8));
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }
}
