package io.tensorline.server.scheduler;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.server.config.DynamicBatchingSpec;
import io.tensorline.server.config.InstanceGroupSpec;
import io.tensorline.server.config.IoSpec;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.config.QueuePolicySpec;
import io.tensorline.server.config.VersionPolicy;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.stats.ModelStatsRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.scheduler.TestRequests.fp32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DefaultSchedulerFactoryTest {

    private static ModelSpec spec(int maxBatchSize, DynamicBatchingSpec batching) {
        IoSpec in = new IoSpec("INPUT0", DataType.FP32, new long[] {2}, null, false);
        IoSpec out = new IoSpec("OUTPUT0", DataType.FP32, new long[] {2}, null, false);
        return new ModelSpec("m", "simulated", "simulated", maxBatchSize, List.of(in), List.of(out),
                List.of(new InstanceGroupSpec("m_0", 1, InstanceGroupSpec.Kind.CPU, List.of())), batching,
                new VersionPolicy.Latest(1), "model.simulated", Map.of());
    }

    private static DynamicBatchingSpec batching(List<Integer> preferred) {
        return new DynamicBatchingSpec(preferred, 0, false, 0, 0, QueuePolicySpec.DEFAULT, Map.of());
    }

    @Test
    void statsLiveFromCreationToShutdown() throws Exception {
        ModelStatsRegistry registry = new ModelStatsRegistry();
        DefaultSchedulerFactory factory = new DefaultSchedulerFactory(registry);
        for (ModelSpec spec : List.of(spec(8, batching(List.of())), spec(0, null))) {
            Scheduler scheduler = factory.create(spec, 2, List.of(new FakeModel(FakeModel.ECHO)));
            try {
                assertNotNull(registry.get("m", 2));
                Tensor input = fp32("INPUT0", 1, 2, 0);
                scheduler.submit(new InferenceRequest("m", "", "", Map.of(), List.of(input), List.of(),
                                System.nanoTime()), 1)
                        .get(30, TimeUnit.SECONDS);
                assertEquals(1, registry.get("m", 2).snapshot().executionCount());
            } finally {
                scheduler.shutdown();
            }
            assertNull(registry.get("m", 2));
        }
    }

    @Test
    void aPolicyThatCannotWorkFailsTheLoadWithItsReason() {
        DefaultSchedulerFactory factory = new DefaultSchedulerFactory();
        FakeModel model = new FakeModel(FakeModel.ECHO);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> factory.create(spec(4, batching(List.of(16))), 1, List.of(model)));
        assertTrue(e.getMessage().startsWith("preferred_batch_size: 16"), e.getMessage());
        assertNull(factory.stats().get("m", 1));
    }
}
