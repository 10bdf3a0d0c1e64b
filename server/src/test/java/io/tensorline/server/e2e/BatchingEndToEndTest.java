package io.tensorline.server.e2e;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelStatistics;
import io.tensorline.proto.ModelStatisticsRequest;
import io.tensorline.proto.ServerMetadataRequest;
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
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.e2e.Tensors.floats;
import static io.tensorline.server.e2e.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dynamic batching through the whole server: 64 concurrent gRPC clients on the simulated device and on a real ONNX
 * model, each answer matching its own request, and the statistics extension and metrics showing the batches.
 */
class BatchingEndToEndTest {

    @TempDir
    static Path repo;

    private static TensorlineServer server;
    private static ManagedChannel channel;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        TestServers.copyModel(Path.of("../model-repository"), "simulated", repo, "simulated");
        TestServers.copyModel(TestServers.TEST_REPOSITORY, "add_sub", repo, "add_sub_batching");
        Path config = repo.resolve("add_sub_batching/config.pbtxt");
        String text = Files.readString(config).replace("name: \"add_sub\"", "name: \"add_sub_batching\"")
                + "\ndynamic_batching { max_queue_delay_microseconds: 500 }\n";
        Files.writeString(config, text);
        server = TensorlineServer.start(TestServers.withMetrics(repo));
        channel = TestServers.channel(server);
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.close(channel);
        server.close();
    }

    private static float[] row(int i, int width) {
        float[] r = new float[width];
        for (int k = 0; k < width; k++) {
            r[k] = i * 100 + k;
        }
        return r;
    }

    private static ModelStatistics stats(String model) {
        return stub.modelStatistics(ModelStatisticsRequest.newBuilder().setName(model).build()).getModelStats(0);
    }

    @Test
    void sixtyFourConcurrentClientsOnTheSimulatedDeviceEachGetTheirOwnRows() throws Exception {
        ModelStatistics before = stats("simulated");
        GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub async = GRPCInferenceServiceGrpc.newFutureStub(channel);
        List<ListenableFuture<ModelInferResponse>> replies = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            replies.add(async.modelInfer(ModelInferRequest.newBuilder().setModelName("simulated").setId("r" + i)
                    .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("INPUT0").setDatatype("FP32")
                            .addShape(1).addShape(16))
                    .addRawInputContents(floats(row(i, 16))).build()));
        }
        for (int i = 0; i < 64; i++) {
            ModelInferResponse r = replies.get(i).get(60, TimeUnit.SECONDS);
            assertEquals("r" + i, r.getId());
            assertArrayEquals(row(i, 16), toFloats(r.getRawOutputContents(0)));
        }
        ModelStatistics s = stats("simulated");
        long inferences = s.getInferenceCount() - before.getInferenceCount();
        long executions = s.getExecutionCount() - before.getExecutionCount();
        assertEquals(64, inferences);
        assertEquals(64, s.getInferenceStats().getSuccess().getCount() - before.getInferenceStats().getSuccess().getCount());
        assertTrue(executions < inferences, "executions " + executions + " should be fewer than inferences " + inferences);
        assertTrue(s.getBatchStatsList().stream().anyMatch(b -> b.getBatchSize() > 1), s.toString());
    }

    @Test
    void aRealOnnxModelBatchesAndEveryAnswerMatchesItsRequest() throws Exception {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub async = GRPCInferenceServiceGrpc.newFutureStub(channel);
        List<ListenableFuture<ModelInferResponse>> replies = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            int rows = 1 + i % 3;
            float[] a = new float[rows * 4];
            float[] b = new float[rows * 4];
            for (int k = 0; k < a.length; k++) {
                a[k] = i;
                b[k] = k;
            }
            replies.add(async.modelInfer(Tensors.addSub("add_sub_batching", "1", a, b)));
        }
        for (int i = 0; i < 64; i++) {
            int rows = 1 + i % 3;
            ModelInferResponse r = replies.get(i).get(60, TimeUnit.SECONDS);
            assertEquals(List.of((long) rows, 4L), r.getOutputs(0).getShapeList());
            float[] sum = toFloats(r.getRawOutputContents(0));
            float[] diff = toFloats(r.getRawOutputContents(1));
            for (int k = 0; k < sum.length; k++) {
                assertEquals(i + k, sum[k], 1e-6);
                assertEquals(i - k, diff[k], 1e-6);
            }
        }
        ModelStatistics s = stub.modelStatistics(ModelStatisticsRequest.newBuilder().setName("add_sub_batching")
                .setVersion("1").build()).getModelStats(0);
        assertEquals(64, s.getInferenceStats().getSuccess().getCount());
        assertTrue(s.getExecutionCount() < 64, s.toString());
    }

    @Test
    void serverMetadataListsStatistics() {
        assertTrue(stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getExtensionsList()
                .contains("statistics"));
    }

    @Test
    void restStatisticsAndPrometheusMetricsReportTheModel() throws Exception {
        stub.modelInfer(ModelInferRequest.newBuilder().setModelName("simulated")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("INPUT0").setDatatype("FP32")
                        .addShape(1).addShape(16))
                .addRawInputContents(floats(row(1, 16))).build());
        HttpResponse<String> stats = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.httpPort() + "/v2/models/simulated/stats")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, stats.statusCode());
        assertTrue(stats.body().contains("\"model_stats\""), stats.body());
        assertTrue(stats.body().contains("\"inference_stats\""), stats.body());
        assertTrue(stats.body().contains("\"batch_stats\""), stats.body());
        HttpResponse<String> unknown = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.httpPort() + "/v2/models/nope/stats")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, unknown.statusCode());
        HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());
        String body = metrics.body();
        for (String name : List.of("nv_inference_request_success{model=\"simulated\",version=\"1\"}",
                "nv_inference_request_failure{model=\"simulated\",reason=\"REJECTED\",version=\"1\"}",
                "nv_inference_count{model=\"simulated\",version=\"1\"}",
                "nv_inference_exec_count{model=\"simulated\",version=\"1\"}",
                "nv_inference_request_duration_us{", "nv_inference_queue_duration_us{",
                "nv_inference_compute_input_duration_us{", "nv_inference_compute_infer_duration_us{",
                "nv_inference_compute_output_duration_us{", "nv_inference_pending_request_count{",
                "tensorline_inference_request_duration_us_bucket{", "tensorline_inference_batch_size_bucket{")) {
            assertTrue(body.contains(name), name + " missing in:\n" + body);
        }
    }
}
