package io.tensorline.server.scheduler;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The window the latency target judges a delay by: which requests count, when it is full, mean and p99. */
class LatencyWindowTest {

    @Test
    void fullNeedsBothTheRequestsAndTheBatches() {
        LatencyWindow w = new LatencyWindow(4, 2);
        for (int i = 0; i < 4; i++) {
            w.add(0, 10, i == 3);
        }
        assertFalse(w.full(), "4 requests but one batch");
        w.add(0, 10, true);
        assertTrue(w.full());
    }

    @Test
    void requestsThatArrivedBeforeTheRestartWaitedUnderTheOldDelayAndAreLeftOut() {
        LatencyWindow w = new LatencyWindow(2, 1);
        w.restart(1_000);
        w.add(999, 2_000, false);
        w.add(1_000, 2_000, false);
        w.add(1_500, 2_000, true);
        assertTrue(w.full());
        assertEquals(750.0, w.mean());
    }

    @Test
    void aBatchOfOnlyLeftOutRequestsDoesNotCount() {
        LatencyWindow w = new LatencyWindow(1, 2);
        w.restart(1_000);
        w.add(500, 2_000, true);
        w.add(1_500, 2_000, true);
        assertFalse(w.full(), "one batch had a request that counts");
    }

    @Test
    void p99IsTheNearestRank() {
        LatencyWindow w = new LatencyWindow(200, 1);
        for (int i = 1; i <= 200; i++) {
            w.add(0, i, i == 200);
        }
        assertEquals(100.5, w.mean());
        assertEquals(198, w.p99());
        w.restart(0);
        w.add(0, 7, true);
        assertEquals(7, w.p99());
    }
}
