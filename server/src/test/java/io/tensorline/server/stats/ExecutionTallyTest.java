package io.tensorline.server.stats;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A tally committed once counts as the same calls on {@link ModelStats} one by one. */
class ExecutionTallyTest {

    /** Every observation, as text, in order. */
    private static final class Recorded implements LatencySummaries.Version {
        final List<String> seen = new ArrayList<>();

        @Override
        public void request(long nanos) {
            seen.add("request " + nanos);
        }

        @Override
        public void queue(long nanos) {
            seen.add("queue " + nanos);
        }

        @Override
        public void compute(int requests, long inputNanos, long inferNanos, long outputNanos) {
            seen.add("compute " + requests + " " + inputNanos + " " + inferNanos + " " + outputNanos);
        }

        @Override
        public void cacheHit(long nanos) {
        }

        @Override
        public void cacheMiss(long nanos) {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aCommittedTallyEqualsTheSameRecordsOneByOne() {
        Recorded oneByOneSeen = new Recorded();
        Recorded tallySeen = new Recorded();
        ModelStats oneByOne = new ModelStats("m", 1, () -> 42L, oneByOneSeen);
        ModelStats tallied = new ModelStats("m", 1, () -> 42L, tallySeen);
        ExecutionTally tally = tallied.tally();
        long[][] parts = {{4, 100, 10, 2000, 30}, {4, 250, 11, 1900, -5}, {2, 400, 7, 1000, 20}, {4, 90, 12, 2100, 31}};
        for (long[] p : parts) {
            oneByOne.recordQueue(p[1]);
            oneByOne.recordExecution((int) p[0], 1, p[2], p[3], p[4]);
            tally.queue(p[1]);
            tally.execution((int) p[0], p[2], p[3], p[4]);
        }
        for (int i = 0; i < parts.length; i++) {
            oneByOne.recordSuccess(5_000);
        }
        tally.commit();
        tallied.recordSuccesses(parts.length, 5_000);
        tally.commit(); // empty: adds nothing

        ModelStatsSnapshot a = oneByOne.snapshot();
        ModelStatsSnapshot b = tallied.snapshot();
        assertEquals(14, b.inferenceCount());
        assertEquals(a.inferenceCount(), b.inferenceCount());
        assertEquals(a.executionCount(), b.executionCount());
        assertEquals(a.lastInferenceMillis(), b.lastInferenceMillis());
        assertEquals(a.success(), b.success());
        assertEquals(a.queue(), b.queue());
        assertEquals(a.computeInput(), b.computeInput());
        assertEquals(a.computeInfer(), b.computeInfer());
        assertEquals(a.computeOutput(), b.computeOutput());
        assertEquals(a.batchStats(), b.batchStats());
        assertArrayEquals(a.requestLatency().counts(), b.requestLatency().counts());
        assertEquals(a.requestLatency().sum(), b.requestLatency().sum());
        // the summaries see the same observations (the tally's in its own order: queue and compute as they come)
        assertEquals(oneByOneSeen.seen.stream().sorted().toList(), tallySeen.seen.stream().sorted().toList());
    }
}
