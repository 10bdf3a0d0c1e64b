package io.tensorline.server.scheduler;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.stats.BatchStatsSnapshot;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;
import io.tensorline.server.stats.ModelStatsSnapshot;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.tensorline.server.scheduler.BulkSubmissionTest.direct;
import static io.tensorline.server.scheduler.BulkSubmissionTest.failure;
import static io.tensorline.server.scheduler.BulkSubmissionTest.statsAfter;
import static io.tensorline.server.scheduler.TestRequests.floats;
import static io.tensorline.server.scheduler.TestRequests.fp32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Scheduler#submitSplit}: one request of many rows run in parts, on the direct scheduler and via a bulk. */
class SplitBulkTest {

    private static final long TIMEOUT_S = BulkSubmissionTest.TIMEOUT_S;

    /** A request of {@code rows} x 2 FP32 (element (r, c) is {@code r * 100 + c}). */
    private static InferenceRequest rows(int rows) {
        return rows(rows, 0);
    }

    /** As {@link #rows(int)}, each element plus {@code base}. */
    private static InferenceRequest rows(int rows, float base) {
        return new InferenceRequest("m", "", "split", Map.of(), List.of(fp32("INPUT0", rows, 2, base)), List.of(),
                System.nanoTime());
    }

    /** Doubles every FP32 input element into OUTPUTk (a real computation, so the rows' places show). */
    private static final FakeModel.Behaviour DOUBLE = inputs -> inputs.stream().map(t -> {
        ByteBuffer in = t.data();
        ByteBuffer out = ByteBuffer.allocate(in.remaining()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        while (in.hasRemaining()) {
            out.putFloat(2 * in.getFloat());
        }
        return Tensor.of(t.name().replace("INPUT", "OUTPUT"), DataType.FP32, t.shape(), out.flip());
    }).toList();

    @Test
    void theDirectSchedulerRunsThePartsOnOneInstanceAndJoinsTheirRowsInOrder() throws Exception {
        ModelStats stats = new ModelStats("m", 1);
        List<String> threads = new CopyOnWriteArrayList<>();
        List<Long> rowsPerCall = new CopyOnWriteArrayList<>();
        FakeModel.Behaviour recording = inputs -> {
            threads.add(Thread.currentThread().getName());
            rowsPerCall.add(inputs.get(0).shape()[0]);
            return DOUBLE.run(inputs);
        };
        DirectScheduler scheduler = direct(stats, 16, new FakeModel(recording), new FakeModel(recording));
        InferenceRequest request = rows(10);
        List<Tensor> out = scheduler.submitSplit(request, 10, 4).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertEquals(1, new HashSet<>(threads).size(), "one instance ran every part: " + threads);
        assertEquals(List.of(4L, 4L, 2L), rowsPerCall);
        assertEquals(1, out.size());
        assertEquals("OUTPUT0", out.get(0).name());
        assertArrayEquals(new long[] {10, 2}, out.get(0).shape());
        float[] in = floats(request.inputs().get(0));
        float[] got = floats(out.get(0));
        for (int i = 0; i < in.length; i++) {
            assertEquals(2 * in[i], got[i], "element " + i);
        }
        ModelStatsSnapshot s = statsAfter(scheduler, stats);
        assertEquals(3, s.success().count(), "each part a request, as if sent alone");
        assertEquals(3, s.queue().count());
        assertEquals(3, s.executionCount());
        assertEquals(10, s.inferenceCount());
        assertEquals(3, s.computeInfer().count());
        assertEquals(List.of(2, 4), s.batchStats().stream().map(BatchStatsSnapshot::batchSize).toList());
        assertEquals(1, s.batchStats().get(0).computeInfer().count());
        assertEquals(2, s.batchStats().get(1).computeInfer().count());
        assertEquals(3, java.util.Arrays.stream(s.requestLatency().counts()).sum());
        assertTrue(s.lastInferenceMillis() > 0);
        assertEquals(0, s.pendingRequests());
    }

    @Test
    void anEngineErrorInOnePartFailsTheWholeInTheInstancePoolsWordsAfterTheOthersRan() throws Exception {
        ModelStats stats = new ModelStats("m", 1);
        FakeModel model = new FakeModel(inputs -> {
            if (inputs.get(0).data().getFloat(0) == 200f) { // the part from row 2
                throw new IllegalStateException("session closed");
            }
            return DOUBLE.run(inputs);
        });
        DirectScheduler scheduler = direct(stats, 16, model);
        InferenceException e = failure(scheduler.submitSplit(rows(8), 8, 2));
        assertEquals(ErrorCode.INTERNAL, e.code());
        assertEquals("model 'm' version 1 failed: session closed", e.getMessage());
        assertEquals(4, model.calls.size(), "the parts after the failing one still ran");
        assertEquals(4, scheduler.submitSplit(rows(4, 1000), 4, 2).get(TIMEOUT_S, TimeUnit.SECONDS).get(0).shape()[0]);
        ModelStatsSnapshot s = statsAfter(scheduler, stats);
        assertEquals(5, s.success().count());
        assertEquals(1, s.failuresByReason().get(FailureReason.BACKEND).count());
        assertEquals(5, s.executionCount());
        assertEquals(10, s.inferenceCount());
        assertEquals(6, s.queue().count());
    }

    @Test
    void partsWhoseOutputsCannotBeJoinedFailAsInternal() throws Exception {
        ModelStats stats = new ModelStats("m", 1);
        FakeModel model = new FakeModel(inputs -> { // one row too few for every part
            Tensor t = inputs.get(0);
            int rows = (int) t.shape()[0] - 1;
            return List.of(Tensor.of("OUTPUT0", DataType.FP32, new long[] {rows, 2},
                    t.data().limit(rows * 8)));
        });
        DirectScheduler scheduler = direct(stats, 16, model);
        InferenceException e = failure(scheduler.submitSplit(rows(6), 6, 3));
        assertEquals(ErrorCode.INTERNAL, e.code());
        assertTrue(e.getMessage().startsWith("model 'm' version 1 output 'OUTPUT0' is FP32 [2, 2] for a part of 3 "
                + "rows (expected: a fixed-size output with a row per input row"), e.getMessage());
        ModelStatsSnapshot s = statsAfter(scheduler, stats);
        assertEquals(2, s.failuresByReason().get(FailureReason.OTHER).count());
        assertEquals(0, s.executionCount());
    }

    @Test
    void aWaitingSplitRunsWhenTheInstanceIsFreeAndShutdownNowFailsEachPart() throws Exception {
        ModelStats stats = new ModelStats("m", 1);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        DirectScheduler scheduler = direct(stats, 16, FakeModel.blocking(entered, release));
        CompletableFuture<List<Tensor>> running = scheduler.submit(rows(1), 1);
        assertTrue(entered.await(TIMEOUT_S, TimeUnit.SECONDS));
        CompletableFuture<List<Tensor>> queued = scheduler.submitSplit(rows(6), 6, 2);
        release.countDown();
        assertEquals(6, queued.get(TIMEOUT_S, TimeUnit.SECONDS).get(0).shape()[0]);
        running.get(TIMEOUT_S, TimeUnit.SECONDS);

        CountDownLatch entered2 = new CountDownLatch(1);
        CountDownLatch release2 = new CountDownLatch(1);
        ModelStats stats2 = new ModelStats("m", 1);
        DirectScheduler busy = direct(stats2, 16, FakeModel.blocking(entered2, release2));
        CompletableFuture<List<Tensor>> blocking = busy.submit(rows(1), 1);
        assertTrue(entered2.await(TIMEOUT_S, TimeUnit.SECONDS));
        CompletableFuture<List<Tensor>> waiting = busy.submitSplit(rows(5), 5, 2);
        busy.shutdownNow();
        InferenceException e = failure(waiting);
        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertEquals("model 'm' version 1 is unloading", e.getMessage());
        release2.countDown();
        blocking.get(TIMEOUT_S, TimeUnit.SECONDS);
        assertTrue(busy.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS));
        assertEquals(3, stats2.snapshot().failuresByReason().get(FailureReason.OTHER).count(), "each part counted");
        assertEquals(4, statsAfter(scheduler, stats).success().count());
    }

    @Test
    void aFullQueueRejectsTheSplitAndACancelledOneNeverRunsAndCountsEachPart() throws Exception {
        ModelStats stats = new ModelStats("m", 1);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FakeModel model = FakeModel.blocking(entered, release);
        DirectScheduler scheduler = direct(stats, 1, model);
        CompletableFuture<List<Tensor>> running = scheduler.submit(rows(1), 1);
        assertTrue(entered.await(TIMEOUT_S, TimeUnit.SECONDS));
        CompletableFuture<List<Tensor>> cancelled = scheduler.submitSplit(rows(4), 4, 2);
        InferenceException rejected = failure(scheduler.submitSplit(rows(6), 6, 2));
        assertEquals(ErrorCode.UNAVAILABLE, rejected.code());
        assertTrue(rejected.getMessage().contains("model 'm' version 1 has 1 requests waiting (the queue's capacity)"),
                rejected.getMessage());
        assertTrue(cancelled.cancel(false));
        release.countDown();
        running.get(TIMEOUT_S, TimeUnit.SECONDS);
        ModelStatsSnapshot s = statsAfter(scheduler, stats);
        assertEquals(1, model.calls.size(), "the cancelled split never ran");
        assertEquals(3, s.failuresByReason().get(FailureReason.REJECTED).count());
        assertEquals(2, s.failuresByReason().get(FailureReason.CANCELED).count());
        assertEquals(1, s.executionCount());
    }

    @Test
    void aSchedulerWithoutASplitPathRunsThePartsAsABulk() throws Exception {
        ModelStats stats = new ModelStats("m", 1);
        List<Long> rowsPerCall = new CopyOnWriteArrayList<>();
        FakeModel model = new FakeModel(inputs -> {
            rowsPerCall.add(inputs.get(0).shape()[0]);
            return DOUBLE.run(inputs);
        });
        DynamicBatcher batcher = DynamicBatcher.start("m", 1, BatchingPolicy.simple(4, 0, 64), QueueDelay.fixed(0),
                List.of(model), stats, NanoClock.SYSTEM, 64, SpinPolicy.NONE);
        InferenceRequest request = rows(9);
        List<Tensor> out = batcher.submitSplit(request, 9, 4).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertArrayEquals(new long[] {9, 2}, out.get(0).shape());
        float[] in = floats(request.inputs().get(0));
        float[] got = floats(out.get(0));
        for (int i = 0; i < in.length; i++) {
            assertEquals(2 * in[i], got[i], "element " + i);
        }
        assertTrue(rowsPerCall.stream().allMatch(r -> r <= 4), "max_batch_size respected: " + rowsPerCall);
        ModelStatsSnapshot s = statsAfter(batcher, stats);
        assertEquals(3, s.success().count());
        assertEquals(9, s.inferenceCount());
    }

    @Test
    void inputsOfAVariableSizeDatatypeOrTheWrongRowsAreRefused() {
        InferenceRequest strings = new InferenceRequest("m", "", "s", Map.of(),
                List.of(TestRequests.bytes("INPUT0", "a", "b")), List.of(), 0);
        assertThrows(IllegalArgumentException.class, () -> new SplitBulk(strings, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> new SplitBulk(rows(4), 5, 2));
        assertThrows(IllegalArgumentException.class, () -> new SplitBulk(rows(4), 4, 0));
    }
}
