package io.tensorline.server.grpc;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.tensorline.server.core.InferenceServer;
import io.tensorline.server.logging.LogControl;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC endpoint: {@code inference.GRPCInferenceService} and {@code grpc.health.v1.Health} (SERVING while the
 * server is ready). Handlers run on the transport threads ({@code directExecutor}) because none of them blocks.
 */
public final class GrpcFrontend implements AutoCloseable {

    /** Default largest accepted request message, in bytes. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

    private final InferenceServer server;
    private final int maxMessageBytes;
    private Server grpc;
    private LogControl logging;

    public GrpcFrontend(InferenceServer server, int maxMessageBytes) {
        this.server = Objects.requireNonNull(server, "server");
        if (maxMessageBytes < 1) {
            throw new IllegalArgumentException("maxMessageBytes: " + maxMessageBytes + " (expected: >= 1)");
        }
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Serves the logging extension's {@code LogSettings} over {@code control}; call before {@link #start}. */
    public synchronized GrpcFrontend withLogging(LogControl control) {
        this.logging = control;
        return this;
    }

    public synchronized GrpcFrontend start(String host, int port) throws IOException {
        if (grpc != null) {
            throw new IllegalStateException("already started");
        }
        grpc = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .directExecutor()
                .maxInboundMessageSize(maxMessageBytes)
                .decompressorRegistry(GrpcCompression.decompressors())
                .compressorRegistry(GrpcCompression.compressors())
                .addService(UndecodableRequests.guard(ServerInterceptors.intercept(
                        new InferenceGrpcService(server, logging), GrpcCompression.responses())))
                .addService(UndecodableRequests.guard(new ReadinessHealthService(server).bindService()))
                .build()
                .start();
        return this;
    }

    public synchronized int port() {
        if (grpc == null) {
            throw new IllegalStateException("not started");
        }
        return grpc.getPort();
    }

    @Override
    public synchronized void close() {
        if (grpc == null) {
            return;
        }
        grpc.shutdown();
        try {
            if (!grpc.awaitTermination(10, TimeUnit.SECONDS)) {
                grpc.shutdownNow();
            }
        } catch (InterruptedException e) {
            grpc.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
