package io.tensorline.server.scheduler;

import io.tensorline.engine.Tensor;
import io.tensorline.server.config.DynamicBatchingSpec;
import io.tensorline.server.config.QueuePolicySpec;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.stats.ModelStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.scheduler.TestRequests.floats;
import static io.tensorline.server.scheduler.TestRequests.fp32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Instances added to and removed from running schedulers, and batching settings replaced, without a reload:
 * a removed instance finishes the batch it runs and then closes; an added one takes waiting work at once.
 */
class InPlaceChangesTest {

    private static final int TIMEOUT_S = 30;
    /** A delay no test waits out: a request that waits for it is only sent because something changed. */
    private static final long HOUR_MICROS = 3_600_000_000L;

    private final List<Scheduler> schedulers = new ArrayList<>();

    @AfterEach
    void shutDown() throws InterruptedException {
        for (Scheduler s : schedulers) {
            s.shutdownNow();
            assertTrue(s.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS));
        }
    }

    @Test
    void directSchedulerRemovedInstanceFinishesItsRequestThenClosesWhileTheAddedOneServes() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FakeModel old = FakeModel.blocking(entered, release);
        DirectScheduler scheduler = track(new DirectScheduler("m-1", "'m' version 1", List.of(old), 16,
                new ModelStats("m", 1), NanoClock.SYSTEM, 0));
        assertChangesInstances(scheduler, old, entered, release);
    }

    @Test
    void dynamicBatcherRemovedInstanceFinishesItsBatchThenClosesWhileTheAddedOneServes() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FakeModel old = FakeModel.blocking(entered, release);
        assertChangesInstances(batcher(BatchingPolicy.simple(8, 0, 64), old), old, entered, release);
    }

    /** One instance busy with a request and one request waiting; then it is replaced by a new instance. */
    private static void assertChangesInstances(Scheduler scheduler, FakeModel old, CountDownLatch entered,
                                               CountDownLatch release) throws Exception {
        CompletableFuture<List<Tensor>> running = scheduler.submit(request(fp32("INPUT0", 1, 2, 0)), 1);
        assertTrue(entered.await(TIMEOUT_S, TimeUnit.SECONDS));
        CompletableFuture<List<Tensor>> waiting = scheduler.submit(request(fp32("INPUT0", 1, 2, 9)), 1);
        FakeModel added = new FakeModel(FakeModel.ECHO);

        CompletableFuture<Void> change = scheduler.inPlace().change(List.of(added), List.of(0), null);

        assertArrayEquals(new float[] {9, 10}, floats(waiting.get(TIMEOUT_S, TimeUnit.SECONDS).get(0)),
                "the added instance takes the waiting request while the removed one is busy");
        assertFalse(change.isDone(), "the removed instance still runs its request");
        assertFalse(old.closed.get());
        release.countDown();
        assertArrayEquals(new float[] {0, 1}, floats(running.get(TIMEOUT_S, TimeUnit.SECONDS).get(0)));
        change.get(TIMEOUT_S, TimeUnit.SECONDS);
        assertTrue(old.closed.get(), "the removed instance closed its session after its request");
        assertEquals(1, old.calls.size());
        scheduler.submit(request(fp32("INPUT0", 1, 2, 4)), 1).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertEquals(2, added.calls.size(), "later requests run on the added instance");
        assertFalse(added.closed.get());
    }

    @Test
    void anIdleInstanceRemovedClosesAtOnceAndTheOthersServeOn() throws Exception {
        FakeModel first = new FakeModel(FakeModel.ECHO);
        FakeModel second = new FakeModel(FakeModel.ECHO);
        DynamicBatcher batcher = batcher(BatchingPolicy.simple(8, 0, 64), first, second);
        batcher.inPlace().change(List.of(), List.of(0), null).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertTrue(first.closed.get());
        for (int i = 0; i < 4; i++) {
            batcher.submit(request(fp32("INPUT0", 1, 2, i)), 1).get(TIMEOUT_S, TimeUnit.SECONDS);
        }
        assertEquals(0, first.calls.size());
        assertEquals(4, second.calls.size());
    }

    @Test
    void aShorterQueueDelaySendsTheRequestThatWaitsForALargerBatch() throws Exception {
        FakeModel model = new FakeModel(FakeModel.ECHO);
        DynamicBatcher batcher = batcher(BatchingPolicy.of(8, batching(HOUR_MICROS), 64), model);
        CompletableFuture<List<Tensor>> waiting = batcher.submit(request(fp32("INPUT0", 1, 2, 3)), 1);
        assertThrows(java.util.concurrent.TimeoutException.class, () -> waiting.get(50, TimeUnit.MILLISECONDS),
                "one row of a preferred 8 waits for the hour-long delay");

        batcher.inPlace().change(List.of(), List.of(), batching(0)).get(TIMEOUT_S, TimeUnit.SECONDS);

        assertArrayEquals(new float[] {3, 4}, floats(waiting.get(TIMEOUT_S, TimeUnit.SECONDS).get(0)));
    }

    @Test
    void prioritiesCannotChangeInPlace() throws Exception {
        DynamicBatcher batcher = batcher(BatchingPolicy.of(8, batching(0), 64), new FakeModel(FakeModel.ECHO));
        DynamicBatchingSpec levels = new DynamicBatchingSpec(List.of(8), 0, false, 2, 1, QueuePolicySpec.DEFAULT,
                Map.of());
        FakeModel added = new FakeModel(FakeModel.ECHO);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> batcher.inPlace().change(List.of(added), List.of(), levels));
        assertEquals("priority_levels and preserve_ordering cannot change in place", e.getMessage());
        assertTrue(added.closed.get());
        batcher.submit(request(fp32("INPUT0", 1, 2, 0)), 1).get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    @Test
    void aSchedulerShuttingDownRefusesAChangeAndClosesTheInstancesItWasGiven() {
        DirectScheduler scheduler = track(new DirectScheduler("m-1", List.of(new FakeModel(FakeModel.ECHO)), 4));
        scheduler.shutdown();
        FakeModel added = new FakeModel(FakeModel.ECHO);
        assertThrows(IllegalStateException.class, () -> scheduler.inPlace().change(List.of(added), List.of(), null));
        assertTrue(added.closed.get());
    }

    private static DynamicBatchingSpec batching(long delayMicros) {
        return new DynamicBatchingSpec(List.of(8), delayMicros, false, 0, 0, QueuePolicySpec.DEFAULT, Map.of());
    }

    private DynamicBatcher batcher(BatchingPolicy policy, FakeModel... instances) {
        return track(DynamicBatcher.start("m", 1, policy, QueueDelay.fixed(policy.maxQueueDelayNanos()),
                List.of(instances), new ModelStats("m", 1), NanoClock.SYSTEM, 64, SpinPolicy.NONE));
    }

    private <S extends Scheduler> S track(S s) {
        schedulers.add(s);
        return s;
    }

    private static InferenceRequest request(Tensor input) {
        return new InferenceRequest("m", "", "", Map.of(), List.of(input), List.of(), System.nanoTime());
    }
}
