package io.tensorline.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelInferRequest;
import io.tensorline.proto.ModelInferResponse;
import io.tensorline.proto.ModelReadyRequest;
import io.tensorline.proto.ModelRepositoryParameter;
import io.tensorline.proto.ModelStatistics;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 64 concurrent clients (32 gRPC, 32 REST) on the simulated device while the model is reloaded 20 times: config
 * overrides, config file edits, new version folders, instance count changes (those that change only the counts and
 * the queue delay apply in place, on the same version object), and failing reloads. Every request is answered OK
 * with its own rows, and the statistics count exactly what the clients saw.
 */
class ReloadStormTest {

    private static final int CLIENTS_PER_TRANSPORT = 32;
    private static final int RELOADS = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path repo;

    private static String config(int instances, String output, int delayUs) {
        return """
                {"name": "storm", "backend": "simulated", "max_batch_size": 8,
                 "input": [{"name": "INPUT0", "data_type": "TYPE_FP32", "dims": [16]}],
                 "output": [{"name": "%s", "data_type": "TYPE_FP32", "dims": [16]}],
                 "instance_group": [{"count": %d, "kind": "KIND_CPU"}],
                 "dynamic_batching": {"max_queue_delay_microseconds": %d},
                 "parameters": {"execute_delay_us": {"string_value": "200"}}}""".formatted(output, instances,
                delayUs);
    }

    private static float[] row(long id) {
        float[] r = new float[16];
        Arrays.fill(r, id);
        r[0] = id % 1000;
        return r;
    }

    @Test
    void everyRequestIsAnsweredWhileTheModelIsReloadedTwentyTimes() throws Exception {
        TestServers.copyModel(Path.of("../model-repository"), "simulated", repo, "storm");
        Path configFile = repo.resolve("storm/config.pbtxt");
        Files.writeString(configFile, Files.readString(configFile).replace("name: \"simulated\"", "name: \"storm\"")
                .replace("max_batch_size: 64", "max_batch_size: 8").replace("\"2000\"", "\"200\""));
        try (TensorlineServer server = TensorlineServer.start(TestServers.options(repo, true, 64 * 1024 * 1024)
                .withModelControl(new ModelControlOptions(List.of(repo), ModelControlMode.EXPLICIT,
                        List.of("storm"), 0, 2, true, "")))) {
            ManagedChannel channel = TestServers.channel(server);
            ExecutorService clients = Executors.newFixedThreadPool(2 * CLIENTS_PER_TRANSPORT);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong ids = new AtomicLong();
            LongAdder answered = new LongAdder();
            Map<String, LongAdder> byVersion = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            List<Future<?>> running = new ArrayList<>();
            try {
                GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
                        GRPCInferenceServiceGrpc.newBlockingStub(channel);
                HttpClient http = HttpClient.newHttpClient();
                URI infer = URI.create("http://127.0.0.1:" + server.httpPort() + "/v2/models/storm/infer");
                for (int c = 0; c < CLIENTS_PER_TRANSPORT; c++) {
                    running.add(clients.submit(() -> {
                        while (!stop.get()) {
                            long id = ids.incrementAndGet();
                            try {
                                ModelInferResponse r = stub.withDeadlineAfter(60, TimeUnit.SECONDS).modelInfer(
                                        ModelInferRequest.newBuilder().setModelName("storm")
                                                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                                                        .setName("INPUT0").setDatatype("FP32").addShape(1)
                                                        .addShape(16))
                                                .addRawInputContents(floats(row(id))).build());
                                check(failures, id, toFloats(r.getRawOutputContents(0)), "gRPC");
                                byVersion.computeIfAbsent(r.getModelVersion(), v -> new LongAdder()).increment();
                            } catch (RuntimeException e) {
                                failures.add("gRPC request " + id + ": " + e);
                            }
                            answered.increment();
                        }
                    }));
                    running.add(clients.submit(() -> {
                        while (!stop.get()) {
                            long id = ids.incrementAndGet();
                            try {
                                String body = "{\"inputs\": [{\"name\": \"INPUT0\", \"datatype\": \"FP32\", "
                                        + "\"shape\": [1, 16], \"data\": " + Arrays.toString(row(id)) + "}]}";
                                HttpResponse<String> r = http.send(HttpRequest.newBuilder(infer)
                                        .timeout(java.time.Duration.ofSeconds(60))
                                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                        HttpResponse.BodyHandlers.ofString());
                                if (r.statusCode() != 200) {
                                    failures.add("REST request " + id + ": " + r.statusCode() + " " + r.body());
                                } else {
                                    JsonNode j = JSON.readTree(r.body());
                                    check(failures, id, ClientTraffic.floats(j.get("outputs").get(0).get("data")),
                                            "REST");
                                    byVersion.computeIfAbsent(j.get("model_version").asText(),
                                            v -> new LongAdder()).increment();
                                }
                            } catch (Exception e) {
                                failures.add("REST request " + id + ": " + e);
                            }
                            answered.increment();
                        }
                    }));
                }
                GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub control =
                        stub.withDeadlineAfter(120, TimeUnit.SECONDS);
                int nextVersion = 2;
                int failedReloads = 0;
                int inPlace = 0;
                for (int i = 0; i < RELOADS; i++) {
                    ClientTraffic.awaitMore(answered, 2 * CLIENTS_PER_TRANSPORT, failures); // traffic overlaps every reload
                    RepositoryModelLoadRequest.Builder load = RepositoryModelLoadRequest.newBuilder()
                            .setModelName("storm");
                    switch (i % 5) {
                        case 0 -> Files.writeString(Files.createDirectories(repo.resolve("storm/" + nextVersion++))
                                .resolve("model.simulated"), "");
                        case 1 -> load.putParameters("config", string(config(2, "OUTPUT0", 0)));
                        case 2 -> load.putParameters("config", string(config(1, "OUTPUT0", 100)));
                        case 3 -> load.putParameters("config", string(config(1, "OUTPUT9", 0)));
                        default -> Files.writeString(configFile, Files.readString(configFile)
                                .replaceAll("count: \\d+", "count: " + (1 + i % 3)));
                    }
                    if (i % 5 == 3) {
                        assertThrows(io.grpc.StatusRuntimeException.class, () -> control.repositoryModelLoad(
                                load.build()));
                        failedReloads++;
                        assertTrue(control.modelReady(ModelReadyRequest.newBuilder().setName("storm").build())
                                .getReady(), "a failed reload leaves the model serving");
                    } else if (i % 5 == 2) {
                        // from 2 instances and no delay (the load before) to 1 instance and 100 µs: in place
                        ModelVersion before = server.core().registry().resolve("storm", "");
                        control.repositoryModelLoad(load.build());
                        assertSame(before, server.core().registry().resolve("storm", ""), "changed in place");
                        assertEquals(1, before.spec().instanceGroups().get(0).count());
                        inPlace++;
                    } else {
                        control.repositoryModelLoad(load.build());
                    }
                }
                ClientTraffic.awaitMore(answered, 2 * CLIENTS_PER_TRANSPORT, failures);
                stop.set(true);
                for (Future<?> f : running) {
                    f.get(60, TimeUnit.SECONDS);
                }
                assertEquals(List.of(), List.copyOf(failures).subList(0, Math.min(5, failures.size())));
                assertEquals(4, failedReloads);
                assertEquals(4, inPlace);
                long total = byVersion.values().stream().mapToLong(LongAdder::sum).sum();
                assertEquals(answered.sum(), total, "every request answered OK");
                // the statistics of the versions still loaded count exactly what the clients saw of them
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                List<ModelStatistics> stats;
                while (true) {
                    stats = control.modelStatistics(ModelStatisticsRequest.newBuilder().setName("storm").build())
                            .getModelStatsList();
                    boolean match = !stats.isEmpty() && stats.stream().allMatch(s -> s.getInferenceStats()
                            .getSuccess().getCount() == byVersion.getOrDefault(s.getVersion(), new LongAdder()).sum());
                    if (match || System.nanoTime() > deadline) {
                        break;
                    }
                    Thread.sleep(10);
                }
                assertEquals(List.of(Integer.toString(nextVersion - 1)),
                        stats.stream().map(ModelStatistics::getVersion).toList());
                for (ModelStatistics s : stats) {
                    assertEquals(byVersion.get(s.getVersion()).sum(), s.getInferenceStats().getSuccess().getCount(),
                            "version " + s.getVersion());
                    assertEquals(0, s.getInferenceStats().getFail().getCount());
                }
            } finally {
                stop.set(true);
                clients.shutdownNow();
                clients.awaitTermination(30, TimeUnit.SECONDS);
                TestServers.close(channel);
            }
        }
    }

    private static ModelRepositoryParameter string(String s) {
        return ModelRepositoryParameter.newBuilder().setStringParam(s).build();
    }

    private static void check(ConcurrentLinkedQueue<String> failures, long id, float[] out, String transport) {
        if (!Arrays.equals(row(id), out)) {
            failures.add(transport + " request " + id + " got another request's rows");
        }
    }
}
