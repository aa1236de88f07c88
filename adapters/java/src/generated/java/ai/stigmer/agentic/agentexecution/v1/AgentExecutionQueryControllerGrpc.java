package ai.stigmer.agentic.agentexecution.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Reads agent executions. Method names are fixed by the deployed services (see the command
 * controller).
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class AgentExecutionQueryControllerGrpc {

  private AgentExecutionQueryControllerGrpc() {}

  public static final java.lang.String SERVICE_NAME = "ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryController";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<ai.stigmer.agentic.agentexecution.v1.AgentExecutionId,
      ai.stigmer.agentic.agentexecution.v1.AgentExecution> getGetMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "get",
      requestType = ai.stigmer.agentic.agentexecution.v1.AgentExecutionId.class,
      responseType = ai.stigmer.agentic.agentexecution.v1.AgentExecution.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ai.stigmer.agentic.agentexecution.v1.AgentExecutionId,
      ai.stigmer.agentic.agentexecution.v1.AgentExecution> getGetMethod() {
    io.grpc.MethodDescriptor<ai.stigmer.agentic.agentexecution.v1.AgentExecutionId, ai.stigmer.agentic.agentexecution.v1.AgentExecution> getGetMethod;
    if ((getGetMethod = AgentExecutionQueryControllerGrpc.getGetMethod) == null) {
      synchronized (AgentExecutionQueryControllerGrpc.class) {
        if ((getGetMethod = AgentExecutionQueryControllerGrpc.getGetMethod) == null) {
          AgentExecutionQueryControllerGrpc.getGetMethod = getGetMethod =
              io.grpc.MethodDescriptor.<ai.stigmer.agentic.agentexecution.v1.AgentExecutionId, ai.stigmer.agentic.agentexecution.v1.AgentExecution>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "get"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.agentexecution.v1.AgentExecutionId.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.agentexecution.v1.AgentExecution.getDefaultInstance()))
              .setSchemaDescriptor(new AgentExecutionQueryControllerMethodDescriptorSupplier("get"))
              .build();
        }
      }
    }
    return getGetMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ai.stigmer.agentic.agentexecution.v1.AgentExecutionId,
      ai.stigmer.agentic.agentexecution.v1.AgentExecution> getSubscribeMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "subscribe",
      requestType = ai.stigmer.agentic.agentexecution.v1.AgentExecutionId.class,
      responseType = ai.stigmer.agentic.agentexecution.v1.AgentExecution.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<ai.stigmer.agentic.agentexecution.v1.AgentExecutionId,
      ai.stigmer.agentic.agentexecution.v1.AgentExecution> getSubscribeMethod() {
    io.grpc.MethodDescriptor<ai.stigmer.agentic.agentexecution.v1.AgentExecutionId, ai.stigmer.agentic.agentexecution.v1.AgentExecution> getSubscribeMethod;
    if ((getSubscribeMethod = AgentExecutionQueryControllerGrpc.getSubscribeMethod) == null) {
      synchronized (AgentExecutionQueryControllerGrpc.class) {
        if ((getSubscribeMethod = AgentExecutionQueryControllerGrpc.getSubscribeMethod) == null) {
          AgentExecutionQueryControllerGrpc.getSubscribeMethod = getSubscribeMethod =
              io.grpc.MethodDescriptor.<ai.stigmer.agentic.agentexecution.v1.AgentExecutionId, ai.stigmer.agentic.agentexecution.v1.AgentExecution>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "subscribe"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.agentexecution.v1.AgentExecutionId.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ai.stigmer.agentic.agentexecution.v1.AgentExecution.getDefaultInstance()))
              .setSchemaDescriptor(new AgentExecutionQueryControllerMethodDescriptorSupplier("subscribe"))
              .build();
        }
      }
    }
    return getSubscribeMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static AgentExecutionQueryControllerStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AgentExecutionQueryControllerStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AgentExecutionQueryControllerStub>() {
        @java.lang.Override
        public AgentExecutionQueryControllerStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AgentExecutionQueryControllerStub(channel, callOptions);
        }
      };
    return AgentExecutionQueryControllerStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static AgentExecutionQueryControllerBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AgentExecutionQueryControllerBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AgentExecutionQueryControllerBlockingV2Stub>() {
        @java.lang.Override
        public AgentExecutionQueryControllerBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AgentExecutionQueryControllerBlockingV2Stub(channel, callOptions);
        }
      };
    return AgentExecutionQueryControllerBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static AgentExecutionQueryControllerBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AgentExecutionQueryControllerBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AgentExecutionQueryControllerBlockingStub>() {
        @java.lang.Override
        public AgentExecutionQueryControllerBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AgentExecutionQueryControllerBlockingStub(channel, callOptions);
        }
      };
    return AgentExecutionQueryControllerBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static AgentExecutionQueryControllerFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AgentExecutionQueryControllerFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AgentExecutionQueryControllerFutureStub>() {
        @java.lang.Override
        public AgentExecutionQueryControllerFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AgentExecutionQueryControllerFutureStub(channel, callOptions);
        }
      };
    return AgentExecutionQueryControllerFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Reads agent executions. Method names are fixed by the deployed services (see the command
   * controller).
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Returns one execution, or NOT_FOUND.
     * </pre>
     */
    default void get(ai.stigmer.agentic.agentexecution.v1.AgentExecutionId request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.agentexecution.v1.AgentExecution> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetMethod(), responseObserver);
    }

    /**
     * <pre>
     * Streams the execution: its current state first, then every change, ending after a terminal
     * phase.
     * </pre>
     */
    default void subscribe(ai.stigmer.agentic.agentexecution.v1.AgentExecutionId request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.agentexecution.v1.AgentExecution> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSubscribeMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service AgentExecutionQueryController.
   * <pre>
   * Reads agent executions. Method names are fixed by the deployed services (see the command
   * controller).
   * </pre>
   */
  public static abstract class AgentExecutionQueryControllerImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return AgentExecutionQueryControllerGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service AgentExecutionQueryController.
   * <pre>
   * Reads agent executions. Method names are fixed by the deployed services (see the command
   * controller).
   * </pre>
   */
  public static final class AgentExecutionQueryControllerStub
      extends io.grpc.stub.AbstractAsyncStub<AgentExecutionQueryControllerStub> {
    private AgentExecutionQueryControllerStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AgentExecutionQueryControllerStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AgentExecutionQueryControllerStub(channel, callOptions);
    }

    /**
     * <pre>
     * Returns one execution, or NOT_FOUND.
     * </pre>
     */
    public void get(ai.stigmer.agentic.agentexecution.v1.AgentExecutionId request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.agentexecution.v1.AgentExecution> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Streams the execution: its current state first, then every change, ending after a terminal
     * phase.
     * </pre>
     */
    public void subscribe(ai.stigmer.agentic.agentexecution.v1.AgentExecutionId request,
        io.grpc.stub.StreamObserver<ai.stigmer.agentic.agentexecution.v1.AgentExecution> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getSubscribeMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service AgentExecutionQueryController.
   * <pre>
   * Reads agent executions. Method names are fixed by the deployed services (see the command
   * controller).
   * </pre>
   */
  public static final class AgentExecutionQueryControllerBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<AgentExecutionQueryControllerBlockingV2Stub> {
    private AgentExecutionQueryControllerBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AgentExecutionQueryControllerBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AgentExecutionQueryControllerBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Returns one execution, or NOT_FOUND.
     * </pre>
     */
    public ai.stigmer.agentic.agentexecution.v1.AgentExecution get(ai.stigmer.agentic.agentexecution.v1.AgentExecutionId request) throws io.grpc.StatusException {
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
    public io.grpc.stub.BlockingClientCall<?, ai.stigmer.agentic.agentexecution.v1.AgentExecution>
        subscribe(ai.stigmer.agentic.agentexecution.v1.AgentExecutionId request) {
      return io.grpc.stub.ClientCalls.blockingV2ServerStreamingCall(
          getChannel(), getSubscribeMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service AgentExecutionQueryController.
   * <pre>
   * Reads agent executions. Method names are fixed by the deployed services (see the command
   * controller).
   * </pre>
   */
  public static final class AgentExecutionQueryControllerBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<AgentExecutionQueryControllerBlockingStub> {
    private AgentExecutionQueryControllerBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AgentExecutionQueryControllerBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AgentExecutionQueryControllerBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Returns one execution, or NOT_FOUND.
     * </pre>
     */
    public ai.stigmer.agentic.agentexecution.v1.AgentExecution get(ai.stigmer.agentic.agentexecution.v1.AgentExecutionId request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams the execution: its current state first, then every change, ending after a terminal
     * phase.
     * </pre>
     */
    public java.util.Iterator<ai.stigmer.agentic.agentexecution.v1.AgentExecution> subscribe(
        ai.stigmer.agentic.agentexecution.v1.AgentExecutionId request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getSubscribeMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service AgentExecutionQueryController.
   * <pre>
   * Reads agent executions. Method names are fixed by the deployed services (see the command
   * controller).
   * </pre>
   */
  public static final class AgentExecutionQueryControllerFutureStub
      extends io.grpc.stub.AbstractFutureStub<AgentExecutionQueryControllerFutureStub> {
    private AgentExecutionQueryControllerFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AgentExecutionQueryControllerFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AgentExecutionQueryControllerFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Returns one execution, or NOT_FOUND.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ai.stigmer.agentic.agentexecution.v1.AgentExecution> get(
        ai.stigmer.agentic.agentexecution.v1.AgentExecutionId request) {
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
          serviceImpl.get((ai.stigmer.agentic.agentexecution.v1.AgentExecutionId) request,
              (io.grpc.stub.StreamObserver<ai.stigmer.agentic.agentexecution.v1.AgentExecution>) responseObserver);
          break;
        case METHODID_SUBSCRIBE:
          serviceImpl.subscribe((ai.stigmer.agentic.agentexecution.v1.AgentExecutionId) request,
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
          getGetMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              ai.stigmer.agentic.agentexecution.v1.AgentExecutionId,
              ai.stigmer.agentic.agentexecution.v1.AgentExecution>(
                service, METHODID_GET)))
        .addMethod(
          getSubscribeMethod(),
          io.grpc.stub.ServerCalls.asyncServerStreamingCall(
            new MethodHandlers<
              ai.stigmer.agentic.agentexecution.v1.AgentExecutionId,
              ai.stigmer.agentic.agentexecution.v1.AgentExecution>(
                service, METHODID_SUBSCRIBE)))
        .build();
  }

  private static abstract class AgentExecutionQueryControllerBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    AgentExecutionQueryControllerBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return ai.stigmer.agentic.agentexecution.v1.QueryProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("AgentExecutionQueryController");
    }
  }

  private static final class AgentExecutionQueryControllerFileDescriptorSupplier
      extends AgentExecutionQueryControllerBaseDescriptorSupplier {
    AgentExecutionQueryControllerFileDescriptorSupplier() {}
  }

  private static final class AgentExecutionQueryControllerMethodDescriptorSupplier
      extends AgentExecutionQueryControllerBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    AgentExecutionQueryControllerMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (AgentExecutionQueryControllerGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new AgentExecutionQueryControllerFileDescriptorSupplier())
              .addMethod(getGetMethod())
              .addMethod(getSubscribeMethod())
              .build();
        }
      }
    }
    return result;
  }
}
