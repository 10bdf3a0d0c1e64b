package io.tensorline.server.scheduler;

import java.util.Arrays;

/**
 * The latencies of the requests that arrived after a moment ({@link #restart}), until the window holds enough of
 * them and of their batches to judge a queue delay by ({@link #full}): their mean and their 99th percentile. A
 * request that arrived before the restart waited under the previous delay and is left out. Batcher thread only.
 */
final class LatencyWindow {

    private final int requests;
    private final int batches;
    private long[] latencies;
    private int count;
    /** Per counted batch: the sum of its latencies and its requests (requests of one batch are not independent). */
    private long[] batchSums = new long[16];
    private int[] batchSizes = new int[16];
    private long openSum;
    private int openSize;
    private int batchCount;
    private boolean batchSeen;
    /** Requests count from this arrival on; before the first restart, all do. */
    private long since;
    private boolean everyArrival = true;

    /** A window is full with at least {@code requests} requests from at least {@code batches} batches. */
    LatencyWindow(int requests, int batches) {
        if (requests < 1 || batches < 1) {
            throw new IllegalArgumentException("requests: " + requests + ", batches: " + batches
                    + " (expected: >= 1)");
        }
        this.requests = requests;
        this.batches = batches;
        this.latencies = new long[requests];
    }

    /** Empties the window; from now on it takes requests that arrived at or after {@code sinceNanos}. */
    void restart(long sinceNanos) {
        since = sinceNanos;
        everyArrival = false;
        count = 0;
        batchCount = 0;
        batchSeen = false;
        openSum = 0;
        openSize = 0;
    }

    /** One request of a batch that finished at {@code doneNanos}; {@code lastOfBatch} closes the batch. */
    void add(long arrivalNanos, long doneNanos, boolean lastOfBatch) {
        if (everyArrival || arrivalNanos - since >= 0) {
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            long latency = Math.max(0, doneNanos - arrivalNanos);
            latencies[count++] = latency;
            openSum += latency;
            openSize++;
            batchSeen = true;
        }
        if (lastOfBatch && batchSeen) {
            if (batchCount == batchSums.length) {
                batchSums = Arrays.copyOf(batchSums, batchCount * 2);
                batchSizes = Arrays.copyOf(batchSizes, batchCount * 2);
            }
            batchSums[batchCount] = openSum;
            batchSizes[batchCount] = openSize;
            batchCount++;
            openSum = 0;
            openSize = 0;
            batchSeen = false;
        }
    }

    /** How many requests the window holds. */
    int count() {
        return count;
    }

    /** Copies the window's latencies (in no particular order) into {@code into} from {@code offset}. */
    void copyTo(long[] into, int offset) {
        System.arraycopy(latencies, 0, into, offset, count);
    }

    boolean full() {
        return count >= requests && batchCount >= batches;
    }

    double mean() {
        long sum = 0;
        for (int i = 0; i < count; i++) {
            sum += latencies[i];
        }
        return count == 0 ? 0 : (double) sum / count;
    }

    /**
     * The standard error of {@link #mean}, with the batch as the unit sampled (requests that shared an execution
     * share its ups and downs): sqrt(B / (B - 1) * sum of (rows_b * (mean_b - mean))^2) / requests.
     */
    double standardError() {
        if (batchCount < 2) {
            return Double.POSITIVE_INFINITY;
        }
        double mean = mean();
        double sum = 0;
        for (int b = 0; b < batchCount; b++) {
            double deviation = batchSums[b] - batchSizes[b] * mean;
            sum += deviation * deviation;
        }
        return Math.sqrt(sum * batchCount / (batchCount - 1)) / count;
    }

    /** The 99th percentile (nearest rank); reorders the window. */
    long p99() {
        if (count == 0) {
            return 0;
        }
        Arrays.sort(latencies, 0, count);
        return latencies[(int) Math.ceil(count * 0.99) - 1];
    }
}
