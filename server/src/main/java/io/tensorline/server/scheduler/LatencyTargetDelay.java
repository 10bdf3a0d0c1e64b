package io.tensorline.server.scheduler;

import java.util.Arrays;
import java.util.Map;

/**
 * A queue delay tuned to a p99 latency target (Tensorline's own, model parameter
 * {@code max_queue_delay_target_p99_us}): as long as it helps batches grow, as short as keeps the 99th percentile
 * of arrival-to-batch-done latency under the target. Every {@value #WINDOW} requests it takes the window's p99:
 * above the target the delay halves, below 90 % of it the delay grows by a sixteenth of its bound, in between it
 * stays. It starts at 0, so a model that cannot meet the target never waits. The bound is the model's
 * {@code max_queue_delay_microseconds} when set, else half the target. Batcher thread only.
 */
final class LatencyTargetDelay implements QueueDelay {

    static final String PARAMETER = "max_queue_delay_target_p99_us";
    static final int WINDOW = 200;

    private final long targetNanos;
    private final long maxNanos;
    private final long stepNanos;
    private final long[] window = new long[WINDOW];
    private int filled;
    private long delayNanos;

    LatencyTargetDelay(long targetNanos, long maxNanos) {
        if (targetNanos <= 0) {
            throw new IllegalArgumentException(PARAMETER + ": " + targetNanos / 1000 + " (expected: > 0)");
        }
        this.targetNanos = targetNanos;
        this.maxNanos = maxNanos > 0 ? Math.min(maxNanos, targetNanos) : targetNanos / 2;
        this.stepNanos = Math.max(1000, this.maxNanos / 16);
    }

    /**
     * The delay a model's parameters ask for: the target when {@value #PARAMETER} is set, else the fixed
     * {@code max_queue_delay_microseconds}.
     */
    static QueueDelay of(Map<String, String> parameters, long configuredDelayNanos) {
        String value = parameters.get(PARAMETER);
        if (value == null) {
            return QueueDelay.fixed(configuredDelayNanos);
        }
        long micros;
        try {
            micros = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            micros = -1;
        }
        if (micros <= 0) {
            throw new IllegalArgumentException("parameter " + PARAMETER + ": '" + value
                    + "' (expected: a positive number of microseconds)");
        }
        return new LatencyTargetDelay(BatchingPolicy.microsToNanos(micros), configuredDelayNanos);
    }

    @Override
    public boolean adapts() {
        return true;
    }

    @Override
    public long nanos() {
        return delayNanos;
    }

    @Override
    public void observe(long latencyNanos) {
        window[filled++] = latencyNanos;
        if (filled < WINDOW) {
            return;
        }
        filled = 0;
        long[] sorted = window.clone();
        Arrays.sort(sorted);
        long p99 = sorted[(int) Math.ceil(WINDOW * 0.99) - 1];
        if (p99 > targetNanos) {
            delayNanos = delayNanos / 2 < stepNanos ? 0 : delayNanos / 2;
        } else if (p99 < targetNanos - targetNanos / 10) {
            delayNanos = Math.min(maxNanos, delayNanos + stepNanos);
        }
    }
}
