package io.tensorline.server.scheduler;

import io.tensorline.engine.DataType;
import io.tensorline.engine.EngineException;
import io.tensorline.engine.Tensor;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.stats.BatchRetrySnapshot;
import io.tensorline.server.stats.BatchStatsSnapshot;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;
import io.tensorline.server.stats.ModelStatsSnapshot;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static io.tensorline.server.scheduler.TestRequests.bytes;
import static io.tensorline.server.scheduler.TestRequests.floats;
import static io.tensorline.server.scheduler.TestRequests.fp32;
import static io.tensorline.server.scheduler.TestRequests.strings;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Batch assembly, output splitting and engine failures on one instance, with a fake engine and no threads. */
class BatchExecutorTest {

    private final FakeClock clock = new FakeClock(0);
    private final ModelStats stats = new ModelStats("m", 1);

    private static PendingRequest request(String id, Tensor... inputs) {
        InferenceRequest r = new InferenceRequest("m", "", id, Map.of(), List.of(inputs), List.of(), 0);
        return new PendingRequest(r, (int) inputs[0].shape()[0], new CompletableFuture<>(), 0);
    }

    private static Batch batch(PendingRequest... requests) {
        int rows = 0;
        for (PendingRequest r : requests) {
            rows += r.rows;
        }
        return new Batch(0, List.of(requests), rows);
    }

    private BatchExecutor executor(FakeModel model) {
        return new BatchExecutor(model, "'m' version 1", stats, clock);
    }

    @Test
    void rowsOfAllRequestsAreLaidOutContiguouslyAndSplitBack() {
        FakeModel model = new FakeModel(FakeModel.ECHO);
        PendingRequest a = request("a", fp32("INPUT0", 2, 3, 0), fp32("INPUT1", 2, 1, 5000));
        PendingRequest b = request("b", fp32("INPUT0", 1, 3, 1000), fp32("INPUT1", 1, 1, 6000));
        executor(model).execute(batch(a, b));

        Tensor sent0 = model.calls.get(0).get(0);
        assertArrayEquals(new long[] {3, 3}, sent0.shape());
        assertArrayEquals(new float[] {0, 1, 2, 100, 101, 102, 1000, 1001, 1002}, floats(sent0));
        assertArrayEquals(new float[] {5000, 5100, 6000}, floats(model.calls.get(0).get(1)));

        assertArrayEquals(new long[] {2, 3}, a.outputs.get(0).shape());
        assertArrayEquals(floats(a.request.inputs().get(0)), floats(a.outputs.get(0)));
        assertArrayEquals(new float[] {5000, 5100}, floats(a.outputs.get(1)));
        assertArrayEquals(new long[] {1, 3}, b.outputs.get(0).shape());
        assertArrayEquals(new float[] {1000, 1001, 1002}, floats(b.outputs.get(0)));
        assertArrayEquals(new float[] {6000}, floats(b.outputs.get(1)));
    }

    @Test
    void aBatchOfOneRunsOnTheRequestsOwnTensors() {
        FakeModel model = new FakeModel(FakeModel.ECHO);
        PendingRequest a = request("a", fp32("INPUT0", 4, 2, 0));
        executor(model).execute(batch(a));
        assertSame(a.request.inputs(), model.calls.get(0));
    }

    @Test
    void outputsStayValidAfterTheNextBatchReusesTheBuffers() {
        FakeModel model = new FakeModel(FakeModel.ECHO);
        BatchExecutor executor = executor(model);
        PendingRequest a = request("a", fp32("INPUT0", 1, 2, 0));
        PendingRequest b = request("b", fp32("INPUT0", 1, 2, 10));
        executor.execute(batch(a, b));
        executor.execute(batch(request("c", fp32("INPUT0", 1, 2, 500)), request("d", fp32("INPUT0", 1, 2, 600))));
        assertArrayEquals(new float[] {0, 1}, floats(a.outputs.get(0)), "the echoed input buffer was reused");
        assertArrayEquals(new float[] {10, 11}, floats(b.outputs.get(0)));
    }

    @Test
    void bytesInputsConcatenateAndBytesOutputsSplitByLengthPrefixes() {
        FakeModel model = new FakeModel(FakeModel.ECHO);
        PendingRequest a = request("a", bytes("INPUT0", "x", "longer string"));
        PendingRequest b = request("b", bytes("INPUT0", ""));
        PendingRequest c = request("c", bytes("INPUT0", "c1", "c2"));
        executor(model).execute(batch(a, b, c));
        assertEquals(List.of("x", "longer string", "", "c1", "c2"), strings(model.calls.get(0).get(0)));
        assertEquals(List.of("x", "longer string"), strings(a.outputs.get(0)));
        assertArrayEquals(new long[] {2, 1}, a.outputs.get(0).shape());
        assertEquals(List.of(""), strings(b.outputs.get(0)));
        assertEquals(List.of("c1", "c2"), strings(c.outputs.get(0)));
        assertEquals(DataType.BYTES, c.outputs.get(0).dataType());
    }

    @Test
    void anOutputWithoutTheBatchDimensionGoesWholeToEveryRequest() {
        Tensor scalar = Tensor.of("COUNT", DataType.INT64, new long[] {1},
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 42));
        FakeModel model = new FakeModel(inputs -> List.of(scalar));
        PendingRequest a = request("a", fp32("INPUT0", 1, 2, 0));
        PendingRequest b = request("b", fp32("INPUT0", 2, 2, 0));
        executor(model).execute(batch(a, b));
        assertEquals(42, a.outputs.get(0).data().getLong());
        assertEquals(42, b.outputs.get(0).data().getLong());
    }

    @Test
    void aBatchThatFailsOnceIsAnsweredByItsHalvesAndTheInstanceKeepsServing() {
        AtomicInteger calls = new AtomicInteger();
        FakeModel model = new FakeModel(inputs -> {
            if (calls.getAndIncrement() == 0) {
                throw new EngineException("out of device memory");
            }
            return FakeModel.ECHO.run(inputs);
        });
        BatchExecutor executor = executor(model);
        PendingRequest a = request("a", fp32("INPUT0", 1, 2, 0));
        PendingRequest b = request("b", fp32("INPUT0", 1, 2, 3));
        executor.execute(batch(a, b));
        assertNull(a.error);
        assertArrayEquals(new float[] {0, 1}, floats(a.outputs.get(0)));
        assertArrayEquals(new float[] {3, 4}, floats(b.outputs.get(0)));
        assertEquals(3, calls.get());
        assertEquals(new BatchRetrySnapshot(1, 2, 2, 0), stats.snapshot().batchRetries());
        PendingRequest c = request("c", fp32("INPUT0", 1, 2, 7));
        executor.execute(batch(c));
        assertArrayEquals(new float[] {7, 8}, floats(c.outputs.get(0)));
    }

    /** Fails any execution whose INPUT0 holds a negative value, as a Gather with an out-of-range index does. */
    private static FakeModel failingOnNegatives(AtomicInteger calls) {
        return new FakeModel(inputs -> {
            calls.incrementAndGet();
            for (float v : floats(inputs.get(0))) {
                if (v < 0) {
                    throw new EngineException("index " + v + " is out of range");
                }
            }
            return FakeModel.ECHO.run(inputs);
        });
    }

    @Test
    void onlyTheRequestThatFailsOnItsOwnGetsTheError() {
        AtomicInteger calls = new AtomicInteger();
        PendingRequest[] requests = new PendingRequest[8];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = request("r" + i, fp32("INPUT0", 1, 2, i == 5 ? -1000 : i * 10));
        }
        executor(failingOnNegatives(calls)).execute(batch(requests));
        for (int i = 0; i < requests.length; i++) {
            if (i == 5) {
                assertEquals(ErrorCode.INTERNAL, requests[i].error.code());
                assertEquals("index -1000.0 is out of range", requests[i].error.getMessage());
                assertEquals(FailureReason.BACKEND, requests[i].failureReason);
            } else {
                assertNull(requests[i].error, "request " + i);
                assertArrayEquals(new float[] {i * 10, i * 10 + 1}, floats(requests[i].outputs.get(0)));
            }
        }
        assertEquals(1 + 6, calls.get(), "halves of 8, 4 and 2: two executions each");
        ModelStatsSnapshot s = stats.snapshot();
        assertEquals(new BatchRetrySnapshot(1, 6, 7, 1), s.batchRetries());
        assertEquals(7, s.inferenceCount(), "rows of successful executions");
    }

    @Test
    void aModelThatFailsEverythingCostsAtMostTwiceLog2nMoreExecutions() {
        AtomicInteger calls = new AtomicInteger();
        PendingRequest[] requests = new PendingRequest[8];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = request("r" + i, fp32("INPUT0", 1, 2, -1 - i));
        }
        executor(failingOnNegatives(calls)).execute(batch(requests));
        assertEquals(1 + 6, calls.get());
        for (PendingRequest r : requests) {
            assertEquals(ErrorCode.INTERNAL, r.error.code(), r.toString());
            assertEquals(FailureReason.BACKEND, r.failureReason);
        }
        BatchRetrySnapshot retries = stats.snapshot().batchRetries();
        assertEquals(6, retries.executions());
        assertEquals(0, retries.rescued());
    }

    @Test
    void aLoneRequestIsNotRetried() {
        AtomicInteger calls = new AtomicInteger();
        PendingRequest a = request("a", fp32("INPUT0", 3, 2, -5));
        executor(failingOnNegatives(calls)).execute(batch(a));
        assertEquals(1, calls.get());
        assertEquals("index -5.0 is out of range", a.error.getMessage());
        assertEquals(BatchRetrySnapshot.NONE, stats.snapshot().batchRetries());
    }

    @Test
    void aRuntimeExceptionFromTheEngineIsAnInternalErrorToo() {
        FakeModel model = new FakeModel(inputs -> {
            throw new IllegalStateException("session closed");
        });
        PendingRequest a = request("a", fp32("INPUT0", 1, 2, 0));
        executor(model).execute(batch(a));
        assertEquals(ErrorCode.INTERNAL, a.error.code());
        assertEquals("model 'm' version 1 failed: session closed", a.error.getMessage());
    }

    @Test
    void executionsAreRecordedPerBatchSize() {
        FakeModel model = new FakeModel(inputs -> {
            clock.advanceMicros(300);
            return FakeModel.ECHO.run(inputs);
        });
        BatchExecutor executor = executor(model);
        clock.advanceMicros(100);
        executor.execute(batch(request("a", fp32("INPUT0", 2, 2, 0)), request("b", fp32("INPUT0", 1, 2, 0))));
        executor.execute(batch(request("c", fp32("INPUT0", 3, 2, 0))));
        ModelStatsSnapshot s = stats.snapshot();
        assertEquals(2, s.executionCount());
        assertEquals(6, s.inferenceCount());
        assertEquals(3, s.computeInfer().count(), "each request is charged its batch's time");
        assertEquals(3 * 300_000L, s.computeInfer().nanos());
        assertEquals(3, s.queue().count());
        BatchStatsSnapshot three = s.batchStats().get(0);
        assertEquals(3, three.batchSize());
        assertEquals(2, three.computeInfer().count());
        assertEquals(600_000L, three.computeInfer().nanos());
    }
}
