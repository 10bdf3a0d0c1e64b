package io.tensorline.benchmarks.lifecycle;

import io.grpc.ManagedChannel;
import io.tensorline.proto.GRPCInferenceServiceGrpc;
import io.tensorline.proto.ModelRepositoryParameter;
import io.tensorline.proto.RepositoryModelLoadRequest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/** The soak's reloader, and what its load calls took by kind, and the failures. */
final class SoakReloads {


    static final String UNCHANGED = "plain, nothing changed";
    static final String OVERRIDE = "`config` parameter, new config";
    static final String FILES = "plain, config.pbtxt rewritten";
    final Map<String, List<Long>> millis = new ConcurrentHashMap<>();
    final LongAdder failed = new LongAdder();
    final Set<String> failures = ConcurrentHashMap.newKeySet();

    void done(String kind, long ms) {
        millis.computeIfAbsent(kind, k -> Collections.synchronizedList(new ArrayList<>())).add(ms);
    }

    /**
     * Every {@code everySecs}, a load call for {@code simple}, cycling through three kinds: a plain load with nothing
     * changed (the server keeps the serving model), a load with a new config in the {@code config} parameter, and a
     * plain load after {@code config.pbtxt} in the repository copy was rewritten (both rebuild the model beside the
     * serving one); REST and gRPC alternate, so each kind goes over both.
     */
    static void run(ManagedChannel channel, String base, Path repository, AtomicBoolean stop, int everySecs,
                    SoakReloads reloads) {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
                GRPCInferenceServiceGrpc.newBlockingStub(channel);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Path configFile = repository.resolve(SoakClients.MODEL).resolve("config.pbtxt");
        String original;
        try {
            original = Files.readString(configFile);
        } catch (IOException e) {
            reloads.failed.increment();
            reloads.failures.add("cannot read " + configFile + ": " + e.getMessage());
            return;
        }
        long next = System.nanoTime() + TimeUnit.SECONDS.toNanos(everySecs);
        for (int i = 1; !stop.get(); ) {
            if (System.nanoTime() < next) {
                sleep(200);
                continue;
            }
            next += TimeUnit.SECONDS.toNanos(everySecs);
            String kind = switch (i % 3) {
                case 1 -> SoakReloads.UNCHANGED;
                case 2 -> SoakReloads.OVERRIDE;
                default -> SoakReloads.FILES;
            };
            String config = kind.equals(SoakReloads.OVERRIDE) ? overrideJson(i) : null;
            long t0 = System.nanoTime();
            try {
                if (kind.equals(SoakReloads.FILES)) {
                    Files.writeString(configFile, original + (i % 2 == 0 ? "dynamic_batching { }\n" : "")
                            + "parameters { key: \"generation\" value: { string_value: \"" + i + "\" } }\n");
                }
                if (i % 2 == 1) {
                    String body = config == null ? "{}" : "{\"parameters\": {\"config\": "
                            + SoakClients.JSON.writeValueAsString(config) + "}}";
                    URI load = URI.create(base + "/v2/repository/models/" + SoakClients.MODEL + "/load");
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(load).timeout(Duration.ofSeconds(120))
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException("REST load " + r.statusCode() + " " + r.body());
                    }
                } else {
                    RepositoryModelLoadRequest.Builder b = RepositoryModelLoadRequest.newBuilder()
                            .setModelName(SoakClients.MODEL);
                    if (config != null) {
                        b.putParameters("config", ModelRepositoryParameter.newBuilder().setStringParam(config)
                                .build());
                    }
                    stub.withDeadlineAfter(120, TimeUnit.SECONDS).repositoryModelLoad(b.build());
                }
                reloads.done(kind, (System.nanoTime() - t0) / 1_000_000);
            } catch (IOException | RuntimeException e) {
                reloads.failed.increment();
                reloads.failures.add(kind + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            i++;
        }
    }

    /** simple's config with a changed batch size, batching on or off and a generation parameter. */
    private static String overrideJson(int generation) {
        String batching = generation % 4 == 0 ? ", \"dynamic_batching\": {}" : "";
        return """
                {"name": "simple", "platform": "onnxruntime_onnx", "max_batch_size": %d,
                 "input": [{"name": "INPUT0", "data_type": "TYPE_FP32", "dims": [16]},
                           {"name": "INPUT1", "data_type": "TYPE_FP32", "dims": [16]}],
                 "output": [{"name": "OUTPUT0", "data_type": "TYPE_FP32", "dims": [16]},
                            {"name": "OUTPUT1", "data_type": "TYPE_FP32", "dims": [16]}],
                 "instance_group": [{"count": 1, "kind": "KIND_CPU"}]%s,
                 "parameters": {"generation": {"string_value": "%d"}}}"""
                .formatted(generation % 4 == 0 ? 8 : 4, batching, generation);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
