package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryControllerGrpc;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryControllerGrpc;
import io.grpc.Channel;
import io.temporal.common.SimplePlugin;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.common.interceptors.WorkflowClientInterceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One object that sets a Temporal client and its workers up for Stigmer handshakes, on the Temporal
 * Java SDK's plugin API ({@link SimplePlugin}, sdk-java 1.33 and later); the same as Python's {@code
 * StigmerPlugin}. Put it on the client: every worker of a {@code WorkerFactory} built from that
 * client gets it too.
 *
 * <pre>{@code
 * ManagedChannel stigmer = StigmerChannels.newBuilder("stigmer.example.com:443").build();
 * WorkflowClient client = WorkflowClient.newInstance(service,
 *     WorkflowClientOptions.newBuilder()
 *         .setPlugins(StigmerPlugin.newBuilder().setStigmerChannel(stigmer).build())
 *         .build());
 * Worker worker = WorkerFactory.newInstance(client).newWorker("callers");
 * }</pre>
 *
 * <p>What it wires, which a caller otherwise does by hand:
 *
 * <ul>
 *   <li>the data converter ({@link StigmerDataConverter#payloadConverters}): every completion a
 *       Stigmer service sends decodes, {@code binary/protobuf}, {@code json/protobuf} and the
 *       deployed Go service's {@code json/plain}. A client's own {@code DefaultDataConverter} keeps
 *       its other converters; a converter of another class is left as it is;
 *   <li>with a Stigmer channel ({@link Builder#setStigmerChannel}), the caller-side activities on
 *       every worker: {@value GetExecutionActivity#GET_EXECUTION} ({@link GetExecutionActivityImpl}),
 *       {@value WatchExecutionActivity#WATCH_EXECUTION} ({@link WatchExecutionActivityImpl}) and
 *       {@value CancelExecutionActivity#CANCEL_EXECUTION} ({@link CancelExecutionActivityImpl}),
 *       which {@link WorkflowHandshake#executeToTerminal} schedules;
 *   <li>the completion system activity {@value SystemActivities#COMPLETE_EXTERNAL_ACTIVITY} on
 *       every worker ({@link SystemActivitiesImpl#withWorkerClient}), which {@link
 *       WorkflowCompletions} (and so the inner-workflow shape) schedules; turn it off with {@link
 *       Builder#setSystemActivities(boolean)} for pure callers;
 *   <li>with {@link Builder#setTracing(boolean)}, Temporal's OpenTracing interceptors ({@code
 *       io.temporal:temporal-opentracing}, add it to your dependencies, with OpenTelemetry's
 *       OpenTracing shim registered as {@code GlobalTracer}): one trace follows a handshake from the
 *       caller's workflow through its activity, and the {@code create} call carries it to the
 *       service as W3C {@code traceparent} metadata;
 *   <li>interceptors of your own ({@link Builder#addWorkerInterceptors}, {@link
 *       Builder#addClientInterceptors}).
 * </ul>
 */
public final class StigmerPlugin extends SimplePlugin {

  /** The plugin's name, as Temporal reports it (the same as Python's). */
  public static final String NAME = Contract.PLUGIN_NAME;

  private StigmerPlugin(SimplePlugin.Builder builder) {
    super(builder);
  }

  /**
   * Returns a builder: without a channel only the converter and the system activity are wired.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** Adds Stigmer's payload converters to a {@link DefaultDataConverter}; leaves others alone. */
  static DataConverter withStigmerPayloads(DataConverter existing, PayloadTypeRegistry registry) {
    if (existing == null) {
      // Client options without a converter of their own: a default one (not the global one,
      // which withPayloadConverterOverrides would change in place for every client).
      existing = DefaultDataConverter.newDefaultInstance();
    }
    if (existing instanceof DefaultDataConverter) {
      return ((DefaultDataConverter) existing)
          .withPayloadConverterOverrides(StigmerDataConverter.payloadConverters(registry));
    }
    return existing;
  }

  /** Options of the plugin. Not thread-safe. */
  public static final class Builder {
    private PayloadTypeRegistry registry = PayloadTypeRegistry.stigmerDefaults();
    private Channel stigmerChannel;
    private GetExecutionActivityImpl getExecution;
    private WatchExecutionActivityImpl watchExecution;
    private CancelExecutionActivityImpl cancelExecution;
    private boolean systemActivities = true;
    private boolean tracing;
    private final List<WorkerInterceptor> workerInterceptors = new ArrayList<>();
    private final List<WorkflowClientInterceptor> clientInterceptors = new ArrayList<>();

    private Builder() {}

    /**
     * Sets the result types the converter and the system activity know ({@link
     * PayloadTypeRegistry#stigmerDefaults()} by default).
     *
     * @param registry the registry
     * @return this builder
     */
    public Builder setTypeRegistry(PayloadTypeRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Sets the channel to the Stigmer service ({@link StigmerChannels}) that the caller-side
     * activities call {@code get} on; registers them with their default settings.
     *
     * @param channel the channel
     * @return this builder
     */
    public Builder setStigmerChannel(Channel channel) {
      this.stigmerChannel = Objects.requireNonNull(channel, "channel");
      return this;
    }

    /**
     * Registers this {@value GetExecutionActivity#GET_EXECUTION} implementation instead of the
     * default one of {@link #setStigmerChannel}.
     *
     * @param activity the implementation
     * @return this builder
     */
    public Builder setGetExecutionActivity(GetExecutionActivityImpl activity) {
      this.getExecution = Objects.requireNonNull(activity, "activity");
      return this;
    }

    /**
     * Registers this {@value WatchExecutionActivity#WATCH_EXECUTION} implementation instead of the
     * default one of {@link #setStigmerChannel}.
     *
     * @param activity the implementation
     * @return this builder
     */
    public Builder setWatchExecutionActivity(WatchExecutionActivityImpl activity) {
      this.watchExecution = Objects.requireNonNull(activity, "activity");
      return this;
    }

    /**
     * Registers this {@value CancelExecutionActivity#CANCEL_EXECUTION} implementation instead of
     * the default one of {@link #setStigmerChannel}.
     *
     * @param activity the implementation
     * @return this builder
     */
    public Builder setCancelExecutionActivity(CancelExecutionActivityImpl activity) {
      this.cancelExecution = Objects.requireNonNull(activity, "activity");
      return this;
    }

    /**
     * Registers the completion system activity on every worker (the default), or not.
     *
     * @param enabled whether to register it
     * @return this builder
     */
    public Builder setSystemActivities(boolean enabled) {
      this.systemActivities = enabled;
      return this;
    }

    /**
     * Adds Temporal's OpenTracing interceptors (needs {@code io.temporal:temporal-opentracing} on
     * the class path and a tracer registered as {@code io.opentracing.util.GlobalTracer}, for
     * example OpenTelemetry's OpenTracing shim); off by default.
     *
     * @param enabled whether to trace
     * @return this builder
     */
    public Builder setTracing(boolean enabled) {
      this.tracing = enabled;
      return this;
    }

    /**
     * Adds worker interceptors of your own.
     *
     * @param interceptors the interceptors
     * @return this builder
     */
    public Builder addWorkerInterceptors(WorkerInterceptor... interceptors) {
      for (WorkerInterceptor interceptor : interceptors) {
        workerInterceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
      }
      return this;
    }

    /**
     * Adds client interceptors of your own.
     *
     * @param interceptors the interceptors
     * @return this builder
     */
    public Builder addClientInterceptors(WorkflowClientInterceptor... interceptors) {
      for (WorkflowClientInterceptor interceptor : interceptors) {
        clientInterceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
      }
      return this;
    }

    /**
     * Builds the plugin.
     *
     * @return the plugin
     */
    public StigmerPlugin build() {
      PayloadTypeRegistry types = registry;
      SimplePlugin.Builder plugin =
          SimplePlugin.newBuilder(NAME)
              .customizeDataConverter(existing -> withStigmerPayloads(existing, types));
      List<Object> activities = new ArrayList<>();
      GetExecutionActivityImpl get = getExecution;
      WatchExecutionActivityImpl watch = watchExecution;
      CancelExecutionActivityImpl cancel = cancelExecution;
      if (stigmerChannel != null) {
        if (get == null) {
          get =
              GetExecutionActivityImpl.newBuilder()
                  .setAgentStub(AgentExecutionQueryControllerGrpc.newBlockingStub(stigmerChannel))
                  .setWorkflowStub(
                      WorkflowExecutionQueryControllerGrpc.newBlockingStub(stigmerChannel))
                  .build();
        }
        if (watch == null) {
          watch = WatchExecutionActivityImpl.newBuilder().setChannel(stigmerChannel).build();
        }
        if (cancel == null) {
          cancel = CancelExecutionActivityImpl.newBuilder().setChannel(stigmerChannel).build();
        }
      }
      if (get != null) {
        activities.add(get);
      }
      if (watch != null) {
        activities.add(watch);
      }
      if (cancel != null) {
        activities.add(cancel);
      }
      if (systemActivities) {
        activities.add(SystemActivitiesImpl.withWorkerClient(types));
      }
      if (!activities.isEmpty()) {
        plugin.registerActivitiesImplementations(activities.toArray());
      }
      plugin.addWorkerInterceptors(HandshakeActivityIds.workerInterceptor());
      if (tracing) {
        plugin.addWorkerInterceptors(StigmerTracing.workerInterceptor());
        plugin.addClientInterceptors(StigmerTracing.clientInterceptor());
      }
      plugin.addWorkerInterceptors(workerInterceptors.toArray(new WorkerInterceptor[0]));
      plugin.addClientInterceptors(clientInterceptors.toArray(new WorkflowClientInterceptor[0]));
      return new StigmerPlugin(plugin);
    }
  }
}
