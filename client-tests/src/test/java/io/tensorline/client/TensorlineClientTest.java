package io.tensorline.client;

import io.tensorline.proto.ModelMetadataResponse;
import io.tensorline.proto.ModelStatisticsResponse;
import io.tensorline.proto.RepositoryIndexResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client against the real server on ephemeral ports, over gRPC, REST with binary data and REST with JSON. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TensorlineClientTest {

    private InProcessServer server;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Path repo = InProcessServer.repository(dir, "simple", "mlp", "identity_fp32", "identity_fp16",
                "identity_fp64", "identity_int32", "identity_int64", "identity_int8", "identity_bool",
                "identity_string");
        // a simulated model that takes 400 ms per batch, for deadlines
        InProcessServer.copy(InProcessServer.BUNDLED.resolve("simulated"), repo.resolve("slow"));
        String config = Files.readString(repo.resolve("slow/config.pbtxt"))
                .replace("name: \"simulated\"", "name: \"slow\"").replace("\"2000\"", "\"400000\"");
        Files.writeString(repo.resolve("slow/config.pbtxt"), config);
        server = InProcessServer.start(repo);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private static final String[] KINDS = {"grpc", "http", "json"};

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http", "json"})
    void healthAndMetadata(String kind) {
        try (TensorlineClient c = server.client(kind)) {
            assertTrue(c.isServerLive());
            assertTrue(c.isServerReady());
            assertTrue(c.isModelReady("simple", ""));
            assertEquals("tensorline", c.serverMetadata().getName());
            ModelMetadataResponse m = c.modelMetadata("simple", "");
            assertEquals("simple", m.getName());
            assertEquals("onnxruntime_onnx", m.getPlatform());
            assertEquals(List.of("INPUT0", "INPUT1"), m.getInputsList().stream().map(t -> t.getName()).toList());
            assertEquals(List.of(-1L, 16L), m.getInputs(0).getShapeList());
            assertEquals(8, c.modelConfig("simple", "").getMaxBatchSize());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http", "json"})
    void addSubOnTheRealModel(String kind) {
        float[] a = new float[32];
        float[] b = new float[32];
        for (int i = 0; i < 32; i++) {
            a[i] = i * 0.5f;
            b[i] = 3 - i;
        }
        InferRequest request = InferRequest.builder("simple").id("req-7")
                .input(InferTensor.fp32("INPUT0", a, 2, 16)).input(InferTensor.fp32("INPUT1", b, 2, 16)).build();
        try (TensorlineClient c = server.client(kind)) {
            InferResult r = c.infer(request);
            assertEquals("req-7", r.id());
            assertEquals("simple", r.model());
            assertEquals("1", r.version());
            assertArrayEquals(new long[] {2, 16}, r.output("OUTPUT0").shape());
            float[] sum = r.output("OUTPUT0").asFloats();
            float[] diff = r.output("OUTPUT1").asFloats();
            for (int i = 0; i < 32; i++) {
                assertEquals(a[i] + b[i], sum[i], 1e-6f);
                assertEquals(a[i] - b[i], diff[i], 1e-6f);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http", "json"})
    void typedTensorsRoundTripThroughIdentityModels(String kind) {
        try (TensorlineClient c = server.client(kind)) {
            float[] f = {1.5f, -2.25f, 3e5f};
            assertArrayEquals(f, echo(c, "identity_fp32", InferTensor.fp32("INPUT0", f, 1, 3)).asFloats());
            double[] d = {Math.PI, -1e-300};
            assertArrayEquals(d, echo(c, "identity_fp64", InferTensor.fp64("INPUT0", d, 1, 2)).asDoubles());
            int[] i = {Integer.MIN_VALUE, 0, 42};
            assertArrayEquals(i, echo(c, "identity_int32", InferTensor.int32("INPUT0", i, 1, 3)).asInts());
            long[] l = {Long.MAX_VALUE, -7};
            assertArrayEquals(l, echo(c, "identity_int64", InferTensor.int64("INPUT0", l, 1, 2)).asLongs());
            byte[] b = {-128, 0, 127};
            assertArrayEquals(new int[] {-128, 0, 127},
                    echo(c, "identity_int8", InferTensor.int8("INPUT0", "INT8", b, 1, 3)).asInts());
            boolean[] z = {true, false, true};
            assertArrayEquals(z, echo(c, "identity_bool", InferTensor.bool("INPUT0", z, 1, 3)).asBooleans());
            String[] s = {"héllo", "", "tensor line"};
            assertArrayEquals(s, echo(c, "identity_string", InferTensor.strings("INPUT0", s, 1, 3)).asStrings());
            // FP16 from floats: exactly representable values come back exactly
            float[] h = {0.5f, -2f, 1024f, 0.099975586f};
            InferTensor half = echo(c, "identity_fp16", InferTensor.fp16("INPUT0", h, 1, 4));
            assertEquals("FP16", half.datatype());
            assertArrayEquals(h, half.asFloats());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http"})
    void directByteBuffersGoAsTheyAre(String kind) {
        ByteBuffer direct = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
        direct.putFloat(1f).putFloat(2f).putFloat(3f).putFloat(4f).flip();
        try (TensorlineClient c = server.client(kind)) {
            InferTensor out = echo(c, "identity_fp32", InferTensor.of("INPUT0", "FP32", direct, 2, 2));
            assertArrayEquals(new float[] {1, 2, 3, 4}, out.asFloats());
            assertEquals(16, out.data().remaining());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http", "json"})
    void asyncRequestsCompleteWithTheirOwnAnswers(String kind) {
        try (TensorlineClient c = server.client(kind)) {
            List<CompletableFuture<InferResult>> futures = new java.util.ArrayList<>();
            for (int n = 0; n < 20; n++) {
                futures.add(c.inferAsync(InferRequest.builder("identity_int32").id("a" + n).priority(1)
                        .input(InferTensor.int32("INPUT0", new int[] {n, n * 2}, 1, 2)).build()));
            }
            for (int n = 0; n < 20; n++) {
                InferResult r = futures.get(n).join();
                assertEquals("a" + n, r.id());
                assertArrayEquals(new int[] {n, n * 2}, r.output("OUTPUT0").asInts());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http", "json"})
    void requestedOutputsOnly(String kind) {
        try (TensorlineClient c = server.client(kind)) {
            InferResult r = c.infer(InferRequest.builder("simple")
                    .input(InferTensor.fp32("INPUT0", new float[16], 1, 16))
                    .input(InferTensor.fp32("INPUT1", new float[16], 1, 16)).output("OUTPUT1").build());
            assertEquals(List.of("OUTPUT1"), r.outputs().stream().map(InferTensor::name).toList());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "json"})
    void restOutputsMayMixBinaryAndJson(String kind) {
        float[] a = new float[16];
        a[5] = 2.5f;
        try (TensorlineClient c = server.client(kind)) {
            InferResult r = c.infer(InferRequest.builder("simple")
                    .input(InferTensor.fp32("INPUT0", a, 1, 16)).input(InferTensor.fp32("INPUT1", a, 1, 16))
                    .output("OUTPUT0", false).output("OUTPUT1", true).build());
            assertEquals(5f, r.output("OUTPUT0").asFloats()[5]);
            assertEquals(0f, r.output("OUTPUT1").asFloats()[5]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http"})
    void unknownModelIsNotFoundWithTheServersMessage(String kind) {
        try (TensorlineClient c = server.client(kind)) {
            TensorlineException e = assertThrows(TensorlineException.class, () -> c.infer(
                    InferRequest.builder("nope").input(InferTensor.fp32("INPUT0", new float[4], 1, 4)).build()));
            assertEquals(TensorlineException.Status.NOT_FOUND, e.status());
            assertTrue(e.serverMessage().contains("nope"), e.serverMessage());
            assertEquals(kind.equals("http") ? 404 : 0, e.httpStatus());
            TensorlineException meta = assertThrows(TensorlineException.class, () -> c.modelMetadata("nope", ""));
            assertEquals(TensorlineException.Status.NOT_FOUND, meta.status());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http"})
    void wrongShapeIsInvalidArgumentAndTheServerStillServes(String kind) {
        try (TensorlineClient c = server.client(kind)) {
            CompletableFuture<InferResult> f = c.inferAsync(InferRequest.builder("mlp")
                    .input(InferTensor.fp32("INPUT0", new float[5], 1, 5)).build());
            CompletionException e = assertThrows(CompletionException.class, f::join);
            TensorlineException te = assertInstanceOf(TensorlineException.class, e.getCause());
            assertEquals(TensorlineException.Status.INVALID_ARGUMENT, te.status());
            assertFalse(te.serverMessage().isEmpty());
            assertEquals(3, c.infer(InferRequest.builder("mlp")
                    .input(InferTensor.fp32("INPUT0", new float[4], 1, 4)).build()).output("OUTPUT0").asFloats().length);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http"})
    void aDeadlineShorterThanTheModelFailsWithDeadlineExceeded(String kind) {
        try (TensorlineClient c = server.client(kind)) {
            TensorlineException e = assertThrows(TensorlineException.class, () -> c.infer(InferRequest.builder("slow")
                    .input(InferTensor.fp32("INPUT0", new float[16], 1, 16)).deadline(Duration.ofMillis(50)).build()));
            assertEquals(TensorlineException.Status.DEADLINE_EXCEEDED, e.status());
        }
    }

    @Test
    void modelsGetTheSameAnswerOverEveryTransport() {
        float[] row = {0.1f, -0.4f, 2f, 0.7f};
        float[][] answers = new float[KINDS.length][];
        for (int k = 0; k < KINDS.length; k++) {
            try (TensorlineClient c = server.client(KINDS[k])) {
                answers[k] = c.infer(InferRequest.builder("mlp").input(InferTensor.fp32("INPUT0", row, 1, 4)).build())
                        .output("OUTPUT0").asFloats();
            }
        }
        assertArrayEquals(answers[0], answers[1]);
        assertArrayEquals(answers[0], answers[2], 1e-6f);
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http"})
    void statisticsCountWhatRan(String kind) {
        try (TensorlineClient c = server.client(kind)) {
            long before = successes(c.statistics("identity_fp64", ""));
            c.infer(InferRequest.builder("identity_fp64").input(InferTensor.fp64("INPUT0", new double[] {1}, 1, 1)).build());
            // the server completes a request just before it records it: wait (bounded) for the count to catch up
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (successes(c.statistics("identity_fp64", "")) < before + 1 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(before + 1, successes(c.statistics("identity_fp64", "")));
            assertTrue(c.statistics("", "").getModelStatsCount() >= 1);
        }
    }

    private static long successes(ModelStatisticsResponse s) {
        return s.getModelStats(0).getInferenceStats().getSuccess().getCount();
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http"})
    void repositoryIndexListsTheModels(String kind) {
        try (TensorlineClient c = server.client(kind)) {
            RepositoryIndexResponse index = c.repositoryIndex(true);
            List<String> names = index.getModelsList().stream().map(RepositoryIndexResponse.ModelIndex::getName).toList();
            assertTrue(names.containsAll(List.of("simple", "mlp", "identity_string", "slow")), names.toString());
            assertTrue(index.getModelsList().stream().allMatch(m -> m.getState().equals("READY")));
        }
    }

    /** Model control may be absent from the server: then the error says so; when present the model stays ready. */
    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http"})
    void loadAnswersOrFailsWithAProtocolError(String kind) {
        try (TensorlineClient c = server.client(kind)) {
            try {
                c.loadModel("identity_fp32");
                assertTrue(c.isModelReady("identity_fp32", ""));
            } catch (TensorlineException e) {
                assertTrue(List.of(TensorlineException.Status.UNIMPLEMENTED, TensorlineException.Status.NOT_FOUND,
                        TensorlineException.Status.UNAVAILABLE, TensorlineException.Status.INVALID_ARGUMENT)
                        .contains(e.status()), e.toString());
            }
        }
    }

    @Test
    void streamAnswersEveryRequest() throws Exception {
        List<InferResult> results = new CopyOnWriteArrayList<>();
        List<TensorlineException> errors = new CopyOnWriteArrayList<>();
        CountDownLatch closed = new CountDownLatch(1);
        try (TensorlineClient c = server.client("grpc")) {
            InferStream stream = c.openStream(new InferStream.Listener() {
                @Override
                public void onResult(InferResult result) {
                    results.add(result);
                }

                @Override
                public void onRequestError(TensorlineException error) {
                    errors.add(error);
                }

                @Override
                public void onClosed(TensorlineException error) {
                    closed.countDown();
                }
            });
            for (int n = 0; n < 5; n++) {
                stream.send(InferRequest.builder("identity_int64").id("s" + n)
                        .input(InferTensor.int64("INPUT0", new long[] {n}, 1, 1)).build());
            }
            stream.send(InferRequest.builder("nope").id("bad").input(InferTensor.int64("INPUT0", new long[] {1}, 1, 1))
                    .build());
            stream.close();
            assertTrue(closed.await(30, TimeUnit.SECONDS));
        }
        assertEquals(5, results.size());
        // answers come as requests finish (two instances), so match them by id
        for (InferResult r : results) {
            long n = Long.parseLong(r.id().substring(1));
            assertArrayEquals(new long[] {n}, r.output("OUTPUT0").asLongs());
        }
        assertEquals(5, results.stream().map(InferResult::id).distinct().count());
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).serverMessage().contains("nope"), errors.get(0).serverMessage());
    }

    @Test
    void restHasNoStream() {
        try (TensorlineClient c = server.client("http")) {
            TensorlineException e = assertThrows(TensorlineException.class, () -> c.openStream(null));
            assertEquals(TensorlineException.Status.UNIMPLEMENTED, e.status());
        }
    }

    @Test
    void anUnreachableServerIsUnavailable() {
        try (TensorlineClient c = TensorlineClient.http("http://127.0.0.1:1").build()) {
            assertEquals(TensorlineException.Status.UNAVAILABLE,
                    assertThrows(TensorlineException.class, c::isServerLive).status());
        }
        try (TensorlineClient c = TensorlineClient.grpc("127.0.0.1:1").build()) {
            assertEquals(TensorlineException.Status.UNAVAILABLE,
                    assertThrows(TensorlineException.class, c::isServerLive).status());
        }
    }

    private static InferTensor echo(TensorlineClient c, String model, InferTensor input) {
        InferResult r = c.infer(InferRequest.builder(model).input(input).build());
        InferTensor out = r.output("OUTPUT0");
        assertArrayEquals(input.shape(), out.shape());
        assertEquals(input.datatype(), out.datatype());
        return out;
    }
}
