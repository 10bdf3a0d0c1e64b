package io.tensorline.server.scheduler.sequence;

import io.tensorline.engine.DataType;
import io.tensorline.engine.Tensor;
import io.tensorline.server.config.SequenceBatchingSpec;
import io.tensorline.server.config.SequenceBatchingSpec.Strategy;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.stats.FailureReason;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sequence batcher's state machine over a fake clock, a fake dispatcher and no threads. */
class SequenceCoreTest {

    private static final long IDLE_MICROS = 1_000;
    private static final long IDLE_NANOS = TimeUnit.MICROSECONDS.toNanos(IDLE_MICROS);

    private final List<Integer> dispatchedTo = new ArrayList<>();
    private final List<List<SequenceRequest>> dispatched = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private int abandoned;

    private final SequenceCore.Outcomes outcomes = new SequenceCore.Outcomes() {
        @Override
        public void fail(SequenceRequest r, InferenceException error, FailureReason reason) {
            failures.add(error.getMessage());
            r.reply.completeExceptionally(error);
        }

        @Override
        public void abandoned(SequenceRequest r) {
            abandoned++;
        }
    };

    private SequenceCore core(Strategy strategy, int maxBatchSize, int instances, long delayMicros,
                              List<Integer> preferred) {
        return core(strategy, maxBatchSize, instances, delayMicros, 0f, preferred);
    }

    private SequenceCore core(Strategy strategy, int maxBatchSize, int instances, long delayMicros,
                              float minimumSlotUtilization, List<Integer> preferred) {
        SequenceBatchingSpec spec = new SequenceBatchingSpec(strategy, IDLE_MICROS, List.of(), List.of(), delayMicros,
                minimumSlotUtilization, 2, preferred);
        return new SequenceCore("m", spec, maxBatchSize, instances, (i, batch) -> {
            dispatchedTo.add(i);
            dispatched.add(batch);
        }, outcomes);
    }

    private static SequenceRequest request(long id, boolean start, boolean end, long arrival) {
        return request(id, start, end, arrival, Map.of());
    }

    private static SequenceRequest request(long id, boolean start, boolean end, long arrival,
                                           Map<String, Object> parameters) {
        Tensor input = Tensor.of("INPUT", DataType.INT32, new long[] {1, 1}, ByteBuffer.allocate(4));
        InferenceRequest r = new InferenceRequest("m", "", "", parameters, List.of(input), List.of(), arrival);
        return new SequenceRequest(r, new CorrelationId.Flags(new CorrelationId(id, null), start, end), arrival,
                new CompletableFuture<>());
    }

    private void finish(SequenceCore core, int batchIndex, long now) {
        core.batchDone(dispatchedTo.get(batchIndex), dispatched.get(batchIndex), now);
    }

    /** Starts sequence 1, whose first request leaves a state behind; returns that state. */
    private List<Tensor> startWithState(SequenceCore core) {
        core.submit(request(1, true, false, 0), 0);
        core.step(0);
        List<Tensor> state = List.of(Tensor.of("S", DataType.INT32, new long[] {1, 1}, ByteBuffer.allocate(4)));
        dispatched.get(0).get(0).stateOut = state;
        finish(core, 0, 1);
        return state;
    }

    @Test
    void aSequenceRunsOneRequestAtATimeInOrder() {
        SequenceCore core = core(Strategy.DIRECT, 4, 1, 0, List.of());
        SequenceRequest a = request(1, true, false, 0);
        SequenceRequest b = request(1, false, false, 1);
        core.submit(a, 0);
        core.submit(b, 1);
        core.step(1);
        assertEquals(1, dispatched.size());
        assertEquals(List.of(a), dispatched.get(0));
        core.step(2);
        assertEquals(1, dispatched.size(), "b waits until a is done");
        finish(core, 0, 3);
        core.step(3);
        assertEquals(List.of(b), dispatched.get(1));
    }

    @Test
    void directBatchesOneRequestPerSlotOfAnInstance() {
        SequenceCore core = core(Strategy.DIRECT, 2, 1, 0, List.of());
        for (long id = 1; id <= 3; id++) {
            core.submit(request(id, true, false, id), id);
        }
        assertEquals(1, core.backlogSequences(), "two slots: the third sequence waits");
        core.step(4);
        assertEquals(2, dispatched.get(0).size());
    }

    @Test
    void aBackloggedSequenceGetsTheSlotWhenASequenceEnds() {
        SequenceCore core = core(Strategy.DIRECT, 0, 1, 0, List.of());
        core.submit(request(1, true, true, 0), 0);
        core.submit(request(2, true, true, 1), 1);
        core.step(1);
        assertEquals(1, core.backlogSequences());
        finish(core, 0, 2);
        core.step(2);
        assertEquals(0, core.backlogSequences());
        assertEquals(2, dispatched.size());
        assertEquals(2, dispatched.get(1).get(0).id.number());
    }

    @Test
    void anIdleSequenceIsReapedAndNeedsStartAgain() {
        SequenceCore core = core(Strategy.DIRECT, 1, 1, 0, List.of());
        core.submit(request(7, true, false, 0), 0);
        core.step(0);
        finish(core, 0, 10);
        long next = core.step(10);
        assertEquals(10 + IDLE_NANOS, next, "the core asks to be woken when the sequence turns idle");
        core.step(10 + IDLE_NANOS - 1);
        assertEquals(1, core.slottedSequences());
        core.step(10 + IDLE_NANOS);
        assertEquals(0, core.slottedSequences());
        core.submit(request(7, false, false, 20 + IDLE_NANOS), 20 + IDLE_NANOS);
        assertEquals(List.of("inference request for sequence 7 to model 'm' must specify the START flag on the "
                + "first request of the sequence"), failures);
    }

    @Test
    void reapingFreesTheSlotForTheBacklog() {
        SequenceCore core = core(Strategy.DIRECT, 0, 1, 0, List.of());
        core.submit(request(1, true, false, 0), 0);
        core.step(0);
        finish(core, 0, 0);
        core.submit(request(2, true, false, 1), 1);
        core.step(1);
        assertEquals(1, core.backlogSequences());
        core.step(IDLE_NANOS);
        assertEquals(0, core.backlogSequences());
        assertEquals(2, dispatched.size());
    }

    @Test
    void startOnARunningIdResetsTheStateInTheSameSequence() {
        SequenceCore core = core(Strategy.DIRECT, 1, 1, 0, List.of());
        List<Tensor> state = startWithState(core);
        SequenceRequest next = request(1, false, false, 2);
        core.submit(next, 2);
        core.step(2);
        assertSame(state, next.stateIn);
        finish(core, 1, 3);
        SequenceRequest restart = request(1, true, false, 4);
        core.submit(restart, 4);
        core.step(4);
        assertNull(restart.stateIn, "START feeds the initial state");
        assertEquals(1, core.slottedSequences());
    }

    @Test
    void aFailedRequestKeepsTheStateAndAFailedEndFreesTheSlot() {
        SequenceCore core = core(Strategy.DIRECT, 1, 1, 0, List.of());
        List<Tensor> state = startWithState(core);
        SequenceRequest failing = request(1, false, true, 2);
        core.submit(failing, 2);
        core.step(2);
        failing.stateOut = null; // the engine failed it
        finish(core, 1, 3);
        core.step(3);
        assertEquals(0, core.slottedSequences());
        assertEquals(0, core.activeSequences());
    }

    @Test
    void aCancelledRequestIsDroppedAndItsEndStillEndsTheSequence() {
        SequenceCore core = core(Strategy.DIRECT, 0, 1, 0, List.of());
        core.submit(request(1, true, false, 0), 0);
        core.step(0);
        SequenceRequest end = request(1, false, true, 1);
        core.submit(end, 1);
        end.reply.cancel(false);
        finish(core, 0, 2);
        core.step(2);
        assertEquals(1, abandoned);
        assertEquals(1, dispatched.size());
        assertEquals(0, core.slottedSequences());
    }

    @Test
    void oldestBatchesTheOldestReadySequencesOnAnyInstance() {
        SequenceCore core = core(Strategy.OLDEST, 2, 2, 0, List.of(2));
        for (long id = 1; id <= 3; id++) {
            core.submit(request(id, true, false, id), id);
        }
        core.step(3);
        assertEquals(List.of(0, 1), dispatchedTo);
        assertEquals(2, dispatched.get(0).size());
        assertEquals(List.of(1L, 2L), dispatched.get(0).stream().map(r -> r.id.number()).toList());
        assertEquals(3, dispatched.get(1).get(0).id.number());
    }

    @Test
    void oldestWaitsForAPreferredBatchUntilTheDelay() {
        SequenceCore core = core(Strategy.OLDEST, 4, 1, 100, List.of(2));
        core.submit(request(1, true, false, 0), 0);
        long wake = core.step(0);
        assertEquals(TimeUnit.MICROSECONDS.toNanos(100), wake);
        assertTrue(dispatched.isEmpty());
        core.submit(request(2, true, false, 5), 5);
        core.step(5);
        assertEquals(2, dispatched.get(0).size(), "a preferred size runs at once");
    }

    @Test
    void directWaitsForTheMinimumSlotUtilizationUntilTheDelay() {
        SequenceCore core = core(Strategy.DIRECT, 4, 1, 100, 0.5f, List.of());
        core.submit(request(1, true, false, 0), 0);
        assertEquals(TimeUnit.MICROSECONDS.toNanos(100), core.step(0), "1 of 4 slots ready: below one half");
        assertTrue(dispatched.isEmpty());
        core.step(TimeUnit.MICROSECONDS.toNanos(100));
        assertEquals(1, dispatched.get(0).size(), "the delay is over: it runs as it is");
        finish(core, 0, 200_000);
        core.submit(request(1, false, false, 200_001), 200_001);
        core.submit(request(2, true, false, 200_002), 200_002);
        core.step(200_002);
        assertEquals(2, dispatched.get(1).size(), "2 of 4 slots ready: enough at once");
    }

    @Test
    void aBackloggedSequenceWhoseTimeoutExpiresIsDroppedInTritonsWords() {
        SequenceCore core = core(Strategy.DIRECT, 0, 1, 0, List.of());
        core.submit(request(1, true, false, 0), 0);
        core.step(0);
        core.submit(request(2, true, false, 10, Map.of("timeout", 5L)), 10);
        core.submit(request(2, false, false, 11), 11);
        assertEquals(10 + TimeUnit.MICROSECONDS.toNanos(5), core.step(11));
        core.step(10 + TimeUnit.MICROSECONDS.toNanos(5));
        assertEquals(List.of("timeout of the corresponding sequence has been expired",
                "timeout of the corresponding sequence has been expired"), failures);
        assertEquals(0, core.backlogSequences());
        assertEquals(1, core.activeSequences(), "the running sequence is untouched");
    }

    @Test
    void shutdownFailsEveryQueuedRequest() {
        SequenceCore core = core(Strategy.DIRECT, 0, 1, 0, List.of());
        core.submit(request(1, true, false, 0), 0);
        core.submit(request(2, true, false, 0), 0);
        core.shutdown();
        assertEquals(List.of("model 'm' is unloading", "model 'm' is unloading"), failures);
        assertEquals(0, core.activeSequences());
    }
}
