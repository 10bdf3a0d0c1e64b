package io.tensorline.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.InferBatchStatistics;
import io.tensorline.proto.InferStatistics;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelStatistics;
import io.tensorline.proto.ModelStatisticsRequest;
import io.tensorline.proto.StatisticDuration;
import io.tensorline.server.cli.TensorlineServer;
import io.tensorline.server.repository.ModelRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static io.tensorline.server.e2e.Tensors.floats;
import static io.tensorline.server.e2e.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ensemble statistics as Triton keeps them, over gRPC and REST: the ensemble's own entry (one execution per request,
 * its queue and compute times the sums over the composing models' requests) beside each composing model's entry;
 * and an ensemble whose middle step fails in the engine, which leaves nothing in flight.
 *
 * <p>{@code mlp_pipeline}'s composing models get no traffic but the ensemble's, so their entries add up to the
 * ensemble's exactly. {@code lookup_chain} runs {@code identity_int64 -> lookup -> identity_fp32} beside a branch
 * {@code branch_fp32}; {@code lookup} (the faulty repository's Gather) fails on an index outside [-8, 7].
 */
class EnsembleStatisticsEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path repo;

    private static TensorlineServer server;
    private static ManagedChannel channel;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

    @BeforeAll
    static void start() throws Exception {
        EnsembleEndToEndTest.copyPipeline(repo);
        TestServers.copyModel(TestServers.TEST_REPOSITORY, "identity_int64", repo, "identity_int64");
        TestServers.copyModel(TestServers.TEST_REPOSITORY, "identity_fp32", repo, "identity_fp32");
        model("branch_fp32", TestServers.TEST_REPOSITORY.resolve("identity_fp32/1/model.onnx"), "INPUT0", "OUTPUT0",
                "TYPE_FP32", "TYPE_FP32", "-1");
        model("lookup", Path.of("src/test/resources/faulty-repository/gather_lookup/1/model.onnx"), "INPUT0",
                "OUTPUT0", "TYPE_INT64", "TYPE_FP32", "1");
        Files.createDirectories(repo.resolve("lookup_chain/1"));
        Files.writeString(repo.resolve("lookup_chain/config.pbtxt"), """
                name: "lookup_chain"
                platform: "ensemble"
                max_batch_size: 4
                input [ { name: "IDX" data_type: TYPE_INT64 dims: [ 1 ] },
                        { name: "X" data_type: TYPE_FP32 dims: [ 1 ] } ]
                output [ { name: "OUT" data_type: TYPE_FP32 dims: [ 1 ] },
                         { name: "XOUT" data_type: TYPE_FP32 dims: [ 1 ] } ]
                ensemble_scheduling { step [
                  { model_name: "identity_int64" model_version: -1
                    input_map { key: "INPUT0" value: "IDX" } output_map { key: "OUTPUT0" value: "idx" } },
                  { model_name: "lookup" model_version: -1
                    input_map { key: "INPUT0" value: "idx" } output_map { key: "OUTPUT0" value: "looked" } },
                  { model_name: "identity_fp32" model_version: -1
                    input_map { key: "INPUT0" value: "looked" } output_map { key: "OUTPUT0" value: "OUT" } },
                  { model_name: "branch_fp32" model_version: -1
                    input_map { key: "INPUT0" value: "X" } output_map { key: "OUTPUT0" value: "XOUT" } }
                ] }
                """);
        server = TensorlineServer.start(TestServers.options(repo, true, 64 * 1024 * 1024));
        channel = TestServers.channel(server);
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    }

    private static void model(String name, Path file, String in, String out, String inType, String outType,
                              String dims) throws Exception {
        Files.createDirectories(repo.resolve(name).resolve("1"));
        Files.copy(file, repo.resolve(name).resolve("1/model.onnx"));
        Files.writeString(repo.resolve(name).resolve("config.pbtxt"), "name: \"" + name + "\"\n"
                + "platform: \"onnxruntime_onnx\"\nmax_batch_size: 8\n"
                + "input [ { name: \"" + in + "\" data_type: " + inType + " dims: [ " + dims + " ] } ]\n"
                + "output [ { name: \"" + out + "\" data_type: " + outType + " dims: [ " + dims + " ] } ]\n");
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.close(channel);
        server.close();
    }

    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub() {
        return stub.withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static ModelStatistics stats(String model) {
        return stub().modelStatistics(ModelStatisticsRequest.newBuilder().setName(model).build()).getModelStats(0);
    }

    @Test
    void theEnsembleEntryCountsItsRequestsAndSumsItsComposingModelsTimes() throws Exception {
        int requests = 3;
        for (int i = 0; i < requests; i++) {
            ModelInferResponse r = stub().modelInfer(ModelInferRequest.newBuilder().setModelName("mlp_pipeline")
                    .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("RAW").setDatatype("FP32")
                            .addShape(1).addShape(4))
                    .addRawInputContents(floats(12, 24, 35, 50 + i)).build());
            assertEquals(3, toFloats(r.getRawOutputContents(0)).length);
        }
        ModelStatistics ensemble = settled("mlp_pipeline", requests);
        ModelStatistics pre = settled("preprocess_scale", requests);
        ModelStatistics mlp = settled("mlp", requests);
        InferStatistics e = ensemble.getInferenceStats();
        assertEquals(requests, e.getSuccess().getCount());
        assertEquals(0, e.getFail().getCount());
        assertEquals(requests, ensemble.getExecutionCount(), "one execution per ensemble request");
        assertEquals(requests, ensemble.getInferenceCount());
        assertEquals(requests, pre.getInferenceStats().getSuccess().getCount(), "each composing model has its entry");
        assertEquals(requests, mlp.getInferenceStats().getSuccess().getCount());

        InferStatistics p = pre.getInferenceStats();
        InferStatistics m = mlp.getInferenceStats();
        assertSum("queue", e.getQueue(), p.getQueue(), m.getQueue());
        assertSum("compute_input", e.getComputeInput(), p.getComputeInput(), m.getComputeInput());
        assertSum("compute_infer", e.getComputeInfer(), p.getComputeInfer(), m.getComputeInfer());
        assertSum("compute_output", e.getComputeOutput(), p.getComputeOutput(), m.getComputeOutput());
        assertTrue(e.getComputeInfer().getNs() > 0);
        assertTrue(e.getSuccess().getNs() >= e.getComputeInfer().getNs(), "a request lasts longer than its steps' "
                + "inference");

        assertEquals(1, ensemble.getBatchStatsCount(), "batch statistics keyed by the request's batch size");
        InferBatchStatistics batch = ensemble.getBatchStats(0);
        assertEquals(1, batch.getBatchSize());
        assertEquals(requests, batch.getComputeInfer().getCount());
        assertEquals(e.getComputeInfer().getNs(), batch.getComputeInfer().getNs());

        JsonNode rest = restStats("mlp_pipeline").path("model_stats").path(0);
        assertEquals("mlp_pipeline", rest.path("name").asText());
        assertEquals(requests, rest.path("execution_count").asLong());
        JsonNode restInference = rest.path("inference_stats");
        assertEquals(requests, restInference.path("success").path("count").asLong());
        assertEquals(e.getQueue().getNs(), restInference.path("queue").path("ns").asLong());
        assertEquals(e.getComputeInfer().getNs(), restInference.path("compute_infer").path("ns").asLong());
        assertEquals(e.getComputeInput().getNs(), restInference.path("compute_input").path("ns").asLong());
        assertEquals(e.getComputeOutput().getNs(), restInference.path("compute_output").path("ns").asLong());
        JsonNode all = restStats(null).path("model_stats");
        List<String> names = new ArrayList<>();
        all.forEach(n -> names.add(n.path("name").asText()));
        assertTrue(names.containsAll(List.of("mlp_pipeline", "preprocess_scale", "mlp")), names.toString());
    }

    /**
     * The statistics once {@code successes} requests are counted as answered: a success is counted just after its
     * answer is handed over (its durations before), so the client can read them a moment early. Bounded.
     */
    private static ModelStatistics settled(String model, long successes) throws InterruptedException {
        return settled(model, s -> s.getInferenceStats().getSuccess().getCount() >= successes);
    }

    /** The statistics once {@code done} holds for them (a failure is counted just after its answer too). */
    private static ModelStatistics settled(String model, Predicate<ModelStatistics> done)
            throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        ModelStatistics s = stats(model);
        while (!done.test(s) && System.nanoTime() < until) {
            Thread.sleep(5);
            s = stats(model);
        }
        return s;
    }

    private static void assertSum(String what, StatisticDuration ensemble, StatisticDuration... composing) {
        long ns = 0;
        for (StatisticDuration d : composing) {
            ns += d.getNs();
        }
        assertEquals(ns, ensemble.getNs(), what + ": the ensemble's time is the sum of its composing models'");
        assertEquals(composing[0].getCount(), ensemble.getCount(), what + ": counted once per ensemble request");
    }

    private static JsonNode restStats(String model) throws Exception {
        String path = model == null ? "/v2/models/stats" : "/v2/models/" + model + "/stats";
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.httpPort() + path)).timeout(Duration.ofSeconds(60))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static ModelInferRequest chain(long index, float x) {
        ByteBuffer idx = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(index).flip();
        return ModelInferRequest.newBuilder().setModelName("lookup_chain")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("IDX").setDatatype("INT64")
                        .addShape(1).addShape(1))
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("X").setDatatype("FP32")
                        .addShape(1).addShape(1))
                .addRawInputContents(ByteString.copyFrom(idx))
                .addRawInputContents(floats(x)).build();
    }

    @Test
    void aStepFailingInTheMiddleOfTheGraphLeavesNothingInFlight() throws Exception {
        ModelInferResponse ok = stub().modelInfer(chain(2, 1.5f));
        assertArrayEquals(new float[] {20.5f}, toFloats(ok.getRawOutputContents(0)), "TABLE[2] through the chain");
        long lastStepBefore = settled("identity_fp32", 1).getExecutionCount();

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub().modelInfer(chain(100, 2.5f)));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("in ensemble 'lookup_chain', "),
                e.getStatus().getDescription());
        assertTrue(e.getStatus().getDescription().contains("lookup"), e.getStatus().getDescription());

        ModelRegistry registry = server.core().registry();
        for (String m : List.of("lookup_chain", "identity_int64", "lookup", "identity_fp32", "branch_fp32")) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (registry.resolve(m, "").inFlight() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5); // a branch step may still be answering; bounded
            }
            assertEquals(0, registry.resolve(m, "").inFlight(), m + " has nothing in flight");
        }
        assertEquals(lastStepBefore, stats("identity_fp32").getExecutionCount(),
                "the step after the failed one never ran (an execution is counted before its answer)");
        assertEquals(1, settled("lookup", st -> st.getInferenceStats().getFail().getCount() >= 1)
                .getInferenceStats().getFail().getCount());
        assertEquals(1, settled("lookup_chain", st -> st.getInferenceStats().getFail().getCount() >= 1)
                .getInferenceStats().getFail().getCount());

        ModelInferResponse after = stub().modelInfer(chain(-1, 3.5f)); // the ensemble still serves
        assertArrayEquals(new float[] {70.5f}, toFloats(after.getRawOutputContents(0)));
        assertArrayEquals(new float[] {3.5f}, toFloats(after.getRawOutputContents(1)));
    }
}
