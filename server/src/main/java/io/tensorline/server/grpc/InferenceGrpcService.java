package io.tensorline.server.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tensorline.engine.TensorSpec;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelConfigRequest;
import io.tensorline.proto.ModelConfigResponse;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelMetadataRequest;
import io.tensorline.proto.ModelMetadataResponse;
import io.tensorline.proto.ModelReadyRequest;
import io.tensorline.proto.ModelReadyResponse;
import io.tensorline.proto.ModelStatisticsRequest;
import io.tensorline.proto.ModelStatisticsResponse;
import io.tensorline.proto.ModelStreamInferResponse;
import io.tensorline.proto.RepositoryIndexRequest;
import io.tensorline.proto.RepositoryIndexResponse;
import io.tensorline.proto.ServerLiveRequest;
import io.tensorline.proto.ServerLiveResponse;
import io.tensorline.proto.ServerMetadataRequest;
import io.tensorline.proto.ServerMetadataResponse;
import io.tensorline.proto.ServerReadyRequest;
import io.tensorline.proto.ServerReadyResponse;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceServer;
import io.tensorline.server.core.ModelMetadata;
import io.tensorline.server.core.ServerInfo;
import io.tensorline.server.repository.ModelIndexEntry;
import io.tensorline.server.stats.StatisticsMessages;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * {@code inference.GRPCInferenceService}: decodes, calls {@link InferenceServer}, encodes. Handlers never block:
 * inference replies are sent from the thread that completes the request.
 */
public final class InferenceGrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

    private final InferenceServer server;
    private final OpenStreams streams;

    public InferenceGrpcService(InferenceServer server) {
        this(server, new OpenStreams(GrpcSettings.defaults().streamMaxInFlight()));
    }

    InferenceGrpcService(InferenceServer server, OpenStreams streams) {
        this.server = Objects.requireNonNull(server, "server");
        this.streams = Objects.requireNonNull(streams, "streams");
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> reply) {
        unary(reply, () -> ServerLiveResponse.newBuilder().setLive(server.live()).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> reply) {
        unary(reply, () -> ServerReadyResponse.newBuilder().setReady(server.ready()).build());
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> reply) {
        unary(reply, () -> ModelReadyResponse.newBuilder()
                .setReady(server.modelReady(request.getName(), request.getVersion())).build());
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> reply) {
        unary(reply, () -> {
            ServerInfo info = server.info();
            return ServerMetadataResponse.newBuilder().setName(info.name()).setVersion(info.version())
                    .addAllExtensions(info.extensions()).addAllBackends(info.backends()).build();
        });
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> reply) {
        unary(reply, () -> {
            ModelMetadata m = server.modelMetadata(request.getName(), request.getVersion());
            ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder()
                    .setName(m.name()).addAllVersions(m.versions()).setPlatform(m.platform());
            m.inputs().forEach(t -> b.addInputs(tensorMetadata(t)));
            m.outputs().forEach(t -> b.addOutputs(tensorMetadata(t)));
            return b.build();
        });
    }

    @Override
    public void modelConfig(ModelConfigRequest request, StreamObserver<ModelConfigResponse> reply) {
        unary(reply, () -> ModelConfigResponse.newBuilder()
                .setConfig(server.modelConfig(request.getName(), request.getVersion())).build());
    }

    @Override
    public void modelStatistics(ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> reply) {
        unary(reply, () -> StatisticsMessages.toResponse(server.statistics(request.getName(), request.getVersion())));
    }

    @Override
    public void repositoryIndex(RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> reply) {
        unary(reply, () -> {
            List<ModelIndexEntry> entries = server.index(request.getReady());
            RepositoryIndexResponse.Builder b = RepositoryIndexResponse.newBuilder();
            for (ModelIndexEntry e : entries) {
                b.addModelsBuilder().setName(e.name()).setVersion(e.version()).setState(e.state().name())
                        .setReason(e.reason());
            }
            return b.build();
        });
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> reply) {
        CompletableFuture<io.tensorline.server.core.InferenceResponse> result;
        try {
            result = server.infer(GrpcInferCodec.decode(request, System.nanoTime()));
        } catch (RuntimeException e) {
            reply.onError(GrpcErrors.toStatusException(e));
            return;
        }
        if (reply instanceof ServerCallStreamObserver<ModelInferResponse> call) {
            call.setOnCancelHandler(() -> result.cancel(false));
        }
        result.whenComplete((response, error) -> {
            if (error != null) {
                if (!result.isCancelled()) {
                    reply.onError(GrpcErrors.toStatusException(error));
                }
                return;
            }
            ModelInferResponse encoded;
            try {
                encoded = GrpcInferCodec.encode(response);
            } catch (RuntimeException e) {
                reply.onError(GrpcErrors.toStatusException(e));
                return;
            }
            reply.onNext(encoded);
            reply.onCompleted();
        });
    }

    @Override
    public StreamObserver<ModelInferRequest> modelStreamInfer(StreamObserver<ModelStreamInferResponse> reply) {
        return new InferStream(server, reply, streams);
    }

    private static ModelMetadataResponse.TensorMetadata tensorMetadata(TensorSpec t) {
        ModelMetadataResponse.TensorMetadata.Builder b = ModelMetadataResponse.TensorMetadata.newBuilder()
                .setName(t.name()).setDatatype(t.dataType().wireName());
        for (long d : t.shape()) {
            b.addShape(d);
        }
        return b.build();
    }

    private static <T> void unary(StreamObserver<T> reply, Supplier<T> body) {
        T value;
        try {
            value = body.get();
        } catch (RuntimeException e) {
            reply.onError(GrpcErrors.toStatusException(InferenceException.from(e)));
            return;
        }
        reply.onNext(value);
        reply.onCompleted();
    }
}
