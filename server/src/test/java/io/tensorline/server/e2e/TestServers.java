package io.tensorline.server.e2e;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tensorline.server.cli.ServeOptions;
import io.tensorline.server.cli.TensorlineServer;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Starts real servers on ephemeral ports over the committed test repositories. */
final class TestServers {

    static final Path TEST_REPOSITORY = Path.of("src/test/resources/test-repository");
    static final Path UNSUPPORTED_REPOSITORY = Path.of("src/test/resources/unsupported-repository");

    private TestServers() {
    }

    static ServeOptions options(Path repository, boolean exitOnError, int grpcMaxMessageBytes) {
        return new ServeOptions(repository, "127.0.0.1", 0, "127.0.0.1", 0, -1, exitOnError, true,
                grpcMaxMessageBytes, 64 * 1024 * 1024);
    }

    /** Like {@link #options}, with exit on error and a {@code --max-tensor-bytes}. */
    static ServeOptions withMaxTensorBytes(Path repository, long maxTensorBytes) {
        return new ServeOptions(repository, "127.0.0.1", 0, "127.0.0.1", 0, -1, true, true, 256 * 1024 * 1024,
                64 * 1024 * 1024, maxTensorBytes);
    }

    /** Every endpoint on an ephemeral port, metrics included. */
    static ServeOptions withMetrics(Path repository) {
        return new ServeOptions(repository, "127.0.0.1", 0, "127.0.0.1", 0, 0, true, true,
                256 * 1024 * 1024, 64 * 1024 * 1024);
    }

    /** Copies a model folder (config and versions) into a repository. */
    static void copyModel(Path fromRepository, String name, Path toRepository, String asName) throws java.io.IOException {
        Path src = fromRepository.resolve(name);
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(src)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = toRepository.resolve(asName).resolve(src.relativize(p).toString());
                if (java.nio.file.Files.isDirectory(p)) {
                    java.nio.file.Files.createDirectories(target);
                } else {
                    java.nio.file.Files.copy(p, target);
                }
            }
        }
    }

    static TensorlineServer start(Path repository) throws Exception {
        return TensorlineServer.start(options(repository, true, 256 * 1024 * 1024));
    }

    static ManagedChannel channel(TensorlineServer server) {
        return NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                .maxInboundMessageSize(Integer.MAX_VALUE).build();
    }

    static void close(ManagedChannel channel) throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
}
