package io.tensorline.server.scheduler;

/**
 * How long the oldest waiting request may wait for a larger batch: fixed ({@code max_queue_delay_microseconds}),
 * or tuned at run time to a latency target ({@link LatencyTargetDelay}). Used on the batcher thread only.
 */
interface QueueDelay {

    /** The delay now, in nanoseconds; 0 sends at once. */
    long nanos();

    /**
     * A request that arrived at {@code arrivalNanos} (the transport's stamp) was in a batch that finished at
     * {@code doneNanos}; {@code lastOfBatch} for the batch's last request.
     */
    void observe(long arrivalNanos, long doneNanos, boolean lastOfBatch);

    /**
     * Whether {@link #nanos} follows what {@link #observe} sees: then every request's latency must be observed, the
     * direct hand-off's too ({@link InstanceLeases}: while the delay is 0, lone requests run on lent instances, and
     * their stamps come back to the batcher thread as batches of one).
     */
    default boolean adapts() {
        return false;
    }

    static QueueDelay fixed(long nanos) {
        return new QueueDelay() {
            @Override
            public long nanos() {
                return nanos;
            }

            @Override
            public void observe(long arrivalNanos, long doneNanos, boolean lastOfBatch) {
            }
        };
    }
}
