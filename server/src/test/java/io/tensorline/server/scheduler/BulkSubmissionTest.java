package io.tensorline.server.scheduler;

import io.tensorline.engine.Tensor;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;
import io.tensorline.server.stats.ModelStatsSnapshot;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.scheduler.TestRequests.floats;
import static io.tensorline.server.scheduler.TestRequests.fp32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Scheduler#submitBulk} on the direct scheduler (back to back on one instance) and the dynamic batcher. */
class BulkSubmissionTest {

    static final long TIMEOUT_S = 30;

    /** Requests of {@code rows} x 2 FP32; request k's values start at {@code 1000 * k}. */
    private static List<InferenceRequest> requests(int count, int rows) {
        List<InferenceRequest> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            out.add(new InferenceRequest("m", "", "r" + k, Map.of(), List.of(fp32("INPUT0", rows, 2, 1000 * k)),
                    List.of(), System.nanoTime()));
        }
        return out;
    }

    private static int[] sizes(int count, int rows) {
        int[] s = new int[count];
        java.util.Arrays.fill(s, rows);
        return s;
    }

    static DirectScheduler direct(ModelStats stats, int capacity, FakeModel... instances) {
        return new DirectScheduler("m-1", "'m' version 1", List.of(instances), capacity, stats, NanoClock.SYSTEM, 0);
    }

    static InferenceException failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(TIMEOUT_S, TimeUnit.SECONDS));
        return assertInstanceOf(InferenceException.class, e.getCause());
    }

    static ModelStatsSnapshot statsAfter(Scheduler s, ModelStats stats) throws InterruptedException {
        s.shutdown();
        assertTrue(s.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS));
        return stats.snapshot();
    }

    /** A direct scheduler whose one instance is running a request until {@code release} opens. */
    private record Busy(DirectScheduler scheduler, CountDownLatch release, CompletableFuture<List<Tensor>> running) {
        static Busy start(ModelStats stats, int capacity) throws InterruptedException {
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            DirectScheduler scheduler = direct(stats, capacity, FakeModel.blocking(entered, release));
            CompletableFuture<List<Tensor>> running = scheduler.submit(requests(1, 1).get(0), 1);
            assertTrue(entered.await(TIMEOUT_S, TimeUnit.SECONDS));
            return new Busy(scheduler, release, running);
        }
    }

    @Test
    void directSchedulerRunsTheBulkOnOneInstanceWithTheOutputsOfSingleRequests() throws Exception {
        ModelStats stats = new ModelStats("m", 1);
        List<String> threads = new CopyOnWriteArrayList<>();
        List<Long> rowsPerCall = new CopyOnWriteArrayList<>();
        FakeModel.Behaviour recording = inputs -> {
            threads.add(Thread.currentThread().getName());
            rowsPerCall.add(inputs.get(0).shape()[0]);
            return FakeModel.ECHO.run(inputs);
        };
        DirectScheduler scheduler = direct(stats, 16, new FakeModel(recording), new FakeModel(recording));
        List<InferenceRequest> requests = requests(6, 3);
        List<List<Tensor>> bulk = scheduler.submitBulk(requests, sizes(6, 3)).get(TIMEOUT_S, TimeUnit.SECONDS);
        Set<String> bulkThreads = new HashSet<>(threads);
        assertEquals(1, bulkThreads.size(), "one instance ran the whole bulk: " + threads);
        assertEquals(6, bulk.size());
        for (int k = 0; k < 6; k++) {
            List<Tensor> single = scheduler.submit(requests.get(k), 3).get(TIMEOUT_S, TimeUnit.SECONDS);
            assertEquals("OUTPUT0", bulk.get(k).get(0).name());
            assertArrayEquals(floats(single.get(0)), floats(bulk.get(k).get(0)), "request " + k);
            assertEquals(1000f * k, floats(bulk.get(k).get(0))[0]);
        }
        assertEquals(List.of(3L, 3L, 3L, 3L, 3L, 3L, 3L, 3L, 3L, 3L, 3L, 3L), rowsPerCall, "no call merged requests");
        ModelStatsSnapshot s = statsAfter(scheduler, stats);
        assertEquals(12, s.success().count(), "each part a request, as if sent alone");
        assertEquals(12, s.executionCount());
        assertEquals(36, s.inferenceCount());
        assertEquals(12, s.queue().count());
        assertEquals(0, s.pendingRequests());
    }

    @Test
    void anEngineErrorInTheMiddleFailsOnlyThatBulkInTheInstancePoolsWords() throws Exception {
        ModelStats stats = new ModelStats("m", 1);
        FakeModel model = new FakeModel(inputs -> {
            if (inputs.get(0).data().getFloat(0) == 2000f) {
                throw new IllegalStateException("session closed");
            }
            return FakeModel.ECHO.run(inputs);
        });
        DirectScheduler scheduler = direct(stats, 16, model);
        CompletableFuture<List<List<Tensor>>> bad = scheduler.submitBulk(requests(4, 2), sizes(4, 2));
        List<InferenceRequest> later = requests(2, 2);
        CompletableFuture<List<List<Tensor>>> good = scheduler.submitBulk(later, sizes(2, 2));
        InferenceException e = failure(bad);
        assertEquals(ErrorCode.INTERNAL, e.code());
        assertEquals("model 'm' version 1 failed: session closed", e.getMessage());
        assertEquals(2, good.get(TIMEOUT_S, TimeUnit.SECONDS).size());
        assertEquals(6, model.calls.size(), "the parts after the failing one still ran");
        ModelStatsSnapshot s = statsAfter(scheduler, stats);
        assertEquals(5, s.success().count());
        assertEquals(1, s.failuresByReason().get(FailureReason.BACKEND).count());
        assertEquals(5, s.executionCount());
        assertEquals(10, s.inferenceCount());
    }

    @Test
    void aWaitingBulkRunsWhenTheInstanceIsFreeAndShutdownNowFailsEachPart() throws Exception {
        ModelStats stats = new ModelStats("m", 1);
        Busy busy = Busy.start(stats, 16);
        DirectScheduler scheduler = busy.scheduler();
        CompletableFuture<List<List<Tensor>>> waiting = scheduler.submitBulk(requests(3, 1), sizes(3, 1));
        scheduler.shutdownNow();
        InferenceException e = failure(waiting);
        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertEquals("model 'm' version 1 is unloading", e.getMessage());
        busy.release().countDown();
        busy.running().get(TIMEOUT_S, TimeUnit.SECONDS);
        assertTrue(scheduler.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS));
        assertEquals(3, stats.snapshot().failuresByReason().get(FailureReason.OTHER).count());
    }

    @Test
    void aBulkQueuedBehindABusyInstanceRunsOnceItIsFree() throws Exception {
        ModelStats stats = new ModelStats("m", 1);
        Busy busy = Busy.start(stats, 16);
        DirectScheduler scheduler = busy.scheduler();
        CompletableFuture<List<List<Tensor>>> waiting = scheduler.submitBulk(requests(3, 2), sizes(3, 2));
        busy.release().countDown();
        assertEquals(3, waiting.get(TIMEOUT_S, TimeUnit.SECONDS).size());
        busy.running().get(TIMEOUT_S, TimeUnit.SECONDS);
        ModelStatsSnapshot s = statsAfter(scheduler, stats);
        assertEquals(4, s.success().count());
        assertEquals(4, s.executionCount());
    }

    @Test
    void aFullQueueRejectsTheBulkAndCountsEachPart() throws Exception {
        ModelStats stats = new ModelStats("m", 1);
        Busy busy = Busy.start(stats, 1);
        DirectScheduler scheduler = busy.scheduler();
        CompletableFuture<List<List<Tensor>>> queued = scheduler.submitBulk(requests(2, 1), sizes(2, 1));
        CompletableFuture<List<List<Tensor>>> rejected = scheduler.submitBulk(requests(2, 1), sizes(2, 1));
        InferenceException e = failure(rejected);
        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertTrue(e.getMessage().contains("model 'm' version 1 has 1 requests waiting (the queue's capacity)"),
                e.getMessage());
        busy.release().countDown();
        assertEquals(2, queued.get(TIMEOUT_S, TimeUnit.SECONDS).size());
        busy.running().get(TIMEOUT_S, TimeUnit.SECONDS);
        assertEquals(2, statsAfter(scheduler, stats).failuresByReason().get(FailureReason.REJECTED).count());
    }

    @Test
    void theDynamicBatcherTakesTheBulkOneRequestAtATime() throws Exception {
        ModelStats stats = new ModelStats("m", 1);
        List<Long> rowsPerCall = new CopyOnWriteArrayList<>();
        FakeModel model = new FakeModel(inputs -> {
            rowsPerCall.add(inputs.get(0).shape()[0]);
            return FakeModel.ECHO.run(inputs);
        });
        BatchingPolicy policy = BatchingPolicy.simple(4, 0, 64);
        DynamicBatcher batcher = DynamicBatcher.start("m", 1, policy, QueueDelay.fixed(0), List.of(model), stats,
                NanoClock.SYSTEM, 64, SpinPolicy.NONE);
        List<InferenceRequest> requests = requests(5, 4);
        List<List<Tensor>> out = batcher.submitBulk(requests, sizes(5, 4)).get(TIMEOUT_S, TimeUnit.SECONDS);
        for (int k = 0; k < 5; k++) {
            assertArrayEquals(floats(requests.get(k).inputs().get(0)), floats(out.get(k).get(0)), "request " + k);
        }
        assertTrue(rowsPerCall.stream().allMatch(r -> r <= 4), "max_batch_size respected: " + rowsPerCall);
        ModelStatsSnapshot s = statsAfter(batcher, stats);
        assertEquals(5, s.success().count());
        assertEquals(5, s.executionCount());
        assertEquals(20, s.inferenceCount());
    }
}
