package io.tensorline.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelConfigRequest;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.RepositoryIndexRequest;
import io.tensorline.proto.RepositoryModelLoadRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --model-repository=s3://host:port/bucket/path} end to end: the server mirrors the bucket from a real
 * S3-compatible server (S3Proxy, in memory, in this JVM) with the SDK's default credential chain, and serves it.
 */
class S3RepositoryEndToEndTest {

    private static final Path MODELS = Path.of(System.getProperty("tensorline.root", ".."), "model-repository");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static S3Buckets s3;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = new S3Buckets();
    }

    @AfterAll
    static void stopS3() throws Exception {
        s3.close();
    }

    private static ServeOptions options(String... flags) throws Flags.UsageException {
        List<String> args = new ArrayList<>(List.of("--http-address=127.0.0.1", "--http-port=0",
                "--grpc-address=127.0.0.1", "--grpc-port=0", "--allow-metrics=false"));
        args.addAll(Arrays.asList(flags));
        return ServeOptions.from(ServeOptions.flags(Path.of("model-repository")).parse(args.toArray(String[]::new)));
    }

    private static TensorlineServer serve(String... flags) throws Exception {
        return TensorlineServer.start(options(flags));
    }

    @Test
    void servesAModelUploadedToTheBucketOverRestAndGrpc() throws Exception {
        s3.createBucket("serve");
        s3.uploadModel("serve", "models", MODELS.resolve("simple"), "simple");
        ServeOptions o = options("--model-repository=" + s3.uri("serve", "models"));
        Path mirror = o.modelControl().repositories().get(0);
        try (TensorlineServer server = TensorlineServer.start(o)) {
            assertTrue(Files.isRegularFile(mirror.resolve("simple/1/model.onnx")), "downloaded before the load");
            float[] a = ramp(1f);
            float[] b = ramp(-0.25f);
            JsonNode rest = restInfer(server, a, b);
            assertArrayEquals(sum(a, b, 1), floats(rest, "OUTPUT0"));
            assertArrayEquals(sum(a, b, -1), floats(rest, "OUTPUT1"));
            ManagedChannel ch = channel(server);
            try {
                ModelInferResponse r = stub(ch).modelInfer(grpcRequest(a, b));
                assertArrayEquals(sum(a, b, 1), floats(r.getRawOutputContents(0)));
                assertArrayEquals(sum(a, b, -1), floats(r.getRawOutputContents(1)));
            } finally {
                ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aRestartOnTheSameCacheDownloadsNothingUnchanged() throws Exception {
        s3.createBucket("restart");
        s3.uploadModel("restart", "repo", MODELS.resolve("simple"), "simple");
        ServeOptions o = options("--model-repository=" + s3.uri("restart", "repo"));
        Path onnx = o.modelControl().repositories().get(0).resolve("simple/1/model.onnx");
        try (TensorlineServer first = TensorlineServer.start(o)) {
            assertTrue(Files.isRegularFile(onnx));
        }
        var downloaded = Files.getLastModifiedTime(onnx);
        try (TensorlineServer second = TensorlineServer.start(o)) {
            assertEquals(downloaded, Files.getLastModifiedTime(onnx), "the manifest's ETag matched: no download");
            float[] a = ramp(1.5f);
            assertArrayEquals(sum(a, a, 1), floats(restInfer(second, a, a), "OUTPUT0"));
        }
    }

    @Test
    void aMissingBucketFailsStartUpNamingIt() throws Exception {
        String uri = s3.uri("no-such-bucket", "models");
        TensorlineServer.StartupException e = assertThrows(TensorlineServer.StartupException.class,
                () -> serve("--model-repository=" + uri));
        assertTrue(e.getMessage().contains("'no-such-bucket'"), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertEquals(1, Main.run(new String[] {"serve", "--model-repository=" + uri, "--http-port=0",
                "--grpc-port=0", "--allow-metrics=false", "--http-address=127.0.0.1", "--grpc-address=127.0.0.1"}),
                "the exit status of a start-up failure");
    }

    @Test
    void deniedCredentialsFailStartUpWithoutShowingTheSecret() throws Exception {
        try (S3Buckets other = new S3Buckets("another-identity", "another-secret")) {
            other.createBucket("private");
            TensorlineServer.StartupException e = assertThrows(TensorlineServer.StartupException.class,
                    () -> serve("--model-repository=" + other.uri("private", "models")));
            assertTrue(e.getMessage().contains("'private'"), e.getMessage());
            assertTrue(e.getMessage().contains("access denied"), e.getMessage());
            assertFalse(e.getMessage().contains(S3Buckets.SECRET_KEY), e.getMessage());
        }
    }

    @Test
    void aPartiallyUploadedModelFailsWithItsReasonWhileTheOthersServe() throws Exception {
        s3.createBucket("partial");
        s3.uploadModel("partial", "repo", MODELS.resolve("simple"), "simple");
        s3.put("partial", "repo/no_model_file/config.pbtxt",
                Files.readString(MODELS.resolve("simple/config.pbtxt")).replace("\"simple\"", "\"no_model_file\""));
        s3.put("partial", "repo/no_model_file/1/.upload-in-progress", "");
        s3.put("partial", "repo/cut_config/config.pbtxt", "name: \"cut_config\"\nplatform: \"onnxrunt");
        s3.put("partial", "repo/cut_config/1/model.onnx", Files.readAllBytes(MODELS.resolve("simple/1/model.onnx")));
        String uri = s3.uri("partial", "repo");

        TensorlineServer.StartupException e = assertThrows(TensorlineServer.StartupException.class,
                () -> serve("--model-repository=" + uri));
        assertTrue(e.getMessage().contains("no_model_file") && e.getMessage().contains("cut_config"),
                e.getMessage());

        try (TensorlineServer server = serve("--model-repository=" + uri, "--exit-on-error=false")) {
            ManagedChannel ch = channel(server);
            try {
                List<String> index = index(stub(ch));
                assertTrue(index.contains("simple:1:READY:"), index.toString());
                assertTrue(index.stream().anyMatch(s -> s.startsWith("no_model_file:1:UNAVAILABLE:")
                        && s.contains("model.onnx does not exist")), index.toString());
                assertTrue(index.stream().anyMatch(s -> s.startsWith("cut_config::UNAVAILABLE:")
                        && s.contains("cannot parse")), index.toString());
                float[] a = ramp(2f);
                assertArrayEquals(sum(a, a, 1), floats(stub(ch).modelInfer(grpcRequest(a, a)).getRawOutputContents(0)));
            } finally {
                ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void explicitModeFetchesAModelUploadedAfterStartUpWhenItIsLoaded() throws Exception {
        s3.createBucket("explicit");
        s3.put("explicit", "repo/README", "models go here");
        try (TensorlineServer server = serve("--model-repository=" + s3.uri("explicit", "repo"),
                "--model-control-mode=explicit")) {
            ManagedChannel ch = channel(server);
            try {
                StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, () -> stub(ch)
                        .repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("late").build()));
                assertTrue(missing.getMessage().contains("failed to poll from model repository"),
                        missing.getMessage());
                s3.uploadModel("explicit", "repo", MODELS.resolve("simple"), "late");
                s3.put("explicit", "repo/late/config.pbtxt", Files.readString(MODELS.resolve("simple/config.pbtxt"))
                        .replace("\"simple\"", "\"late\""));
                stub(ch).repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("late").build());
                float[] a = ramp(3f);
                ModelInferRequest req = grpcRequest(a, a).toBuilder().setModelName("late").build();
                assertArrayEquals(sum(a, a, -1), floats(stub(ch).modelInfer(req).getRawOutputContents(1)));
            } finally {
                ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void pollModePicksUpAChangedObject() throws Exception {
        s3.createBucket("poll");
        s3.uploadModel("poll", "repo", MODELS.resolve("simple"), "simple");
        s3.put("poll", "repo/gone/config.pbtxt", Files.readString(MODELS.resolve("simple/config.pbtxt"))
                .replace("\"simple\"", "\"gone\""));
        s3.put("poll", "repo/gone/1/model.onnx", Files.readAllBytes(MODELS.resolve("simple/1/model.onnx")));
        ServeOptions o = options("--model-repository=" + s3.uri("poll", "repo"), "--model-control-mode=poll",
                "--repository-poll-secs=1");
        Path onnx = o.modelControl().repositories().get(0).resolve("simple/1/model.onnx");
        try (TensorlineServer server = TensorlineServer.start(o)) {
            ManagedChannel ch = channel(server);
            try {
                assertEquals(8, maxBatchSize(stub(ch)));
                var downloaded = Files.getLastModifiedTime(onnx);
                s3.put("poll", "repo/simple/config.pbtxt", Files.readString(MODELS.resolve("simple/config.pbtxt"))
                        .replace("max_batch_size: 8", "max_batch_size: 4"));
                await("the changed config.pbtxt is served", () -> maxBatchSize(stub(ch)) == 4);
                assertEquals(downloaded, Files.getLastModifiedTime(onnx), "an object whose ETag did not change "
                        + "is not downloaded again");

                assertTrue(index(stub(ch)).contains("gone:1:READY:"));
                s3.delete("poll", "repo/gone/1/model.onnx");
                s3.delete("poll", "repo/gone/config.pbtxt");
                await("the model removed from the bucket is unloaded",
                        () -> index(stub(ch)).stream().noneMatch(m -> m.startsWith("gone:")));
                assertFalse(Files.exists(onnx.getParent().getParent().resolveSibling("gone")),
                        "its files are deleted from the mirror");
                float[] a = ramp(0.5f);
                assertArrayEquals(sum(a, a, 1), floats(stub(ch).modelInfer(grpcRequest(a, a)).getRawOutputContents(0)));
            } finally {
                ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not seen within 60 s");
            }
            Thread.sleep(50);
        }
    }

    private static int maxBatchSize(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub) {
        return stub.modelConfig(ModelConfigRequest.newBuilder().setName("simple").build()).getConfig()
                .getMaxBatchSize();
    }

    private static List<String> index(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub) {
        return stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()).getModelsList().stream()
                .map(m -> m.getName() + ":" + m.getVersion() + ":" + m.getState() + ":" + m.getReason()).toList();
    }

    private static ManagedChannel channel(TensorlineServer server) {
        return NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
    }

    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub(ManagedChannel ch) {
        return GRPCInferenceServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static ModelInferRequest grpcRequest(float[] a, float[] b) {
        ModelInferRequest.Builder r = ModelInferRequest.newBuilder().setModelName("simple");
        for (String name : List.of("INPUT0", "INPUT1")) {
            r.addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(name).setDatatype("FP32")
                    .addShape(1).addShape(16));
        }
        return r.addRawInputContents(bytes(a)).addRawInputContents(bytes(b)).build();
    }

    private static JsonNode restInfer(TensorlineServer server, float[] a, float[] b) throws Exception {
        String body = JSON.writeValueAsString(java.util.Map.of("inputs", List.of(
                java.util.Map.of("name", "INPUT0", "datatype", "FP32", "shape", List.of(1, 16), "data", a),
                java.util.Map.of("name", "INPUT1", "datatype", "FP32", "shape", List.of(1, 16), "data", b))));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.httpPort() + "/v2/models/simple/infer")).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static float[] floats(JsonNode response, String output) {
        for (JsonNode o : response.path("outputs")) {
            if (o.path("name").asText().equals(output)) {
                float[] out = new float[o.path("data").size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) o.path("data").get(i).asDouble();
                }
                return out;
            }
        }
        throw new AssertionError("no output " + output + " in " + response);
    }

    private static ByteString bytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return ByteString.copyFrom(b.flip());
    }

    private static float[] floats(ByteString raw) {
        ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[raw.size() / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getFloat();
        }
        return out;
    }

    private static float[] ramp(float step) {
        float[] v = new float[16];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * step;
        }
        return v;
    }

    private static float[] sum(float[] a, float[] b, int sign) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + sign * b[i];
        }
        return out;
    }
}
