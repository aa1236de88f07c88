package ai.stigmer.agentic.agentexecution.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Writes agent executions. Method names are lower camel case because the full method path
 * (/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/create) is fixed by the
 * deployed services.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class AgentExecutionCommandControllerGrpc {

  private AgentExecutionCommandControllerGrpc() {}

  public static final java.lang.String SERVICE_NAME = "ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<ai.stigmer.agentic.agentexecution.v1.AgentExecution,
      ai.stigmer.agentic.agentexecution.v1.AgentExecution> getCreateMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "create",
      requestType = ai.stigmer.agentic.agentexecution.v1.AgentExecution.class,
      responseType = ai.stigmer.agentic.agentexecution.v1.AgentExecution.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ai.stigmer.agentic.agentexecution.v1.AgentExecution,
      ai.stigmer.agentic.agentexecution.v1.AgentExecution> getCreateMethod() {
    io.grpc.MethodDescriptor<ai.stigmer.agentic.agentexecution.v1.AgentExecution, ai.stigmer.agentic.agentexecution.v1.AgentExecution> getCreateMethod;
    if ((getCreateMethod = AgentExecutionCommandControllerGrpc.getCreateMethod) == null) {
      synchronized (AgentExecutionCommandControllerGrpc.class) {
        if ((getCreateMethod = AgentExecutionCommandControllerGrpc.getCreateMethod) == null) {
          AgentExecutionCommandControllerGrpc.getCreateMethod = getCreateMethod =
              io.grpc.MethodDescriptor.<ai.stigmer.agentic.agentexecution.v1.AgentExecution, ai.stigmer.agentic.agentexecution.v1.AgentExecution>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "create"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.agentexecution.v1.AgentExecution.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.agentexecution.v1.AgentExecution.getDefaultInstance()))
              .setSchemaDescriptor(new AgentExecutionCommandControllerMethodDescriptorSupplier("create"))
              .build();
        }
      }
    }
    return getCreateMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ai.stigmer.agentic.agentexecution.v1.AgentExecutionUpdateStatusInput,
      ai.stigmer.agentic.agentexecution.v1.AgentExecution> getUpdateStatusMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "updateStatus",
      requestType = ai.stigmer.agentic.agentexecution.v1.AgentExecutionUpdateStatusInput.class,
      responseType = ai.stigmer.agentic.agentexecution.v1.AgentExecution.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ai.stigmer.agentic.agentexecution.v1.AgentExecutionUpdateStatusInput,
      ai.stigmer.agentic.agentexecution.v1.AgentExecution> getUpdateStatusMethod() {
    io.grpc.MethodDescriptor<ai.stigmer.agentic.agentexecution.v1.AgentExecutionUpdateStatusInput, ai.stigmer.agentic.agentexecution.v1.AgentExecution> getUpdateStatusMethod;
    if ((getUpdateStatusMethod = AgentExecutionCommandControllerGrpc.getUpdateStatusMethod) == null) {
      synchronized (AgentExecutionCommandControllerGrpc.class) {
        if ((getUpdateStatusMethod = AgentExecutionCommandControllerGrpc.getUpdateStatusMethod) == null) {
          AgentExecutionCommandControllerGrpc.getUpdateStatusMethod = getUpdateStatusMethod =
              io.grpc.MethodDescriptor.<ai.stigmer.agentic.agentexecution.v1.AgentExecutionUpdateStatusInput, ai.stigmer.agentic.agentexecution.v1.AgentExecution>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "updateStatus"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.agentexecution.v1.AgentExecutionUpdateStatusInput.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.agentexecution.v1.AgentExecution.getDefaultInstance()))
              .setSchemaDescriptor(new AgentExecutionCommandControllerMethodDescriptorSupplier("updateStatus"))
              .build();
        }
      }
    }
    return getUpdateStatusMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ai.stigmer.agentic.agentexecution.v1.AgentExecutionId,
      ai.stigmer.agentic.agentexecution.v1.AgentExecution> getCancelMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "cancel",
      requestType = ai.stigmer.agentic.agentexecution.v1.AgentExecutionId.class,
      responseType = ai.stigmer.agentic.agentexecution.v1.AgentExecution.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ai.stigmer.agentic.agentexecution.v1.AgentExecutionId,
      ai.stigmer.agentic.agentexecution.v1.AgentExecution> getCancelMethod() {
    io.grpc.MethodDescriptor<ai.stigmer.agentic.agentexecution.v1.AgentExecutionId, ai.stigmer.agentic.agentexecution.v1.AgentExecution> getCancelMethod;
    if ((getCancelMethod = AgentExecutionCommandControllerGrpc.getCancelMethod) == null) {
      synchronized (AgentExecutionCommandControllerGrpc.class) {
        if ((getCancelMethod = AgentExecutionCommandControllerGrpc.getCancelMethod) == null) {
          AgentExecutionCommandControllerGrpc.getCancelMethod = getCancelMethod =
              io.grpc.MethodDescriptor.<ai.stigmer.agentic.agentexecution.v1.AgentExecutionId, ai.stigmer.agentic.agentexecution.v1.AgentExecution>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "cancel"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.agentexecution.v1.AgentExecutionId.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.agentexecution.v1.AgentExecution.getDefaultInstance()))
              .setSchemaDescriptor(new AgentExecutionCommandControllerMethodDescriptorSupplier("cancel"))
              .build();
        }
      }
    }
    return getCancelMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static AgentExecutionCommandControllerStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AgentExecutionCommandControllerStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AgentExecutionCommandControllerStub>() {
        @java.lang.Override
        public AgentExecutionCommandControllerStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AgentExecutionCommandControllerStub(channel, callOptions);
        }
      };
    return AgentExecutionCommandControllerStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static AgentExecutionCommandControllerBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AgentExecutionCommandControllerBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AgentExecutionCommandControllerBlockingV2Stub>() {
        @java.lang.Override
        public AgentExecutionCommandControllerBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AgentExecutionCommandControllerBlockingV2Stub(channel, callOptions);
        }
      };
    return AgentExecutionCommandControllerBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static AgentExecutionCommandControllerBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AgentExecutionCommandControllerBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AgentExecutionCommandControllerBlockingStub>() {
        @java.lang.Override
        public AgentExecutionCommandControllerBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AgentExecutionCommandControllerBlockingStub(channel, callOptions);
        }
      };
    return AgentExecutionCommandControllerBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static AgentExecutionCommandControllerFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AgentExecutionCommandControllerFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AgentExecutionCommandControllerFutureStub>() {
        @java.lang.Override
        public AgentExecutionCommandControllerFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AgentExecutionCommandControllerFutureStub(channel, callOptions);
        }
      };
    return AgentExecutionCommandControllerFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Writes agent executions. Method names are lower camel case because the full method path
   * (/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/create) is fixed by the
   * deployed services.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Creates an execution and starts it. Returns the ACK as soon as the execution (and its
     * callback_token, if any) is persisted and its workflow started; it does not wait for the agent.
     * A bad spec is rejected with INVALID_ARGUMENT and google.rpc.BadRequest field violations; an
     * unknown agent with NOT_FOUND. A repeated idempotency key returns the existing execution and
     * stores the newer callback_token instead of starting a second run.
     * </pre>
     */
    default void create(ai.stigmer.agentic.agentexecution.v1.AgentExecution request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.agentexecution.v1.AgentExecution> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateMethod(), responseObserver);
    }

    /**
     * <pre>
     * Replaces the status of an execution; used by agent runtimes to report progress.
     * </pre>
     */
    default void updateStatus(ai.stigmer.agentic.agentexecution.v1.AgentExecutionUpdateStatusInput request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.agentexecution.v1.AgentExecution> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getUpdateStatusMethod(), responseObserver);
    }

    /**
     * <pre>
     * Cancels an execution on behalf of its caller: the service stops the agent and the execution
     * ends CANCELLED (the caller's pending activity is then reported cancelled, as for any cancelled
     * execution). Only the principal that created the execution may cancel it; for any other the
     * answer is NOT_FOUND, as for get. Idempotent: an execution already terminal is returned
     * unchanged. The deployed services do not serve it yet (UNIMPLEMENTED); the SDKs' terminal-result
     * helpers call it when the caller's workflow cancels the handshake (docs/handshake-contract.md).
     * </pre>
     */
    default void cancel(ai.stigmer.agentic.agentexecution.v1.AgentExecutionId request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.agentexecution.v1.AgentExecution> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCancelMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service AgentExecutionCommandController.
   * <pre>
   * Writes agent executions. Method names are lower camel case because the full method path
   * (/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/create) is fixed by the
   * deployed services.
   * </pre>
   */
  public static abstract class AgentExecutionCommandControllerImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return AgentExecutionCommandControllerGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service AgentExecutionCommandController.
   * <pre>
   * Writes agent executions. Method names are lower camel case because the full method path
   * (/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/create) is fixed by the
   * deployed services.
   * </pre>
   */
  public static final class AgentExecutionCommandControllerStub
      extends io.grpc.stub.AbstractAsyncStub<AgentExecutionCommandControllerStub> {
    private AgentExecutionCommandControllerStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AgentExecutionCommandControllerStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AgentExecutionCommandControllerStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates an execution and starts it. Returns the ACK as soon as the execution (and its
     * callback_token, if any) is persisted and its workflow started; it does not wait for the agent.
     * A bad spec is rejected with INVALID_ARGUMENT and google.rpc.BadRequest field violations; an
     * unknown agent with NOT_FOUND. A repeated idempotency key returns the existing execution and
     * stores the newer callback_token instead of starting a second run.
     * </pre>
     */
    public void create(ai.stigmer.agentic.agentexecution.v1.AgentExecution request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.agentexecution.v1.AgentExecution> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Replaces the status of an execution; used by agent runtimes to report progress.
     * </pre>
     */
    public void updateStatus(ai.stigmer.agentic.agentexecution.v1.AgentExecutionUpdateStatusInput request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.agentexecution.v1.AgentExecution> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getUpdateStatusMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Cancels an execution on behalf of its caller: the service stops the agent and the execution
     * ends CANCELLED (the caller's pending activity is then reported cancelled, as for any cancelled
     * execution). Only the principal that created the execution may cancel it; for any other the
     * answer is NOT_FOUND, as for get. Idempotent: an execution already terminal is returned
     * unchanged. The deployed services do not serve it yet (UNIMPLEMENTED); the SDKs' terminal-result
     * helpers call it when the caller's workflow cancels the handshake (docs/handshake-contract.md).
     * </pre>
     */
    public void cancel(ai.stigmer.agentic.agentexecution.v1.AgentExecutionId request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.agentexecution.v1.AgentExecution> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCancelMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service AgentExecutionCommandController.
   * <pre>
   * Writes agent executions. Method names are lower camel case because the full method path
   * (/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/create) is fixed by the
   * deployed services.
   * </pre>
   */
  public static final class AgentExecutionCommandControllerBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<AgentExecutionCommandControllerBlockingV2Stub> {
    private AgentExecutionCommandControllerBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AgentExecutionCommandControllerBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AgentExecutionCommandControllerBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates an execution and starts it. Returns the ACK as soon as the execution (and its
     * callback_token, if any) is persisted and its workflow started; it does not wait for the agent.
     * A bad spec is rejected with INVALID_ARGUMENT and google.rpc.BadRequest field violations; an
     * unknown agent with NOT_FOUND. A repeated idempotency key returns the existing execution and
     * stores the newer callback_token instead of starting a second run.
     * </pre>
     */
    public ai.stigmer.agentic.agentexecution.v1.AgentExecution create(ai.stigmer.agentic.agentexecution.v1.AgentExecution request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCreateMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Replaces the status of an execution; used by agent runtimes to report progress.
     * </pre>
     */
    public ai.stigmer.agentic.agentexecution.v1.AgentExecution updateStatus(ai.stigmer.agentic.agentexecution.v1.AgentExecutionUpdateStatusInput request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getUpdateStatusMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Cancels an execution on behalf of its caller: the service stops the agent and the execution
     * ends CANCELLED (the caller's pending activity is then reported cancelled, as for any cancelled
     * execution). Only the principal that created the execution may cancel it; for any other the
     * answer is NOT_FOUND, as for get. Idempotent: an execution already terminal is returned
     * unchanged. The deployed services do not serve it yet (UNIMPLEMENTED); the SDKs' terminal-result
     * helpers call it when the caller's workflow cancels the handshake (docs/handshake-contract.md).
     * </pre>
     */
    public ai.stigmer.agentic.agentexecution.v1.AgentExecution cancel(ai.stigmer.agentic.agentexecution.v1.AgentExecutionId request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCancelMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service AgentExecutionCommandController.
   * <pre>
   * Writes agent executions. Method names are lower camel case because the full method path
   * (/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/create) is fixed by the
   * deployed services.
   * </pre>
   */
  public static final class AgentExecutionCommandControllerBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<AgentExecutionCommandControllerBlockingStub> {
    private AgentExecutionCommandControllerBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AgentExecutionCommandControllerBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AgentExecutionCommandControllerBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates an execution and starts it. Returns the ACK as soon as the execution (and its
     * callback_token, if any) is persisted and its workflow started; it does not wait for the agent.
     * A bad spec is rejected with INVALID_ARGUMENT and google.rpc.BadRequest field violations; an
     * unknown agent with NOT_FOUND. A repeated idempotency key returns the existing execution and
     * stores the newer callback_token instead of starting a second run.
     * </pre>
     */
    public ai.stigmer.agentic.agentexecution.v1.AgentExecution create(ai.stigmer.agentic.agentexecution.v1.AgentExecution request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Replaces the status of an execution; used by agent runtimes to report progress.
     * </pre>
     */
    public ai.stigmer.agentic.agentexecution.v1.AgentExecution updateStatus(ai.stigmer.agentic.agentexecution.v1.AgentExecutionUpdateStatusInput request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getUpdateStatusMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Cancels an execution on behalf of its caller: the service stops the agent and the execution
     * ends CANCELLED (the caller's pending activity is then reported cancelled, as for any cancelled
     * execution). Only the principal that created the execution may cancel it; for any other the
     * answer is NOT_FOUND, as for get. Idempotent: an execution already terminal is returned
     * unchanged. The deployed services do not serve it yet (UNIMPLEMENTED); the SDKs' terminal-result
     * helpers call it when the caller's workflow cancels the handshake (docs/handshake-contract.md).
     * </pre>
     */
    public ai.stigmer.agentic.agentexecution.v1.AgentExecution cancel(ai.stigmer.agentic.agentexecution.v1.AgentExecutionId request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCancelMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service AgentExecutionCommandController.
   * <pre>
   * Writes agent executions. Method names are lower camel case because the full method path
   * (/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/create) is fixed by the
   * deployed services.
   * </pre>
   */
  public static final class AgentExecutionCommandControllerFutureStub
      extends io.grpc.stub.AbstractFutureStub<AgentExecutionCommandControllerFutureStub> {
    private AgentExecutionCommandControllerFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AgentExecutionCommandControllerFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AgentExecutionCommandControllerFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates an execution and starts it. Returns the ACK as soon as the execution (and its
     * callback_token, if any) is persisted and its workflow started; it does not wait for the agent.
     * A bad spec is rejected with INVALID_ARGUMENT and google.rpc.BadRequest field violations; an
     * unknown agent with NOT_FOUND. A repeated idempotency key returns the existing execution and
     * stores the newer callback_token instead of starting a second run.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ai.stigmer.agentic.agentexecution.v1.AgentExecution> create(
        ai.stigmer.agentic.agentexecution.v1.AgentExecution request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Replaces the status of an execution; used by agent runtimes to report progress.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ai.stigmer.agentic.agentexecution.v1.AgentExecution> updateStatus(
        ai.stigmer.agentic.agentexecution.v1.AgentExecutionUpdateStatusInput request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getUpdateStatusMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Cancels an execution on behalf of its caller: the service stops the agent and the execution
     * ends CANCELLED (the caller's pending activity is then reported cancelled, as for any cancelled
     * execution). Only the principal that created the execution may cancel it; for any other the
     * answer is NOT_FOUND, as for get. Idempotent: an execution already terminal is returned
     * unchanged. The deployed services do not serve it yet (UNIMPLEMENTED); the SDKs' terminal-result
     * helpers call it when the caller's workflow cancels the handshake (docs/handshake-contract.md).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ai.stigmer.agentic.agentexecution.v1.AgentExecution> cancel(
        ai.stigmer.agentic.agentexecution.v1.AgentExecutionId request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCancelMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_CREATE = 0;
  private static final int METHODID_UPDATE_STATUS = 1;
  private static final int METHODID_CANCEL = 2;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final AsyncService serviceImpl;
    private final int methodId;

    MethodHandlers(AsyncService serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_CREATE:
          serviceImpl.create((ai.stigmer.agentic.agentexecution.v1.AgentExecution) request,
              (io.grpc.stub.StreamObserver<ai.stigmer.agentic.agentexecution.v1.AgentExecution>) responseObserver);
          break;
        case METHODID_UPDATE_STATUS:
          serviceImpl.updateStatus((ai.stigmer.agentic.agentexecution.v1.AgentExecutionUpdateStatusInput) request,
              (io.grpc.stub.StreamObserver<ai.stigmer.agentic.agentexecution.v1.AgentExecution>) responseObserver);
          break;
        case METHODID_CANCEL:
          serviceImpl.cancel((ai.stigmer.agentic.agentexecution.v1.AgentExecutionId) request,
              (io.grpc.stub.StreamObserver<ai.stigmer.agentic.agentexecution.v1.AgentExecution>) responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        default:
          throw new AssertionError();
      }
    }
  }

  public static final io.grpc.ServerServiceDefinition bindService(AsyncService service) {
    return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
        .addMethod(
          getCreateMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              ai.stigmer.agentic.agentexecution.v1.AgentExecution,
              ai.stigmer.agentic.agentexecution.v1.AgentExecution>(
                service, METHODID_CREATE)))
        .addMethod(
          getUpdateStatusMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              ai.stigmer.agentic.agentexecution.v1.AgentExecutionUpdateStatusInput,
              ai.stigmer.agentic.agentexecution.v1.AgentExecution>(
                service, METHODID_UPDATE_STATUS)))
        .addMethod(
          getCancelMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              ai.stigmer.agentic.agentexecution.v1.AgentExecutionId,
              ai.stigmer.agentic.agentexecution.v1.AgentExecution>(
                service, METHODID_CANCEL)))
        .build();
  }

  private static abstract class AgentExecutionCommandControllerBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    AgentExecutionCommandControllerBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return ai.stigmer.agentic.agentexecution.v1.CommandProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("AgentExecutionCommandController");
    }
  }

  private static final class AgentExecutionCommandControllerFileDescriptorSupplier
      extends AgentExecutionCommandControllerBaseDescriptorSupplier {
    AgentExecutionCommandControllerFileDescriptorSupplier() {}
  }

  private static final class AgentExecutionCommandControllerMethodDescriptorSupplier
      extends AgentExecutionCommandControllerBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    AgentExecutionCommandControllerMethodDescriptorSupplier(java.lang.String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (AgentExecutionCommandControllerGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new AgentExecutionCommandControllerFileDescriptorSupplier())
              .addMethod(getCreateMethod())
              .addMethod(getUpdateStatusMethod())
              .addMethod(getCancelMethod())
              .build();
        }
      }
    }
    return result;
  }
}
