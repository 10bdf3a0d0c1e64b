package io.tensorline.server.core;

import io.tensorline.server.serving.InferenceServer;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.server.repository.EngineRegistry;
import io.tensorline.server.repository.RepositoryModelRegistry;
import io.tensorline.server.scheduler.DefaultSchedulerFactory;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStatsRegistry;
import io.tensorline.server.stats.ModelStatsSnapshot;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A client that gives up on a queued request: the scheduler drops it, it never runs, and it counts as CANCELED. */
class CancellationTest {

    @TempDir
    Path repo;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aCancelledQueuedRequestIsDroppedNotExecuted(boolean batching) throws Exception {
        Path model = repo.resolve("slow");
        Files.createDirectories(model.resolve("1"));
        Files.createFile(model.resolve("1/model.simulated"));
        Files.writeString(model.resolve("config.pbtxt"), """
                backend: "simulated"
                max_batch_size: 1
                input [{ name: "INPUT0" data_type: TYPE_FP32 dims: [2] }]
                output [{ name: "OUTPUT0" data_type: TYPE_FP32 dims: [2] }]
                instance_group [{ count: 1 kind: KIND_CPU }]
                parameters [{ key: "execute_delay_us" value: { string_value: "300000" } }]
                """ + (batching ? "dynamic_batching { }\n" : ""));
        ModelStatsRegistry stats = new ModelStatsRegistry();
        try (RepositoryModelRegistry registry = RepositoryModelRegistry.load(repo,
                RepositoryModelRegistry.Options.defaults(), EngineRegistry.fromClassPath(),
                new DefaultSchedulerFactory(stats))) {
            InferenceServer server = new InferenceServer(registry, new ServerInfo("t", "0", List.of()), stats);
            CompletableFuture<InferenceResponse> running = server.infer(request());
            CompletableFuture<InferenceResponse> queued = server.infer(request());
            assertTrue(queued.cancel(false));
            running.get(30, TimeUnit.SECONDS);

            ModelStatsSnapshot s = awaitCancelled(stats);
            assertEquals(1, s.failuresByReason().get(FailureReason.CANCELED).count());
            assertEquals(1, s.success().count());
            assertEquals(1, s.executionCount(), "the cancelled request must not run");
        }
    }

    private static InferenceRequest request() {
        Tensor in = Tensor.of("INPUT0", DataType.FP32, new long[] {1, 2}, ByteBuffer.allocate(8));
        return new InferenceRequest("slow", "", "", Map.of(), List.of(in), List.of(), System.nanoTime());
    }

    /**
     * Statistics trail the answers by a moment: the drop is recorded when the scheduler reaches the request, and a
     * success just after its future completes.
     */
    private static ModelStatsSnapshot awaitCancelled(ModelStatsRegistry stats) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            ModelStatsSnapshot s = stats.snapshots("slow").get(0);
            boolean settled = s.failuresByReason().get(FailureReason.CANCELED).count() > 0 && s.success().count() > 0;
            if (settled || System.nanoTime() > deadline) {
                return s;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
