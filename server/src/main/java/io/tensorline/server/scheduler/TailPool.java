package io.tensorline.server.scheduler;

import java.util.Arrays;

/**
 * The latencies of the last few {@link LatencyWindow windows} at one queue delay, pooled, for a 99th percentile
 * that rests on more requests than one window's: a window of 256 requests puts its p99 on its third longest, which
 * moves from one window to the next by as much as a delay step changes it. Batcher thread only.
 */
final class TailPool {

    private final int windows;
    private final long[][] held;
    private final int[] counts;
    /** The slot the next window goes to, and how many slots hold one. */
    private int next;
    private int size;
    private long[] scratch = new long[0];

    /** A pool of the last {@code windows} windows. */
    TailPool(int windows) {
        if (windows < 1) {
            throw new IllegalArgumentException("windows: " + windows + " (expected: >= 1)");
        }
        this.windows = windows;
        this.held = new long[windows][];
        this.counts = new int[windows];
    }

    /** Adds a full window's latencies, dropping the oldest window when the pool is full. */
    void add(LatencyWindow window) {
        window.copyTo(slot(window.count()), 0);
        advance();
    }

    /** The next slot, holding room for {@code count} latencies. */
    private long[] slot(int count) {
        if (held[next] == null || held[next].length < count) {
            held[next] = new long[count];
        }
        counts[next] = count;
        return held[next];
    }

    private void advance() {
        next = (next + 1) % windows;
        size = Math.min(windows, size + 1);
    }

    /** How many windows the pool holds. */
    int size() {
        return size;
    }

    void clear() {
        size = 0;
        next = 0;
    }

    /** The 99th percentile (nearest rank) of every latency the pool holds; 0 when it holds none. */
    long p99() {
        int total = 0;
        for (int w = 0; w < size; w++) {
            total += counts[newest(w)];
        }
        if (total == 0) {
            return 0;
        }
        if (scratch.length < total) {
            scratch = new long[total];
        }
        int at = 0;
        for (int w = 0; w < size; w++) {
            int s = newest(w);
            System.arraycopy(held[s], 0, scratch, at, counts[s]);
            at += counts[s];
        }
        Arrays.sort(scratch, 0, total);
        return scratch[(int) Math.ceil(total * 0.99) - 1];
    }

    /** The w-th newest slot. */
    private int newest(int w) {
        return Math.floorMod(next - 1 - w, windows);
    }
}
