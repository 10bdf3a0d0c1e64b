package io.tensorline.server.grpc;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tensorline.engine.TensorSpec;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.CudaSharedMemoryRegisterRequest;
import io.tensorline.proto.CudaSharedMemoryRegisterResponse;
import io.tensorline.proto.CudaSharedMemoryStatusRequest;
import io.tensorline.proto.CudaSharedMemoryStatusResponse;
import io.tensorline.proto.CudaSharedMemoryUnregisterRequest;
import io.tensorline.proto.CudaSharedMemoryUnregisterResponse;
import io.tensorline.proto.LogSettingsRequest;
import io.tensorline.proto.LogSettingsResponse;
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
import io.tensorline.proto.RepositoryModelLoadRequest;
import io.tensorline.proto.RepositoryModelLoadResponse;
import io.tensorline.proto.RepositoryModelUnloadRequest;
import io.tensorline.proto.RepositoryModelUnloadResponse;
import io.tensorline.proto.ServerLiveRequest;
import io.tensorline.proto.ServerLiveResponse;
import io.tensorline.proto.ServerMetadataRequest;
import io.tensorline.proto.ServerMetadataResponse;
import io.tensorline.proto.ServerReadyRequest;
import io.tensorline.proto.ServerReadyResponse;
import io.tensorline.proto.SystemSharedMemoryRegisterRequest;
import io.tensorline.proto.SystemSharedMemoryRegisterResponse;
import io.tensorline.proto.SystemSharedMemoryStatusRequest;
import io.tensorline.proto.SystemSharedMemoryStatusResponse;
import io.tensorline.proto.SystemSharedMemoryUnregisterRequest;
import io.tensorline.proto.SystemSharedMemoryUnregisterResponse;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceResponse;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.core.ModelMetadata;
import io.tensorline.server.core.ServerInfo;
import io.tensorline.server.logging.LogControl;
import io.tensorline.server.shm.SharedMemoryEndpoints;
import io.tensorline.server.shm.SharedMemoryRegistry;
import io.tensorline.server.repository.ModelIndexEntry;
import io.tensorline.server.repository.ModelState;
import io.tensorline.server.protocol.StatisticsMessages;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * {@code inference.GRPCInferenceService}: decodes, calls {@link InferenceServer}, encodes. Handlers never block:
 * inference replies are sent from the thread that completes the request.
 */
public final class InferenceGrpcService implements GRPCInferenceServiceGrpc.AsyncService, BindableService {

    private final InferenceServer server;
    private final LogControl logging;
    private final OpenStreams streams;
    private final SharedMemoryRegistry shm;

    public InferenceGrpcService(InferenceServer server) {
        this(server, null);
    }

    /** @param logging the logging extension's control, or null when it is not offered */
    public InferenceGrpcService(InferenceServer server, LogControl logging) {
        this(server, logging, new OpenStreams(GrpcSettings.defaults().streamMaxInFlight()));
    }

    InferenceGrpcService(InferenceServer server, LogControl logging, OpenStreams streams) {
        this(server, logging, streams, SharedMemoryRegistry.disabled());
    }

    /** @param shm the system shared memory regions (disabled: Triton's answers with client shared memory off) */
    InferenceGrpcService(InferenceServer server, LogControl logging, OpenStreams streams, SharedMemoryRegistry shm) {
        this.server = Objects.requireNonNull(server, "server");
        this.logging = logging;
        this.streams = Objects.requireNonNull(streams, "streams");
        this.shm = Objects.requireNonNull(shm, "shm");
    }

    @Override
    public void systemSharedMemoryStatus(SystemSharedMemoryStatusRequest request,
                                         StreamObserver<SystemSharedMemoryStatusResponse> reply) {
        unary(reply, () -> GrpcSharedMemory.status(shm, request.getName()));
    }

    @Override
    public void systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest request,
                                           StreamObserver<SystemSharedMemoryRegisterResponse> reply) {
        unary(reply, () -> {
            shm.register(request.getName(), request.getKey(), request.getOffset(), request.getByteSize());
            return SystemSharedMemoryRegisterResponse.getDefaultInstance();
        });
    }

    @Override
    public void systemSharedMemoryUnregister(SystemSharedMemoryUnregisterRequest request,
                                             StreamObserver<SystemSharedMemoryUnregisterResponse> reply) {
        unary(reply, () -> {
            shm.unregister(request.getName());
            return SystemSharedMemoryUnregisterResponse.getDefaultInstance();
        });
    }

    @Override
    public void cudaSharedMemoryStatus(CudaSharedMemoryStatusRequest request,
                                       StreamObserver<CudaSharedMemoryStatusResponse> reply) {
        unary(reply, () -> {
            SharedMemoryEndpoints.cudaStatus(request.getName());
            return CudaSharedMemoryStatusResponse.getDefaultInstance();
        });
    }

    @Override
    public void cudaSharedMemoryRegister(CudaSharedMemoryRegisterRequest request,
                                         StreamObserver<CudaSharedMemoryRegisterResponse> reply) {
        reply.onError(GrpcErrors.toStatusException(SharedMemoryEndpoints.cudaRegister(shm, request.getName())));
    }

    @Override
    public void cudaSharedMemoryUnregister(CudaSharedMemoryUnregisterRequest request,
                                           StreamObserver<CudaSharedMemoryUnregisterResponse> reply) {
        unary(reply, () -> {
            SharedMemoryEndpoints.cudaUnregister(shm);
            return CudaSharedMemoryUnregisterResponse.getDefaultInstance();
        });
    }

    @Override
    public void traceSetting(io.tensorline.proto.TraceSettingRequest request,
                             StreamObserver<io.tensorline.proto.TraceSettingResponse> reply) {
        unary(reply, () -> GrpcTraceSettings.answer(request, server));
    }

    @Override
    public void logSettings(LogSettingsRequest request, StreamObserver<LogSettingsResponse> reply) {
        unary(reply, () -> GrpcLogSettings.answer(request, logging));
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
                .setConfig(server.modelConfig(request.getName(), request.getVersion()).toProto()).build());
    }

    @Override
    public void modelStatistics(ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> reply) {
        unary(reply, () -> StatisticsMessages.toResponse(server.statistics(request.getName(), request.getVersion())));
    }

    @Override
    public void repositoryIndex(RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> reply) {
        unary(reply, () -> {
            RepositoryControl.checkRepositoryName(request.getRepositoryName());
            List<ModelIndexEntry> entries = server.index(request.getReady());
            RepositoryIndexResponse.Builder b = RepositoryIndexResponse.newBuilder();
            for (ModelIndexEntry e : entries) {
                b.addModelsBuilder().setName(e.name()).setVersion(e.version())
                        .setState(e.state() == ModelState.UNKNOWN ? "" : e.state().name()).setReason(e.reason());
            }
            return b.build();
        });
    }

    @Override
    public void repositoryModelLoad(RepositoryModelLoadRequest request,
                                    StreamObserver<RepositoryModelLoadResponse> reply) {
        RepositoryControl.load(server, request, reply);
    }

    @Override
    public void repositoryModelUnload(RepositoryModelUnloadRequest request,
                                      StreamObserver<RepositoryModelUnloadResponse> reply) {
        RepositoryControl.unload(server, request, reply);
    }

    /**
     * The generated binding with the answers of ModelInfer and ModelStreamInfer written straight from the output
     * tensors ({@link WireInferResponse}); every other method as generated.
     */
    @Override
    public ServerServiceDefinition bindService() {
        return WireInferMethods.replacingInferMethods(GRPCInferenceServiceGrpc.bindService(this),
                (request, reply) -> infer(request, reply, GrpcInferSubmission::wire),
                reply -> new InferStream<>(server, reply, WireInferResponse.STREAM_REPLIES, streams, shm));
    }

    /** ModelInfer answered with the generated message (direct callers; the bound service writes the bytes). */
    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> reply) {
        infer(request, reply, GrpcInferSubmission::encode);
    }

    private <R> void infer(ModelInferRequest request, StreamObserver<R> reply,
                           BiFunction<GrpcInferSubmission, InferenceResponse, R> encoder) {
        long arrival = ArrivalStamps.take(server.clock());
        GrpcInferSubmission submitted;
        try {
            submitted = GrpcInferSubmission.submit(server, shm, request, arrival);
        } catch (RuntimeException e) {
            reply.onError(GrpcErrors.toStatusException(e));
            return;
        }
        CompletableFuture<InferenceResponse> result = submitted.response();
        if (reply instanceof ServerCallStreamObserver<R> call) {
            call.setOnCancelHandler(() -> result.cancel(false));
        }
        result.whenComplete((response, error) -> {
            if (error != null) {
                if (!result.isCancelled()) {
                    reply.onError(GrpcErrors.toStatusException(error));
                }
                return;
            }
            R encoded;
            try {
                encoded = encoder.apply(submitted, response);
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
        return new InferStream<>(server, reply, InferStream.MESSAGES, streams, shm);
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
