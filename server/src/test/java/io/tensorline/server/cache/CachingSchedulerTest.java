package io.tensorline.server.cache;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.scheduler.NanoClock;
import io.tensorline.server.scheduler.Scheduler;
import io.tensorline.server.stats.ModelStats;
import io.tensorline.server.stats.ModelStatsSnapshot;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cache decorator over a hand-written scheduler that doubles its input (and counts what reaches it). */
class CachingSchedulerTest {

    /** Answers at once with OUTPUT = 2 * INPUT, or fails when the input is negative. */
    private static final class Doubler implements Scheduler {
        final AtomicInteger submitted = new AtomicInteger();
        boolean shutDown;

        @Override
        public CompletableFuture<List<Tensor>> submit(InferenceRequest request, int batchSize) {
            submitted.incrementAndGet();
            int v = request.inputs().get(0).data().getInt(0);
            if (v < 0) {
                return CompletableFuture.failedFuture(InferenceException.invalid("negative"));
            }
            return CompletableFuture.completedFuture(List.of(value("OUTPUT", 2 * v)));
        }

        @Override
        public void shutdown() {
            shutDown = true;
        }
    }

    private final Doubler backend = new Doubler();
    private final ResponseCache cache = new ResponseCache(1 << 20);
    private final ModelStats stats = new ModelStats("m", 1);
    private final long[] now = {0};
    private final NanoClock clock = () -> now[0] += 10;
    private final CachingScheduler scheduler = new CachingScheduler(backend, cache, "m", 1, stats, clock);

    private static Tensor value(String name, int v) {
        ByteBuffer b = ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(v).flip();
        return Tensor.of(name, DataType.INT32, new long[] {1}, b);
    }

    private static InferenceRequest request(int v) {
        return new InferenceRequest("m", "", "", Map.of(), List.of(value("INPUT", v)), List.of(), 0);
    }

    private int run(int v) throws Exception {
        return scheduler.submit(request(v), 1).get(10, TimeUnit.SECONDS).get(0).data().getInt(0);
    }

    @Test
    void aRepeatedRequestIsAnsweredWithoutTheScheduler() throws Exception {
        assertEquals(14, run(7));
        assertEquals(14, run(7));
        assertEquals(14, run(7));
        assertEquals(1, backend.submitted.get());
        ModelStatsSnapshot s = stats.snapshot();
        assertEquals(2, s.cacheHit().count());
        assertEquals(1, s.cacheMiss().count());
        assertTrue(s.cacheHit().nanos() > 0 && s.cacheMiss().nanos() > 0);
        assertEquals(2, s.success().count(), "hits count as successes; the backend's own success is its to record");
        assertEquals(0, s.executionCount(), "hits never count as executions");
        assertTrue(s.cacheEnabled());
    }

    @Test
    void failuresAreNotStored() throws Exception {
        for (int i = 0; i < 2; i++) {
            assertTrue(scheduler.submit(request(-1), 1).isCompletedExceptionally());
        }
        assertEquals(2, backend.submitted.get());
        assertEquals(0, cache.size());
        assertEquals(2, stats.snapshot().cacheMiss().count());
    }

    @Test
    void shutdownDropsTheVersionsEntries() throws Exception {
        run(3);
        assertEquals(1, cache.size());
        scheduler.shutdown();
        assertTrue(backend.shutDown);
        assertEquals(0, cache.size());
    }

    @Test
    void concurrentIdenticalAndDifferentRequestsEachGetTheirOwnAnswer() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                int v = i % 17;
                all.add(pool.submit(() -> {
                    assertEquals(2 * v, run(v));
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
        assertEquals(17, cache.size());
    }
}
