package io.tensorline.server.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.server.cli.TensorlineServer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real server on ephemeral ports with the clients the compatibility tests drive it with: a gRPC channel with
 * blocking and asynchronous generated stubs, and the JDK's HTTP client. One per test class, closed in
 * {@code @AfterAll}.
 */
final class LiveServer implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    final TensorlineServer server;
    final ManagedChannel channel;
    final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;
    final GRPCInferenceServiceGrpc.GRPCInferenceServiceStub async;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private LiveServer(TensorlineServer server) {
        this.server = server;
        this.channel = TestServers.channel(server);
        this.stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        this.async = GRPCInferenceServiceGrpc.newStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    static LiveServer start(Path repository) throws Exception {
        return new LiveServer(TestServers.start(repository));
    }

    /** Clients for a server started some other way. */
    static LiveServer wrap(TensorlineServer server) {
        return new LiveServer(server);
    }

    static ModelInferRequest.InferInputTensor.Builder input(String name, String type, long... shape) {
        ModelInferRequest.InferInputTensor.Builder b = ModelInferRequest.InferInputTensor.newBuilder()
                .setName(name).setDatatype(type);
        for (long d : shape) {
            b.addShape(d);
        }
        return b;
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .timeout(Duration.ofSeconds(60));
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The {@code error} of an HTTP error answer, checking it came as JSON. */
    static String error(HttpResponse<String> r) throws IOException {
        String type = r.headers().firstValue("content-type").orElse("");
        if (!type.startsWith("application/json")) {
            throw new AssertionError("error answer with Content-Type '" + type + "': " + r.body());
        }
        return JSON.readTree(r.body()).get("error").asText();
    }

    @Override
    public void close() throws InterruptedException {
        TestServers.close(channel);
        server.close();
    }
}
