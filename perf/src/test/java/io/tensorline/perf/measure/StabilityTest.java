package io.tensorline.perf.measure;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalInt;

import static io.tensorline.perf.measure.Stability.Verdict.CONTINUE;
import static io.tensorline.perf.measure.Stability.Verdict.MAX_TRIALS;
import static io.tensorline.perf.measure.Stability.Verdict.STABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StabilityTest {

    private static final OptionalInt AVERAGE = OptionalInt.empty();

    @Test
    void fewerThanThreeWindowsAreNeverStable() {
        assertEquals(CONTINUE, Stability.judge(List.of(Windows.of(100, 500), Windows.of(100, 500)), 10, AVERAGE, 10));
    }

    @Test
    void threeAgreeingWindowsAreStable() {
        List<Measurement> w = List.of(Windows.of(100, 500), Windows.of(105, 520), Windows.of(98, 510));
        assertEquals(STABLE, Stability.judge(w, 10, AVERAGE, 10));
    }

    @Test
    void onlyTheLastThreeWindowsCount() {
        List<Measurement> w = List.of(Windows.of(10, 5000), Windows.of(100, 500), Windows.of(101, 500),
                Windows.of(99, 500));
        assertEquals(STABLE, Stability.judge(w, 10, AVERAGE, 10));
    }

    @Test
    void throughputOutsideTheThresholdIsUnstable() {
        List<Measurement> w = List.of(Windows.of(100, 500), Windows.of(120, 500), Windows.of(100, 500));
        assertEquals(CONTINUE, Stability.judge(w, 10, AVERAGE, 10));
    }

    @Test
    void latencyOutsideTheThresholdIsUnstable() {
        List<Measurement> w = List.of(Windows.of(100, 500), Windows.of(100, 600), Windows.of(100, 500));
        assertEquals(CONTINUE, Stability.judge(w, 10, AVERAGE, 10));
    }

    @Test
    void theThresholdItselfIsWithin() {
        assertTrue(Stability.isStable(new double[] {100, 110, 105}, new double[] {1, 1, 1}, 10));
        assertFalse(Stability.isStable(new double[] {100, 110.5, 105}, new double[] {1, 1, 1}, 10));
    }

    @Test
    void aWindowWithoutThroughputIsUnstable() {
        assertFalse(Stability.isStable(new double[] {0, 0, 0}, new double[] {1, 1, 1}, 10));
    }

    @Test
    void unstableAtTheLastTrialGivesUp() {
        List<Measurement> w = List.of(Windows.of(100, 500), Windows.of(200, 500), Windows.of(100, 500));
        assertEquals(MAX_TRIALS, Stability.judge(w, 10, AVERAGE, 3));
    }

    @Test
    void stableAtTheLastTrialIsStable() {
        List<Measurement> w = List.of(Windows.of(100, 500), Windows.of(100, 500), Windows.of(100, 500));
        assertEquals(STABLE, Stability.judge(w, 10, AVERAGE, 3));
    }

    @Test
    void percentileReplacesTheAverageAsLatencyMetric() {
        // the same average in every window, but the tail of the second window is twice as long
        Measurement flat = Windows.withLatencies(1_000_000_000L, 1, spread(100, 1000, 1000), 0, 0, null);
        Measurement tail = Windows.withLatencies(1_000_000_000L, 1, spread(100, 900, 10900), 0, 0, null);
        List<Measurement> w = List.of(flat, tail, flat);
        assertEquals(STABLE, Stability.judge(w, 10, OptionalInt.empty(), 10));
        assertEquals(CONTINUE, Stability.judge(w, 10, OptionalInt.of(99), 10));
    }

    /** {@code n} latencies: all {@code body} ns except the last, which is {@code last} ns. */
    private static long[] spread(int n, long body, long last) {
        long[] l = new long[n];
        java.util.Arrays.fill(l, body);
        l[n - 1] = last;
        return l;
    }
}
