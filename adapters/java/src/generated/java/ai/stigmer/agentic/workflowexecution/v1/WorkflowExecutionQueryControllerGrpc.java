package ai.stigmer.agentic.workflowexecution.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Reads workflow executions. Method names are fixed by the deployed services.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class WorkflowExecutionQueryControllerGrpc {

  private WorkflowExecutionQueryControllerGrpc() {}

  public static final java.lang.String SERVICE_NAME = "ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryController";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId,
      ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> getGetMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "get",
      requestType = ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId.class,
      responseType = ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId,
      ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> getGetMethod() {
    io.grpc.MethodDescriptor<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId, ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> getGetMethod;
    if ((getGetMethod = WorkflowExecutionQueryControllerGrpc.getGetMethod) == null) {
      synchronized (WorkflowExecutionQueryControllerGrpc.class) {
        if ((getGetMethod = WorkflowExecutionQueryControllerGrpc.getGetMethod) == null) {
          WorkflowExecutionQueryControllerGrpc.getGetMethod = getGetMethod =
              io.grpc.MethodDescriptor.<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId, ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "get"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution.getDefaultInstance()))
              .setSchemaDescriptor(new WorkflowExecutionQueryControllerMethodDescriptorSupplier("get"))
              .build();
        }
      }
    }
    return getGetMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId,
      ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> getSubscribeMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "subscribe",
      requestType = ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId.class,
      responseType = ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId,
      ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> getSubscribeMethod() {
    io.grpc.MethodDescriptor<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId, ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> getSubscribeMethod;
    if ((getSubscribeMethod = WorkflowExecutionQueryControllerGrpc.getSubscribeMethod) == null) {
      synchronized (WorkflowExecutionQueryControllerGrpc.class) {
        if ((getSubscribeMethod = WorkflowExecutionQueryControllerGrpc.getSubscribeMethod) == null) {
          WorkflowExecutionQueryControllerGrpc.getSubscribeMethod = getSubscribeMethod =
              io.grpc.MethodDescriptor.<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId, ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "subscribe"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution.getDefaultInstance()))
              .setSchemaDescriptor(new WorkflowExecutionQueryControllerMethodDescriptorSupplier("subscribe"))
              .build();
        }
      }
    }
    return getSubscribeMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static WorkflowExecutionQueryControllerStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WorkflowExecutionQueryControllerStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WorkflowExecutionQueryControllerStub>() {
        @java.lang.Override
        public WorkflowExecutionQueryControllerStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WorkflowExecutionQueryControllerStub(channel, callOptions);
        }
      };
    return WorkflowExecutionQueryControllerStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static WorkflowExecutionQueryControllerBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WorkflowExecutionQueryControllerBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WorkflowExecutionQueryControllerBlockingV2Stub>() {
        @java.lang.Override
        public WorkflowExecutionQueryControllerBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WorkflowExecutionQueryControllerBlockingV2Stub(channel, callOptions);
        }
      };
    return WorkflowExecutionQueryControllerBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static WorkflowExecutionQueryControllerBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WorkflowExecutionQueryControllerBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WorkflowExecutionQueryControllerBlockingStub>() {
        @java.lang.Override
        public WorkflowExecutionQueryControllerBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WorkflowExecutionQueryControllerBlockingStub(channel, callOptions);
        }
      };
    return WorkflowExecutionQueryControllerBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static WorkflowExecutionQueryControllerFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WorkflowExecutionQueryControllerFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WorkflowExecutionQueryControllerFutureStub>() {
        @java.lang.Override
        public WorkflowExecutionQueryControllerFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WorkflowExecutionQueryControllerFutureStub(channel, callOptions);
        }
      };
    return WorkflowExecutionQueryControllerFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Reads workflow executions. Method names are fixed by the deployed services.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Returns one execution, or NOT_FOUND.
     * </pre>
     */
    default void get(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetMethod(), responseObserver);
    }

    /**
     * <pre>
     * Streams the execution: its current state first, then every change, ending after a terminal
     * phase.
     * </pre>
     */
    default void subscribe(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSubscribeMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service WorkflowExecutionQueryController.
   * <pre>
   * Reads workflow executions. Method names are fixed by the deployed services.
   * </pre>
   */
  public static abstract class WorkflowExecutionQueryControllerImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return WorkflowExecutionQueryControllerGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service WorkflowExecutionQueryController.
   * <pre>
   * Reads workflow executions. Method names are fixed by the deployed services.
   * </pre>
   */
  public static final class WorkflowExecutionQueryControllerStub
      extends io.grpc.stub.AbstractAsyncStub<WorkflowExecutionQueryControllerStub> {
    private WorkflowExecutionQueryControllerStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WorkflowExecutionQueryControllerStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WorkflowExecutionQueryControllerStub(channel, callOptions);
    }

    /**
     * <pre>
     * Returns one execution, or NOT_FOUND.
     * </pre>
     */
    public void get(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Streams the execution: its current state first, then every change, ending after a terminal
     * phase.
     * </pre>
     */
    public void subscribe(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getSubscribeMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service WorkflowExecutionQueryController.
   * <pre>
   * Reads workflow executions. Method names are fixed by the deployed services.
   * </pre>
   */
  public static final class WorkflowExecutionQueryControllerBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<WorkflowExecutionQueryControllerBlockingV2Stub> {
    private WorkflowExecutionQueryControllerBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WorkflowExecutionQueryControllerBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WorkflowExecutionQueryControllerBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Returns one execution, or NOT_FOUND.
     * </pre>
     */
    public ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution get(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams the execution: its current state first, then every change, ending after a terminal
     * phase.
     * </pre>
     */
    @io.grpc.ExperimentalApi("https://github.com/grpc/grpc-java/issues/10918")
    public io.grpc.stub.BlockingClientCall<?, ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution>
        subscribe(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId request) {
      return io.grpc.stub.ClientCalls.blockingV2ServerStreamingCall(
          getChannel(), getSubscribeMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service WorkflowExecutionQueryController.
   * <pre>
   * Reads workflow executions. Method names are fixed by the deployed services.
   * </pre>
   */
  public static final class WorkflowExecutionQueryControllerBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<WorkflowExecutionQueryControllerBlockingStub> {
    private WorkflowExecutionQueryControllerBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WorkflowExecutionQueryControllerBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WorkflowExecutionQueryControllerBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Returns one execution, or NOT_FOUND.
     * </pre>
     */
    public ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution get(ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams the execution: its current state first, then every change, ending after a terminal
     * phase.
     * </pre>
     */
    public java.util.Iterator<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> subscribe(
        ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getSubscribeMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service WorkflowExecutionQueryController.
   * <pre>
   * Reads workflow executions. Method names are fixed by the deployed services.
   * </pre>
   */
  public static final class WorkflowExecutionQueryControllerFutureStub
      extends io.grpc.stub.AbstractFutureStub<WorkflowExecutionQueryControllerFutureStub> {
    private WorkflowExecutionQueryControllerFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WorkflowExecutionQueryControllerFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WorkflowExecutionQueryControllerFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Returns one execution, or NOT_FOUND.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution> get(
        ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_GET = 0;
  private static final int METHODID_SUBSCRIBE = 1;

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
        case METHODID_GET:
          serviceImpl.get((ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId) request,
              (io.grpc.stub.StreamObserver<ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution>) responseObserver);
          break;
        case METHODID_SUBSCRIBE:
          serviceImpl.subscribe((ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId) request,
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
          getGetMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId,
              ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution>(
                service, METHODID_GET)))
        .addMethod(
          getSubscribeMethod(),
          io.grpc.stub.ServerCalls.asyncServerStreamingCall(
            new MethodHandlers<
              ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionId,
              ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution>(
                service, METHODID_SUBSCRIBE)))
        .build();
  }

  private static abstract class WorkflowExecutionQueryControllerBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    WorkflowExecutionQueryControllerBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return ai.stigmer.agentic.workflowexecution.v1.QueryProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("WorkflowExecutionQueryController");
    }
  }

  private static final class WorkflowExecutionQueryControllerFileDescriptorSupplier
      extends WorkflowExecutionQueryControllerBaseDescriptorSupplier {
    WorkflowExecutionQueryControllerFileDescriptorSupplier() {}
  }

  private static final class WorkflowExecutionQueryControllerMethodDescriptorSupplier
      extends WorkflowExecutionQueryControllerBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    WorkflowExecutionQueryControllerMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (WorkflowExecutionQueryControllerGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new WorkflowExecutionQueryControllerFileDescriptorSupplier())
              .addMethod(getGetMethod())
              .addMethod(getSubscribeMethod())
              .build();
        }
      }
    }
    return result;
  }
}
