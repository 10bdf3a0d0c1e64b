package io.tensorline.server.stats;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class ModelStatsTest {

    private final AtomicLong wallClock = new AtomicLong(1_700_000_000_000L);
    private final ModelStats stats = new ModelStats("m", 3, wallClock::get);

    @Test
    void startsEmpty() {
        ModelStatsSnapshot s = stats.snapshot();
        assertEquals("m", s.name());
        assertEquals(3, s.version());
        assertEquals(0, s.lastInferenceMillis());
        assertEquals(StatisticDuration.ZERO, s.success());
        assertEquals(StatisticDuration.ZERO, s.failure());
        assertEquals(List.of(), s.batchStats());
    }

    @Test
    void requestsCountOnceEachAndFailuresKeepTheirReason() {
        stats.recordSuccess(100);
        stats.recordSuccess(50);
        stats.recordFailure(FailureReason.REJECTED, 10);
        stats.recordFailure(FailureReason.BACKEND, 20);
        stats.recordFailure(FailureReason.BACKEND, 30);
        ModelStatsSnapshot s = stats.snapshot();
        assertEquals(new StatisticDuration(2, 150), s.success());
        assertEquals(new StatisticDuration(3, 60), s.failure());
        assertEquals(new StatisticDuration(2, 50), s.failuresByReason().get(FailureReason.BACKEND));
        assertEquals(new StatisticDuration(1, 10), s.failuresByReason().get(FailureReason.REJECTED));
        assertEquals(StatisticDuration.ZERO, s.failuresByReason().get(FailureReason.CANCELED));
    }

    @Test
    void anExecutionChargesEachRequestAndCountsItsRowsOnce() {
        stats.recordExecution(8, 3, 10, 1000, 20);
        wallClock.addAndGet(5);
        stats.recordExecution(2, 1, 1, 100, 2);
        ModelStatsSnapshot s = stats.snapshot();
        assertEquals(10, s.inferenceCount());
        assertEquals(2, s.executionCount());
        assertEquals(new StatisticDuration(4, 3 * 1000 + 100), s.computeInfer());
        assertEquals(new StatisticDuration(4, 3 * 10 + 1), s.computeInput());
        assertEquals(new StatisticDuration(4, 3 * 20 + 2), s.computeOutput());
        assertEquals(1_700_000_000_005L, s.lastInferenceMillis());
        assertEquals(List.of(
                new BatchStatsSnapshot(2, new StatisticDuration(1, 1), new StatisticDuration(1, 100),
                        new StatisticDuration(1, 2)),
                new BatchStatsSnapshot(8, new StatisticDuration(1, 10), new StatisticDuration(1, 1000),
                        new StatisticDuration(1, 20))), s.batchStats());
    }

    @Test
    void pendingCountFollowsTheScheduler() {
        stats.addPending(3);
        stats.addPending(-1);
        assertEquals(2, stats.snapshot().pendingRequests());
        stats.setPending(7);
        assertEquals(7, stats.snapshot().pendingRequests());
    }

    @Test
    void registryKeepsOneEntryPerLoadedVersion() {
        ModelStatsRegistry registry = new ModelStatsRegistry();
        ModelStats first = registry.register("m", 1);
        ModelStats reloaded = registry.register("m", 1);
        registry.register("other", 2);
        registry.unregister(first);
        assertSame(reloaded, registry.get("m", 1), "a stale unload leaves the reloaded version's stats alone");
        assertEquals(List.of("m", "other"), registry.snapshots("").stream().map(ModelStatsSnapshot::name).toList());
        assertEquals(1, registry.snapshots("other").size());
        registry.unregister(reloaded);
        assertNull(registry.get("m", 1));
    }

    @Test
    void aReloadOverlappingTheDrainingVersionKeepsCountingIntoTheSameStatistics() {
        ModelStatsRegistry registry = new ModelStatsRegistry();
        ModelStats serving = registry.register("m", 1);
        ModelStats reloaded = registry.register("m", 1); // the new scheduler starts while the old one drains
        assertSame(serving, reloaded);
        registry.unregister(serving); // the old scheduler shut down
        assertSame(reloaded, registry.get("m", 1));
        registry.unregister(reloaded); // the version is unloaded
        assertNull(registry.get("m", 1));
        assertNotSame(serving, registry.register("m", 1), "a later load starts afresh");
    }
}
