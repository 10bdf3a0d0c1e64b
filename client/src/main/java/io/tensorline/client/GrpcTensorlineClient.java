package io.tensorline.client;

import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelConfigRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelMetadataRequest;
import io.tensorline.proto.ModelMetadataResponse;
import io.tensorline.proto.ModelReadyRequest;
import io.tensorline.proto.ModelStatisticsRequest;
import io.tensorline.proto.ModelStatisticsResponse;
import io.tensorline.proto.RepositoryIndexRequest;
import io.tensorline.proto.RepositoryIndexResponse;
import io.tensorline.proto.RepositoryModelLoadRequest;
import io.tensorline.proto.RepositoryModelUnloadRequest;
import io.tensorline.proto.ServerLiveRequest;
import io.tensorline.proto.ServerMetadataRequest;
import io.tensorline.proto.ServerMetadataResponse;
import io.tensorline.proto.ServerReadyRequest;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** {@link TensorlineClient} over grpc-java (Netty transport). */
final class GrpcTensorlineClient implements TensorlineClient {

    private final ManagedChannel channel;
    private final Duration defaultDeadline;

    private GrpcTensorlineClient(ManagedChannel channel, Duration defaultDeadline) {
        this.channel = channel;
        this.defaultDeadline = defaultDeadline;
    }

    static GrpcTensorlineClient create(ClientBuilder b) {
        ChannelCredentials credentials;
        if (!b.tls) {
            credentials = InsecureChannelCredentials.create();
        } else if (b.trustCertificates != null) {
            try {
                credentials = TlsChannelCredentials.newBuilder().trustManager(b.trustCertificates.toFile()).build();
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read trust certificates " + b.trustCertificates + ": " + e, e);
            }
        } else {
            credentials = TlsChannelCredentials.create();
        }
        ManagedChannel channel = Grpc.newChannelBuilder(b.target, credentials)
                .maxInboundMessageSize(b.maxMessageBytes).build();
        return new GrpcTensorlineClient(channel, b.defaultDeadline);
    }

    static GrpcTensorlineClient over(ManagedChannel channel, Duration defaultDeadline) {
        return new GrpcTensorlineClient(java.util.Objects.requireNonNull(channel, "channel"), defaultDeadline);
    }

    private GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub blocking(Duration deadline) {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        Duration d = deadline != null ? deadline : defaultDeadline;
        return d == null ? stub : stub.withDeadlineAfter(d.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public boolean isServerLive() {
        return call(() -> blocking(null).serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
    }

    @Override
    public boolean isServerReady() {
        return call(() -> blocking(null).serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
    }

    @Override
    public boolean isModelReady(String model, String version) {
        return call(() -> blocking(null).modelReady(ModelReadyRequest.newBuilder().setName(model)
                .setVersion(version).build()).getReady());
    }

    @Override
    public ServerMetadataResponse serverMetadata() {
        return call(() -> blocking(null).serverMetadata(ServerMetadataRequest.getDefaultInstance()));
    }

    @Override
    public ModelMetadataResponse modelMetadata(String model, String version) {
        return call(() -> blocking(null).modelMetadata(ModelMetadataRequest.newBuilder().setName(model)
                .setVersion(version).build()));
    }

    @Override
    public ModelConfig modelConfig(String model, String version) {
        return call(() -> blocking(null).modelConfig(ModelConfigRequest.newBuilder().setName(model)
                .setVersion(version).build()).getConfig());
    }

    @Override
    public ModelStatisticsResponse statistics(String model, String version) {
        return call(() -> blocking(null).modelStatistics(ModelStatisticsRequest.newBuilder().setName(model)
                .setVersion(version).build()));
    }

    @Override
    public RepositoryIndexResponse repositoryIndex(boolean readyOnly) {
        return call(() -> blocking(null).repositoryIndex(RepositoryIndexRequest.newBuilder().setReady(readyOnly)
                .build()));
    }

    @Override
    public void loadModel(String model) {
        call(() -> blocking(null).repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName(model)
                .build()));
    }

    @Override
    public void unloadModel(String model) {
        call(() -> blocking(null).repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder()
                .setModelName(model).build()));
    }

    @Override
    public InferResult infer(InferRequest request) {
        return call(() -> GrpcCodec.decode(blocking(request.deadline()).modelInfer(GrpcCodec.encode(request))));
    }

    @Override
    public CompletableFuture<InferResult> inferAsync(InferRequest request) {
        CompletableFuture<InferResult> future = new CompletableFuture<>();
        CallOptions options = CallOptions.DEFAULT;
        Duration d = request.deadline() != null ? request.deadline() : defaultDeadline;
        if (d != null) {
            options = options.withDeadlineAfter(d.toNanos(), TimeUnit.NANOSECONDS);
        }
        ClientCall<io.tensorline.proto.ModelInferRequest, ModelInferResponse> call =
                channel.newCall(GRPCInferenceServiceGrpc.getModelInferMethod(), options);
        try {
            ClientCalls.asyncUnaryCall(call, GrpcCodec.encode(request), new StreamObserver<>() {
                @Override
                public void onNext(ModelInferResponse value) {
                    try {
                        future.complete(GrpcCodec.decode(value));
                    } catch (RuntimeException e) {
                        future.completeExceptionally(error(e));
                    }
                }

                @Override
                public void onError(Throwable t) {
                    future.completeExceptionally(error(t));
                }

                @Override
                public void onCompleted() {
                    future.completeExceptionally(new TensorlineException(TensorlineException.Status.INTERNAL,
                            "the server closed the call without a response"));
                }
            });
        } catch (RuntimeException e) {
            future.completeExceptionally(error(e));
        }
        future.whenComplete((r, e) -> {
            if (future.isCancelled()) {
                call.cancel("cancelled by the caller", null);
            }
        });
        return future;
    }

    @Override
    public InferStream openStream(InferStream.Listener listener) {
        return GrpcInferStream.open(GRPCInferenceServiceGrpc.newStub(channel), listener);
    }

    @Override
    public void close() {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static <T> T call(Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (RuntimeException e) {
            throw error(e);
        }
    }

    /** Any failure as the client's one exception type. */
    static TensorlineException error(Throwable t) {
        if (t instanceof TensorlineException te) {
            return te;
        }
        Status s = t instanceof StatusRuntimeException sre ? sre.getStatus() : Status.fromThrowable(t);
        if (s.getCode() == Status.Code.UNKNOWN && !(t instanceof StatusRuntimeException)) {
            return new TensorlineException(TensorlineException.Status.INTERNAL, 0, String.valueOf(t), t);
        }
        String message = s.getDescription() != null ? s.getDescription()
                : s.getCause() != null ? s.getCause().toString() : s.getCode().name();
        return new TensorlineException(TensorlineException.Status.valueOf(s.getCode().name()), 0, message, t);
    }
}
