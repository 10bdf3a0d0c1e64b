package io.tensorline.server.e2e;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.InferParameter;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelStreamInferResponse;
import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Triton's sequence example flows (two interleaved sequences, sync and streaming) over real sockets against the
 * models of {@code sequence-repository}: accumulators on ONNX Runtime, PyTorch and TensorFlow whose running sum
 * lives in the server's implicit state (direct and oldest strategies), a TorchScript accumulator that keeps its own
 * sums per CORRID control input (no implicit state), and a stateless model that echoes its control inputs.
 */
class SequenceBatchingEndToEndTest {

    static final Path SEQUENCE_REPOSITORY = Path.of("src/test/resources/sequence-repository");

    private static TensorlineServer server;
    private static ManagedChannel channel;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

    @BeforeAll
    static void start() throws Exception {
        server = TestServers.start(SEQUENCE_REPOSITORY);
        channel = TestServers.channel(server);
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.close(channel);
        server.close();
    }

    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub() {
        return stub.withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    static ModelInferRequest request(String model, Object id, boolean start, boolean end, int value) {
        return request(model, "INPUT", id, start, end, value);
    }

    static ModelInferRequest request(String model, String input, Object id, boolean start, boolean end, int value) {
        boolean batches = !model.equals("sequence_controls");
        ModelInferRequest.InferInputTensor.Builder in = ModelInferRequest.InferInputTensor.newBuilder()
                .setName(input).setDatatype("INT32");
        if (batches) {
            in.addShape(1);
        }
        in.addShape(1);
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(model).addInputs(in)
                .addRawInputContents(ints(value));
        if (id instanceof String s) {
            b.putParameters("sequence_id", InferParameter.newBuilder().setStringParam(s).build());
        } else if (id != null) {
            b.putParameters("sequence_id", InferParameter.newBuilder().setInt64Param((Long) id).build());
        }
        b.putParameters("sequence_start", InferParameter.newBuilder().setBoolParam(start).build());
        b.putParameters("sequence_end", InferParameter.newBuilder().setBoolParam(end).build());
        return b.build();
    }

    static ByteString ints(int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        return ByteString.copyFrom(b.flip());
    }

    static int firstInt(ModelInferResponse r, String output) {
        for (int i = 0; i < r.getOutputsCount(); i++) {
            if (r.getOutputs(i).getName().equals(output)) {
                return r.getRawOutputContents(i).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getInt();
            }
        }
        throw new AssertionError("no output " + output + " in " + r);
    }

    static long firstLong(ModelInferResponse r, String output) {
        for (int i = 0; i < r.getOutputsCount(); i++) {
            if (r.getOutputs(i).getName().equals(output)) {
                return r.getRawOutputContents(i).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getLong();
            }
        }
        throw new AssertionError("no output " + output);
    }

    /**
     * An accumulator on one engine: its input and output names. {@code accumulator} (ONNX), {@code accumulator_pt}
     * (TorchScript) and {@code accumulator_tf} (TensorFlow SavedModel) keep their sums in the server's implicit
     * state; {@code accumulator_pt_corrid} (TorchScript) and {@code accumulator_tf_corrid} (TensorFlow, a hash table
     * in its session) have no implicit state and keep the sums themselves, per CORRID control input.
     */
    record Accumulator(String model, String input, String output) {
        @Override
        public String toString() {
            return model;
        }
    }

    static Stream<Accumulator> accumulators() {
        return Stream.of(new Accumulator("accumulator", "INPUT", "OUTPUT"),
                new Accumulator("accumulator_pt", "INPUT__0", "OUTPUT__0"),
                new Accumulator("accumulator_pt_corrid", "INPUT__0", "OUTPUT__0"),
                new Accumulator("accumulator_tf", "INPUT", "OUTPUT"),
                new Accumulator("accumulator_tf_corrid", "INPUT", "OUTPUT"));
    }

    /** Triton's simple_sequence flow: two interleaved sequences, one of them negated. */
    @ParameterizedTest
    @MethodSource("accumulators")
    void twoInterleavedSequencesKeepTheirOwnRunningSums(Accumulator a) {
        int[] values = {11, 7, 5, 3, 2, 0, 1};
        long id0 = 1000;
        long id1 = 1001;
        int sum0 = 0;
        int sum1 = 0;
        for (int i = 0; i < values.length; i++) {
            boolean start = i == 0;
            boolean end = i == values.length - 1;
            sum0 += values[i];
            sum1 -= values[i];
            ModelInferResponse r0 = stub().modelInfer(request(a.model(), a.input(), id0, start, end, values[i]));
            ModelInferResponse r1 = stub().modelInfer(request(a.model(), a.input(), id1, start, end, -values[i]));
            assertEquals(sum0, firstInt(r0, a.output()));
            assertEquals(sum1, firstInt(r1, a.output()));
            assertEquals(1, r0.getOutputsCount(), "the state output is not listed, so it is not returned");
        }
    }

    /** Triton's simple_http_sequence_sync_infer_client flow: the same two interleaved sequences over REST. */
    @ParameterizedTest
    @MethodSource("accumulators")
    void twoInterleavedSequencesOverRest(Accumulator a) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + server.httpPort() + "/v2/models/" + a.model() + "/infer");
        int[] values = {11, 7, 5, 3, 2, 0, 1};
        int sum0 = 0;
        int sum1 = 0;
        for (int i = 0; i < values.length; i++) {
            sum0 += values[i];
            sum1 -= values[i];
            for (int s = 0; s < 2; s++) {
                String body = "{\"parameters\":{\"sequence_id\":" + (3000 + s) + ",\"sequence_start\":" + (i == 0)
                        + ",\"sequence_end\":" + (i == values.length - 1) + "},\"inputs\":[{\"name\":\"" + a.input()
                        + "\",\"datatype\":\"INT32\",\"shape\":[1,1],\"data\":[" + (s == 0 ? values[i] : -values[i])
                        + "]}]}";
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(java.time.Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                assertTrue(r.body().contains("\"name\":\"" + a.output() + "\""), r.body());
                assertTrue(r.body().contains("\"data\":[" + (s == 0 ? sum0 : sum1) + "]"), r.body());
            }
        }
    }

    @Test
    void aStringSequenceIdInterleavesWithANumericOne() {
        int sum0 = 0;
        int sum1 = 0;
        for (int i = 0; i < 4; i++) {
            sum0 += i;
            sum1 -= i;
            ModelInferResponse r0 = stub().modelInfer(request("accumulator", 2000L, i == 0, i == 3, i));
            ModelInferResponse r1 = stub().modelInfer(request("accumulator", "seq-b", i == 0, i == 3, -i));
            assertEquals(sum0, firstInt(r0, "OUTPUT"));
            assertEquals(sum1, firstInt(r1, "OUTPUT"));
        }
    }

    /** Triton's simple_grpc_sequence_stream_infer_client flow: two sequences interleaved on one stream. */
    @ParameterizedTest
    @MethodSource("accumulators")
    void streamingSequencesAnswerInOrderWithRunningSums(Accumulator a) throws Exception {
        LinkedBlockingQueue<ModelStreamInferResponse> received = new LinkedBlockingQueue<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<ModelInferRequest> requests = GRPCInferenceServiceGrpc.newStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS).modelStreamInfer(new StreamObserver<>() {
                    @Override
                    public void onNext(ModelStreamInferResponse value) {
                        received.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        int n = 6;
        for (int i = 0; i < n; i++) {
            requests.onNext(request(a.model(), a.input(), 77L, i == 0, i == n - 1, i + 1).toBuilder()
                    .setId("a" + i).build());
            requests.onNext(request(a.model(), a.input(), 78L, i == 0, i == n - 1, 10 * (i + 1)).toBuilder()
                    .setId("b" + i).build());
        }
        requests.onCompleted();
        done.get(60, TimeUnit.SECONDS);
        Map<String, Integer> outputs = new HashMap<>();
        List<String> orderA = new ArrayList<>();
        for (ModelStreamInferResponse r : received) {
            assertEquals("", r.getErrorMessage());
            String id = r.getInferResponse().getId();
            outputs.put(id, firstInt(r.getInferResponse(), a.output()));
            if (id.startsWith("a")) {
                orderA.add(id);
            }
        }
        assertEquals(2 * n, outputs.size());
        for (int i = 0; i < n; i++) {
            int tri = (i + 1) * (i + 2) / 2;
            assertEquals(tri, outputs.get("a" + i));
            assertEquals(10 * tri, outputs.get("b" + i));
            assertEquals("a" + i, orderA.get(i), "one sequence's responses come back in order");
        }
    }

    /**
     * {@code sequence_lookup} has one slot and fails in the engine on an index outside [-8, 7]. A request failing in
     * the middle of a sequence leaves the state as it was; a failing END still ends the sequence, and the sequence
     * waiting in the backlog gets the slot, starting from the initial state.
     */
    @Test
    void aSequenceFailingInTheEngineLeavesNoSlotOrStateBehind() throws Exception {
        String m = "sequence_lookup";
        assertEquals(10, firstInt(stub().modelInfer(request(m, 900L, true, false, 1)), "OUTPUT"));
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class,
                () -> stub().modelInfer(request(m, 900L, false, false, 100)));
        assertEquals(Status.Code.INTERNAL, bad.getStatus().getCode(), bad.getStatus().toString());
        assertEquals(10 + 70, firstInt(stub().modelInfer(request(m, 900L, false, false, 7)), "OUTPUT"),
                "the failed request left the state as it was");
        ListenableFuture<ModelInferResponse> waiting =
                GRPCInferenceServiceGrpc.newFutureStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                        .modelInfer(request(m, 901L, true, false, 2));
        StatusRuntimeException badEnd = assertThrows(StatusRuntimeException.class,
                () -> stub().modelInfer(request(m, 900L, false, true, -100)));
        assertEquals(Status.Code.INTERNAL, badEnd.getStatus().getCode());
        assertEquals(20, firstInt(waiting.get(60, TimeUnit.SECONDS), "OUTPUT"),
                "the backlogged sequence got the freed slot and a fresh state");
        StatusRuntimeException ended = assertThrows(StatusRuntimeException.class,
                () -> stub().modelInfer(request(m, 900L, false, false, 1)));
        assertTrue(ended.getStatus().getDescription().contains("must specify the START flag"));
        assertEquals(20 + 30, firstInt(stub().modelInfer(request(m, 901L, false, true, 3)), "OUTPUT"));
        assertEquals(0, firstInt(stub().modelInfer(request(m, 902L, true, true, 0)), "OUTPUT"),
                "after both ended, a new sequence gets the slot at once");
    }

    @Test
    void oldestStrategyStartsFromTheInitialStateFile() {
        ModelInferResponse r = stub().modelInfer(request("accumulator_oldest", 5L, true, false, 1));
        assertEquals(101, firstInt(r, "OUTPUT"));
        assertEquals(101, firstInt(r, "STATE_OUT"), "a listed state output is returned");
        r = stub().modelInfer(request("accumulator_oldest", 5L, false, true, 2));
        assertEquals(103, firstInt(r, "OUTPUT"));
    }

    @Test
    void startOnARunningSequenceStartsOverFromTheInitialState() {
        stub().modelInfer(request("accumulator", 31L, true, false, 40));
        assertEquals(45, firstInt(stub().modelInfer(request("accumulator", 31L, false, false, 5)), "OUTPUT"));
        assertEquals(2, firstInt(stub().modelInfer(request("accumulator", 31L, true, false, 2)), "OUTPUT"));
        assertEquals(5, firstInt(stub().modelInfer(request("accumulator", 31L, false, true, 3)), "OUTPUT"));
    }

    @Test
    void controlInputsReachTheModelInTheirConfiguredForms() {
        ModelInferResponse first = stub().modelInfer(request("sequence_controls", 42L, true, false, 7));
        assertEquals(7 + 1000 + 10, firstInt(first, "OUTPUT"));
        assertEquals(42, firstLong(first, "CORRID_OUT"));
        ModelInferResponse middle = stub().modelInfer(request("sequence_controls", 42L, false, false, 7));
        assertEquals(7 + 10, firstInt(middle, "OUTPUT"));
        ModelInferResponse last = stub().modelInfer(request("sequence_controls", 42L, false, true, 7));
        assertEquals(7 + 100 + 10, firstInt(last, "OUTPUT"));
    }

    @Test
    void aRequestWithoutIdIsRefusedInTritonsWords() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub().modelInfer(request("accumulator", null, true, true, 1)));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("inference request to model 'accumulator' must specify a non-zero or non-empty correlation ID",
                e.getStatus().getDescription());
    }

    @Test
    void anUnknownSequenceWithoutStartIsRefused() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub().modelInfer(request("accumulator", 999_999L, false, false, 1)));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("inference request for sequence 999999 to model 'accumulator' must specify the START flag on "
                + "the first request of the sequence", e.getStatus().getDescription());
    }

    @Test
    void aSequenceIsGoneAfterItsEnd() {
        stub().modelInfer(request("accumulator", 55L, true, true, 1));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub().modelInfer(request("accumulator", 55L, false, false, 1)));
        assertTrue(e.getStatus().getDescription().contains("must specify the START flag"));
    }

    @Test
    void aStringIdOnANumericCorridIsRefused() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub().modelInfer(request("sequence_controls", "abc", true, false, 1)));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("[request id: <id_unknown>] sequence batching control 'CORRID' data-type is 'BYTES', but model "
                + "'sequence_controls' expects 'INT64'", e.getStatus().getDescription());
    }

    @Test
    void aStringIdOverOneHundredTwentyEightCharactersIsUnsupported() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub().modelInfer(request("accumulator", "x".repeat(129), true, false, 1)));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
        assertEquals("string correlation ID cannot be longer than 128 characters", e.getStatus().getDescription());
    }

    @Test
    void aUint64IdOnGrpcIsRefusedAsTritonDoes() {
        ModelInferRequest req = request("accumulator", null, true, false, 1).toBuilder()
                .putParameters("sequence_id", InferParameter.newBuilder().setUint64Param(5).build()).build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub().modelInfer(req));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("invalid value type for 'sequence_id' parameter, expected int64_param or string_param.",
                e.getStatus().getDescription());
    }

    @Test
    void aBatchOfTwoIsRefused() {
        ModelInferRequest.InferInputTensor in = ModelInferRequest.InferInputTensor.newBuilder().setName("INPUT")
                .setDatatype("INT32").addShape(2).addShape(1).build();
        ModelInferRequest req = request("accumulator", 3L, true, false, 0).toBuilder().setInputs(0, in)
                .setRawInputContents(0, ints(1, 2)).build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub().modelInfer(req));
        assertEquals("inference request to model 'accumulator' must specify batch-size 1 due to requirements of "
                + "sequence batcher", e.getStatus().getDescription());
    }

    @Test
    void restCarriesSequenceParametersToo() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + server.httpPort() + "/v2/models/accumulator/infer";
        int sum = 0;
        for (int i = 0; i < 3; i++) {
            sum += i + 4;
            String body = "{\"parameters\":{\"sequence_id\":\"rest-" + 1 + "\",\"sequence_start\":" + (i == 0)
                    + ",\"sequence_end\":" + (i == 2) + "},\"inputs\":[{\"name\":\"INPUT\",\"datatype\":\"INT32\","
                    + "\"shape\":[1,1],\"data\":[" + (i + 4) + "]}]}";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base))
                    .timeout(java.time.Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"data\":[" + sum + "]"), r.body());
        }
        String noStart = "{\"parameters\":{\"sequence_id\":12345},\"inputs\":[{\"name\":\"INPUT\",\"datatype\":"
                + "\"INT32\",\"shape\":[1,1],\"data\":[1]}]}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base))
                .timeout(java.time.Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(noStart)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, r.statusCode());
        assertEquals("{\"error\":\"inference request for sequence 12345 to model 'accumulator' must specify the "
                + "START flag on the first request of the sequence\"}", r.body());
    }

    @Test
    void restTakesAnUnsignedSixtyFourBitId() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + server.httpPort() + "/v2/models/accumulator/infer";
        String id = "18446744073709551615"; // 2^64 - 1
        for (int i = 0; i < 2; i++) {
            String body = "{\"parameters\":{\"sequence_id\":" + id + ",\"sequence_start\":" + (i == 0)
                    + "},\"inputs\":[{\"name\":\"INPUT\",\"datatype\":\"INT32\",\"shape\":[1,1],\"data\":[3]}]}";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base))
                    .timeout(java.time.Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"data\":[" + 3 * (i + 1) + "]"), r.body());
        }
    }

    /** 100 sequences at once, 8 requests each, from 16 client threads, three engines: every running sum is right. */
    @Test
    void oneHundredConcurrentSequencesAllAddUp() throws Exception {
        int sequences = 100;
        int steps = 8;
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try {
            for (Accumulator a : List.of(new Accumulator("accumulator", "INPUT", "OUTPUT"),
                    new Accumulator("accumulator_oldest", "INPUT", "OUTPUT"),
                    new Accumulator("accumulator_pt", "INPUT__0", "OUTPUT__0"),
                    new Accumulator("accumulator_tf_corrid", "INPUT", "OUTPUT"))) {
                String model = a.model();
                int base = model.equals("accumulator_oldest") ? 100 : 0;
                List<Future<?>> results = new ArrayList<>();
                for (int s = 0; s < sequences; s++) {
                    long id = 10_000 + s;
                    results.add(clients.submit(() -> {
                        int sum = base;
                        for (int i = 0; i < steps; i++) {
                            int v = (int) (id % 13) + i;
                            sum += v;
                            ModelInferResponse r = stub().modelInfer(
                                    request(model, a.input(), id, i == 0, i == steps - 1, v));
                            assertEquals(sum, firstInt(r, a.output()), model + " sequence " + id + " step " + i);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : results) {
                    f.get(120, TimeUnit.SECONDS);
                }
            }
        } finally {
            clients.shutdownNow();
            assertTrue(clients.awaitTermination(30, TimeUnit.SECONDS));
        }
    }
}
