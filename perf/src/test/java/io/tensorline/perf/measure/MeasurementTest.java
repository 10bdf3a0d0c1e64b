package io.tensorline.perf.measure;

import io.tensorline.perf.model.ServerStats;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class MeasurementTest {

    @Test
    void percentilesUsePerfAnalyzersIndexRule() {
        long[] sorted = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
        assertEquals(60, Percentiles.of(sorted, 50));   // 0.5 * 9 + 0.5 = 5.0
        assertEquals(90, Percentiles.of(sorted, 90));   // 8.6 -> 8
        assertEquals(100, Percentiles.of(sorted, 95));  // 9.05 -> 9
        assertEquals(100, Percentiles.of(sorted, 99));
        assertEquals(10, Percentiles.of(sorted, 0));
        assertEquals(30, Percentiles.of(new long[] {30}, 99));
        assertEquals(0, Percentiles.of(new long[0], 50));
    }

    @Test
    void percentilesOfAHundredSamples() {
        long[] sorted = new long[100];
        for (int i = 0; i < 100; i++) {
            sorted[i] = i + 1;
        }
        assertEquals(51, Percentiles.of(sorted, 50));  // 49.5 + 0.5 -> index 50
        assertEquals(98, Percentiles.of(sorted, 98));  // 97.02 + 0.5 -> index 97
        assertEquals(99, Percentiles.of(sorted, 99));  // 98.01 + 0.5 -> index 98
    }

    @Test
    void latenciesAreSortedOnConstruction() {
        Measurement m = Windows.withLatencies(1, 1, new long[] {3, 1, 2}, 0, 0, null);
        assertArrayEquals(new long[] {1, 2, 3}, m.sortedLatenciesNs());
    }

    @Test
    void throughputCountsBatchElements() {
        Measurement m = Windows.withLatencies(2_000_000_000L, 4, new long[] {1, 1, 1, 1, 1, 1}, 0, 0, null);
        assertEquals(12.0, m.inferPerSec(), 1e-9);
    }

    @Test
    void averagesArePerRequest() {
        Measurement m = Windows.withLatencies(1, 1, new long[] {1000, 3000}, 400, 200, null);
        assertEquals(2000, m.avgLatencyNs());
        assertEquals(200, m.avgSendNs());
        assertEquals(100, m.avgRecvNs());
        assertEquals(1700, m.networkAndServerNs());
    }

    @Test
    void networkAndServerSubtractsQueueAndCompute() {
        ServerStats s = new ServerStats(2, 2, 2, 3000, 2, 400, 2, 200, 2, 1000, 2, 200);
        Measurement m = Windows.withLatencies(1, 1, new long[] {5000, 5000}, 2000, 2000, s);
        // 5000 - 1000 send - 1000 recv - 200 queue - (100 + 500 + 100) compute
        assertEquals(2100, m.networkAndServerNs());
        assertEquals(1500, s.avgRequestNs());
        assertEquals(600, s.avgOverheadNs());
    }

    @Test
    void networkAndServerIsNeverNegative() {
        ServerStats s = new ServerStats(1, 1, 1, 9000, 1, 9000, 1, 0, 1, 0, 1, 0);
        Measurement m = Windows.withLatencies(1, 1, new long[] {1000}, 0, 0, s);
        assertEquals(0, m.networkAndServerNs());
    }

    @Test
    void mergePoolsSamplesAndAddsDurations() {
        ServerStats s = new ServerStats(1, 1, 1, 10, 1, 1, 1, 1, 1, 1, 1, 1);
        Measurement a = new Measurement(1_000_000_000L, 2, new long[] {5, 1}, 10, 20, 0, null, 1, s);
        Measurement b = new Measurement(1_000_000_000L, 2, new long[] {3}, 30, 40, 0, null, 2, s);
        Measurement m = Measurement.merge(List.of(a, b));
        assertArrayEquals(new long[] {1, 3, 5}, m.sortedLatenciesNs());
        assertEquals(2_000_000_000L, m.durationNs());
        assertEquals(3.0, m.inferPerSec(), 1e-9);
        assertEquals(40, m.sendNsTotal());
        assertEquals(60, m.recvNsTotal());
        assertEquals(3, m.delayed());
        assertEquals(2, m.server().successCount());
        assertEquals(20, m.server().successNs());
    }

    @Test
    void mergeWithoutServerStatsHasNone() {
        assertNull(Measurement.merge(List.of(Windows.of(1, 1), Windows.of(1, 1))).server());
    }

    @Test
    void serverStatsDeltaSubtractsEveryField() {
        ServerStats before = new ServerStats(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        ServerStats after = new ServerStats(11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22);
        assertEquals(new ServerStats(10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10), after.minus(before));
    }
}
