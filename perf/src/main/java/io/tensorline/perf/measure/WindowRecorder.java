package io.tensorline.perf.measure;

import io.tensorline.perf.model.ServerStats;

import java.util.Arrays;

/**
 * Collects request outcomes from transport threads between two window boundaries. A request belongs to the
 * window in which it completed, as in perf_analyzer; {@link #drain} closes a window and starts the next.
 */
public final class WindowRecorder {

    private final Object lock = new Object();
    private final int batchSize;
    // all below guarded by lock
    private long[] latencies = new long[4096];
    private int count;
    private long sendTotal;
    private long recvTotal;
    private long errors;
    private String firstError;
    private long delayed;
    private long awaited = Long.MAX_VALUE;

    public WindowRecorder(int batchSize) {
        this.batchSize = batchSize;
    }

    public void success(long latencyNs, long sendNs, long recvNs) {
        synchronized (lock) {
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = latencyNs;
            sendTotal += sendNs;
            recvTotal += recvNs;
            if (count == awaited) {
                lock.notifyAll();
            }
        }
    }

    public void failure(String message) {
        synchronized (lock) {
            errors++;
            if (firstError == null) {
                firstError = message;
            }
            lock.notifyAll();
        }
    }

    /** A request-rate send that left after its scheduled time. */
    public void delayed() {
        synchronized (lock) {
            delayed++;
        }
    }

    /**
     * Waits until the open window has {@code requests} successes (true), a failure (true: the caller looks at the
     * errors), or {@code timeout} passes (false).
     */
    public boolean awaitRequests(long requests, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            awaited = requests;
            try {
                while (count < requests && errors == 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    lock.wait(Math.max(1, left / 1_000_000));
                }
                return true;
            } finally {
                awaited = Long.MAX_VALUE;
            }
        }
    }

    /** Closes the window that lasted {@code durationNs} and returns what it saw; the next window starts empty. */
    public Measurement drain(long durationNs, ServerStats server) {
        long[] taken;
        long send;
        long recv;
        long errs;
        String first;
        long late;
        synchronized (lock) {
            taken = Arrays.copyOf(latencies, count);
            send = sendTotal;
            recv = recvTotal;
            errs = errors;
            first = firstError;
            late = delayed;
            count = 0;
            sendTotal = 0;
            recvTotal = 0;
            errors = 0;
            firstError = null;
            delayed = 0;
        }
        return new Measurement(durationNs, batchSize, taken, send, recv, errs, first, late, server);
    }
}
