package io.tensorline.client;

import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelMetadataResponse;
import io.tensorline.proto.ModelStatisticsResponse;
import io.tensorline.proto.RepositoryIndexResponse;
import io.tensorline.proto.ServerMetadataResponse;

import java.util.concurrent.CompletableFuture;

/**
 * A client for any server that speaks the KServe v2 / Triton inference protocol (Tensorline, Triton, KServe
 * runtimes), over gRPC ({@link #grpc}) or REST ({@link #http}). Both give the same answers in the same types:
 * metadata, configuration, statistics and the repository index come back as the protocol's protobuf messages (REST
 * replies are parsed into them), inference as {@link InferResult}. Every failure is a {@link TensorlineException}.
 * Thread-safe; one client per server is enough. Close it to release its connections.
 */
public interface TensorlineClient extends AutoCloseable {

    /** A gRPC client for {@code host:port} (or any grpc-java target string). */
    static ClientBuilder grpc(String target) {
        return new ClientBuilder(ClientBuilder.Protocol.GRPC, target);
    }

    /**
     * A gRPC client over a channel built elsewhere (in-process transport, interceptors, custom name resolution).
     * The client owns the channel: closing the client shuts it down.
     */
    static TensorlineClient grpc(io.grpc.ManagedChannel channel) {
        return GrpcTensorlineClient.over(channel, null);
    }

    /** A REST client for a base URL such as {@code http://localhost:8000} ({@code https://} for TLS). */
    static ClientBuilder http(String baseUrl) {
        return new ClientBuilder(ClientBuilder.Protocol.HTTP, baseUrl);
    }

    boolean isServerLive();

    boolean isServerReady();

    /** @param version empty for the version the model's policy picks */
    boolean isModelReady(String model, String version);

    ServerMetadataResponse serverMetadata();

    ModelMetadataResponse modelMetadata(String model, String version);

    ModelConfig modelConfig(String model, String version);

    /** @param model empty for every model; @param version empty for every ready version */
    ModelStatisticsResponse statistics(String model, String version);

    RepositoryIndexResponse repositoryIndex(boolean readyOnly);

    /** Loads (or reloads) a model; servers without model control answer UNIMPLEMENTED or UNAVAILABLE. */
    void loadModel(String model);

    void unloadModel(String model);

    /** Runs one request and waits for its answer. */
    InferResult infer(InferRequest request);

    /**
     * Sends one request without waiting. The future completes on a client thread (never fails with anything but a
     * {@link TensorlineException}); cancelling it cancels the call.
     */
    CompletableFuture<InferResult> inferAsync(InferRequest request);

    /**
     * Opens a {@code ModelStreamInfer} stream (gRPC only; a REST client throws UNIMPLEMENTED).
     */
    InferStream openStream(InferStream.Listener listener);

    @Override
    void close();
}
