package io.tensorline.server.scheduler;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;
import io.tensorline.server.stats.ModelStatsSnapshot;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.scheduler.TestRequests.fp32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DirectSchedulerTest {

    @Test
    void recordsEachRequestAsOneExecutionOfItsRows() throws Exception {
        ModelStats stats = new ModelStats("m", 1);
        FakeModel model = new FakeModel(inputs -> {
            if (inputs.get(0).shape()[0] == 5) {
                throw new EngineException("too many rows");
            }
            return FakeModel.ECHO.run(inputs);
        });
        DirectScheduler scheduler = new DirectScheduler("m-1", List.of(model), 16, stats);
        try {
            scheduler.submit(request(fp32("INPUT0", 3, 2, 0)), 3).get(30, TimeUnit.SECONDS);
            scheduler.submit(request(fp32("INPUT0", 1, 2, 0)), 1).get(30, TimeUnit.SECONDS);
            assertThrows(ExecutionException.class,
                    () -> scheduler.submit(request(fp32("INPUT0", 5, 2, 0)), 5).get(30, TimeUnit.SECONDS));
        } finally {
            scheduler.shutdown();
        }
        ModelStatsSnapshot s = stats.snapshot();
        assertEquals(2, s.success().count());
        assertEquals(1, s.failuresByReason().get(FailureReason.BACKEND).count());
        assertEquals(2, s.executionCount());
        assertEquals(4, s.inferenceCount());
        assertEquals(3, s.queue().count());
        assertEquals(List.of(1, 3), s.batchStats().stream().map(b -> b.batchSize()).toList());
        assertEquals(0, s.pendingRequests());
    }

    private static InferenceRequest request(Tensor input) {
        return new InferenceRequest("m", "", "", Map.of(), List.of(input), List.of(), 0);
    }
}
