package io.tensorline.server.scheduler;

import io.tensorline.engine.Tensor;
import io.tensorline.server.config.DynamicBatchingSpec;
import io.tensorline.server.config.QueuePolicySpec;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.stats.ModelStats;
import io.tensorline.server.stats.ModelStatsSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.tensorline.server.scheduler.TestRequests.floats;
import static io.tensorline.server.scheduler.TestRequests.fp32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The dynamic batcher's direct hand-off ({@link InstanceLeases}): a submitter gives a lone request straight to an
 * idle instance while nothing waits, and the batcher thread takes every lent instance back before it batches.
 */
class DirectHandOffTest {

    private static final long TIMEOUT_S = 30;

    private final ModelStats stats = new ModelStats("m", 1);
    private final List<DynamicBatcher> batchers = new ArrayList<>();

    @AfterEach
    void tearDown() throws InterruptedException {
        for (DynamicBatcher b : batchers) {
            b.shutdownNow();
            assertTrue(b.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS), "the batcher terminated");
        }
    }

    /** Runs every request on an instance's own thread ({@link SpinPolicy#NONE}: no spin, never on the submitter). */
    private DynamicBatcher started(BatchingPolicy policy, NanoClock clock, FakeModel... instances) {
        return started(policy, clock, SpinPolicy.NONE, instances);
    }

    private DynamicBatcher started(BatchingPolicy policy, NanoClock clock, SpinPolicy spin, FakeModel... instances) {
        DynamicBatcher b = DynamicBatcher.start("m", 1, policy, QueueDelay.fixed(policy.maxQueueDelayNanos()),
                List.of(instances), stats, clock, 64, spin);
        batchers.add(b);
        return b;
    }

    private static InferenceRequest request(String id, Tensor input, long arrivalNanos, Map<String, Object> params) {
        return new InferenceRequest("m", "", id, params, List.of(input), List.of(), arrivalNanos);
    }

    private static InferenceRequest request(String id, Tensor input) {
        return request(id, input, System.nanoTime(), Map.of());
    }

    /**
     * Waits (bounded) until the batcher has lent {@code n} idle instances and consumed every event on its ring, so
     * that the next lone request goes direct.
     */
    private static void awaitLent(DynamicBatcher b, int n) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (b.lentIdleInstances() < n || !b.ringConsumed()) {
            if (System.nanoTime() > end) {
                fail("the batcher never lent " + n + " instances");
            }
            Thread.sleep(1);
        }
    }

    private static void awaitOrFail(CountDownLatch latch) throws InterruptedException {
        assertTrue(latch.await(TIMEOUT_S, TimeUnit.SECONDS), "timed out");
    }

    @Test
    void loneRequestsGoStraightToTheIdleInstanceWithTheirOwnOutputs() throws Exception {
        List<String> threads = new CopyOnWriteArrayList<>();
        FakeModel model = new FakeModel(inputs -> {
            threads.add(Thread.currentThread().getName());
            return FakeModel.ECHO.run(inputs);
        });
        DynamicBatcher batcher = started(BatchingPolicy.simple(8, 0, 64), NanoClock.SYSTEM, model);
        // the first request takes the ring: nothing is lent before the batcher thread ran once
        batcher.submit(request("warm", fp32("INPUT0", 1, 4, 0)), 1).get(TIMEOUT_S, TimeUnit.SECONDS);
        awaitLent(batcher, 1);
        long before = batcher.directHandOffs();
        for (int i = 0; i < 20; i++) {
            Tensor input = fp32("INPUT0", 1 + i % 3, 4, i * 1000);
            List<Tensor> out = batcher.submit(request("r" + i, input), 1 + i % 3).get(TIMEOUT_S, TimeUnit.SECONDS);
            assertEquals("OUTPUT0", out.get(0).name());
            assertArrayEquals(input.shape(), out.get(0).shape());
            assertArrayEquals(floats(input), floats(out.get(0)), "request " + i);
        }
        // a direct batch gives its instance back to the lease itself before its answer, so each one went direct
        assertEquals(before + 20, batcher.directHandOffs());
        assertEquals(21, threads.size());
        assertTrue(threads.stream().allMatch("instance-m-1-0"::equals), threads.toString());
        batcher.shutdown();
        assertTrue(batcher.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS));
        ModelStatsSnapshot s = stats.snapshot();
        assertEquals(21, s.success().count());
        assertEquals(21, s.queue().count());
        assertTrue(model.closed.get());
    }

    @Test
    void aDirectRequestsQueueTimeIsCountedFromItsArrivalStamp() throws Exception {
        FakeClock clock = new FakeClock(1_000_000);
        DynamicBatcher batcher = started(BatchingPolicy.simple(8, 0, 64), clock, new FakeModel(FakeModel.ECHO));
        batcher.submit(request("warm", fp32("INPUT0", 1, 4, 0), 1_000_000, Map.of()), 1)
                .get(TIMEOUT_S, TimeUnit.SECONDS);
        awaitLent(batcher, 1);
        long queuedBefore = stats.snapshot().queue().nanos();
        // stamped 7 µs before the clock's now, as a transport stamps before it decodes
        batcher.submit(request("a", fp32("INPUT0", 1, 4, 0), 1_000_000 - 7_000, Map.of()), 1)
                .get(TIMEOUT_S, TimeUnit.SECONDS);
        assertEquals(1, batcher.directHandOffs());
        assertEquals(7_000, stats.snapshot().queue().nanos() - queuedBefore);
    }

    /** A tuned delay that stays at 0 and records, on the batcher thread, every request it is told of. */
    private static final class RecordingDelay implements QueueDelay {
        final List<long[]> seen = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();

        @Override
        public long nanos() {
            return 0;
        }

        @Override
        public void observe(long arrivalNanos, long doneNanos, boolean lastOfBatch) {
            seen.add(new long[] {arrivalNanos, doneNanos});
            threads.add(Thread.currentThread().getName());
        }

        @Override
        public boolean adapts() {
            return true;
        }
    }

    @Test
    void aTunedDelayAtZeroLendsInstancesAndHearsOfTheirDirectRequests() throws Exception {
        FakeClock clock = new FakeClock(1_000_000);
        RecordingDelay delay = new RecordingDelay();
        DynamicBatcher batcher = DynamicBatcher.start("m", 1, BatchingPolicy.simple(8, 0, 64), delay,
                List.of(new FakeModel(FakeModel.ECHO)), stats, clock, 64, SpinPolicy.NONE);
        batchers.add(batcher);
        batcher.submit(request("warm", fp32("INPUT0", 1, 4, 0), 1_000_000, Map.of()), 1)
                .get(TIMEOUT_S, TimeUnit.SECONDS);
        awaitLent(batcher, 1);
        for (int i = 0; i < 5; i++) {
            // stamped 3 µs before the clock's now, one after another
            long stamp = 1_000_000 + i * 10_000 - 3_000;
            clock.advanceMicros(10);
            batcher.submit(request("r" + i, fp32("INPUT0", 1, 4, i), stamp, Map.of()), 1)
                    .get(TIMEOUT_S, TimeUnit.SECONDS);
        }
        assertEquals(5, batcher.directHandOffs(), "each lone request went direct");
        // the batcher thread hears of them at its next event: one more request, through the ring
        batcher.shutdown();
        assertTrue(batcher.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS));
        assertEquals(6, delay.seen.size(), "the warm-up batch and the 5 direct requests");
        for (int i = 0; i < 5; i++) {
            long[] r = delay.seen.get(1 + i);
            assertEquals(1_000_000 + i * 10_000 - 3_000, r[0], "request " + i + "'s arrival stamp");
            assertEquals(1_000_000 + (i + 1) * 10_000, r[1], "request " + i + " done when the clock read");
        }
        assertTrue(delay.threads.stream().allMatch("batcher-m-1"::equals), delay.threads.toString());
    }

    /** Once an instance has run a batch, its lone requests run on whichever thread submits them. */
    private static final SpinPolicy ALWAYS_HERE = new SpinPolicy(0, 0, Long.MAX_VALUE);

    @Test
    void aLoneRequestForAFastInstanceRunsOnTheSubmittersThreadWithItsOwnOutputs() throws Exception {
        List<String> threads = new CopyOnWriteArrayList<>();
        FakeModel model = new FakeModel(inputs -> {
            threads.add(Thread.currentThread().getName());
            return FakeModel.ECHO.run(inputs);
        });
        DynamicBatcher batcher = started(BatchingPolicy.simple(8, 0, 64), NanoClock.SYSTEM, ALWAYS_HERE, model);
        // the first takes the ring and runs on the instance thread: nothing is lent yet, and the instance's
        // execution time is not known before it ran once
        batcher.submit(request("warm", fp32("INPUT0", 1, 4, 0)), 1).get(TIMEOUT_S, TimeUnit.SECONDS);
        awaitLent(batcher, 1);
        // the instance thread is done with its batch only after answering it; a request before that met load
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (batcher.busyInstances() > 0) {
            if (System.nanoTime() > end) {
                fail("the instance never finished its batch");
            }
            Thread.sleep(1);
        }
        String me = Thread.currentThread().getName();
        for (int i = 0; i < 20; i++) {
            Tensor input = fp32("INPUT0", 1 + i % 3, 4, i * 1000);
            CompletableFuture<List<Tensor>> reply = batcher.submit(request("r" + i, input), 1 + i % 3);
            // run and answered before submit returned
            assertTrue(reply.isDone(), "request " + i);
            List<Tensor> out = reply.get();
            assertArrayEquals(input.shape(), out.get(0).shape());
            assertArrayEquals(floats(input), floats(out.get(0)), "request " + i);
        }
        assertEquals(20, batcher.directHandOffs());
        assertEquals("instance-m-1-0", threads.get(0));
        assertEquals(java.util.Collections.nCopies(20, me), threads.subList(1, 21));
        // the instance went back to the lease after each: a request that must batch still takes the ring
        assertEquals(1, batcher.lentIdleInstances());
        batcher.shutdown();
        assertTrue(batcher.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS));
        ModelStatsSnapshot s = stats.snapshot();
        assertEquals(21, s.success().count());
        assertEquals(21, s.executionCount());
        assertEquals(21, s.queue().count());
        assertTrue(model.closed.get());
    }

    @Test
    void everyRequestIsAnsweredExactlyOnceWhenSubmittersRaceAShutdown() throws Exception {
        raceAShutdown(SpinPolicy.NONE);
    }

    @Test
    void everyRequestIsAnsweredExactlyOnceWhenSubmittersRunningTheModelRaceAShutdown() throws Exception {
        raceAShutdown(ALWAYS_HERE);
    }

    private void raceAShutdown(SpinPolicy spin) throws Exception {
        FakeModel a = new FakeModel(FakeModel.ECHO);
        FakeModel b = new FakeModel(FakeModel.ECHO);
        DynamicBatcher batcher = started(BatchingPolicy.simple(8, 0, 64), NanoClock.SYSTEM, spin, a, b);
        // the direct path is live when the race starts (whether racing requests take it is up to the interleaving)
        batcher.submit(request("warm", fp32("INPUT0", 1, 4, 0)), 1).get(TIMEOUT_S, TimeUnit.SECONDS);
        awaitLent(batcher, 2);
        batcher.submit(request("direct", fp32("INPUT0", 1, 4, 0)), 1).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertEquals(1, batcher.directHandOffs());
        int threads = 4;
        List<List<CompletableFuture<List<Tensor>>>> replies = new ArrayList<>();
        List<Thread> submitters = new ArrayList<>();
        CountDownLatch going = new CountDownLatch(threads);
        AtomicBoolean stop = new AtomicBoolean();
        for (int t = 0; t < threads; t++) {
            List<CompletableFuture<List<Tensor>>> mine = new ArrayList<>();
            replies.add(mine);
            int id = t;
            Thread th = new Thread(() -> {
                for (int i = 0; !stop.get() && i < 200_000; i++) {
                    CompletableFuture<List<Tensor>> f = batcher.submit(request(id + "/" + i,
                            fp32("INPUT0", 1, 4, i)), 1);
                    mine.add(f);
                    if (i == 200) {
                        going.countDown();
                    }
                    if (i % 4 == 0) {
                        // some wait for their answer, so that the ring empties and instances are lent
                        try {
                            f.get(TIMEOUT_S, TimeUnit.SECONDS);
                        } catch (ExecutionException | InterruptedException | TimeoutException e) {
                            // UNAVAILABLE after the shutdown: checked below
                        }
                    }
                }
            });
            submitters.add(th);
            th.start();
        }
        awaitOrFail(going);
        batcher.shutdown();
        stop.set(true);
        for (Thread th : submitters) {
            th.join(TimeUnit.SECONDS.toMillis(TIMEOUT_S));
        }
        assertTrue(batcher.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS));
        long ok = 0;
        long unavailable = 0;
        for (List<CompletableFuture<List<Tensor>>> mine : replies) {
            for (CompletableFuture<List<Tensor>> f : mine) {
                try {
                    f.get(TIMEOUT_S, TimeUnit.SECONDS);
                    ok++;
                } catch (ExecutionException e) {
                    InferenceException ie = assertInstanceOf(InferenceException.class, e.getCause());
                    assertEquals(ErrorCode.UNAVAILABLE, ie.code(), ie.getMessage());
                    unavailable++;
                }
            }
        }
        ModelStatsSnapshot s = stats.snapshot();
        // each request answered once, and recorded at most once (those refused at the door are not recorded); the
        // two before the race succeeded
        assertEquals(ok + 2, s.success().count());
        assertTrue(s.failure().count() <= unavailable, s.failure().count() + " > " + unavailable);
        assertTrue(a.closed.get() && b.closed.get());
    }

    @Test
    void aRequestAnsweredBeforeItsSubmitterLooksAtTheShutdownIsNotFailedToo() throws Exception {
        // a queue delay, so that nothing is lent and the request takes the ring
        DynamicBatcher batcher = started(BatchingPolicy.simple(8, TimeUnit.MILLISECONDS.toNanos(1), 64),
                NanoClock.SYSTEM, new FakeModel(FakeModel.ECHO));
        CountDownLatch published = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        CompletableFuture<CompletableFuture<List<Tensor>>> submitted = new CompletableFuture<>();
        Tensor input = fp32("INPUT0", 1, 4, 7);
        Thread submitter = new Thread(() -> submitted.complete(batcher.submit(request("late", input), 1)));
        // the submitter stops between publishing its request and checking whether the ring was drained
        batcher.afterPublishForTests = () -> {
            if (Thread.currentThread() == submitter) {
                published.countDown();
                try {
                    awaitOrFail(resume);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        };
        submitter.start();
        awaitOrFail(published);
        // meanwhile the batcher runs and answers the request, then shuts down and leaves the ring
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (stats.snapshot().success().count() < 1) {
            if (System.nanoTime() > end) {
                fail("the request was never answered");
            }
            Thread.sleep(1);
        }
        batcher.shutdown();
        assertTrue(batcher.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS));
        resume.countDown();
        submitter.join(TimeUnit.SECONDS.toMillis(TIMEOUT_S));
        List<Tensor> out = submitted.get(TIMEOUT_S, TimeUnit.SECONDS).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertArrayEquals(floats(input), floats(out.get(0)));
        // answered once and recorded once: the submitter, seeing the ring drained, does not fail it as well
        ModelStatsSnapshot s = stats.snapshot();
        assertEquals(1, s.success().count());
        assertEquals(0, s.failure().count());
    }

    @Test
    void preserveOrderingNeverHandsOffDirectlyAndAnswersInArrivalOrder() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FakeModel slow = FakeModel.blocking(entered, release);
        FakeModel fast = new FakeModel(FakeModel.ECHO);
        DynamicBatchingSpec spec = new DynamicBatchingSpec(List.of(), 0, true, 0, 0, QueuePolicySpec.DEFAULT,
                Map.of());
        DynamicBatcher batcher = started(BatchingPolicy.of(1, spec, 64), NanoClock.SYSTEM, slow, fast);
        List<String> order = new CopyOnWriteArrayList<>();
        CompletableFuture<List<Tensor>> first = batcher.submit(request("first", fp32("INPUT0", 1, 4, 0)), 1);
        first.thenRun(() -> order.add("first"));
        awaitOrFail(entered);
        List<CompletableFuture<List<Tensor>>> later = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = "later" + i;
            CompletableFuture<List<Tensor>> f = batcher.submit(request(id, fp32("INPUT0", 1, 4, i)), 1);
            f.thenRun(() -> order.add(id));
            later.add(f);
        }
        // the fast instance ran the later ones, but none is answered before the first
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (fast.calls.size() < 5 && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        assertEquals(5, fast.calls.size());
        assertEquals(List.of(), order);
        release.countDown();
        first.get(TIMEOUT_S, TimeUnit.SECONDS);
        for (CompletableFuture<List<Tensor>> f : later) {
            f.get(TIMEOUT_S, TimeUnit.SECONDS);
        }
        assertEquals(List.of("first", "later0", "later1", "later2", "later3", "later4"), order);
        assertEquals(0, batcher.directHandOffs());
        assertEquals(0, batcher.lentIdleInstances());
    }

    @Test
    void aHigherPriorityRequestWaitingBehindABusyLentInstanceRunsFirst() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> ran = new CopyOnWriteArrayList<>();
        AtomicBoolean block = new AtomicBoolean();
        FakeModel model = new FakeModel(inputs -> {
            ran.add(Float.toString(floats(inputs.get(0))[0]));
            if (block.get()) {
                entered.countDown();
                try {
                    awaitOrFail(release);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            return FakeModel.ECHO.run(inputs);
        });
        // two levels, level 2 the default; max batch 1 so that each request runs alone
        DynamicBatchingSpec spec = new DynamicBatchingSpec(List.of(), 0, false, 2, 2, QueuePolicySpec.DEFAULT,
                Map.of());
        DynamicBatcher batcher = started(BatchingPolicy.of(1, spec, 64), NanoClock.SYSTEM, model);
        batcher.submit(request("warm", fp32("INPUT0", 1, 4, 1)), 1).get(TIMEOUT_S, TimeUnit.SECONDS);
        awaitLent(batcher, 1);
        block.set(true);
        // goes direct and holds the only instance
        CompletableFuture<List<Tensor>> holder = batcher.submit(request("holder", fp32("INPUT0", 1, 4, 2)), 1);
        awaitOrFail(entered);
        block.set(false);
        assertEquals(1, batcher.directHandOffs());
        CompletableFuture<List<Tensor>> low = batcher.submit(request("low", fp32("INPUT0", 1, 4, 3),
                System.nanoTime(), Map.of("priority", 2L)), 1);
        CompletableFuture<List<Tensor>> high = batcher.submit(request("high", fp32("INPUT0", 1, 4, 4),
                System.nanoTime(), Map.of("priority", 1L)), 1);
        // both wait in the batcher: wait until it has called the busy lease back (both are queued by then)
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (stats.pendingRequests() < 2 && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        release.countDown();
        holder.get(TIMEOUT_S, TimeUnit.SECONDS);
        low.get(TIMEOUT_S, TimeUnit.SECONDS);
        high.get(TIMEOUT_S, TimeUnit.SECONDS);
        assertEquals(List.of("1.0", "2.0", "4.0", "3.0"), ran);
        assertEquals(1, batcher.directHandOffs());
    }

    @Test
    void anInstanceTakenOutWhileLentRetiresAndTheOthersKeepServing() throws Exception {
        FakeModel a = new FakeModel(FakeModel.ECHO);
        FakeModel b = new FakeModel(FakeModel.ECHO);
        DynamicBatcher batcher = started(BatchingPolicy.simple(8, 0, 64), NanoClock.SYSTEM, a, b);
        batcher.submit(request("warm", fp32("INPUT0", 1, 4, 0)), 1).get(TIMEOUT_S, TimeUnit.SECONDS);
        awaitLent(batcher, 2);
        batcher.inPlace().change(List.of(), List.of(0), null).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertTrue(a.closed.get(), "the instance taken out is closed");
        int aCalls = a.calls.size();
        awaitLent(batcher, 1);
        for (int i = 0; i < 10; i++) {
            Tensor input = fp32("INPUT0", 1, 4, i);
            List<Tensor> out = batcher.submit(request("r" + i, input), 1).get(TIMEOUT_S, TimeUnit.SECONDS);
            assertArrayEquals(floats(input), floats(out.get(0)));
        }
        assertEquals(aCalls, a.calls.size(), "no request reached the retired instance");
        assertEquals(1, batcher.lentIdleInstances());
    }
}
