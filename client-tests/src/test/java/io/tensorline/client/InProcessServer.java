package io.tensorline.client;

import io.tensorline.server.cli.ServeOptions;
import io.tensorline.server.cli.TensorlineServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A real Tensorline server on ephemeral loopback ports, over a repository assembled from the committed models:
 * the bundled {@code model-repository/} (mlp, simple) and the server's identity test models.
 */
final class InProcessServer implements AutoCloseable {

    static final Path BUNDLED = Path.of("../model-repository");
    static final Path SERVER_TESTS = Path.of("../server/src/test/resources/test-repository");

    private final TensorlineServer server;

    private InProcessServer(TensorlineServer server) {
        this.server = server;
    }

    /** Starts a server over {@code repository}; flags are parsed as {@code serve} parses them. */
    static InProcessServer start(Path repository) throws Exception {
        var flags = ServeOptions.flags(repository);
        flags.parse(new String[] {"--model-repository=" + repository, "--http-port=0", "--grpc-port=0",
                "--http-address=127.0.0.1", "--grpc-address=127.0.0.1", "--allow-metrics=false"});
        return new InProcessServer(TensorlineServer.start(ServeOptions.from(flags)));
    }

    /** A repository in {@code dir} with these models copied from the bundled and the server's test repositories. */
    static Path repository(Path dir, String... models) {
        for (String m : models) {
            Path from = Files.isDirectory(BUNDLED.resolve(m)) ? BUNDLED.resolve(m) : SERVER_TESTS.resolve(m);
            copy(from, dir.resolve(m));
        }
        return dir;
    }

    static void copy(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    TensorlineServer server() {
        return server;
    }

    String grpcTarget() {
        return "127.0.0.1:" + server.grpcPort();
    }

    String httpUrl() {
        return "http://127.0.0.1:" + server.httpPort();
    }

    /** A client of the given kind: "grpc", "http" (binary extension) or "json" (REST, plain JSON). */
    TensorlineClient client(String kind) {
        return switch (kind) {
            case "grpc" -> TensorlineClient.grpc(grpcTarget()).build();
            case "http" -> TensorlineClient.http(httpUrl()).build();
            case "json" -> TensorlineClient.http(httpUrl()).binaryData(false).build();
            default -> throw new IllegalArgumentException(kind);
        };
    }

    @Override
    public void close() {
        server.close();
    }
}
