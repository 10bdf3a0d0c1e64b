package io.tensorline.server.simulated;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.core.InferenceResponse;
import io.tensorline.server.serving.InferenceServer;
import io.tensorline.server.core.ServerInfo;
import io.tensorline.server.repository.EngineRegistry;
import io.tensorline.server.repository.RepositoryModelRegistry;
import io.tensorline.server.scheduler.DefaultSchedulerFactory;
import io.tensorline.server.stats.ModelStatsSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bundled example {@code model-repository/simulated} through the real loader, batcher and core. */
class SimulatedRepositoryTest {

    @Test
    void theExampleModelServesConcurrentRequestsInSharedBatches(@TempDir Path repo) throws Exception {
        Path example = Path.of("..", "model-repository", "simulated");
        Path model = Files.createDirectories(repo.resolve("simulated").resolve("1"));
        Files.copy(example.resolve("config.pbtxt"), model.getParent().resolve("config.pbtxt"));
        Files.copy(example.resolve("1").resolve("model.simulated"), model.resolve("model.simulated"));

        DefaultSchedulerFactory schedulers = new DefaultSchedulerFactory();
        try (RepositoryModelRegistry registry = RepositoryModelRegistry.load(repo,
                RepositoryModelRegistry.Options.defaults(), EngineRegistry.fromClassPath(), schedulers)) {
            assertEquals(List.of(), registry.loadFailures());
            InferenceServer server = new InferenceServer(registry, new ServerInfo("t", "0", List.of()));
            List<CompletableFuture<InferenceResponse>> replies = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                replies.add(server.infer(request(i)));
            }
            for (int i = 0; i < replies.size(); i++) {
                InferenceResponse response = replies.get(i).get(30, TimeUnit.SECONDS);
                Tensor out = response.outputs().get(0);
                assertEquals("OUTPUT0", out.name());
                assertEquals(i, out.data().getFloat(0), "response " + i + " carries its own request's row");
            }
            ModelStatsSnapshot stats = schedulers.stats().get("simulated", 1).snapshot();
            assertEquals(64, stats.inferenceCount());
            assertTrue(stats.executionCount() < stats.inferenceCount(), stats.executionCount() + " executions");
        }
    }

    private static InferenceRequest request(int i) {
        ByteBuffer data = ByteBuffer.allocate(16 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int c = 0; c < 16; c++) {
            data.putFloat(i + c * 1000);
        }
        Tensor input = Tensor.of("INPUT0", DataType.FP32, new long[] {1, 16}, data.flip());
        return new InferenceRequest("simulated", "", "r" + i, Map.of(), List.of(input), List.of(), System.nanoTime());
    }
}
