package ai.stigmer.sdk.testing;

import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A real Temporal dev server ({@code temporal server start-dev}), started once for the whole test
 * run and stopped when the run ends. Tests get it as a parameter by extending with it:
 *
 * <pre>{@code
 * @ExtendWith(TemporalDevServer.Extension.class)
 * class SomeIntegrationTest {
 *   @Test void test(TemporalDevServer server) { ... }
 * }
 * }</pre>
 *
 * <p>The CLI is {@code $STIGMER_TEMPORAL_CLI}, else {@code temporal} on the PATH, else the
 * repository's {@code .venv/bin/temporal}; without any, the tests fail.
 */
public final class TemporalDevServer implements AutoCloseable {

  /** The namespace the callers run in. */
  public static final String NAMESPACE = "default";

  /** A second namespace, for tokens presented to the wrong namespace. */
  public static final String OTHER_NAMESPACE = "stigmer-other";

  private static final Duration STARTUP_DEADLINE = Duration.ofSeconds(90);

  private final Process process;
  private final Path logFile;
  private final String target;
  private final WorkflowServiceStubs service;
  private final WorkflowClient client;
  private final WorkflowClient otherClient;
  private final Thread shutdownHook;

  private TemporalDevServer(
      Process process, Path logFile, String target, WorkflowServiceStubs service) {
    this.process = process;
    this.logFile = logFile;
    this.target = target;
    this.service = service;
    this.client = newClient(NAMESPACE);
    this.otherClient = newClient(OTHER_NAMESPACE);
    this.shutdownHook = new Thread(this::stopProcess, "temporal-dev-server-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** The frontend address, {@code 127.0.0.1:<port>}. */
  public String target() {
    return target;
  }

  /** Service stubs connected to the server. */
  public WorkflowServiceStubs service() {
    return service;
  }

  /** A client of the {@value #NAMESPACE} namespace. */
  public WorkflowClient client() {
    return client;
  }

  /** A client of the {@value #OTHER_NAMESPACE} namespace. */
  public WorkflowClient otherClient() {
    return otherClient;
  }

  /** Returns a new client of a namespace on this server. */
  public WorkflowClient newClient(String namespace) {
    return WorkflowClient.newInstance(
        service, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
  }

  @Override
  public void close() {
    service.shutdownNow();
    service.awaitTermination(5, TimeUnit.SECONDS);
    stopProcess();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down; the hook runs stopProcess again, harmlessly.
    }
  }

  private void stopProcess() {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroy);
    for (ProcessHandle handle : tree) {
      try {
        handle.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        handle.destroyForcibly();
      }
    }
  }

  static TemporalDevServer start() {
    String cli = findCli();
    int port = freePort();
    int uiPort = freePort();
    while (uiPort == port) {
      uiPort = freePort();
    }
    Path logFile;
    Process process;
    try {
      Path dir = Paths.get("target");
      Files.createDirectories(dir);
      logFile = dir.resolve("temporal-dev-server.log").toAbsolutePath();
      process =
          new ProcessBuilder(
                  cli,
                  "server",
                  "start-dev",
                  "--ip",
                  "127.0.0.1",
                  "--port",
                  Integer.toString(port),
                  "--ui-port",
                  Integer.toString(uiPort),
                  "--headless",
                  "--log-level",
                  "error",
                  "--namespace",
                  OTHER_NAMESPACE)
              .redirectErrorStream(true)
              .redirectOutput(logFile.toFile())
              .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the Temporal dev server with " + cli, e);
    }
    String target = "127.0.0.1:" + port;
    WorkflowServiceStubs service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
    try {
      awaitReady(process, service, logFile);
    } catch (RuntimeException | Error e) {
      service.shutdownNow();
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      throw e;
    }
    return new TemporalDevServer(process, logFile, target, service);
  }

  private static void awaitReady(Process process, WorkflowServiceStubs service, Path logFile) {
    long deadline = System.nanoTime() + STARTUP_DEADLINE.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the Temporal dev server exited with code "
                + process.exitValue()
                + " before it was ready; see "
                + logFile
                + ":\n"
                + readLog(logFile));
      }
      try {
        service.healthCheck();
        for (String namespace : List.of(NAMESPACE, OTHER_NAMESPACE)) {
          service
              .blockingStub()
              .withDeadlineAfter(2, TimeUnit.SECONDS)
              .describeNamespace(
                  DescribeNamespaceRequest.newBuilder().setNamespace(namespace).build());
        }
        return;
      } catch (RuntimeException e) {
        last = e;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the Temporal dev server", e);
      }
    }
    throw new IllegalStateException(
        "the Temporal dev server was not ready within " + STARTUP_DEADLINE + "; see " + logFile,
        last);
  }

  private static String readLog(Path logFile) {
    try {
      return Files.readString(logFile);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** Finds the Temporal CLI, or fails with a message saying where it looked. */
  static String findCli() {
    List<String> tried = new ArrayList<>();
    String fromEnv = System.getenv("STIGMER_TEMPORAL_CLI");
    if (fromEnv != null && !fromEnv.isBlank()) {
      if (Files.isExecutable(Paths.get(fromEnv))) {
        return fromEnv;
      }
      tried.add("$STIGMER_TEMPORAL_CLI=" + fromEnv + " (not an executable file)");
    } else {
      tried.add("$STIGMER_TEMPORAL_CLI (not set)");
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        if (!dir.isEmpty()) {
          Path candidate = Paths.get(dir, "temporal");
          if (Files.isExecutable(candidate)) {
            return candidate.toString();
          }
        }
      }
    }
    tried.add("temporal on the PATH (not found)");
    Path venv = Paths.get("..", "..", ".venv", "bin", "temporal").toAbsolutePath().normalize();
    if (Files.isExecutable(venv)) {
      return venv.toString();
    }
    tried.add(venv + " (not found; `make bootstrap` installs it)");
    throw new IllegalStateException(
        "the Temporal CLI is needed to run the integration tests; tried "
            + String.join(", ", tried));
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    }
  }

  /** JUnit extension that starts the dev server once per test run and injects it. */
  public static final class Extension implements ParameterResolver {
    private static final ExtensionContext.Namespace STORE =
        ExtensionContext.Namespace.create(TemporalDevServer.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context)
        throws ParameterResolutionException {
      return parameter.getParameter().getType() == TemporalDevServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context)
        throws ParameterResolutionException {
      return get(context);
    }

    /** Returns the server of this test run, starting it on first use. */
    public static TemporalDevServer get(ExtensionContext context) {
      return context
          .getRoot()
          .getStore(STORE)
          .getOrComputeIfAbsent(Holder.class, key -> new Holder(), Holder.class)
          .get();
    }
  }

  /** Starts the server at most once per run, remembers a failure, and stops it at the end. */
  private static final class Holder implements ExtensionContext.Store.CloseableResource {
    private TemporalDevServer server;
    private RuntimeException failure;

    synchronized TemporalDevServer get() {
      if (failure != null) {
        throw new IllegalStateException(
            "the Temporal dev server failed to start earlier in this run", failure);
      }
      if (server == null) {
        try {
          server = start();
        } catch (RuntimeException e) {
          failure = e;
          throw e;
        }
      }
      return server;
    }

    @Override
    public synchronized void close() {
      if (server != null) {
        server.close();
      }
    }
  }
}
