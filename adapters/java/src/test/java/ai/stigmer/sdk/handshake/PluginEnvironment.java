package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.testing.FakeStigmerService;
import io.grpc.ManagedChannel;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.function.Function;

/**
 * The in-process set-up of the tests that run {@link StigmerPlugin} end to end: a test workflow
 * environment whose client carries the plugin, and the test kit's fake Stigmer service on that
 * client, listening where the plugin's channel dials.
 */
final class PluginEnvironment implements AutoCloseable {

  final TestWorkflowEnvironment env;
  final FakeStigmerService stigmer;
  private final ManagedChannel channel;

  private PluginEnvironment(
      TestWorkflowEnvironment env, FakeStigmerService stigmer, ManagedChannel channel) {
    this.env = env;
    this.stigmer = stigmer;
    this.channel = channel;
  }

  /**
   * Starts the environment (not its workers: {@code env.start()} once they are registered).
   *
   * @param plugin the plugin, given the channel to the fake service (set as its Stigmer channel
   *     here too)
   */
  static PluginEnvironment start(Function<ManagedChannel, StigmerPlugin.Builder> plugin)
      throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    // The plugin's channel connects on first use, once the fake listens on the port.
    ManagedChannel channel = StigmerChannels.newBuilder("127.0.0.1:" + port).usePlaintext().build();
    TestWorkflowEnvironment env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                .setUseTimeskipping(false)
                .setWorkflowClientOptions(
                    WorkflowClientOptions.newBuilder()
                        .setPlugins(plugin.apply(channel).setStigmerChannel(channel).build())
                        .build())
                .build());
    return new PluginEnvironment(
        env, FakeStigmerService.start(env.getWorkflowClient(), port), channel);
  }

  /** The callers' handshake activities, creating on the fake service. */
  Fixtures.CallerActivitiesImpl callerActivities() {
    return new Fixtures.CallerActivitiesImpl(
        stigmer.agentStub(), stigmer.workflowStub(), HandshakeOptions.getDefaultInstance());
  }

  @Override
  public void close() {
    channel.shutdownNow();
    stigmer.close();
    env.close();
  }
}
