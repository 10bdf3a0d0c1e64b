package io.tensorline.server.e2e;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelMetadataRequest;
import io.tensorline.proto.RepositoryIndexRequest;
import io.tensorline.proto.RepositoryIndexResponse;
import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Models that fail to load, in a repository under an absolute temporary path: their reasons, as the repository index,
 * metadata and inference answers show them over both transports, name the model, version and the file inside the
 * repository, never a server path.
 */
class LoadFailurePathsTest {

    /** A path as parsers and engines print them: a slash, a name, another slash. */
    private static final Pattern ABSOLUTE = Pattern.compile("(^|[\\s'\"(=])/[^\\s/]+/");
    /** model -> what its reason must still say. */
    private static final Map<String, String> MODELS = Map.of(
            "bad_config", "bad_config/config.pbtxt",
            "garbage_onnx", "garbage_onnx",
            "garbage_pt", "garbage_pt",
            "missing_file", "missing_file");

    @TempDir
    static Path repository;

    private static TensorlineServer server;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        write("bad_config/config.pbtxt", "platform: \"onnxruntime_onnx\"\nmax_batch_size: lots\n");
        write("bad_config/1/model.onnx", "x");
        write("garbage_onnx/config.pbtxt", "platform: \"onnxruntime_onnx\"\n");
        write("garbage_onnx/1/model.onnx", "this is not an ONNX model");
        write("garbage_pt/config.pbtxt", "platform: \"pytorch_libtorch\"\nmax_batch_size: 0\n"
                + "input [ { name: \"INPUT__0\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                + "output [ { name: \"OUTPUT__0\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n");
        write("garbage_pt/1/model.pt", "this is not TorchScript");
        write("missing_file/config.pbtxt", "platform: \"onnxruntime_onnx\"\n"
                + "default_model_filename: \"elsewhere.onnx\"\n");
        write("missing_file/1/model.onnx", "x");
        server = TensorlineServer.start(TestServers.options(repository.toAbsolutePath(), false, 1 << 20));
        channel = TestServers.channel(server);
    }

    private static void write(String file, String text) throws Exception {
        Path p = repository.resolve(file);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            TestServers.close(channel);
        }
        if (server != null) {
            server.close();
        }
    }

    private static void assertNoPath(String text) {
        assertFalse(text.contains(repository.toAbsolutePath().toString()), text);
        assertFalse(ABSOLUTE.matcher(text).find(), text);
    }

    private GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub() {
        return GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @Test
    void theIndexNamesTheFailureWithoutServerPaths() {
        RepositoryIndexResponse index = stub().repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
        assertEquals(MODELS.size(), index.getModelsCount(), index.toString());
        for (RepositoryIndexResponse.ModelIndex m : index.getModelsList()) {
            assertEquals("UNAVAILABLE", m.getState());
            assertTrue(m.getReason().contains(MODELS.get(m.getName())), m.getReason());
            assertNoPath(m.getReason());
        }
    }

    @Test
    void grpcErrorsCarryNoServerPaths() {
        for (String model : MODELS.keySet()) {
            List<String> errors = new ArrayList<>();
            for (Runnable call : List.<Runnable>of(
                    () -> stub().modelMetadata(ModelMetadataRequest.newBuilder().setName(model).build()),
                    () -> stub().modelInfer(ModelInferRequest.newBuilder().setModelName(model).build()))) {
                try {
                    call.run();
                } catch (StatusRuntimeException e) {
                    errors.add(e.getStatus().getDescription());
                }
            }
            assertEquals(2, errors.size(), model);
            errors.forEach(LoadFailurePathsTest::assertNoPath);
            assertTrue(errors.get(0).contains(model), errors.get(0));
        }
    }

    @Test
    void restErrorsCarryNoServerPaths() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String base = "http://127.0.0.1:" + server.httpPort();
        HttpResponse<String> index = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/repository/index"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, index.statusCode());
        assertNoPath(index.body());
        for (String model : MODELS.keySet()) {
            for (HttpRequest r : List.of(
                    HttpRequest.newBuilder(URI.create(base + "/v2/models/" + model)).build(),
                    HttpRequest.newBuilder(URI.create(base + "/v2/models/" + model + "/config")).build(),
                    HttpRequest.newBuilder(URI.create(base + "/v2/models/" + model + "/infer"))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":[]}")).build())) {
                HttpResponse<String> reply = http.send(r, HttpResponse.BodyHandlers.ofString());
                assertTrue(reply.statusCode() >= 400, reply.body());
                assertNoPath(reply.body());
            }
        }
    }
}
