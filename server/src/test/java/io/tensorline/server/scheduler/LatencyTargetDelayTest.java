package io.tensorline.server.scheduler;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The queue delay that follows a p99 target, fed latencies directly: no clock, no threads. */
class LatencyTargetDelayTest {

    private static final long MS = 1_000_000;

    private static void window(LatencyTargetDelay d, long latency, int slow, long slowLatency) {
        for (int i = 0; i < LatencyTargetDelay.WINDOW; i++) {
            d.observe(i < slow ? slowLatency : latency);
        }
    }

    @Test
    void startsAtZeroAndGrowsBySixteenthsOfHalfTheTargetWhileWellUnderIt() {
        LatencyTargetDelay d = new LatencyTargetDelay(10 * MS, 0);
        assertEquals(0, d.nanos());
        window(d, MS, 0, 0);
        assertEquals(5 * MS / 16, d.nanos());
        for (int i = 0; i < 40; i++) {
            window(d, MS, 0, 0);
        }
        assertEquals(5 * MS, d.nanos(), "bounded by half the target");
    }

    @Test
    void theConfiguredMaxQueueDelayBoundsIt() {
        LatencyTargetDelay d = new LatencyTargetDelay(10 * MS, 2 * MS);
        for (int i = 0; i < 40; i++) {
            window(d, MS, 0, 0);
        }
        assertEquals(2 * MS, d.nanos());
    }

    @Test
    void halvesWhenMoreThanOnePercentOfAWindowMissesTheTarget() {
        LatencyTargetDelay d = new LatencyTargetDelay(10 * MS, 0);
        for (int i = 0; i < 16; i++) {
            window(d, MS, 0, 0);
        }
        assertEquals(5 * MS, d.nanos());
        window(d, MS, 2, 50 * MS);
        assertEquals(5 * MS, d.nanos(), "1 % over the target is still within the p99");
        window(d, MS, 3, 50 * MS);
        assertEquals(5 * MS / 2, d.nanos());
        for (int i = 0; i < 10; i++) {
            window(d, MS, 3, 50 * MS);
        }
        assertEquals(0, d.nanos(), "a model that cannot meet the target does not wait at all");
    }

    @Test
    void holdsBetweenNinetyPercentOfTheTargetAndTheTarget() {
        LatencyTargetDelay d = new LatencyTargetDelay(10 * MS, 0);
        window(d, MS, 0, 0);
        window(d, 95 * MS / 10, 0, 0);
        assertEquals(5 * MS / 16, d.nanos());
    }

    @Test
    void theParameterPicksTheTargetAndIsCheckedAtLoad() {
        assertEquals(3 * MS, QueueDelay.class.cast(LatencyTargetDelay.of(Map.of(), 3 * MS)).nanos());
        assertInstanceOf(LatencyTargetDelay.class,
                LatencyTargetDelay.of(Map.of("max_queue_delay_target_p99_us", "8000"), 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LatencyTargetDelay.of(Map.of("max_queue_delay_target_p99_us", "soon"), 0));
        assertEquals("parameter max_queue_delay_target_p99_us: 'soon' (expected: a positive number of microseconds)",
                e.getMessage());
    }
}
