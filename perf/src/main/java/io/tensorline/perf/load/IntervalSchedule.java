package io.tensorline.perf.load;

import io.tensorline.perf.cli.Distribution;

import java.util.Random;

/** The gaps between request-rate sends: all equal (constant) or exponentially distributed (poisson). */
public final class IntervalSchedule {

    private final Distribution distribution;
    private final double meanGapNs;
    private final Random random;

    public IntervalSchedule(Distribution distribution, double requestsPerSecond, long seed) {
        if (!(requestsPerSecond > 0)) {
            throw new IllegalArgumentException("request rate " + requestsPerSecond + " (expected: > 0)");
        }
        this.distribution = distribution;
        this.meanGapNs = 1e9 / requestsPerSecond;
        this.random = new Random(seed);
    }

    /** The gap before the next send, in nanoseconds. Called from one thread only. */
    public double nextGapNs() {
        return switch (distribution) {
            case CONSTANT -> meanGapNs;
            case POISSON -> -Math.log(1.0 - random.nextDouble()) * meanGapNs;
        };
    }
}
