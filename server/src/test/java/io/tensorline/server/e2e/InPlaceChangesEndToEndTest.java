package io.tensorline.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelConfigRequest;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelRepositoryParameter;
import io.tensorline.proto.ModelStatisticsRequest;
import io.tensorline.proto.RepositoryModelLoadRequest;
import io.tensorline.server.cli.ModelControlOptions;
import io.tensorline.server.cli.TensorlineServer;
import io.tensorline.server.repository.ModelControlMode;
import io.tensorline.server.repository.ModelVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import static io.tensorline.server.e2e.Tensors.floats;
import static io.tensorline.server.e2e.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The ONNX model {@code simple} grows from 1 to 3 instances, changes its queue delay, and shrinks back to 1
 * instance (a gRPC load with a config override, a REST load with one, then a config.pbtxt edit and a plain load)
 * while gRPC and REST clients keep sending requests: every request is answered with the right sums, the version
 * object never changes (nothing reloads), the served config shows each new setting, and the statistics count
 * every request once.
 */
class InPlaceChangesEndToEndTest {

    private static final int CLIENTS_PER_TRANSPORT = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path repo;

    private static String pbtxt(int instances, int delayUs) {
        return """
                name: "simple"
                platform: "onnxruntime_onnx"
                max_batch_size: 8
                input [ { name: "INPUT0", data_type: TYPE_FP32, dims: [ 16 ] },
                        { name: "INPUT1", data_type: TYPE_FP32, dims: [ 16 ] } ]
                output [ { name: "OUTPUT0", data_type: TYPE_FP32, dims: [ 16 ] },
                         { name: "OUTPUT1", data_type: TYPE_FP32, dims: [ 16 ] } ]
                instance_group [ { count: %d, kind: KIND_CPU } ]
                dynamic_batching { max_queue_delay_microseconds: %d }
                """.formatted(instances, delayUs);
    }

    private static String json(int instances, int delayUs) {
        return """
                {"name": "simple", "platform": "onnxruntime_onnx", "max_batch_size": 8,
                 "input": [{"name": "INPUT0", "data_type": "TYPE_FP32", "dims": [16]},
                           {"name": "INPUT1", "data_type": "TYPE_FP32", "dims": [16]}],
                 "output": [{"name": "OUTPUT0", "data_type": "TYPE_FP32", "dims": [16]},
                            {"name": "OUTPUT1", "data_type": "TYPE_FP32", "dims": [16]}],
                 "instance_group": [{"count": %d, "kind": "KIND_CPU"}],
                 "dynamic_batching": {"max_queue_delay_microseconds": %d}}""".formatted(instances, delayUs);
    }

    private static float[] row(long id) {
        float[] r = new float[16];
        for (int k = 0; k < 16; k++) {
            r[k] = (id % 1000) + k;
        }
        return r;
    }

    private static float[] twice(float[] r) {
        float[] out = new float[r.length];
        for (int k = 0; k < r.length; k++) {
            out[k] = 2 * r[k];
        }
        return out;
    }

    @Test
    void instancesGrowAndShrinkAndTheDelayChangesWhileClientsRunWithoutAReload() throws Exception {
        TestServers.copyModel(Path.of("../model-repository"), "simple", repo, "simple");
        Path configFile = repo.resolve("simple/config.pbtxt");
        Files.writeString(configFile, pbtxt(1, 0));
        try (TensorlineServer server = TensorlineServer.start(TestServers.options(repo, true, 64 * 1024 * 1024)
                .withModelControl(new ModelControlOptions(List.of(repo), ModelControlMode.EXPLICIT,
                        List.of("simple"), 0, 2, true, "")))) {
            ModelVersion served = server.core().registry().resolve("simple", "1");
            ManagedChannel channel = TestServers.channel(server);
            ExecutorService clients = Executors.newFixedThreadPool(2 * CLIENTS_PER_TRANSPORT);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong ids = new AtomicLong();
            LongAdder answered = new LongAdder();
            LongAdder ok = new LongAdder();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            List<Future<?>> running = new ArrayList<>();
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + server.httpPort();
            try {
                GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
                        GRPCInferenceServiceGrpc.newBlockingStub(channel);
                for (int c = 0; c < CLIENTS_PER_TRANSPORT; c++) {
                    running.add(clients.submit(ClientTraffic.loop(stop, ids, answered, failures, "gRPC", id -> {
                        ModelInferResponse r = stub.withDeadlineAfter(60, TimeUnit.SECONDS).modelInfer(
                                ModelInferRequest.newBuilder().setModelName("simple")
                                        .addInputs(input("INPUT0")).addInputs(input("INPUT1"))
                                        .addRawInputContents(floats(row(id)))
                                        .addRawInputContents(floats(row(id))).build());
                        check(failures, ok, id, toFloats(r.getRawOutputContents(0)), "gRPC");
                    })));
                    running.add(clients.submit(ClientTraffic.loop(stop, ids, answered, failures, "REST", id -> {
                        String data = Arrays.toString(row(id));
                        String body = "{\"inputs\": [{\"name\": \"INPUT0\", \"datatype\": \"FP32\", "
                                + "\"shape\": [1, 16], \"data\": " + data + "}, {\"name\": \"INPUT1\", "
                                + "\"datatype\": \"FP32\", \"shape\": [1, 16], \"data\": " + data + "}],"
                                + " \"outputs\": [{\"name\": \"OUTPUT0\"}]}";
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                                        URI.create(base + "/v2/models/simple/infer"))
                                .timeout(Duration.ofSeconds(60))
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            failures.add("REST request " + id + ": " + r.statusCode() + " " + r.body());
                        } else {
                            check(failures, ok, id, ClientTraffic.floats(JSON.readTree(r.body())
                                    .get("outputs").get(0).get("data")), "REST");
                        }
                    })));
                }
                GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub control =
                        stub.withDeadlineAfter(120, TimeUnit.SECONDS);

                ClientTraffic.awaitMore(answered, 50, failures);
                control.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("simple")
                        .putParameters("config", ModelRepositoryParameter.newBuilder()
                                .setStringParam(json(3, 0)).build()).build());
                assertEquals(3, servedConfig(control).getInstanceGroup(0).getCount());
                assertSame(served, server.core().registry().resolve("simple", "1"), "grown in place");

                ClientTraffic.awaitMore(answered, 50, failures);
                HttpResponse<String> load = http.send(HttpRequest.newBuilder(
                                URI.create(base + "/v2/repository/models/simple/load"))
                        .timeout(Duration.ofSeconds(120))
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(JSON.createObjectNode()
                                .set("parameters", JSON.createObjectNode().put("config", json(3, 2000)))))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, load.statusCode(), load.body());
                JsonNode restConfig = JSON.readTree(http.send(HttpRequest.newBuilder(
                        URI.create(base + "/v2/models/simple/config")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                assertEquals(2000, restConfig.get("dynamic_batching").get("max_queue_delay_microseconds")
                        .asInt());
                assertSame(served, server.core().registry().resolve("simple", "1"), "delay changed in place");

                ClientTraffic.awaitMore(answered, 50, failures);
                Files.writeString(configFile, pbtxt(1, 2000));
                Files.setLastModifiedTime(configFile, FileTime.fromMillis(System.currentTimeMillis() + 5000));
                control.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("simple").build());
                ModelConfig shrunk = servedConfig(control);
                assertEquals(1, shrunk.getInstanceGroup(0).getCount());
                assertEquals(2000, shrunk.getDynamicBatching().getMaxQueueDelayMicroseconds());
                assertSame(served, server.core().registry().resolve("simple", "1"), "shrunk in place");

                ClientTraffic.awaitMore(answered, 50, failures);
                stop.set(true);
                for (Future<?> f : running) {
                    f.get(60, TimeUnit.SECONDS);
                }
                assertEquals(List.of(), List.copyOf(failures).subList(0, Math.min(5, failures.size())));
                assertEquals(answered.sum(), ok.sum(), "every request answered with its sums");
                assertEquals(ok.sum(), awaitSuccessCount(control, ok.sum()),
                        "the statistics count every request once");
            } finally {
                stop.set(true);
                clients.shutdownNow();
                clients.awaitTermination(30, TimeUnit.SECONDS);
                TestServers.close(channel);
            }
        }
    }

    private static ModelInferRequest.InferInputTensor input(String name) {
        return ModelInferRequest.InferInputTensor.newBuilder().setName(name).setDatatype("FP32").addShape(1)
                .addShape(16).build();
    }

    private static ModelConfig servedConfig(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub control) {
        return control.modelConfig(ModelConfigRequest.newBuilder().setName("simple").build()).getConfig();
    }

    private static void check(ConcurrentLinkedQueue<String> failures, LongAdder ok, long id, float[] out,
                              String transport) {
        if (Arrays.equals(twice(row(id)), out)) {
            ok.increment();
        } else {
            failures.add(transport + " request " + id + " got " + Arrays.toString(out));
        }
    }

    /** The success count of the model's statistics once it reaches {@code expected} (10 s at most). */
    private static long awaitSuccessCount(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub control,
                                          long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long count;
        do {
            count = control.modelStatistics(ModelStatisticsRequest.newBuilder().setName("simple").build())
                    .getModelStats(0).getInferenceStats().getSuccess().getCount();
            if (count == expected) {
                break;
            }
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        return count;
    }
}
