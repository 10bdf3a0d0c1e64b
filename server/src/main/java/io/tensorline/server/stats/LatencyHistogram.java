package io.tensorline.server.stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * Request latencies in fixed microsecond buckets, for the Prometheus latency histogram. Lock-free: {@link #observe}
 * is called from instance and batcher threads, {@link #snapshot} from the metrics endpoint.
 */
final class LatencyHistogram {

    /** Upper bounds in µs (inclusive), roughly ×2.5 apart from 100 µs to 10 s; +Inf is implied. */
    static final double[] BOUNDS_US = {100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000,
        250_000, 500_000, 1_000_000, 2_500_000, 10_000_000};

    private final LongAdder[] counts = new LongAdder[BOUNDS_US.length + 1];
    private final LongAdder sumNanos = new LongAdder();

    LatencyHistogram() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void observe(long nanos) {
        observe(nanos, 1);
    }

    /** {@code times} observations of {@code nanos} each. */
    void observe(long nanos, long times) {
        double us = nanos / 1_000.0;
        int i = 0;
        while (i < BOUNDS_US.length && us > BOUNDS_US[i]) {
            i++;
        }
        counts[i].add(times);
        sumNanos.add(nanos * times);
    }

    HistogramSnapshot snapshot() {
        long[] c = new long[counts.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = counts[i].sum();
        }
        return new HistogramSnapshot(BOUNDS_US.clone(), c, sumNanos.sum() / 1_000.0);
    }
}
