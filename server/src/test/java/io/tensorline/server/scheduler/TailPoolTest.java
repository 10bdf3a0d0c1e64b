package io.tensorline.server.scheduler;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TailPoolTest {

    /** A full window of {@code latencies}, each request a batch of its own. */
    private static LatencyWindow window(long... latencies) {
        LatencyWindow w = new LatencyWindow(latencies.length, 1);
        for (long latency : latencies) {
            w.add(1_000, 1_000 + latency, true);
        }
        return w;
    }

    private static long p99(long[] all) {
        long[] sorted = all.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.ceil(sorted.length * 0.99) - 1];
    }

    @Test
    void thePercentileIsOverEveryLatencyOfTheLastWindows() {
        Random random = new Random(11);
        TailPool pool = new TailPool(3);
        long[][] windows = new long[5][];
        for (int w = 0; w < windows.length; w++) {
            windows[w] = random.longs(200 + 10 * w, 1, 10_000_000).toArray();
            pool.add(window(windows[w]));
        }
        long[] lastThree = new long[windows[2].length + windows[3].length + windows[4].length];
        System.arraycopy(windows[2], 0, lastThree, 0, windows[2].length);
        System.arraycopy(windows[3], 0, lastThree, windows[2].length, windows[3].length);
        System.arraycopy(windows[4], 0, lastThree, windows[2].length + windows[3].length, windows[4].length);
        assertEquals(3, pool.size());
        assertEquals(p99(lastThree), pool.p99());
    }

    @Test
    void aClearedPoolStartsOver() {
        TailPool pool = new TailPool(2);
        pool.add(window(5, 1, 4, 2, 3));
        pool.add(window(10, 20, 30));
        assertEquals(30, pool.p99());
        pool.clear();
        assertEquals(0, pool.size());
        assertEquals(0, pool.p99());
        pool.add(window(5, 1, 4));
        assertEquals(1, pool.size());
        assertEquals(5, pool.p99());
    }

    @Test
    void holdsAtLeastOneWindow() {
        assertThrows(IllegalArgumentException.class, () -> new TailPool(0));
    }
}
