package io.tensorline.server.scheduler;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Device;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadRequest;
import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.engine.TensorSpec;
import io.tensorline.server.config.QueuePolicySpec;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.simulated.SimulatedEngineProvider;
import io.tensorline.server.stats.ModelStats;
import io.tensorline.server.stats.ModelStatsSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.scheduler.TestRequests.floats;
import static io.tensorline.server.scheduler.TestRequests.fp32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real batcher with its threads: ring, batcher thread and instance threads. Every wait has a timeout. */
class DynamicBatcherTest {

    private static final long TIMEOUT_S = 30;

    private final ModelStats stats = new ModelStats("m", 1);
    private final List<DynamicBatcher> batchers = new ArrayList<>();
    private final List<ExecutorService> executors = new ArrayList<>();

    @AfterEach
    void tearDown() throws InterruptedException {
        for (ExecutorService e : executors) {
            e.shutdownNow();
            assertTrue(e.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS));
        }
        for (DynamicBatcher b : batchers) {
            b.shutdownNow();
            assertTrue(b.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS), "the batcher terminated");
        }
    }

    private DynamicBatcher started(BatchingPolicy policy, int ringSize, LoadedModel... instances) {
        DynamicBatcher b = DynamicBatcher.start("m", 1, policy, QueueDelay.fixed(policy.maxQueueDelayNanos()),
                List.of(instances), stats, NanoClock.SYSTEM, ringSize, SpinPolicy.NONE);
        batchers.add(b);
        return b;
    }

    /** Stamped now, as a transport would: the batchers here run on the system clock. */
    private static InferenceRequest request(String id, Tensor input) {
        return new InferenceRequest("m", "", id, Map.of(), List.of(input), List.of(), System.nanoTime());
    }

    private static InferenceException failure(CompletableFuture<List<Tensor>> reply) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> reply.get(TIMEOUT_S, TimeUnit.SECONDS));
        return assertInstanceOf(InferenceException.class, e.getCause());
    }

    private static LoadedModel simulated(Path dir, long delayMicros) throws Exception {
        Path marker = Files.createFile(dir.resolve("model.simulated"));
        List<TensorSpec> in = List.of(new TensorSpec("INPUT0", DataType.FP32, new long[] {-1, 16}));
        List<TensorSpec> out = List.of(new TensorSpec("OUTPUT0", DataType.FP32, new long[] {-1, 16}));
        return new SimulatedEngineProvider().load(new LoadRequest("m", 1, marker, Device.CPU,
                Map.of("execute_delay_us", Long.toString(delayMicros)), in, out, 64, 1));
    }

    @Test
    void concurrentSubmittersEachGetTheirOwnRowsBackInSharedBatches(@TempDir Path dir) throws Exception {
        DynamicBatcher batcher = started(BatchingPolicy.simple(64, 0, 4096), 4096, simulated(dir, 200));
        int submitters = 64;
        int perSubmitter = 20;
        ExecutorService pool = Executors.newFixedThreadPool(submitters);
        executors.add(pool);
        List<Future<Integer>> results = new ArrayList<>();
        for (int s = 0; s < submitters; s++) {
            int submitter = s;
            results.add(pool.submit(() -> {
                int ok = 0;
                for (int i = 0; i < perSubmitter; i++) {
                    int rows = 1 + (submitter + i) % 3;
                    Tensor input = fp32("INPUT0", rows, 16, submitter * 100_000 + i * 1000);
                    List<Tensor> out = batcher.submit(request(submitter + "/" + i, input), rows)
                            .get(TIMEOUT_S, TimeUnit.SECONDS);
                    assertEquals("OUTPUT0", out.get(0).name());
                    assertArrayEquals(input.shape(), out.get(0).shape());
                    assertArrayEquals(floats(input), floats(out.get(0)), "request " + submitter + "/" + i);
                    ok++;
                }
                return ok;
            }));
        }
        for (Future<Integer> f : results) {
            assertEquals(perSubmitter, f.get(TIMEOUT_S * 4, TimeUnit.SECONDS));
        }
        batcher.shutdown();
        assertTrue(batcher.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS), "statistics are all in at termination");
        ModelStatsSnapshot s = stats.snapshot();
        assertEquals((long) submitters * perSubmitter, s.success().count());
        assertEquals(0, s.failure().count());
        assertTrue(s.executionCount() < s.inferenceCount(),
                "requests shared executions: " + s.executionCount() + " executions for " + s.inferenceCount()
                        + " rows");
        assertTrue(s.batchStats().stream().anyMatch(b -> b.batchSize() > 3), "some batch held several requests");
    }

    @Test
    void aLoneRequestRunsOnTheInstanceThread() throws Exception {
        List<String> threads = new ArrayList<>();
        FakeModel model = new FakeModel(inputs -> {
            threads.add(Thread.currentThread().getName());
            return FakeModel.ECHO.run(inputs);
        });
        DynamicBatcher batcher = started(BatchingPolicy.simple(8, 0, 64), 64, model);
        Tensor input = fp32("INPUT0", 2, 4, 3);
        List<Tensor> out = batcher.submit(request("a", input), 2).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertArrayEquals(floats(input), floats(out.get(0)));
        assertEquals(List.of("instance-m-1-0"), threads);
    }

    @Test
    void theQueueDelayWakesTheBatcherWithoutAnyOtherEvent() throws Exception {
        DynamicBatcher batcher = started(BatchingPolicy.simple(8, TimeUnit.MILLISECONDS.toNanos(2), 64), 64,
                new FakeModel(FakeModel.ECHO));
        List<Tensor> out = batcher.submit(request("a", fp32("INPUT0", 1, 4, 0)), 1).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertEquals("OUTPUT0", out.get(0).name());
    }

    @Test
    void aQueueTimeoutFiresWhileTheOnlyInstanceIsBusy() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FakeModel blocking = new FakeModel(inputs -> {
            entered.countDown();
            awaitOrFail(release);
            return FakeModel.ECHO.run(inputs);
        });
        // level 1 has no timeout, so the first request surely runs; level 2 times out after 1 ms
        BatchingPolicy policy = new BatchingPolicy(8, new int[] {8}, 0, false, 2, 1, List.of(QueuePolicySpec.DEFAULT,
                new QueuePolicySpec(QueuePolicySpec.TimeoutAction.REJECT, 1000, false, 0)), 64);
        DynamicBatcher batcher = started(policy, 64, blocking);
        CompletableFuture<List<Tensor>> running = batcher.submit(request("a", fp32("INPUT0", 1, 4, 0)), 1);
        awaitOrFail(entered);
        CompletableFuture<List<Tensor>> waiting = batcher.submit(new InferenceRequest("m", "", "b",
                Map.of("priority", 2L), List.of(fp32("INPUT0", 1, 4, 0)), List.of(), System.nanoTime()), 1);
        InferenceException e = failure(waiting);
        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertTrue(e.getMessage().startsWith("Request timeout expired"), e.getMessage());
        release.countDown();
        running.get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    @Test
    void aFullRingRejectsAtOnceNamingItsSize() {
        DynamicBatcher batcher = new DynamicBatcher("m", 1, BatchingPolicy.simple(8, 0, 2), List.of(
                new FakeModel(FakeModel.ECHO)), stats, NanoClock.SYSTEM, 2);
        batchers.add(batcher);
        CompletableFuture<List<Tensor>> first = batcher.submit(request("a", fp32("INPUT0", 1, 4, 0)), 1);
        CompletableFuture<List<Tensor>> second = batcher.submit(request("b", fp32("INPUT0", 1, 4, 0)), 1);
        CompletableFuture<List<Tensor>> third = batcher.submit(request("c", fp32("INPUT0", 1, 4, 0)), 1);
        assertFalse(first.isDone());
        assertFalse(second.isDone());
        assertTrue(third.isDone(), "rejected without waiting");
        InferenceException e = failure(third);
        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertEquals("[request id: c] Exceeds maximum queue size: the batcher ring of model 'm' version 1 is full (2 slots)",
                e.getMessage());
        batcher.shutdown();
        assertEquals(ErrorCode.UNAVAILABLE, failure(first).code());
        assertEquals(ErrorCode.UNAVAILABLE, failure(second).code());
    }

    @Test
    void shutdownNowFailsWaitingRequestsAndLetsTheRunningBatchFinish() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FakeModel blocking = blockingModel(entered, release);
        DynamicBatcher batcher = started(BatchingPolicy.simple(1, 0, 64), 64, blocking);
        CompletableFuture<List<Tensor>> running = batcher.submit(request("a", fp32("INPUT0", 1, 4, 0)), 1);
        awaitOrFail(entered);
        CompletableFuture<List<Tensor>> waiting = batcher.submit(request("b", fp32("INPUT0", 1, 4, 0)), 1);
        batcher.shutdownNow();

        InferenceException e = failure(waiting);
        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertEquals("model 'm' version 1 is unloading", e.getMessage());
        assertFalse(running.isDone());
        assertFalse(batcher.isTerminated());
        release.countDown();
        assertEquals("OUTPUT0", running.get(TIMEOUT_S, TimeUnit.SECONDS).get(0).name());
        assertTrue(batcher.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS));
        assertTrue(blocking.closed.get(), "the instance is closed once its thread stopped");
        assertEquals(ErrorCode.UNAVAILABLE, failure(batcher.submit(request("c", fp32("INPUT0", 1, 4, 0)), 1)).code());
    }

    @Test
    void shutdownRunsEveryAcceptedRequestThenClosesTheInstances() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FakeModel blocking = blockingModel(entered, release);
        // a delay that would hold the second request for an hour: a draining batcher does not wait for it
        DynamicBatcher batcher = started(BatchingPolicy.simple(8, TimeUnit.HOURS.toNanos(1), 64), 64, blocking);
        CompletableFuture<List<Tensor>> running = batcher.submit(request("a", fp32("INPUT0", 8, 4, 0)), 8);
        awaitOrFail(entered);
        CompletableFuture<List<Tensor>> waiting = batcher.submit(request("b", fp32("INPUT0", 1, 4, 7)), 1);
        batcher.shutdown();
        assertEquals("model 'm' version 1 is unloading",
                failure(batcher.submit(request("c", fp32("INPUT0", 1, 4, 0)), 1)).getMessage());
        assertFalse(batcher.awaitTermination(0, TimeUnit.SECONDS), "a batch still runs");
        release.countDown();
        assertEquals(8, running.get(TIMEOUT_S, TimeUnit.SECONDS).get(0).shape()[0]);
        assertArrayEquals(new float[] {7, 8, 9, 10}, floats(waiting.get(TIMEOUT_S, TimeUnit.SECONDS).get(0)));
        assertTrue(batcher.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS));
        assertTrue(blocking.closed.get());
    }

    @Test
    void theInstanceRunsItsNextBatchWhileTheLastOneIsStillBeingAnswered() throws Exception {
        // a device slower than InstancePool.INLINE_ANSWER_MAX_EXEC_NANOS: its batches of several are handed off
        long sleepMillis = TimeUnit.NANOSECONDS.toMillis(InstancePool.INLINE_ANSWER_MAX_EXEC_NANOS) + 1;
        FakeModel model = new FakeModel(inputs -> {
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return FakeModel.ECHO.run(inputs);
        });
        // two rows make a full batch: a and b run together, then c alone
        DynamicBatcher batcher = started(BatchingPolicy.simple(2, TimeUnit.HOURS.toNanos(1), 64), 64, model);
        CountDownLatch answering = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<List<Tensor>> a = batcher.submit(request("a", fp32("INPUT0", 1, 4, 0)), 1);
        CompletableFuture<Void> slowCallback = a.thenRun(() -> {
            answering.countDown();
            awaitOrFail(release);
        });
        CompletableFuture<List<Tensor>> b = batcher.submit(request("b", fp32("INPUT0", 1, 4, 0)), 1);
        awaitOrFail(answering);
        CompletableFuture<List<Tensor>> c = batcher.submit(request("c", fp32("INPUT0", 2, 4, 5)), 2);
        // a's answer is still being written (its callback blocks the completer), yet the instance ran c
        assertArrayEquals(floats(fp32("INPUT0", 2, 4, 5)), floats(c.get(TIMEOUT_S, TimeUnit.SECONDS).get(0)));
        assertFalse(slowCallback.isDone());
        assertFalse(b.isDone(), "b is answered after a, on the completer thread");
        release.countDown();
        b.get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    private static FakeModel blockingModel(CountDownLatch entered, CountDownLatch release) {
        return new FakeModel(inputs -> {
            entered.countDown();
            awaitOrFail(release);
            return FakeModel.ECHO.run(inputs);
        });
    }

    @Test
    void anEngineFailureAnswersItsBatchAndTheInstanceServesTheNextOne() throws Exception {
        List<Integer> calls = new ArrayList<>();
        FakeModel model = new FakeModel(inputs -> {
            calls.add(1);
            if (calls.size() == 1) {
                throw new EngineException("kernel launch failed");
            }
            return FakeModel.ECHO.run(inputs);
        });
        DynamicBatcher batcher = started(BatchingPolicy.simple(8, 0, 64), 64, model);
        InferenceException e = failure(batcher.submit(request("a", fp32("INPUT0", 1, 4, 0)), 1));
        assertEquals(ErrorCode.INTERNAL, e.code());
        assertEquals("kernel launch failed", e.getMessage());
        assertEquals("OUTPUT0",
                batcher.submit(request("b", fp32("INPUT0", 1, 4, 0)), 1).get(TIMEOUT_S, TimeUnit.SECONDS).get(0)
                        .name());
    }

    private static void awaitOrFail(CountDownLatch latch) {
        try {
            if (!latch.await(TIMEOUT_S, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out waiting for the engine");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
