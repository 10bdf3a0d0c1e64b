package io.tensorline.server.scheduler;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;
import io.tensorline.server.stats.ModelStatsSnapshot;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.scheduler.TestRequests.floats;
import static io.tensorline.server.scheduler.TestRequests.fp32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        // statistics are recorded just after each answer: termination is when they are all in
        assertTrue(scheduler.awaitTermination(30, TimeUnit.SECONDS));
        ModelStatsSnapshot s = stats.snapshot();
        assertEquals(2, s.success().count());
        assertEquals(1, s.failuresByReason().get(FailureReason.BACKEND).count());
        assertEquals(2, s.executionCount());
        assertEquals(4, s.inferenceCount());
        assertEquals(3, s.queue().count());
        assertEquals(List.of(1, 3), s.batchStats().stream().map(b -> b.batchSize()).toList());
        assertEquals(0, s.pendingRequests());
    }

    @Test
    void theRequestRunsOnTheInstanceThreadAndErrorsNameTheModelVersion() throws Exception {
        List<String> threads = new CopyOnWriteArrayList<>();
        FakeModel model = new FakeModel(inputs -> {
            threads.add(Thread.currentThread().getName());
            throw new IllegalStateException("session closed");
        });
        DirectScheduler scheduler = scheduler(4, model);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> scheduler.submit(request(fp32("INPUT0", 1, 2, 0)), 1).get(30, TimeUnit.SECONDS));
        assertEquals("model 'm' version 1 failed: session closed", e.getCause().getMessage());
        assertEquals(List.of("instance-m-1-0"), threads);
    }

    @Test
    void aFullQueueRejectsAtOnceInTritonsWords() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        DirectScheduler scheduler = scheduler(1, FakeModel.blocking(new CountDownLatch(1), release));
        CompletableFuture<List<Tensor>> running = scheduler.submit(request(fp32("INPUT0", 1, 2, 0)), 1);
        CompletableFuture<List<Tensor>> waiting = scheduler.submit(request(fp32("INPUT0", 1, 2, 0)), 1);
        CompletableFuture<List<Tensor>> rejected = scheduler.submit(request(fp32("INPUT0", 1, 2, 0)), 1);
        ExecutionException e = assertThrows(ExecutionException.class, () -> rejected.get(0, TimeUnit.SECONDS));
        InferenceException cause = assertInstanceOf(InferenceException.class, e.getCause());
        assertEquals(ErrorCode.UNAVAILABLE, cause.code());
        assertEquals("[request id: <id_unknown>] Exceeds maximum queue size: model 'm' version 1 has 1 requests waiting (the queue's capacity)",
                cause.getMessage());
        release.countDown();
        running.get(30, TimeUnit.SECONDS);
        waiting.get(30, TimeUnit.SECONDS);
    }

    /** A scheduler whose one instance is busy with {@code running} until {@code release}, and one request waiting. */
    private record Busy(FakeModel model, DirectScheduler scheduler, CountDownLatch release,
                        CompletableFuture<List<Tensor>> running, CompletableFuture<List<Tensor>> waiting) {

        static Busy start() throws InterruptedException {
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            FakeModel model = FakeModel.blocking(entered, release);
            DirectScheduler scheduler = DirectSchedulerTest.scheduler(4, model);
            CompletableFuture<List<Tensor>> running = scheduler.submit(request(fp32("INPUT0", 1, 2, 0)), 1);
            assertTrue(entered.await(30, TimeUnit.SECONDS));
            return new Busy(model, scheduler, release, running,
                    scheduler.submit(request(fp32("INPUT0", 1, 2, 9)), 1));
        }
    }

    @Test
    void shutdownRunsWaitingRequestsThenClosesTheInstance() throws Exception {
        Busy busy = Busy.start();
        DirectScheduler scheduler = busy.scheduler();
        scheduler.shutdown();
        ExecutionException late = assertThrows(ExecutionException.class,
                () -> scheduler.submit(request(fp32("INPUT0", 1, 2, 0)), 1).get(30, TimeUnit.SECONDS));
        assertEquals("model 'm' version 1 is unloading", late.getCause().getMessage());
        assertFalse(scheduler.awaitTermination(0, TimeUnit.SECONDS));
        busy.release().countDown();
        busy.running().get(30, TimeUnit.SECONDS);
        assertArrayEquals(new float[] {9, 10}, floats(busy.waiting().get(30, TimeUnit.SECONDS).get(0)));
        assertTrue(scheduler.awaitTermination(30, TimeUnit.SECONDS));
        assertTrue(busy.model().closed.get());
    }

    @Test
    void shutdownNowFailsWaitingRequestsAndLetsTheRunningOneFinish() throws Exception {
        Busy busy = Busy.start();
        DirectScheduler scheduler = busy.scheduler();
        scheduler.shutdownNow();
        ExecutionException e = assertThrows(ExecutionException.class, () -> busy.waiting().get(30, TimeUnit.SECONDS));
        assertEquals("model 'm' version 1 is unloading", e.getCause().getMessage());
        busy.release().countDown();
        busy.running().get(30, TimeUnit.SECONDS);
        assertTrue(scheduler.awaitTermination(30, TimeUnit.SECONDS));
        assertTrue(busy.model().closed.get());
    }

    @Test
    void aRequestForAFastIdleInstanceRunsOnTheSubmittersThreadAndTheQueueStillDrains() throws Exception {
        List<String> threads = new CopyOnWriteArrayList<>();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FakeModel model = new FakeModel(inputs -> {
            threads.add(Thread.currentThread().getName());
            if (inputs.get(0).shape()[0] == 2) {
                entered.countDown();
                try {
                    if (!release.await(30, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("never released");
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            return FakeModel.ECHO.run(inputs);
        });
        ModelStats stats = new ModelStats("m", 1);
        // once the instance has run a batch, every lone request for it while idle runs where it was submitted
        DirectScheduler scheduler = new DirectScheduler("m-1", "'m' version 1", List.of(model), 4, stats,
                NanoClock.SYSTEM, new SpinPolicy(0, 0, Long.MAX_VALUE), ServerThreads.DEFAULT);
        try {
            scheduler.submit(request(fp32("INPUT0", 1, 2, 0)), 1).get(30, TimeUnit.SECONDS);
            assertEquals(List.of("instance-m-1-0"), threads);
            // the instance thread is done with its batch only after answering it; a request before that met load
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (scheduler.busyInstances() > 0 && System.nanoTime() < end) {
                Thread.sleep(1);
            }
            CompletableFuture<List<Tensor>> here = scheduler.submit(request(fp32("INPUT0", 1, 2, 5)), 1);
            assertTrue(here.isDone());
            assertEquals(Thread.currentThread().getName(), threads.get(1));
            // a submitter running the model holds its instance: a request meanwhile waits in the queue and runs
            // on the instance thread once the instance is free
            Thread holder = new Thread(() -> scheduler.submit(request(fp32("INPUT0", 2, 2, 0)), 2), "holder");
            holder.start();
            assertTrue(entered.await(30, TimeUnit.SECONDS));
            CompletableFuture<List<Tensor>> queued = scheduler.submit(request(fp32("INPUT0", 1, 2, 9)), 1);
            assertFalse(queued.isDone());
            release.countDown();
            holder.join(30_000);
            assertArrayEquals(new float[] {9, 10}, floats(queued.get(30, TimeUnit.SECONDS).get(0)));
            assertEquals(List.of("instance-m-1-0", Thread.currentThread().getName(), "holder", "instance-m-1-0"),
                    threads);
            // a request met load (it queued): the next hand-offs keep the instance thread for a while
            scheduler.submit(request(fp32("INPUT0", 1, 2, 0)), 1).get(30, TimeUnit.SECONDS);
            assertEquals("instance-m-1-0", threads.get(4));
        } finally {
            scheduler.shutdown();
        }
        assertTrue(scheduler.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(5, stats.snapshot().success().count());
        assertTrue(model.closed.get());
    }

    private static DirectScheduler scheduler(int capacity, FakeModel model) {
        return new DirectScheduler("m-1", "'m' version 1", List.of(model), capacity, new ModelStats("m", 1),
                NanoClock.SYSTEM, 0);
    }

    private static InferenceRequest request(Tensor input) {
        return new InferenceRequest("m", "", "", Map.of(), List.of(input), List.of(), System.nanoTime());
    }
}
