package io.tensorline.perf.measure;

/** Latency percentiles as perf_analyzer takes them from sorted samples. */
public final class Percentiles {

    private Percentiles() {
    }

    /**
     * The {@code p}-th percentile of ascending {@code sorted} samples: the sample at index
     * {@code floor(p/100 * (n-1) + 0.5)}, perf_analyzer's rule. 0 for no samples.
     */
    public static long of(long[] sorted, int p) {
        if (p < 0 || p > 100) {
            throw new IllegalArgumentException("percentile " + p + " (expected: 0 to 100)");
        }
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) ((p / 100.0) * (sorted.length - 1) + 0.5);
        return sorted[index];
    }
}
