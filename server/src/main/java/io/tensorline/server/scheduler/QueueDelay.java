package io.tensorline.server.scheduler;

/**
 * How long the oldest waiting request may wait for a larger batch: fixed ({@code max_queue_delay_microseconds}),
 * or tuned at run time to a latency target ({@link LatencyTargetDelay}). Used on the batcher thread only.
 */
interface QueueDelay {

    /** The delay now, in nanoseconds; 0 sends at once. */
    long nanos();

    /** A request's batch finished {@code latencyNanos} after the request arrived. */
    void observe(long latencyNanos);

    static QueueDelay fixed(long nanos) {
        return new QueueDelay() {
            @Override
            public long nanos() {
                return nanos;
            }

            @Override
            public void observe(long latencyNanos) {
            }
        };
    }
}
