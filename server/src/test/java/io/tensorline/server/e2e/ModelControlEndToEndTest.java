package io.tensorline.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelConfigRequest;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelReadyRequest;
import io.tensorline.proto.ModelRepositoryParameter;
import io.tensorline.proto.RepositoryIndexRequest;
import io.tensorline.proto.RepositoryIndexResponse;
import io.tensorline.proto.RepositoryModelLoadRequest;
import io.tensorline.proto.RepositoryModelUnloadRequest;
import io.tensorline.proto.ServerMetadataRequest;
import io.tensorline.server.cli.ModelControlOptions;
import io.tensorline.server.cli.TensorlineServer;
import io.tensorline.server.repository.ModelControlMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.e2e.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Triton's model-control flow (index, load, ready, infer, unload, not ready) on the real server in explicit mode,
 * over gRPC and over REST, with a real ONNX model; and the repository extension's bad inputs with Triton's texts.
 */
class ModelControlEndToEndTest {

    @TempDir
    static Path repo;

    private static TensorlineServer server;
    private static ManagedChannel channel;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        for (String name : List.of("grpc_model", "rest_model", "errors_model")) {
            TestServers.copyModel(TestServers.TEST_REPOSITORY, "add_sub", repo, name);
            Path config = repo.resolve(name).resolve("config.pbtxt");
            java.nio.file.Files.writeString(config, java.nio.file.Files.readString(config)
                    .replace("name: \"add_sub\"", "name: \"" + name + "\""));
        }
        server = TensorlineServer.start(TestServers.options(repo, true, 64 * 1024 * 1024).withModelControl(
                new ModelControlOptions(List.of(repo), ModelControlMode.EXPLICIT, List.of(), 0, 2, true, "")));
        channel = TestServers.channel(server);
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.close(channel);
        server.close();
    }

    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub rpc() {
        return stub.withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static RepositoryIndexResponse.ModelIndex grpcIndex(String model, String version) {
        return rpc().repositoryIndex(RepositoryIndexRequest.getDefaultInstance()).getModelsList().stream()
                .filter(m -> m.getName().equals(model) && m.getVersion().equals(version)).findFirst().orElseThrow();
    }

    private static ModelInferRequest addSub(String model) {
        return Tensors.addSub(model, "1", new float[] {1, 2, 3, 4}, new float[] {10, 20, 30, 40});
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .timeout(java.time.Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .timeout(java.time.Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    private static JsonNode restIndexRow(String model, String version) throws Exception {
        for (JsonNode row : JSON.readTree(post("/v2/repository/index", "").body())) {
            if (row.get("name").asText().equals(model)
                    && (version == null ? !row.has("version") : version.equals(row.path("version").asText()))) {
                return row;
            }
        }
        throw new AssertionError("no index row for " + model + " " + version);
    }

    private static String error(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).get("error").asText();
    }

    @Test
    void grpcIndexLoadReadyInferUnloadNotReady() {
        assertEquals("", grpcIndex("grpc_model", "").getState(), "never loaded: its name only");
        assertFalse(rpc().modelReady(ModelReadyRequest.newBuilder().setName("grpc_model").build()).getReady());

        rpc().repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("grpc_model").build());
        assertTrue(rpc().modelReady(ModelReadyRequest.newBuilder().setName("grpc_model").build()).getReady());
        assertEquals("READY", grpcIndex("grpc_model", "1").getState());
        ModelInferResponse r = rpc().modelInfer(addSub("grpc_model"));
        assertArrayEquals(new float[] {11, 22, 33, 44}, toFloats(r.getRawOutputContents(0)));
        assertArrayEquals(new float[] {-9, -18, -27, -36}, toFloats(r.getRawOutputContents(1)));

        rpc().repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("grpc_model").build());
        assertFalse(rpc().modelReady(ModelReadyRequest.newBuilder().setName("grpc_model").build()).getReady());
        RepositoryIndexResponse.ModelIndex row = grpcIndex("grpc_model", "1");
        assertEquals("UNAVAILABLE", row.getState());
        assertEquals("unloaded", row.getReason());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> rpc().modelInfer(addSub("grpc_model")));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    }

    @Test
    void restIndexLoadReadyInferUnloadNotReady() throws Exception {
        JsonNode row = restIndexRow("rest_model", null);
        assertFalse(row.has("state"), row.toString());
        assertEquals(400, get("/v2/models/rest_model/ready"));

        HttpResponse<String> load = post("/v2/repository/models/rest_model/load", "");
        assertEquals(200, load.statusCode(), load.body());
        assertEquals("", load.body());
        assertEquals(200, get("/v2/models/rest_model/ready"));
        assertEquals("READY", restIndexRow("rest_model", "1").get("state").asText());
        HttpResponse<String> infer = post("/v2/models/rest_model/versions/1/infer", """
                {"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]},
                            {"name": "INPUT1", "datatype": "FP32", "shape": [1, 4], "data": [10, 20, 30, 40]}]}""");
        assertEquals(200, infer.statusCode(), infer.body());
        JsonNode out = JSON.readTree(infer.body()).get("outputs");
        assertEquals("[11.0,22.0,33.0,44.0]", out.get(0).get("data").toString());

        HttpResponse<String> unload = post("/v2/repository/models/rest_model/unload",
                "{\"parameters\": {\"unload_dependents\": true}}");
        assertEquals(200, unload.statusCode(), unload.body());
        assertEquals(400, get("/v2/models/rest_model/ready"));
        JsonNode after = restIndexRow("rest_model", "1");
        assertEquals("UNAVAILABLE", after.get("state").asText());
        assertEquals("unloaded", after.get("reason").asText());
        assertEquals(503, post("/v2/models/rest_model/versions/1/infer", "{\"inputs\": []}").statusCode());
    }

    @Test
    void serverMetadataListsTheRepositoryExtensions() {
        List<String> ext = rpc().serverMetadata(ServerMetadataRequest.getDefaultInstance()).getExtensionsList();
        assertTrue(ext.contains("model_repository") && ext.contains("model_repository(unload_dependents)"),
                ext.toString());
    }

    @Test
    void restBadLoadsGetTritonsStatusesAndTexts() throws Exception {
        HttpResponse<String> r = post("/v2/repository/models/no_such_model/load", "");
        assertEquals(500, r.statusCode());
        assertEquals("failed to load 'no_such_model', failed to poll from model repository", error(r));

        r = post("/v2/repository/models/errors_model/load", "{\"parameters\": {\"bogus\": \"x\"}}");
        assertEquals(500, r.statusCode());
        assertEquals("unexpected error on creating Triton parameter", error(r));

        r = post("/v2/repository/models/errors_model/load", "{\"parameters\": {\"config\": \"{not json\"}}");
        assertEquals(500, r.statusCode());
        assertTrue(error(r).startsWith("failed to load 'errors_model', failed to poll from model repository"),
                error(r));

        String escape = Base64.getEncoder().encodeToString(new byte[] {1});
        r = post("/v2/repository/models/errors_model/load", "{\"parameters\": {\"config\": \"{}\", "
                + "\"file:1/../../x.onnx\": \"" + escape + "\"}}");
        assertEquals(400, r.statusCode());
        assertTrue(error(r).endsWith("must stay within model directory."), error(r));

        r = post("/v2/repository/some_repo/models/errors_model/load", "");
        assertEquals(501, r.statusCode());
        assertEquals("'repository_name' specification is not supported", error(r));

        r = post("/v2/repository/models/no_such_model/unload", "");
        assertEquals(200, r.statusCode(), "unloading an unknown model succeeds");
        r = post("/v2/repository/models/errors_model/unload", "{\"parameters\": {\"unload_dependents\": 1}}");
        assertEquals(400, r.statusCode());
        assertTrue(error(r).startsWith("Unable to parse 'unload_dependents'"), error(r));
        assertEquals(200, get("/v2/health/live"));
        // none of it disturbed the model: it loads and serves
        assertEquals(200, post("/v2/repository/models/errors_model/load", "").statusCode());
        HttpResponse<String> infer = post("/v2/models/errors_model/versions/1/infer", """
                {"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]},
                            {"name": "INPUT1", "datatype": "FP32", "shape": [1, 4], "data": [1, 1, 1, 1]}]}""");
        assertEquals("[2.0,3.0,4.0,5.0]", JSON.readTree(infer.body()).get("outputs").get(0).get("data").toString());
    }

    @Test
    void grpcBadLoadsGetTritonsStatusesAndTexts() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> rpc().repositoryModelLoad(
                RepositoryModelLoadRequest.newBuilder().setModelName("errors_model").putParameters("config",
                        ModelRepositoryParameter.newBuilder().setBytesParam(ByteString.copyFromUtf8("{}")).build())
                        .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("invalid value type for load parameter 'config', expected string_param.",
                e.getStatus().getDescription());

        e = assertThrows(StatusRuntimeException.class, () -> rpc().repositoryModelLoad(
                RepositoryModelLoadRequest.newBuilder().setModelName("errors_model").putParameters("nope",
                        ModelRepositoryParameter.newBuilder().setBoolParam(true).build()).build()));
        assertEquals("unrecognized load parameter 'nope'.", e.getStatus().getDescription());

        e = assertThrows(StatusRuntimeException.class, () -> rpc().repositoryModelLoad(
                RepositoryModelLoadRequest.newBuilder().setModelName("errors_model").setRepositoryName("r").build()));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());

        e = assertThrows(StatusRuntimeException.class, () -> rpc().repositoryModelUnload(
                RepositoryModelUnloadRequest.newBuilder().setModelName("errors_model").putParameters(
                        "unload_dependents", ModelRepositoryParameter.newBuilder().setStringParam("yes").build())
                        .build()));
        assertEquals("invalid value type for 'unload_dependents' parameter, expected bool_param.",
                e.getStatus().getDescription());

        e = assertThrows(StatusRuntimeException.class, () -> rpc().repositoryModelLoad(
                RepositoryModelLoadRequest.newBuilder().setModelName("no_such_model").build()));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
        assertEquals("failed to load 'no_such_model', failed to poll from model repository",
                e.getStatus().getDescription());
    }

    @Test
    void aGrpcConfigOverrideAndRawFileBytesLoadAModel() throws Exception {
        byte[] onnx = java.nio.file.Files.readAllBytes(TestServers.TEST_REPOSITORY.resolve("add_sub/1/model.onnx"));
        String config = "{\"name\": \"uploaded\", \"platform\": \"onnxruntime_onnx\", \"max_batch_size\": 4}";
        rpc().repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("uploaded")
                .putParameters("config", ModelRepositoryParameter.newBuilder().setStringParam(config).build())
                .putParameters("file:7/model.onnx", ModelRepositoryParameter.newBuilder()
                        .setBytesParam(ByteString.copyFrom(onnx)).build()).build());
        assertEquals(4, rpc().modelConfig(ModelConfigRequest.newBuilder().setName("uploaded").build())
                .getConfig().getMaxBatchSize());
        ModelInferResponse r = rpc().modelInfer(addSub("uploaded").toBuilder().setModelVersion("7").build());
        assertArrayEquals(new float[] {11, 22, 33, 44}, toFloats(r.getRawOutputContents(0)));
        rpc().repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("uploaded").build());
    }

    @Test
    void aModeNoneServerRefusesLoadAndUnloadOnBothTransports(@TempDir Path none) throws Exception {
        TestServers.copyModel(Path.of("../model-repository"), "simulated", none, "simulated");
        try (TensorlineServer s = TensorlineServer.start(TestServers.options(none, true, 64 * 1024 * 1024))) {
            ManagedChannel c = TestServers.channel(s);
            try {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () ->
                        GRPCInferenceServiceGrpc.newBlockingStub(c).withDeadlineAfter(60, TimeUnit.SECONDS)
                                .repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder()
                                        .setModelName("simulated").build()));
                assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
                assertEquals("explicit model load / unload is not allowed if polling is enabled",
                        e.getStatus().getDescription());
            } finally {
                TestServers.close(c);
            }
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.httpPort()
                    + "/v2/repository/models/simulated/load")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, r.statusCode());
            assertEquals("explicit model load / unload is not allowed if polling is enabled", error(r));
        }
    }
}
