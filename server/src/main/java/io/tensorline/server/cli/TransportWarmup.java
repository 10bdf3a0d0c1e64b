package io.tensorline.server.cli;

import io.tensorline.server.grpc.GrpcFrontend;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Initialises the transports' heavy classes (Netty's epoll natives and pooled allocators, both the plain and gRPC's
 * shaded copy; the gRPC service descriptors; the HTTP codec; the Prometheus writer) on {@link EarlyEndpoints}'s
 * thread, before it binds, while the models load on the others. Only classes are initialised: nothing binds,
 * nothing is kept. Where there is no idle core the thread merely queues behind the loaders and costs nothing extra;
 * the classes are initialised once either way.
 */
final class TransportWarmup {

    private static final Logger LOG = LoggerFactory.getLogger(TransportWarmup.class);

    /** Initialised in this order; a class not on the class path is skipped. */
    static final List<String> CLASSES = List.of(
            "io.netty.channel.epoll.Epoll",
            "io.netty.buffer.PooledByteBufAllocator",
            "io.netty.handler.codec.http.HttpServerCodec",
            "io.netty.handler.codec.http.HttpContentCompressor",
            "io.grpc.netty.shaded.io.netty.channel.epoll.Epoll",
            "io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator",
            "io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder",
            "io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2CodecUtil",
            "io.grpc.internal.ServerImpl",
            "io.tensorline.proto.GRPCInferenceServiceGrpc",
            "io.grpc.health.v1.HealthGrpc",
            "io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter");

    private TransportWarmup() {
    }

    /** Initialises {@link #CLASSES} and the gRPC service descriptors on the calling thread. */
    static void initialiseAll() {
        ClassLoader loader = TransportWarmup.class.getClassLoader();
        for (String name : CLASSES) {
            try {
                Class.forName(name, true, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                LOG.debug("transport warm-up: {} skipped ({})", name, e.toString());
            }
        }
        // the service descriptors are built on first use, not at class initialisation
        GrpcFrontend.initialiseServiceDescriptors();
    }
}
