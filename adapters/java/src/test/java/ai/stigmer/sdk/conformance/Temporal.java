package ai.stigmer.sdk.conformance;

import ai.stigmer.conformance.v1.TemporalTarget;
import ai.stigmer.conformance.v1.TokenSeen;
import ai.stigmer.sdk.handshake.PayloadTypeRegistry;
import com.google.protobuf.ByteString;
import ai.stigmer.sdk.handshake.StigmerDataConverter;
import ai.stigmer.sdk.handshake.TaskTokens;
import io.temporal.client.WorkflowClient;
import io.temporal.common.converter.DataConverter;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/** What the roles share: Temporal connections, the case annotation, token reports. */
final class Temporal {

  /** Names the case of an execution, in {@code metadata.annotations}. */
  static final String CASE_ANNOTATION = "conformance.stigmer.ai/case";

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

  private Temporal() {}

  /** Connects to the frontend of the start request's server, waiting until it answers. */
  static WorkflowServiceStubs connect(TemporalTarget target) {
    if (target.getAddress().isEmpty()) {
      throw new IllegalArgumentException("no Temporal address in the start request");
    }
    return WorkflowServiceStubs.newConnectedServiceStubs(
        WorkflowServiceStubsOptions.newBuilder()
            .setTarget(target.getAddress())
            .setMetricsScope(MetricsExposition.get().scope())
            .build(),
        CONNECT_TIMEOUT);
  }

  /**
   * A client of {@code namespace} whose data converter reads and writes the Stigmer messages as
   * {@code json/protobuf} (including {@code google.protobuf.Any} fields) and {@code
   * binary/protobuf}, as the other languages send them.
   */
  static WorkflowClient client(WorkflowServiceStubs service, String namespace) {
    return WorkflowClient.newInstance(
        service,
        WorkflowClientOptions.newBuilder()
            .setNamespace(namespace)
            .setIdentity("stigmer-conformance-java@" + ProcessHandle.current().pid())
            .setDataConverter(dataConverter())
            .build());
  }

  /**
   * The data converter a Java caller installs to read every payload a Stigmer service sends
   * (binary/protobuf, json/protobuf and the deployed service's json/plain).
   */
  static DataConverter dataConverter() {
    return StigmerDataConverter.create();
  }

  /** What a token looked like: its SHA-256 and length, never the token. */
  static TokenSeen tokenSeen(String caseId, byte[] token, String idempotencyKey) {
    return tokenSeen(caseId, token, idempotencyKey, 0);
  }

  /** What a token looked like in an activity attempt: SHA-256, length, preview, attempt. */
  static TokenSeen tokenSeen(String caseId, byte[] token, String idempotencyKey, int attempt) {
    byte[] bytes = token == null ? new byte[0] : token;
    return TokenSeen.newBuilder()
        .setPreview(TaskTokens.preview(bytes))
        .setAttempt(attempt)
        .setCaseId(caseId)
        .setSha256(ByteString.copyFrom(sha256(bytes)))
        .setLength(bytes.length)
        .setIdempotencyKey(idempotencyKey == null ? "" : idempotencyKey)
        .build();
  }

  /** Stops a worker factory's workers, waiting a little for their pollers. */
  static void shutdown(WorkerFactory factory) {
    try {
      factory.shutdownNow();
      factory.awaitTermination(5, TimeUnit.SECONDS);
    } catch (RuntimeException e) {
      LoggerFactory.getLogger(Temporal.class).warn("stopping workers: {}", e.toString());
    }
  }

  /** Fractional seconds of the protocol as a duration. */
  static Duration seconds(double seconds) {
    return Duration.ofNanos(Math.round(seconds * 1e9));
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
