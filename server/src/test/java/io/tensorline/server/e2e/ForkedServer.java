package io.tensorline.server.e2e;

import io.tensorline.server.cli.TensorlineServer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A server in a JVM of its own, for cases that could take a process down: {@code ForkedServer <repository>
 * <max-tensor-bytes> <ports-file>} writes "grpcPort httpPort" to the ports file once serving, and stops when its
 * standard input closes.
 */
public final class ForkedServer {

    private ForkedServer() {
    }

    public static void main(String[] args) throws Exception {
        try (TensorlineServer server = TensorlineServer.start(TestServers.withMaxTensorBytes(Path.of(args[0]),
                Long.parseLong(args[1])))) {
            Path ports = Path.of(args[2]);
            Path partial = ports.resolveSibling(ports.getFileName() + ".tmp");
            Files.writeString(partial, server.grpcPort() + " " + server.httpPort());
            Files.move(partial, ports);
            while (System.in.read() >= 0) {
                // until the parent closes our stdin
            }
        }
    }
}
