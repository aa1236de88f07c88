package ai.stigmer.sdk.testing;

import java.util.Arrays;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that injects the kit into test methods and constructors:
 *
 * <ul>
 *   <li>a {@link DevServer}, started on first use and shared by the whole test run (stopped
 *       when the run ends); the JUnit configuration parameter {@value #NAMESPACES_PARAMETER} (for
 *       example in {@code junit-platform.properties}) lists more namespaces to register, comma
 *       separated;
 *   <li>a {@link FakeStigmerService}, a new one per test, finishing handshakes through the dev
 *       server's {@value DevServer#NAMESPACE} client, closed after the test.
 * </ul>
 *
 * <pre>{@code
 * @ExtendWith(StigmerTestExtension.class)
 * class CallerTest {
 *   @Test
 *   void completes(DevServer server, FakeStigmerService stigmer) { ... }
 * }
 * }</pre>
 */
public final class StigmerTestExtension implements ParameterResolver {

  /** The configuration parameter listing the extra namespaces of the shared dev server. */
  public static final String NAMESPACES_PARAMETER = "stigmer.testing.namespaces";

  private static final ExtensionContext.Namespace STORE =
      ExtensionContext.Namespace.create(StigmerTestExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context)
      throws ParameterResolutionException {
    Class<?> type = parameter.getParameter().getType();
    return type == DevServer.class || type == FakeStigmerService.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context)
      throws ParameterResolutionException {
    if (parameter.getParameter().getType() == DevServer.class) {
      return devServer(context);
    }
    FakeStigmerService fake = FakeStigmerService.start(devServer(context).client());
    context.getStore(STORE).put(new Object(), (ExtensionContext.Store.CloseableResource) fake::close);
    return fake;
  }

  /**
   * Returns the dev server of this test run, starting it on first use.
   *
   * @param context any extension context of the run
   * @return the shared server
   */
  public static DevServer devServer(ExtensionContext context) {
    String[] namespaces =
        context
            .getConfigurationParameter(NAMESPACES_PARAMETER)
            .map(value -> Arrays.stream(value.split(",")).map(String::trim))
            .orElseGet(java.util.stream.Stream::empty)
            .filter(namespace -> !namespace.isEmpty())
            .toArray(String[]::new);
    return context
        .getRoot()
        .getStore(STORE)
        .getOrComputeIfAbsent(
            SharedServer.class, key -> new SharedServer(namespaces), SharedServer.class)
        .get();
  }

  /** Starts the server at most once per run, remembers a failure, and stops it at the end. */
  private static final class SharedServer implements ExtensionContext.Store.CloseableResource {
    private final String[] namespaces;
    private DevServer server;
    private RuntimeException failure;

    SharedServer(String[] namespaces) {
      this.namespaces = namespaces;
    }

    synchronized DevServer get() {
      if (failure != null) {
        throw new IllegalStateException(
            "the Temporal dev server failed to start earlier in this run", failure);
      }
      if (server == null) {
        try {
          server = DevServer.newBuilder().addNamespaces(namespaces).start();
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
