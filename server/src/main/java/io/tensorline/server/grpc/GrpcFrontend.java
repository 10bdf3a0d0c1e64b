package io.tensorline.server.grpc;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.logging.LogControl;
import io.tensorline.server.net.ReloadingTls;
import io.tensorline.server.shm.SharedMemoryRegistry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC endpoint: {@code inference.GRPCInferenceService} and {@code grpc.health.v1.Health} (SERVING while the
 * server is ready). Handlers run on the transport threads ({@code directExecutor}) because none of them blocks.
 * {@link GrpcSettings} adds TLS (1.2+, reloaded certificates), restricted protocols, keepalive, HTTP/2 stream and
 * rapid-reset limits.
 *
 * <p>Lifecycle: {@link #start}, then either {@link #close} or a drain: {@link #beginDrain} (no new calls, streams
 * finish once answered), {@link #awaitTermination}, {@link #close}.
 */
public final class GrpcFrontend implements AutoCloseable {

    /** Default largest accepted request message, in bytes. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

    private final InferenceServer server;
    private final int maxMessageBytes;
    private final GrpcSettings settings;
    private final OpenStreams streams;
    private Server grpc;
    private LogControl logging;
    private GrpcEventLoops loops;
    private SharedMemoryRegistry sharedMemory = SharedMemoryRegistry.disabled();

    /** Builds the service descriptors, which grpc-java makes on first use (start-up warm-up calls this early). */
    public static void initialiseServiceDescriptors() {
        io.tensorline.proto.GRPCInferenceServiceGrpc.getServiceDescriptor();
    }

    public GrpcFrontend(InferenceServer server, int maxMessageBytes) {
        this(server, maxMessageBytes, GrpcSettings.defaults());
    }

    public GrpcFrontend(InferenceServer server, int maxMessageBytes, GrpcSettings settings) {
        this.server = Objects.requireNonNull(server, "server");
        if (maxMessageBytes < 1) {
            throw new IllegalArgumentException("maxMessageBytes: " + maxMessageBytes + " (expected: >= 1)");
        }
        this.maxMessageBytes = maxMessageBytes;
        this.settings = Objects.requireNonNull(settings, "settings");
        this.streams = new OpenStreams(settings.streamMaxInFlight());
    }

    /** Serves the logging extension's {@code LogSettings} over {@code control}; call before {@link #start}. */
    public synchronized GrpcFrontend withLogging(LogControl control) {
        this.logging = control;
        return this;
    }

    /**
     * Serves on {@code shared} event loops (accepting and serving; {@link #close} leaves them running) instead of
     * grpc-java's default group of twice the cores; call before {@link #start}.
     */
    public synchronized GrpcFrontend withEventLoops(GrpcEventLoops shared) {
        this.loops = Objects.requireNonNull(shared, "shared");
        return this;
    }

    /** Serves the system shared memory extension over {@code regions}; call before {@link #start}. */
    public synchronized GrpcFrontend withSharedMemory(SharedMemoryRegistry regions) {
        this.sharedMemory = Objects.requireNonNull(regions, "regions");
        return this;
    }

    public synchronized GrpcFrontend start(String host, int port) throws IOException {
        if (grpc != null) {
            throw new IllegalStateException("already started");
        }
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .directExecutor()
                .maxInboundMessageSize(maxMessageBytes)
                .maxConcurrentCallsPerConnection(settings.maxConcurrentCallsPerConnection())
                .maxRstFramesPerWindow(settings.maxRstFramesPerWindow(), settings.rstWindowSeconds())
                .keepAliveTime(settings.keepAliveTimeMs(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(settings.keepAliveTimeoutMs(), TimeUnit.MILLISECONDS)
                .permitKeepAliveWithoutCalls(settings.permitKeepAliveWithoutCalls())
                .permitKeepAliveTime(settings.minRecvPingIntervalMs(), TimeUnit.MILLISECONDS);
        if (loops != null) {
            b.bossEventLoopGroup(loops.group()).workerEventLoopGroup(loops.group()).channelType(loops.channelType());
        }
        if (settings.maxConnectionAgeMs() > 0) {
            b.maxConnectionAge(settings.maxConnectionAgeMs(), TimeUnit.MILLISECONDS);
        }
        if (settings.maxConnectionAgeGraceMs() > 0) {
            b.maxConnectionAgeGrace(settings.maxConnectionAgeGraceMs(), TimeUnit.MILLISECONDS);
        }
        if (settings.maxConnectionIdleMs() > 0) {
            b.maxConnectionIdle(settings.maxConnectionIdleMs(), TimeUnit.MILLISECONDS);
        }
        if (settings.tls() != null) {
            b.sslContext(sslContext(settings.tls()));
        }
        RestrictedProtocolInterceptor restricted = new RestrictedProtocolInterceptor(settings.restricted());
        grpc = b.addStreamTracerFactory(new ArrivalStamps(server.clock()))
                .decompressorRegistry(GrpcCompression.decompressors())
                .compressorRegistry(GrpcCompression.compressors())
                .addService(ServerInterceptors.intercept(UndecodableRequests.guard(ServerInterceptors.intercept(
                        new InferenceGrpcService(server, logging, streams, sharedMemory), GrpcCompression.responses(),
                        new TraceContextInterceptor(server))),
                        restricted))
                .addService(ServerInterceptors.intercept(UndecodableRequests.guard(
                        new ReadinessHealthService(server).bindService()), restricted))
                .build()
                .start();
        return this;
    }

    /** TLS 1.3 and 1.2 with HTTP/2's ciphers and ALPN; client certificates required and verified when mutual. */
    private static io.grpc.netty.shaded.io.netty.handler.ssl.SslContext sslContext(ReloadingTls tls)
            throws IOException {
        SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forServer(tls.keyManager()), SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2");
        if (tls.settings().mutual()) {
            b.trustManager(tls.trustManager()).clientAuth(ClientAuth.REQUIRE);
        }
        return b.build();
    }

    public synchronized int port() {
        if (grpc == null) {
            throw new IllegalStateException("not started");
        }
        return grpc.getPort();
    }

    /**
     * Starts a graceful drain: the listener closes and clients are told (GOAWAY) to start no new calls; calls under
     * way go on, and every ModelStreamInfer finishes once its requests are answered.
     */
    public synchronized void beginDrain() {
        if (grpc != null) {
            grpc.shutdown();
            streams.drainAll();
        }
    }

    /** Waits until every call has finished or the deadline ({@link System#nanoTime}) passes; true when finished. */
    public boolean awaitTermination(long deadlineNanos) throws InterruptedException {
        Server s;
        synchronized (this) {
            s = grpc;
        }
        return s == null || s.awaitTermination(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    @Override
    public synchronized void close() {
        if (grpc == null) {
            return;
        }
        grpc.shutdown();
        streams.drainAll();
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
