package io.tensorline.server.e2e;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.InferParameter;
import io.tensorline.proto.InferTensorContents;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.e2e.Tensors.floats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One test per row of docs/errors.md: Triton's text and status for each condition, over real sockets, with the
 * generated gRPC stubs and the JDK's HTTP client.
 */
class TritonErrorTextsTest {

    private static final String NOTE = "NOTE: Setting a non-zero max_batch_size in the model config requires a batch "
            + "dimension to be prepended to each input shape. If you want to specify the full shape including the "
            + "batch dim in your input dims config, try setting max_batch_size to zero. See the model configuration "
            + "docs for more info on max_batch_size.";

    @TempDir
    static Path repository;
    @TempDir
    static Path services;
    private static LiveServer live;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceStub async;

    @BeforeAll
    static void start() throws Exception {
        TestServers.copyModel(TestServers.TEST_REPOSITORY, "add_sub", repository, "add_sub");
        model("slow_queue", "max_queue_size: 1");
        model("slow_timeout", "default_timeout_microseconds: 60000000 allow_timeout_override: true");
        // the gated engine is offered to this server's engine lookup only
        Thread self = Thread.currentThread();
        ClassLoader before = self.getContextClassLoader();
        self.setContextClassLoader(GatedEngineProvider.offeredTo(services, before));
        try {
            live = LiveServer.start(repository);
        } finally {
            self.setContextClassLoader(before);
        }
        stub = live.stub;
        async = live.async;
    }

    @AfterAll
    static void stop() throws Exception {
        live.close();
    }

    /** A gated model (backend "gated") of one instance with no batching. */
    private static void model(String name, String queuePolicy) throws Exception {
        Path dir = Files.createDirectories(repository.resolve(name).resolve("1"));
        Files.writeString(dir.resolve("model.gated"), "");
        // its load goes through at once; its executions wait at the gate a test closes
        Files.writeString(repository.resolve(name).resolve(GatedEngineProvider.RELEASE), "release");
        Files.writeString(repository.resolve(name).resolve("config.pbtxt"), "name: \"" + name + "\"\n"
                + "backend: \"" + GatedEngineProvider.BACKEND + "\"\nmax_batch_size: 1\n"
                + "input [ { name: \"INPUT0\" data_type: TYPE_FP32 dims: [ 16 ] } ]\n"
                + "output [ { name: \"OUTPUT0\" data_type: TYPE_FP32 dims: [ 16 ] } ]\n"
                + "instance_group [ { count: 1 kind: KIND_CPU } ]\n"
                + "dynamic_batching { default_queue_policy { " + queuePolicy + " } }\n");
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private static ModelInferRequest.InferInputTensor.Builder input(String name, String type, long... shape) {
        return LiveServer.input(name, type, shape);
    }

    private static ModelInferRequest.Builder addSub(String model, String version, long[] shape0, int bytes0) {
        return ModelInferRequest.newBuilder().setModelName(model).setModelVersion(version)
                .addInputs(input("INPUT0", "FP32", shape0)).addInputs(input("INPUT1", "FP32", 1, 4))
                .addRawInputContents(com.google.protobuf.ByteString.copyFrom(new byte[bytes0]))
                .addRawInputContents(floats(1, 2, 3, 4));
    }

    private static ModelInferRequest.Builder addSub(String model, String version) {
        return addSub(model, version, new long[] {1, 4}, 16);
    }

    private static Status grpcError(ModelInferRequest request) {
        return assertThrows(StatusRuntimeException.class, () -> stub.modelInfer(request)).getStatus();
    }

    private static String tensor(String name, String type, String shape, String data) {
        return "{\"name\":\"" + name + "\",\"datatype\":\"" + type + "\",\"shape\":" + shape + ",\"data\":" + data + "}";
    }

    private static String addSubJson(String input0) {
        return "{\"inputs\":[" + input0 + "," + tensor("INPUT1", "FP32", "[1,4]", "[1,2,3,4]") + "]}";
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return live.post(path, body);
    }

    private static String error(HttpResponse<String> r) throws Exception {
        return LiveServer.error(r);
    }

    private static void assertGrpc(Status.Code code, String text, ModelInferRequest request) {
        Status s = grpcError(request);
        assertEquals(code, s.getCode(), s.toString());
        assertEquals(text, s.getDescription());
    }

    private static void assertGrpcStarts(Status.Code code, String text, ModelInferRequest request) {
        Status s = grpcError(request);
        assertEquals(code, s.getCode(), s.toString());
        assertTrue(s.getDescription().startsWith(text), s.getDescription());
    }

    private static void assertHttp(int status, String text, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals(text, error(r));
    }

    private static void assertHttpStarts(int status, String text, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(error(r).startsWith(text), error(r));
    }

    private static final String GOOD0 = tensor("INPUT0", "FP32", "[1,4]", "[1,2,3,4]");

    // ---- one test per row of docs/errors.md ------------------------------------------------------------------

    @Test
    void unknownModel() throws Exception {
        assertGrpc(Status.Code.NOT_FOUND, "Request for unknown model: 'nope' is not found",
                addSub("nope", "").build());
        assertHttp(404, "Request for unknown model: 'nope' is not found",
                post("/v2/models/nope/infer", addSubJson(GOOD0)));
    }

    @Test
    void unknownVersion() throws Exception {
        String text = "Request for unknown model: 'add_sub' version 7 is not found";
        assertGrpcStarts(Status.Code.NOT_FOUND, text, addSub("add_sub", "7").build());
        assertHttpStarts(404, text, post("/v2/models/add_sub/versions/7/infer", addSubJson(GOOD0)));
    }

    @Test
    void versionNotAnInteger() throws Exception {
        String text = "failed to get model version from specified version string 'x1' (details: stol), version "
                + "should be an integral value > 0";
        assertGrpc(Status.Code.INVALID_ARGUMENT, text, addSub("add_sub", "x1").build());
        assertHttp(400, text, post("/v2/models/add_sub/versions/x1/infer", addSubJson(GOOD0)));
    }

    @Test
    void negativeVersion() throws Exception {
        String text = "invalid model version specified '-3' , version should be an integral value > 0";
        assertGrpc(Status.Code.INVALID_ARGUMENT, text, addSub("add_sub", "-3").build());
        assertHttp(400, text, post("/v2/models/add_sub/versions/-3/infer", addSubJson(GOOD0)));
    }

    @Test
    void wrongDatatype() throws Exception {
        String text = "[request id: r1] inference input 'INPUT0' data-type is 'INT32', but model 'add_sub' expects "
                + "'FP32'";
        ModelInferRequest.Builder g = addSub("add_sub", "").setId("r1");
        g.getInputsBuilder(0).setDatatype("INT32");
        assertGrpc(Status.Code.INVALID_ARGUMENT, text, g.build());
        assertHttp(400, text, post("/v2/models/add_sub/infer", "{\"id\":\"r1\"," + addSubJson(
                tensor("INPUT0", "INT32", "[1,4]", "[1,2,3,4]")).substring(1)));
    }

    @Test
    void wrongShape() throws Exception {
        String text = "[request id: <id_unknown>] unexpected shape for input 'INPUT0' for model 'add_sub'. Expected "
                + "[-1,4], got [1,2]. " + NOTE;
        assertGrpc(Status.Code.INVALID_ARGUMENT, text, addSub("add_sub", "", new long[] {1, 2}, 8).build());
        assertHttp(400, text, post("/v2/models/add_sub/infer", addSubJson(tensor("INPUT0", "FP32", "[1,2]", "[1,2]"))));
    }

    @Test
    void byteSizeMismatch() throws Exception {
        String text = "[request id: <id_unknown>] input byte size mismatch for input 'INPUT0' for model 'add_sub'. "
                + "Expected 16, got 12";
        assertGrpc(Status.Code.INVALID_ARGUMENT, text, addSub("add_sub", "", new long[] {1, 4}, 12).build());
        String json = "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[1,4],"
                + "\"parameters\":{\"binary_data_size\":12}}," + tensor("INPUT1", "FP32", "[1,4]", "[1,2,3,4]") + "]}";
        byte[] head = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] body = java.util.Arrays.copyOf(head, head.length + 12);
        HttpResponse<String> r = live.http.send(live.request("/v2/models/add_sub/infer")
                .header("Inference-Header-Content-Length", Integer.toString(head.length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertHttp(400, text, r);
    }

    @Test
    void batchTooLarge() throws Exception {
        String text = "[request id: <id_unknown>] inference request batch-size must be <= 8 for 'add_sub'";
        float[] nine = new float[36];
        ModelInferRequest g = ModelInferRequest.newBuilder().setModelName("add_sub")
                .addInputs(input("INPUT0", "FP32", 9, 4)).addInputs(input("INPUT1", "FP32", 9, 4))
                .addRawInputContents(floats(nine)).addRawInputContents(floats(nine)).build();
        assertGrpcStarts(Status.Code.INVALID_ARGUMENT, text, g);
        String data = "[" + "0,".repeat(35) + "0]";
        assertHttpStarts(400, text, post("/v2/models/add_sub/infer", "{\"inputs\":["
                + tensor("INPUT0", "FP32", "[9,4]", data) + "," + tensor("INPUT1", "FP32", "[9,4]", data) + "]}"));
    }

    @Test
    void contentsMixedWithRaw() throws Exception {
        ModelInferRequest.Builder g = addSub("add_sub", "");
        g.getInputsBuilder(0).setContents(InferTensorContents.newBuilder().addFp32Contents(1).addFp32Contents(2)
                .addFp32Contents(3).addFp32Contents(4));
        assertGrpc(Status.Code.INVALID_ARGUMENT, "contents field must not be specified when using raw_input_contents "
                + "for 'INPUT0' for model 'add_sub'", g.build());
        // HTTP's counterpart: both 'data' and binary_data_size
        String json = "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,2,3,4],"
                + "\"parameters\":{\"binary_data_size\":16}}," + tensor("INPUT1", "FP32", "[1,4]", "[1,2,3,4]") + "]}";
        assertHttpStarts(400, "Input must set only one of the following fields: 'data', 'binary_data_size' in "
                + "'parameters', 'shared_memory_region' in 'parameters'. But set 'data' 'binary_data_size'",
                post("/v2/models/add_sub/infer", json));
    }

    @Test
    void noDataForAnInput() throws Exception {
        ModelInferRequest g = ModelInferRequest.newBuilder().setModelName("add_sub")
                .addInputs(input("INPUT0", "FP32", 1, 4)).addInputs(input("INPUT1", "FP32", 1, 4))
                .addRawInputContents(floats(1, 2, 3, 4)).build();
        assertGrpcStarts(Status.Code.INVALID_ARGUMENT, "unable to find data for input tensor 'INPUT1' for model "
                + "'add_sub' in request.", g);
        assertHttpStarts(400, "Input must set only one of the following fields: 'data', 'binary_data_size' in "
                + "'parameters', 'shared_memory_region' in 'parameters'. But no field is set",
                post("/v2/models/add_sub/infer", "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\","
                        + "\"shape\":[1,4]}," + tensor("INPUT1", "FP32", "[1,4]", "[1,2,3,4]") + "]}"));
    }

    @Test
    void queueFull() throws Exception {
        // the one instance held at its gate by q0 and room for one waiting request: of three more sent at once,
        // one waits (and runs once the gate opens) and two are refused, whatever the machine's load
        assertTwoRefused(behindTheGate("slow_queue", 3, 2, TritonErrorTextsTest::grpcSend, 0), "UNAVAILABLE");
        assertTwoRefused(behindTheGate("slow_queue", 3, 2, TritonErrorTextsTest::httpSend, 0), "503");
    }

    private static void assertTwoRefused(List<String> outcomes, String code) {
        assertEquals("OK", outcomes.get(0), outcomes.toString());
        List<String> others = outcomes.subList(1, outcomes.size());
        String refused = code + " \\[request id: q\\d] Exceeds maximum queue size.*";
        assertEquals(2, others.stream().filter(m -> m.matches(refused)).count(), outcomes.toString());
        assertEquals(1, others.stream().filter("OK"::equals).count(), outcomes.toString());
    }

    @Test
    void queueTimeout() throws Exception {
        // the one instance held at its gate by q0: the two sent after it with a 1 µs timeout expire while they wait
        assertBothExpired(behindTheGate("slow_timeout", 2, 2, TritonErrorTextsTest::grpcSend, 1), "UNAVAILABLE");
        assertBothExpired(behindTheGate("slow_timeout", 2, 2, TritonErrorTextsTest::httpSend, 1), "503");
    }

    private static void assertBothExpired(List<String> outcomes, String code) {
        assertEquals("OK", outcomes.get(0), outcomes.toString());
        assertTrue(outcomes.subList(1, 3).stream().allMatch(m -> m.startsWith(code + " Request timeout expired")),
                outcomes.toString());
    }

    /** Sends one request; its outcome is "OK" or "<code> <message>". */
    @FunctionalInterface
    private interface Sender {
        CompletableFuture<String> send(String model, String id, long timeoutMicros);
    }

    /**
     * Closes the model's gate, sends q0 and waits until it executes, so that its one instance stays busy; then
     * sends q1 to q{@code others} at once (with the queue timeout {@code timeoutMicros} when it is not 0), waits
     * until {@code answered} of them have their outcome, opens the gate and returns every outcome, q0's first.
     */
    private static List<String> behindTheGate(String model, int others, int answered, Sender sender,
                                              long timeoutMicros) throws Exception {
        GatedEngineProvider.Gate gate = GatedEngineProvider.executions(model);
        List<CompletableFuture<String>> outcomes = new ArrayList<>();
        gate.close();
        try {
            outcomes.add(sender.send(model, "q0", 0));
            gate.awaitExecuting();
            CountDownLatch done = new CountDownLatch(answered);
            for (int i = 1; i <= others; i++) {
                CompletableFuture<String> f = sender.send(model, "q" + i, timeoutMicros);
                f.whenComplete((m, e) -> done.countDown());
                outcomes.add(f);
            }
            assertTrue(done.await(60, TimeUnit.SECONDS), "fewer than " + answered + " answered while q0 ran");
        } finally {
            gate.open();
        }
        List<String> out = new ArrayList<>();
        for (CompletableFuture<String> f : outcomes) {
            out.add(f.get(60, TimeUnit.SECONDS));
        }
        return out;
    }

    private static CompletableFuture<String> grpcSend(String model, String id, long timeoutMicros) {
        CompletableFuture<String> f = new CompletableFuture<>();
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(model).setId(id)
                .addInputs(input("INPUT0", "FP32", 1, 16)).addRawInputContents(floats(new float[16]));
        if (timeoutMicros > 0) {
            request.putParameters("timeout", InferParameter.newBuilder().setInt64Param(timeoutMicros).build());
        }
        async.modelInfer(request.build(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(ModelInferResponse value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        Status s = Status.fromThrowable(t);
                        f.complete(s.getCode() + " " + s.getDescription());
                    }

                    @Override
                    public void onCompleted() {
                        f.complete("OK");
                    }
                });
        return f;
    }

    private static CompletableFuture<String> httpSend(String model, String id, long timeoutMicros) {
        String data = "[" + "0,".repeat(15) + "0]";
        String parameters = timeoutMicros > 0 ? "\"parameters\":{\"timeout\":" + timeoutMicros + "}," : "";
        return live.http.sendAsync(live.request("/v2/models/" + model + "/infer")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"" + id + "\"," + parameters
                                + "\"inputs\":[" + tensor("INPUT0", "FP32", "[1,16]", data) + "]}")).build(),
                HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> {
                    try {
                        return r.statusCode() == 200 ? "OK" : r.statusCode() + " " + error(r);
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                });
    }
}
