package io.tensorline.server.scheduler;

import io.tensorline.engine.Tensor;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.tensorline.server.scheduler.TestRequests.floats;
import static io.tensorline.server.scheduler.TestRequests.fp32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The dynamic batcher on a transport's event loop ({@link AfterRead}): the requests one turn of the loop submitted
 * run as one batch (or several, each within {@code max_batch_size} and of one shape) on that loop after the turn,
 * when the model is fast enough and an instance is lent; otherwise they take the ring.
 */
class GatheredTurnTest {

    private static final long TIMEOUT_S = 30;
    /** Once an instance has run a batch, gathered batches run on the loop (any recent execution time is "fast"). */
    private static final SpinPolicy ALWAYS_HERE = new SpinPolicy(0, 0, Long.MAX_VALUE);

    private final ModelStats stats = new ModelStats("m", 1);
    private final List<DynamicBatcher> batchers = new ArrayList<>();
    /** Stands in for an event loop: one thread, whose tasks run one after another. */
    private final ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "loop"));
    private final AtomicReference<Thread> loopThread = new AtomicReference<>();

    GatheredTurnTest() throws Exception {
        loop.submit(() -> loopThread.set(Thread.currentThread())).get();
        AfterRead.install(() -> Thread.currentThread() == loopThread.get() ? loop : null, 1);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        AfterRead.install(() -> null, 0);
        for (DynamicBatcher b : batchers) {
            b.shutdownNow();
            assertTrue(b.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS), "the batcher terminated");
        }
        loop.shutdownNow();
    }

    private DynamicBatcher started(int maxBatch, FakeModel... instances) throws InterruptedException {
        DynamicBatcher b = DynamicBatcher.start("m", 1, BatchingPolicy.simple(maxBatch, 0, 64), QueueDelay.fixed(0),
                List.of(instances), stats, NanoClock.SYSTEM, 64, ALWAYS_HERE);
        batchers.add(b);
        // the first request takes the ring (nothing is lent before the batcher thread ran once) and tells the pool
        // how long an execution takes
        try {
            b.submit(request("warm", fp32("INPUT0", 1, 4, 0)), 1).get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError(e);
        }
        awaitLent(b, instances.length);
        return b;
    }

    /** Waits (bounded) until {@code n} instances are lent and idle and the ring is consumed. */
    private static void awaitLent(DynamicBatcher b, int n) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (b.lentIdleInstances() < n || !b.ringConsumed() || b.busyInstances() > 0) {
            if (System.nanoTime() > end) {
                fail("the batcher never lent " + n + " instances");
            }
            Thread.sleep(1);
        }
    }

    private static InferenceRequest request(String id, Tensor input) {
        return new InferenceRequest("m", "", id, Map.of(), List.of(input), List.of(), System.nanoTime());
    }

    /** Submits the inputs from one task of the loop (one turn) and returns the replies. */
    private List<CompletableFuture<List<Tensor>>> oneTurn(DynamicBatcher b, List<Tensor> inputs) throws Exception {
        return loop.submit(() -> {
            List<CompletableFuture<List<Tensor>>> replies = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                Tensor t = inputs.get(i);
                replies.add(b.submit(request("r" + i, t), (int) t.shape()[0]));
            }
            // nothing runs inside the turn: the batch goes out after it
            assertTrue(replies.stream().noneMatch(CompletableFuture::isDone), "answered within the turn");
            return replies;
        }).get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    private static void assertEchoed(List<Tensor> inputs, List<CompletableFuture<List<Tensor>>> replies)
            throws Exception {
        for (int i = 0; i < inputs.size(); i++) {
            List<Tensor> out = replies.get(i).get(TIMEOUT_S, TimeUnit.SECONDS);
            assertEquals("OUTPUT0", out.get(0).name());
            assertArrayEquals(inputs.get(i).shape(), out.get(0).shape(), "request " + i);
            assertArrayEquals(floats(inputs.get(i)), floats(out.get(0)), "request " + i);
        }
    }

    private static FakeModel recordingThreads(List<String> threads) {
        return new FakeModel(inputs -> {
            threads.add(Thread.currentThread().getName());
            return FakeModel.ECHO.run(inputs);
        });
    }

    @Test
    void theRequestsOfOneTurnRunAsOneBatchOnTheLoopAfterIt() throws Exception {
        List<String> threads = new CopyOnWriteArrayList<>();
        FakeModel model = recordingThreads(threads);
        DynamicBatcher batcher = started(8, model);
        List<Tensor> inputs = List.of(fp32("INPUT0", 1, 4, 0), fp32("INPUT0", 2, 4, 100), fp32("INPUT0", 1, 4, 200),
                fp32("INPUT0", 3, 4, 300));

        assertEchoed(inputs, oneTurn(batcher, inputs));

        assertEquals(2, model.calls.size());
        assertArrayEquals(new long[] {7, 4}, model.calls.get(1).get(0).shape());
        assertEquals(List.of("instance-m-1-0", "loop"), threads);
        // answered before the instance reports itself free: then it goes back to the lease
        awaitLent(batcher, 1);
        ModelStatsSnapshot s = stats.snapshot();
        assertEquals(5, s.success().count());
        assertEquals(2, s.executionCount());
        assertEquals(5, s.queue().count());
    }

    @Test
    void aTurnOfMoreRowsThanABatchHoldsRunsInBatchesOfOneShapeWithinTheLargest() throws Exception {
        FakeModel model = new FakeModel(FakeModel.ECHO);
        DynamicBatcher batcher = started(4, model);
        List<Tensor> inputs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            inputs.add(fp32("INPUT0", 1, 4, i * 10));
        }
        inputs.add(fp32("INPUT0", 1, 2, 60)); // another shape: a batch of its own
        inputs.add(fp32("INPUT0", 1, 4, 70));

        assertEchoed(inputs, oneTurn(batcher, inputs));

        List<long[]> shapes = model.calls.subList(1, model.calls.size()).stream().map(c -> c.get(0).shape()).toList();
        assertEquals(4, shapes.size(), shapes.stream().map(java.util.Arrays::toString).toList().toString());
        assertArrayEquals(new long[] {4, 4}, shapes.get(0));
        assertArrayEquals(new long[] {2, 4}, shapes.get(1));
        assertArrayEquals(new long[] {1, 2}, shapes.get(2));
        assertArrayEquals(new long[] {1, 4}, shapes.get(3));
    }

    @Test
    void aTurnThatFindsNoInstanceLentTakesTheRingAndRunsOnTheInstanceThread() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> threads = new CopyOnWriteArrayList<>();
        FakeModel model = new FakeModel(inputs -> {
            threads.add(Thread.currentThread().getName());
            if (inputs.get(0).shape()[1] == 3) { // the one that holds the instance
                entered.countDown();
                try {
                    assertTrue(release.await(TIMEOUT_S, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            return FakeModel.ECHO.run(inputs);
        });
        DynamicBatcher batcher = started(8, model);
        // a plain thread (no loop) takes the lent instance and holds it
        CompletableFuture<List<Tensor>> holding = CompletableFuture.supplyAsync(
                () -> batcher.submit(request("hold", fp32("INPUT0", 1, 3, 0)), 1).join());
        assertTrue(entered.await(TIMEOUT_S, TimeUnit.SECONDS));
        List<Tensor> inputs = List.of(fp32("INPUT0", 1, 4, 10), fp32("INPUT0", 1, 4, 20));

        List<CompletableFuture<List<Tensor>>> replies = oneTurn(batcher, inputs);
        // the turn is over and nothing could run: they wait on the batcher's queue, not on the loop
        loop.submit(() -> { }).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertTrue(replies.stream().noneMatch(CompletableFuture::isDone));
        release.countDown();

        assertEchoed(inputs, replies);
        holding.get(TIMEOUT_S, TimeUnit.SECONDS);
        assertEquals(3, threads.size(), threads.toString());
        assertTrue(threads.subList(1, 3).stream().noneMatch("loop"::equals), threads.toString());
        assertEquals(4, stats.snapshot().success().count());
    }

    @Test
    void requestsGatheredWhenTheBatcherStopsAreEachAnsweredOnce() throws Exception {
        FakeModel model = new FakeModel(FakeModel.ECHO);
        DynamicBatcher batcher = started(8, model);
        List<CompletableFuture<List<Tensor>>> replies = loop.submit(() -> {
            List<CompletableFuture<List<Tensor>>> r = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                r.add(batcher.submit(request("r" + i, fp32("INPUT0", 1, 4, i)), 1));
            }
            batcher.shutdown(); // within the turn, before the gathered batch could run
            return r;
        }).get(TIMEOUT_S, TimeUnit.SECONDS);

        for (CompletableFuture<List<Tensor>> r : replies) {
            try {
                r.get(TIMEOUT_S, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                assertTrue(e.getCause().getMessage().contains("is unloading"), e.getCause().getMessage());
            }
        }
        assertTrue(batcher.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS));
        // a request the loop put on a drained ring is failed (and then counted) on the loop: let it finish
        loop.submit(() -> { }).get(TIMEOUT_S, TimeUnit.SECONDS);
        ModelStatsSnapshot s = stats.snapshot();
        // accepted before the shutdown, so drained: every one ran, once
        assertEquals(6, s.success().count() + s.failure().count());
        assertTrue(model.closed.get());
    }
}
