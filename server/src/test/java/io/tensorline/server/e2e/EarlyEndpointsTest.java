package io.tensorline.server.e2e;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelReadyRequest;
import io.tensorline.proto.ServerLiveRequest;
import io.tensorline.proto.ServerReadyRequest;
import io.tensorline.server.cli.ServeOptions;
import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With {@code -Dtensorline.earlyEndpoints=true} the endpoints bind at the start of start-up: while a start-up model
 * is still loading (a {@link GatedEngineProvider}
 * model, held at its gate) the server answers live and not ready, and every model call with Triton's
 * {@code Server not ready}; once the gate opens it is ready and serves. A failed start-up closes the early endpoints.
 * By default they bind only after the load, as Triton's do.
 */
class EarlyEndpointsTest {

    private static final String SWITCH = "tensorline.earlyEndpoints";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final String SIMULATED_IO = """
            max_batch_size: 4
            input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 2 ] } ]
            output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 2 ] } ]
            instance_group [ { count: 1 kind: KIND_CPU } ]
            """;
    private static final String INFER_BODY = """
            {"inputs":[{"name":"INPUT0","shape":[1,2],"datatype":"FP32","data":[1.5,2.5]}]}""";

    @TempDir
    Path repo;
    @TempDir
    Path services;

    private CompletableFuture<TensorlineServer> starting;
    private ManagedChannel channel;

    @BeforeEach
    void bindEarly() {
        System.setProperty(SWITCH, "true"); // read by the start-up thread; cleared once the server is closed
    }

    @AfterEach
    void tearDown() throws Exception {
        if (channel != null) {
            TestServers.close(channel);
        }
        if (starting != null) {
            Files.writeString(repo.resolve("slow").resolve(GatedEngineProvider.RELEASE), "release");
            try {
                starting.get(60, TimeUnit.SECONDS).close();
            } catch (ExecutionException expected) {
                // the test's start-up failed on purpose
            }
        }
        System.clearProperty(SWITCH);
    }

    private void model(String name, String backend, String markerFile) throws IOException {
        Path dir = repo.resolve(name);
        Files.createDirectories(dir.resolve("1"));
        Files.writeString(dir.resolve("config.pbtxt"), "name: \"" + name + "\"\nbackend: \"" + backend + "\"\n"
                + SIMULATED_IO);
        Files.writeString(dir.resolve("1").resolve(markerFile), "");
    }

    /** A repository of a simulated model {@code fast} and a gated one {@code slow}. */
    private void repository() throws IOException {
        model("fast", "simulated", "model.simulated");
        model("slow", GatedEngineProvider.BACKEND, "model.gated");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static ServeOptions options(Path repository, int http, int grpc, int metrics, boolean exitOnError) {
        return new ServeOptions(repository, "127.0.0.1", http, "127.0.0.1", grpc, metrics, exitOnError, true,
                64 * 1024 * 1024, 64 * 1024 * 1024);
    }

    /** Starts the server on another thread, with the gated engine offered to its engine lookup. */
    private CompletableFuture<TensorlineServer> startInBackground(ServeOptions o) throws IOException {
        ClassLoader loader = GatedEngineProvider.offeredTo(services, getClass().getClassLoader());
        CompletableFuture<TensorlineServer> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(TensorlineServer.start(o));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "test-start");
        t.setContextClassLoader(loader);
        t.setDaemon(true);
        t.start();
        starting = result;
        return result;
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(int port, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Waits (bounded) until the HTTP endpoint accepts connections and answers live. */
    private static void awaitLive(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                assertEquals(200, get(port, "/v2/health/live").statusCode());
                return;
            } catch (ConnectException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the HTTP endpoint did not bind within 60 s", e);
                }
                Thread.sleep(10);
            }
        }
    }

    private GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub grpc(int port) {
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        return GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private void openGate(String content) throws IOException {
        Files.writeString(repo.resolve("slow").resolve(GatedEngineProvider.RELEASE), content);
    }

    @Test
    void liveAndNotReadyWhileAStartUpModelLoadsThenReady() throws Exception {
        repository();
        int http = freePort();
        int grpcPort = freePort();
        CompletableFuture<TensorlineServer> server = startInBackground(options(repo, http, grpcPort, -1, true));
        awaitLive(http);
        assertEquals(400, get(http, "/v2/health/ready").statusCode());
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = grpc(grpcPort);
        assertTrue(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
        assertFalse(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30,
                TimeUnit.SECONDS);
        assertEquals(HealthCheckResponse.ServingStatus.NOT_SERVING,
                health.check(HealthCheckRequest.getDefaultInstance()).getStatus());
        assertFalse(server.isDone(), "start-up waits for the gated model");

        openGate("release");
        server.get(60, TimeUnit.SECONDS);
        assertEquals(200, get(http, "/v2/health/ready").statusCode());
        assertTrue(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                health.check(HealthCheckRequest.getDefaultInstance()).getStatus());
    }

    @Test
    void modelCallsBeforeReadyAnswerServerNotReadyThenServe() throws Exception {
        repository();
        int http = freePort();
        int grpcPort = freePort();
        CompletableFuture<TensorlineServer> server = startInBackground(options(repo, http, grpcPort, -1, true));
        awaitLive(http);
        for (HttpResponse<String> r : new HttpResponse[] {
                get(http, "/v2/models/fast/ready"),
                get(http, "/v2/models/slow"),
                get(http, "/v2/models/fast/config"),
                post(http, "/v2/models/fast/infer", INFER_BODY),
                post(http, "/v2/repository/index", "")}) {
            assertEquals(503, r.statusCode(), r.uri() + ": " + r.body());
            assertEquals("{\"error\":\"Server not ready\"}", r.body(), r.uri().toString());
        }
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = grpc(grpcPort);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub.modelReady(ModelReadyRequest.newBuilder().setName("fast").build()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals("Server not ready", e.getStatus().getDescription());

        openGate("release");
        server.get(60, TimeUnit.SECONDS);
        HttpResponse<String> infer = post(http, "/v2/models/fast/infer", INFER_BODY);
        assertEquals(200, infer.statusCode(), infer.body());
        assertTrue(infer.body().contains("\"data\":[1.5,2.5]"), infer.body());
        assertEquals(200, get(http, "/v2/models/slow/ready").statusCode());
        assertTrue(stub.modelReady(ModelReadyRequest.newBuilder().setName("slow").build()).getReady());
    }

    @Test
    void aFailedStartUpClosesTheEarlyEndpoints() throws Exception {
        repository();
        int http = freePort();
        int grpcPort = freePort();
        int metrics = freePort();
        CompletableFuture<TensorlineServer> server = startInBackground(options(repo, http, grpcPort, metrics, true));
        awaitLive(http);
        assertEquals(200, get(metrics, "/metrics").statusCode(), "metrics bind early too");

        openGate("fail");
        ExecutionException e = assertThrows(ExecutionException.class, () -> server.get(60, TimeUnit.SECONDS));
        TensorlineServer.StartupException cause = assertInstanceOf(TensorlineServer.StartupException.class,
                e.getCause());
        assertTrue(cause.getMessage().contains("the test failed its load"), cause.getMessage());
        for (int port : new int[] {http, grpcPort, metrics}) {
            try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertEquals(port, again.getLocalPort(), "released by the failed start-up");
            }
        }
    }

    @Test
    void aPortInUseFailsStartUpAndReleasesTheOthers() throws Exception {
        model("fast", "simulated", "model.simulated");
        int grpcPort = freePort();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThrows(IOException.class, () -> TensorlineServer.start(options(repo, taken.getLocalPort(),
                    grpcPort, -1, true)).close());
        }
        try (ServerSocket again = new ServerSocket(grpcPort, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(grpcPort, again.getLocalPort(), "gRPC's port released by the failed start-up");
        }
    }

    @Test
    void byDefaultTheEndpointsBindOnlyAfterTheLoad() throws Exception {
        System.clearProperty(SWITCH);
        repository();
        int http = freePort();
        int grpcPort = freePort();
        CompletableFuture<TensorlineServer> server = startInBackground(options(repo, http, grpcPort, -1, true));
        Path waiting = repo.resolve("slow").resolve(GatedEngineProvider.WAITING);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(waiting)) {
            assertTrue(System.nanoTime() < deadline, "the gated model's load did not start within 60 s");
            Thread.sleep(5);
        }
        assertThrows(ConnectException.class, () -> get(http, "/v2/health/live"),
                "nothing listens while the start-up models load");
        openGate("release");
        server.get(60, TimeUnit.SECONDS);
        assertEquals(200, get(http, "/v2/health/ready").statusCode());
    }
}
