package io.tensorline.server.stats;

import java.util.Arrays;

/**
 * The statistics of many executions of one request each (the parts of a split bulk), gathered by the one thread
 * that runs them and added to the model's {@link ModelStats} in one go by {@link #commit}. Each part still counts
 * exactly as {@link ModelStats#recordQueue} and {@link ModelStats#recordExecution} (with one request) would count
 * it, and each observation still reaches the latency summaries; only the shared counters are touched once per
 * commit instead of about twenty times per part. Not thread-safe; reusable after a commit.
 */
public final class ExecutionTally {

    private final ModelStats stats;
    private long queued;
    private long queueNanos;
    /** Per distinct batch size seen since the last commit (a bulk has one or two): its executions and sums. */
    private int[] sizes = new int[2];
    private long[] executions = new long[2];
    private long[] inputNanos = new long[2];
    private long[] inferNanos = new long[2];
    private long[] outputNanos = new long[2];
    private int kinds;

    ExecutionTally(ModelStats stats) {
        this.stats = stats;
    }

    /** A part reached its instance after waiting {@code nanos}: as {@link ModelStats#recordQueue}. */
    public void queue(long nanos) {
        queued++;
        queueNanos += Math.max(0, nanos);
        stats.summaries().queue(nanos);
    }

    /** One successful execution of one part of {@code rows} rows: as {@link ModelStats#recordExecution}. */
    public void execution(int rows, long input, long infer, long output) {
        int k = 0;
        while (k < kinds && sizes[k] != rows) {
            k++;
        }
        if (k == kinds) {
            if (kinds == sizes.length) {
                int n = kinds * 2;
                sizes = Arrays.copyOf(sizes, n);
                executions = Arrays.copyOf(executions, n);
                inputNanos = Arrays.copyOf(inputNanos, n);
                inferNanos = Arrays.copyOf(inferNanos, n);
                outputNanos = Arrays.copyOf(outputNanos, n);
            }
            sizes[k] = rows;
            kinds++;
        }
        executions[k]++;
        inputNanos[k] += Math.max(0, input);
        inferNanos[k] += Math.max(0, infer);
        outputNanos[k] += Math.max(0, output);
        stats.summaries().compute(1, input, infer, output);
    }

    /** Adds what was gathered to the model's statistics and starts over. */
    public void commit() {
        if (queued > 0) {
            stats.addQueued(queued, queueNanos);
        }
        for (int k = 0; k < kinds; k++) {
            stats.addExecutions(sizes[k], executions[k], inputNanos[k], inferNanos[k], outputNanos[k]);
            executions[k] = 0;
            inputNanos[k] = 0;
            inferNanos[k] = 0;
            outputNanos[k] = 0;
        }
        kinds = 0;
        queued = 0;
        queueNanos = 0;
    }
}
