package ai.stigmer.sdk.conformance;

import ai.stigmer.conformance.v1.CodecRequest;
import ai.stigmer.conformance.v1.HarnessRequest;
import ai.stigmer.conformance.v1.HarnessResponse;
import ai.stigmer.conformance.v1.ShutdownResponse;
import ai.stigmer.conformance.v1.StartRequest;
import ai.stigmer.conformance.v1.Started;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java conformance executable: plays one role of {@code
 * proto/ai/stigmer/conformance/v1/harness.proto} over stdin and stdout (docs/conformance.md,
 * "Writing an executable"). Requests arrive as length-prefixed frames on stdin and are answered one
 * at a time on stdout; events (token reports) are written from activity and gRPC threads.
 * Diagnostics go to stderr only: stdout belongs to the protocol.
 *
 * <p>It lives in the test sources so that it does not ship in the SDK jar; run it with the test
 * classpath (conformance/implementations.json).
 */
public final class ConformanceMain {

  /** Makes the test SLF4J binding print every log event to stderr. */
  static final String VERBOSE_PROPERTY = "stigmer.test.verbose";

  private final Frames.Writer out;
  private Role role;
  private ServiceRole service;
  private Logger log;

  ConformanceMain(OutputStream protocol) {
    this.out = new Frames.Writer(protocol);
  }

  /**
   * Runs the executable until a shutdown request or the end of stdin, then exits.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    // Before anything can print: frames go to the real stdout, everything else to stderr
    // (Temporal, gRPC and SLF4J backends may print to System.out).
    OutputStream protocol =
        new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
    System.setOut(System.err);
    if (System.getProperty(VERBOSE_PROPERTY) == null) {
      System.setProperty(VERBOSE_PROPERTY, "true");
    }
    int status;
    try {
      status =
          new ConformanceMain(protocol)
              .run(new BufferedInputStream(new FileInputStream(FileDescriptor.in), 1 << 16));
    } catch (Throwable t) {
      System.err.println("stigmer-conformance-java: " + t);
      t.printStackTrace(System.err);
      status = 1;
    }
    System.err.flush();
    // Worker, gRPC and Temporal client threads may not all be daemons.
    Runtime.getRuntime().halt(status);
  }

  /**
   * Serves requests until a shutdown request (0), the end of the input (0) or a broken frame (1).
   *
   * @param in the protocol input
   * @return the exit status
   */
  int run(InputStream in) {
    log = LoggerFactory.getLogger(ConformanceMain.class);
    DataInputStream data = new DataInputStream(in);
    try {
      while (true) {
        HarnessRequest request;
        try {
          request = Frames.read(data, HarnessRequest.parser());
        } catch (IOException e) {
          log.error("reading a request: {}", e.toString());
          return 1;
        }
        if (request == null) {
          log.info("stdin closed, stopping");
          return 0;
        }
        HarnessResponse response = handle(request);
        try {
          out.write(response);
        } catch (IOException e) {
          log.error("answering request {}: {}", request.getRequestId(), e.toString());
          return 1;
        }
        if (request.hasShutdown()) {
          log.info("shut down");
          return 0;
        }
      }
    } finally {
      stopRole();
    }
  }

  /** Answers one request; a failure becomes an {@code error} response. */
  HarnessResponse handle(HarnessRequest request) {
    HarnessResponse.Builder response =
        HarnessResponse.newBuilder().setRequestId(request.getRequestId());
    try {
      switch (request.getRequestCase()) {
        case CODEC -> response.setCodec(codec(request.getCodec()));
        case PAYLOAD -> response.setPayload(Codec.get().decodePayload(request.getPayload()));
        case LOGS -> response.setLogs(Logs.records());
        case START -> response.setStarted(start(request.getStart()));
        case COMPLETE -> {
          if (service == null) {
            throw new IllegalStateException(
                "CompleteRequest: this process does not play the service role");
          }
          response.setComplete(service.complete(request.getComplete()));
        }
        case SHUTDOWN -> {
          stopRole();
          response.setShutdown(ShutdownResponse.getDefaultInstance());
        }
        default -> throw new IllegalArgumentException("request " + request.getRequestId() + " names no request");
      }
    } catch (Exception | LinkageError e) {
      log.warn("request {} failed", request.getRequestId(), e);
      response.setError(describe(e));
    }
    return response.build();
  }

  private static ai.stigmer.conformance.v1.CodecResponse codec(CodecRequest request)
      throws IOException {
    return Codec.get().handle(request);
  }

  private Started start(StartRequest start) throws IOException {
    if (role != null) {
      throw new IllegalStateException("a role is already started in this process");
    }
    Started.Builder started = Started.newBuilder();
    switch (start.getRoleCase()) {
      case CALLER -> role = CallerRole.start(start, out);
      case SERVICE -> {
        ServiceRole s = ServiceRole.start(start, out);
        role = s;
        service = s;
        started.setAddress(s.address());
      }
      case SYSTEM_WORKER -> role = SystemWorkerRole.start(start);
      default -> throw new IllegalArgumentException("StartRequest names no role");
    }
    started.setMetricsAddress(MetricsExposition.get().serve());
    return started.build();
  }

  private void stopRole() {
    Role stopping = role;
    role = null;
    service = null;
    if (stopping != null) {
      try {
        stopping.stop();
      } catch (RuntimeException e) {
        log.warn("stopping the role: {}", e.toString());
      }
    }
  }

  /** The error message of a failed request: the exception and its causes, one line. */
  static String describe(Throwable e) {
    StringBuilder message = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (message.length() > 0) {
        message.append(" <- ");
      }
      message.append(t.getClass().getSimpleName());
      if (t.getMessage() != null) {
        message.append(": ").append(t.getMessage());
      }
    }
    return message.toString();
  }
}
