package io.tensorline.server.e2e;

import io.grpc.ManagedChannel;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelStatistics;
import io.tensorline.proto.ModelStatisticsRequest;
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
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.e2e.Tensors.floats;
import static io.tensorline.server.e2e.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --cache-config local,size=N} with the ONNX add_sub model twice: once with {@code response_cache} on
 * ({@code add_sub_cached}) and once without ({@code add_sub}), over real gRPC and the metrics endpoint.
 */
class ResponseCacheEndToEndTest {

    @TempDir
    static Path repo;

    private static TensorlineServer server;
    private static ManagedChannel channel;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

    @BeforeAll
    static void start() throws Exception {
        TestServers.copyModel(TestServers.TEST_REPOSITORY, "add_sub", repo, "add_sub");
        TestServers.copyModel(TestServers.TEST_REPOSITORY, "add_sub", repo, "add_sub_cached");
        Path config = repo.resolve("add_sub_cached/config.pbtxt");
        Files.writeString(config, Files.readString(config).replace("name: \"add_sub\"", "name: \"add_sub_cached\"")
                + "\nresponse_cache { enable: true }\n");
        server = TensorlineServer.start(TestServers.withMetrics(repo).withCacheBytes(1 << 20));
        channel = TestServers.channel(server);
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.close(channel);
        server.close();
    }

    private static ModelInferResponse infer(String model, float a) {
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(model).setModelVersion("1");
        for (String name : new String[] {"INPUT0", "INPUT1"}) {
            b.addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(name).setDatatype("FP32")
                    .addShape(1).addShape(4));
        }
        b.addRawInputContents(floats(a, a + 1, a + 2, a + 3)).addRawInputContents(floats(1, 1, 1, 1));
        return stub.withDeadlineAfter(60, TimeUnit.SECONDS).modelInfer(b.build());
    }

    private static ModelStatistics stats(String model) {
        return stub.withDeadlineAfter(60, TimeUnit.SECONDS).modelStatistics(ModelStatisticsRequest.newBuilder()
                .setName(model).setVersion("1").build()).getModelStats(0);
    }

    /**
     * A request's success is counted just after its answer leaves (the scheduler records it once its future is
     * completed), so wait, bounded, until the last answers are counted.
     */
    private static ModelStatistics settledStats(String model, long successes) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        ModelStatistics s = stats(model);
        while (s.getInferenceStats().getSuccess().getCount() < successes && System.nanoTime() < until) {
            Thread.sleep(10);
            s = stats(model);
        }
        return s;
    }

    @Test
    void aRepeatedRequestIsAHitWithTheSameOutputsAndNoExecution() throws Exception {
        for (int i = 0; i < 3; i++) {
            ModelInferResponse r = infer("add_sub_cached", 10);
            assertArrayEquals(new float[] {11, 12, 13, 14}, toFloats(r.getRawOutputContents(0)));
            assertArrayEquals(new float[] {9, 10, 11, 12}, toFloats(r.getRawOutputContents(1)));
        }
        assertArrayEquals(new float[] {21, 22, 23, 24}, toFloats(infer("add_sub_cached", 20).getRawOutputContents(0)));
        ModelStatistics s = settledStats("add_sub_cached", 4);
        assertEquals(2, s.getInferenceStats().getCacheHit().getCount());
        assertEquals(2, s.getInferenceStats().getCacheMiss().getCount());
        assertEquals(2, s.getExecutionCount(), "hits do not run the model");
        assertEquals(4, s.getInferenceStats().getSuccess().getCount());

        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        String body = metrics.body();
        assertTrue(body.contains("nv_cache_num_hits_per_model{model=\"add_sub_cached\",version=\"1\"} 2"), body);
        assertTrue(body.contains("nv_cache_num_misses_per_model{model=\"add_sub_cached\",version=\"1\"} 2"), body);
        assertTrue(body.contains("nv_cache_hit_duration_per_model{model=\"add_sub_cached\""), body);
        assertTrue(body.contains("nv_cache_miss_duration_per_model{model=\"add_sub_cached\""), body);
        assertTrue(!body.contains("nv_cache_num_hits_per_model{model=\"add_sub\""),
                "a model without response_cache has no cache metrics");
    }

    @Test
    void aModelWithoutResponseCacheAlwaysRuns() throws Exception {
        infer("add_sub", 5);
        infer("add_sub", 5);
        ModelStatistics s = settledStats("add_sub", 2);
        assertEquals(0, s.getInferenceStats().getCacheHit().getCount());
        assertEquals(2, s.getExecutionCount());
    }
}
