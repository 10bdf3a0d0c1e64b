package io.tensorline.server.stats;

/**
 * A histogram read at one moment.
 *
 * @param upperBounds inclusive upper bound of each bucket but the last, which is +Inf
 * @param counts      observations per bucket (not cumulative); one more entry than {@code upperBounds}
 * @param sum         the sum of the observed values, in the histogram's unit
 */
public record HistogramSnapshot(double[] upperBounds, long[] counts, double sum) {

    public long count() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }
}
