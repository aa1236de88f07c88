package ai.stigmer.agentic.workflowexecution.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Writes workflow executions. Method names are lower camel case because the full method path is
 * fixed by the deployed services.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class WorkflowExecutionCommandControllerGrpc {

  private WorkflowExecutionCommandControllerGrpc() {}

  public static final java.lang.String SERVICE_NAME = "ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution,
      ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> getCreateMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "create",
      requestType = ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution.class,
      responseType = ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution,
      ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> getCreateMethod() {
    io.grpc.MethodDescriptor<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution, ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> getCreateMethod;
    if ((getCreateMethod = WorkflowExecutionCommandControllerGrpc.getCreateMethod) == null) {
      synchronized (WorkflowExecutionCommandControllerGrpc.class) {
        if ((getCreateMethod = WorkflowExecutionCommandControllerGrpc.getCreateMethod) == null) {
          WorkflowExecutionCommandControllerGrpc.getCreateMethod = getCreateMethod =
              io.grpc.MethodDescriptor.<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution, ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "create"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution.getDefaultInstance()))
              .setSchemaDescriptor(new WorkflowExecutionCommandControllerMethodDescriptorSupplier("create"))
              .build();
        }
      }
    }
    return getCreateMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionUpdateStatusInput,
      ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> getUpdateStatusMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "updateStatus",
      requestType = ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionUpdateStatusInput.class,
      responseType = ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionUpdateStatusInput,
      ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> getUpdateStatusMethod() {
    io.grpc.MethodDescriptor<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionUpdateStatusInput, ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> getUpdateStatusMethod;
    if ((getUpdateStatusMethod = WorkflowExecutionCommandControllerGrpc.getUpdateStatusMethod) == null) {
      synchronized (WorkflowExecutionCommandControllerGrpc.class) {
        if ((getUpdateStatusMethod = WorkflowExecutionCommandControllerGrpc.getUpdateStatusMethod) == null) {
          WorkflowExecutionCommandControllerGrpc.getUpdateStatusMethod = getUpdateStatusMethod =
              io.grpc.MethodDescriptor.<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionUpdateStatusInput, ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "updateStatus"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionUpdateStatusInput.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution.getDefaultInstance()))
              .setSchemaDescriptor(new WorkflowExecutionCommandControllerMethodDescriptorSupplier("updateStatus"))
              .build();
        }
      }
    }
    return getUpdateStatusMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId,
      ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> getCancelMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "cancel",
      requestType = ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId.class,
      responseType = ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId,
      ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> getCancelMethod() {
    io.grpc.MethodDescriptor<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId, ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> getCancelMethod;
    if ((getCancelMethod = WorkflowExecutionCommandControllerGrpc.getCancelMethod) == null) {
      synchronized (WorkflowExecutionCommandControllerGrpc.class) {
        if ((getCancelMethod = WorkflowExecutionCommandControllerGrpc.getCancelMethod) == null) {
          WorkflowExecutionCommandControllerGrpc.getCancelMethod = getCancelMethod =
              io.grpc.MethodDescriptor.<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId, ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "cancel"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution.getDefaultInstance()))
              .setSchemaDescriptor(new WorkflowExecutionCommandControllerMethodDescriptorSupplier("cancel"))
              .build();
        }
      }
    }
    return getCancelMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static WorkflowExecutionCommandControllerStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WorkflowExecutionCommandControllerStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WorkflowExecutionCommandControllerStub>() {
        @java.lang.Override
        public WorkflowExecutionCommandControllerStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WorkflowExecutionCommandControllerStub(channel, callOptions);
        }
      };
    return WorkflowExecutionCommandControllerStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static WorkflowExecutionCommandControllerBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WorkflowExecutionCommandControllerBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WorkflowExecutionCommandControllerBlockingV2Stub>() {
        @java.lang.Override
        public WorkflowExecutionCommandControllerBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WorkflowExecutionCommandControllerBlockingV2Stub(channel, callOptions);
        }
      };
    return WorkflowExecutionCommandControllerBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static WorkflowExecutionCommandControllerBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WorkflowExecutionCommandControllerBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WorkflowExecutionCommandControllerBlockingStub>() {
        @java.lang.Override
        public WorkflowExecutionCommandControllerBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WorkflowExecutionCommandControllerBlockingStub(channel, callOptions);
        }
      };
    return WorkflowExecutionCommandControllerBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static WorkflowExecutionCommandControllerFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WorkflowExecutionCommandControllerFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WorkflowExecutionCommandControllerFutureStub>() {
        @java.lang.Override
        public WorkflowExecutionCommandControllerFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WorkflowExecutionCommandControllerFutureStub(channel, callOptions);
        }
      };
    return WorkflowExecutionCommandControllerFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Writes workflow executions. Method names are lower camel case because the full method path is
   * fixed by the deployed services.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Creates an execution and starts it. Returns the ACK as soon as the execution (and its
     * callback_token, if any) is persisted and its workflow started; it does not wait for the run.
     * A bad spec is rejected with INVALID_ARGUMENT and google.rpc.BadRequest field violations. A
     * repeated idempotency key returns the existing execution and stores the newer callback_token.
     * </pre>
     */
    default void create(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateMethod(), responseObserver);
    }

    /**
     * <pre>
     * Replaces the status of an execution; used by workflow runtimes to report progress.
     * </pre>
     */
    default void updateStatus(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionUpdateStatusInput request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getUpdateStatusMethod(), responseObserver);
    }

    /**
     * <pre>
     * Cancels an execution on behalf of its caller: the service stops the workflow run and the execution
     * ends CANCELLED (the caller's pending activity is then reported cancelled, as for any cancelled
     * execution). Only the principal that created the execution may cancel it; for any other the
     * answer is NOT_FOUND, as for get. Idempotent: an execution already terminal is returned
     * unchanged. The deployed services do not serve it yet (UNIMPLEMENTED); the SDKs' terminal-result
     * helpers call it when the caller's workflow cancels the handshake (docs/handshake-contract.md).
     * </pre>
     */
    default void cancel(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCancelMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service WorkflowExecutionCommandController.
   * <pre>
   * Writes workflow executions. Method names are lower camel case because the full method path is
   * fixed by the deployed services.
   * </pre>
   */
  public static abstract class WorkflowExecutionCommandControllerImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return WorkflowExecutionCommandControllerGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service WorkflowExecutionCommandController.
   * <pre>
   * Writes workflow executions. Method names are lower camel case because the full method path is
   * fixed by the deployed services.
   * </pre>
   */
  public static final class WorkflowExecutionCommandControllerStub
      extends io.grpc.stub.AbstractAsyncStub<WorkflowExecutionCommandControllerStub> {
    private WorkflowExecutionCommandControllerStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WorkflowExecutionCommandControllerStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WorkflowExecutionCommandControllerStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates an execution and starts it. Returns the ACK as soon as the execution (and its
     * callback_token, if any) is persisted and its workflow started; it does not wait for the run.
     * A bad spec is rejected with INVALID_ARGUMENT and google.rpc.BadRequest field violations. A
     * repeated idempotency key returns the existing execution and stores the newer callback_token.
     * </pre>
     */
    public void create(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Replaces the status of an execution; used by workflow runtimes to report progress.
     * </pre>
     */
    public void updateStatus(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionUpdateStatusInput request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getUpdateStatusMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Cancels an execution on behalf of its caller: the service stops the workflow run and the execution
     * ends CANCELLED (the caller's pending activity is then reported cancelled, as for any cancelled
     * execution). Only the principal that created the execution may cancel it; for any other the
     * answer is NOT_FOUND, as for get. Idempotent: an execution already terminal is returned
     * unchanged. The deployed services do not serve it yet (UNIMPLEMENTED); the SDKs' terminal-result
     * helpers call it when the caller's workflow cancels the handshake (docs/handshake-contract.md).
     * </pre>
     */
    public void cancel(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCancelMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service WorkflowExecutionCommandController.
   * <pre>
   * Writes workflow executions. Method names are lower camel case because the full method path is
   * fixed by the deployed services.
   * </pre>
   */
  public static final class WorkflowExecutionCommandControllerBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<WorkflowExecutionCommandControllerBlockingV2Stub> {
    private WorkflowExecutionCommandControllerBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WorkflowExecutionCommandControllerBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WorkflowExecutionCommandControllerBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates an execution and starts it. Returns the ACK as soon as the execution (and its
     * callback_token, if any) is persisted and its workflow started; it does not wait for the run.
     * A bad spec is rejected with INVALID_ARGUMENT and google.rpc.BadRequest field violations. A
     * repeated idempotency key returns the existing execution and stores the newer callback_token.
     * </pre>
     */
    public ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution create(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCreateMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Replaces the status of an execution; used by workflow runtimes to report progress.
     * </pre>
     */
    public ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution updateStatus(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionUpdateStatusInput request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getUpdateStatusMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Cancels an execution on behalf of its caller: the service stops the workflow run and the execution
     * ends CANCELLED (the caller's pending activity is then reported cancelled, as for any cancelled
     * execution). Only the principal that created the execution may cancel it; for any other the
     * answer is NOT_FOUND, as for get. Idempotent: an execution already terminal is returned
     * unchanged. The deployed services do not serve it yet (UNIMPLEMENTED); the SDKs' terminal-result
     * helpers call it when the caller's workflow cancels the handshake (docs/handshake-contract.md).
     * </pre>
     */
    public ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution cancel(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCancelMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service WorkflowExecutionCommandController.
   * <pre>
   * Writes workflow executions. Method names are lower camel case because the full method path is
   * fixed by the deployed services.
   * </pre>
   */
  public static final class WorkflowExecutionCommandControllerBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<WorkflowExecutionCommandControllerBlockingStub> {
    private WorkflowExecutionCommandControllerBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WorkflowExecutionCommandControllerBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WorkflowExecutionCommandControllerBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates an execution and starts it. Returns the ACK as soon as the execution (and its
     * callback_token, if any) is persisted and its workflow started; it does not wait for the run.
     * A bad spec is rejected with INVALID_ARGUMENT and google.rpc.BadRequest field violations. A
     * repeated idempotency key returns the existing execution and stores the newer callback_token.
     * </pre>
     */
    public ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution create(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Replaces the status of an execution; used by workflow runtimes to report progress.
     * </pre>
     */
    public ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution updateStatus(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionUpdateStatusInput request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getUpdateStatusMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Cancels an execution on behalf of its caller: the service stops the workflow run and the execution
     * ends CANCELLED (the caller's pending activity is then reported cancelled, as for any cancelled
     * execution). Only the principal that created the execution may cancel it; for any other the
     * answer is NOT_FOUND, as for get. Idempotent: an execution already terminal is returned
     * unchanged. The deployed services do not serve it yet (UNIMPLEMENTED); the SDKs' terminal-result
     * helpers call it when the caller's workflow cancels the handshake (docs/handshake-contract.md).
     * </pre>
     */
    public ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution cancel(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCancelMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service WorkflowExecutionCommandController.
   * <pre>
   * Writes workflow executions. Method names are lower camel case because the full method path is
   * fixed by the deployed services.
   * </pre>
   */
  public static final class WorkflowExecutionCommandControllerFutureStub
      extends io.grpc.stub.AbstractFutureStub<WorkflowExecutionCommandControllerFutureStub> {
    private WorkflowExecutionCommandControllerFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WorkflowExecutionCommandControllerFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WorkflowExecutionCommandControllerFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates an execution and starts it. Returns the ACK as soon as the execution (and its
     * callback_token, if any) is persisted and its workflow started; it does not wait for the run.
     * A bad spec is rejected with INVALID_ARGUMENT and google.rpc.BadRequest field violations. A
     * repeated idempotency key returns the existing execution and stores the newer callback_token.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> create(
        ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Replaces the status of an execution; used by workflow runtimes to report progress.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> updateStatus(
        ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionUpdateStatusInput request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getUpdateStatusMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Cancels an execution on behalf of its caller: the service stops the workflow run and the execution
     * ends CANCELLED (the caller's pending activity is then reported cancelled, as for any cancelled
     * execution). Only the principal that created the execution may cancel it; for any other the
     * answer is NOT_FOUND, as for get. Idempotent: an execution already terminal is returned
     * unchanged. The deployed services do not serve it yet (UNIMPLEMENTED); the SDKs' terminal-result
     * helpers call it when the caller's workflow cancels the handshake (docs/handshake-contract.md).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> cancel(
        ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId request) {
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
          serviceImpl.create((ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution) request,
              (io.grpc.stub.StreamObserver<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution>) responseObserver);
          break;
        case METHODID_UPDATE_STATUS:
          serviceImpl.updateStatus((ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionUpdateStatusInput) request,
              (io.grpc.stub.StreamObserver<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution>) responseObserver);
          break;
        case METHODID_CANCEL:
          serviceImpl.cancel((ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId) request,
              (io.grpc.stub.StreamObserver<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution>) responseObserver);
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
              ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution,
              ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution>(
                service, METHODID_CREATE)))
        .addMethod(
          getUpdateStatusMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionUpdateStatusInput,
              ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution>(
                service, METHODID_UPDATE_STATUS)))
        .addMethod(
          getCancelMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId,
              ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution>(
                service, METHODID_CANCEL)))
        .build();
  }

  private static abstract class WorkflowExecutionCommandControllerBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    WorkflowExecutionCommandControllerBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return ai.stigmer.agentic.workflowexecution.v1.CommandProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("WorkflowExecutionCommandController");
    }
  }

  private static final class WorkflowExecutionCommandControllerFileDescriptorSupplier
      extends WorkflowExecutionCommandControllerBaseDescriptorSupplier {
    WorkflowExecutionCommandControllerFileDescriptorSupplier() {}
  }

  private static final class WorkflowExecutionCommandControllerMethodDescriptorSupplier
      extends WorkflowExecutionCommandControllerBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    WorkflowExecutionCommandControllerMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (WorkflowExecutionCommandControllerGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new WorkflowExecutionCommandControllerFileDescriptorSupplier())
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
