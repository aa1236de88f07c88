package ai.stigmer.sdk.handshake;

import ai.stigmer.sdk.contract.Contract;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryControllerGrpc;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryControllerGrpc;
import com.google.auto.value.AutoBuilder;
import io.grpc.Channel;
import io.temporal.common.SimplePlugin;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.common.interceptors.WorkflowClientInterceptor;
import java.util.ArrayList;
import java.util.List;

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
    return new AutoBuilder_StigmerPlugin_Builder()
        .setTypeRegistry(PayloadTypeRegistry.stigmerDefaults())
        .setSystemActivities(true)
        .setTracing(false);
  }

  /** What {@link Builder#build} calls: wires the settings into Temporal's plugin builder. */
  static StigmerPlugin create(
      PayloadTypeRegistry typeRegistry,
      @Nullable Channel stigmerChannel,
      @Nullable GetExecutionActivityImpl getExecutionActivity,
      @Nullable WatchExecutionActivityImpl watchExecutionActivity,
      @Nullable CancelExecutionActivityImpl cancelExecutionActivity,
      boolean systemActivities,
      boolean tracing,
      List<WorkerInterceptor> workerInterceptors,
      List<WorkflowClientInterceptor> clientInterceptors) {
    SimplePlugin.Builder plugin =
        SimplePlugin.newBuilder(NAME)
            .customizeDataConverter(existing -> withStigmerPayloads(existing, typeRegistry));
    List<Object> activities = new ArrayList<>();
    GetExecutionActivityImpl get = getExecutionActivity;
    WatchExecutionActivityImpl watch = watchExecutionActivity;
    CancelExecutionActivityImpl cancel = cancelExecutionActivity;
    if (stigmerChannel != null) {
      if (get == null) {
        get =
            GetExecutionActivityImpl.newBuilder()
                .setAgentStub(AgentExecutionQueryControllerGrpc.newBlockingStub(stigmerChannel))
                .setWorkflowStub(WorkflowExecutionQueryControllerGrpc.newBlockingStub(stigmerChannel))
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
      activities.add(SystemActivitiesImpl.withWorkerClient(typeRegistry));
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

  /** Options of the plugin, written by AutoValue's {@code @AutoBuilder}. Not thread-safe. */
  @AutoBuilder(callMethod = "create")
  public abstract static class Builder {
    private final List<WorkerInterceptor> workerInterceptors = new ArrayList<>();
    private final List<WorkflowClientInterceptor> clientInterceptors = new ArrayList<>();

    Builder() {}

    /**
     * Sets the result types the converter and the system activity know ({@link
     * PayloadTypeRegistry#stigmerDefaults()} by default).
     *
     * @param registry the registry
     * @return this builder
     */
    public abstract Builder setTypeRegistry(PayloadTypeRegistry registry);

    /**
     * Sets the channel to the Stigmer service ({@link StigmerChannels}) that the caller-side
     * activities call {@code get} on; registers them with their default settings.
     *
     * @param channel the channel
     * @return this builder
     */
    public abstract Builder setStigmerChannel(Channel channel);

    /**
     * Registers these caller-side activity implementations instead of the defaults of {@link
     * #setStigmerChannel}: {@value GetExecutionActivity#GET_EXECUTION} here, {@value
     * WatchExecutionActivity#WATCH_EXECUTION} in {@link #setWatchExecutionActivity} and {@value
     * CancelExecutionActivity#CANCEL_EXECUTION} in {@link #setCancelExecutionActivity}.
     *
     * @param activity the implementation
     * @return this builder
     */
    public abstract Builder setGetExecutionActivity(GetExecutionActivityImpl activity);

    /** Registers this watcher implementation instead of the default (see {@link #setGetExecutionActivity}). */
    public abstract Builder setWatchExecutionActivity(WatchExecutionActivityImpl activity);

    /** Registers this cancel implementation instead of the default (see {@link #setGetExecutionActivity}). */
    public abstract Builder setCancelExecutionActivity(CancelExecutionActivityImpl activity);

    /**
     * Registers the completion system activity on every worker (the default), or not.
     *
     * @param enabled whether to register it
     * @return this builder
     */
    public abstract Builder setSystemActivities(boolean enabled);

    /**
     * Adds Temporal's OpenTracing interceptors (needs {@code io.temporal:temporal-opentracing} on
     * the class path and a tracer registered as {@code io.opentracing.util.GlobalTracer}, for
     * example OpenTelemetry's OpenTracing shim); off by default.
     *
     * @param enabled whether to trace
     * @return this builder
     */
    public abstract Builder setTracing(boolean enabled);

    abstract Builder setWorkerInterceptors(List<WorkerInterceptor> interceptors);

    abstract Builder setClientInterceptors(List<WorkflowClientInterceptor> interceptors);

    /**
     * Adds worker interceptors of your own.
     *
     * @param interceptors the interceptors
     * @return this builder
     */
    public Builder addWorkerInterceptors(WorkerInterceptor... interceptors) {
      workerInterceptors.addAll(BuilderArguments.nonNullElements(interceptors, "interceptor"));
      return this;
    }

    /** Adds client interceptors of your own, as {@link #addWorkerInterceptors} worker ones. */
    public Builder addClientInterceptors(WorkflowClientInterceptor... interceptors) {
      clientInterceptors.addAll(BuilderArguments.nonNullElements(interceptors, "interceptor"));
      return this;
    }

    abstract StigmerPlugin autoBuild();

    /**
     * Builds the plugin.
     *
     * @return the plugin
     */
    public StigmerPlugin build() {
      return setWorkerInterceptors(new ArrayList<>(workerInterceptors))
          .setClientInterceptors(new ArrayList<>(clientInterceptors))
          .autoBuild();
    }
  }
}
