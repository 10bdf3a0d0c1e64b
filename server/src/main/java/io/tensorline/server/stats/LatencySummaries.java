package io.tensorline.server.stats;

/**
 * Where per-request latencies go besides the cumulative counters: Triton's summaries
 * ({@code --metrics-config summary_latencies=true}) need every observation, not only the sums. One
 * {@link Version} per loaded model version, opened when its statistics are created and closed when they go.
 * {@link #NONE}, the default, observes nothing, so the request path pays one call to an empty method.
 */
public interface LatencySummaries {

    /** The observations of one model version; called from instance, batcher and transport threads. */
    interface Version {
        /** A request answered with outputs, {@code nanos} after it arrived. */
        void request(long nanos);

        /** A request waited {@code nanos} before its execution started. */
        void queue(long nanos);

        /** One execution that served {@code requests} requests: each of them is charged the whole durations. */
        void compute(int requests, long inputNanos, long inferNanos, long outputNanos);

        /** A response-cache lookup that hit. */
        void cacheHit(long nanos);

        /** A response-cache lookup that missed, plus the insertion. */
        void cacheMiss(long nanos);

        /** The version unloaded: its series leave the export. */
        void close();
    }

    /** Opens the observations of a version whose statistics are being created. */
    Version open(String model, long version);

    /** Observes nothing. */
    LatencySummaries NONE = new LatencySummaries() {
        private final Version none = new Version() {
            @Override
            public void request(long nanos) {
            }

            @Override
            public void queue(long nanos) {
            }

            @Override
            public void compute(int requests, long inputNanos, long inferNanos, long outputNanos) {
            }

            @Override
            public void cacheHit(long nanos) {
            }

            @Override
            public void cacheMiss(long nanos) {
            }

            @Override
            public void close() {
            }
        };

        @Override
        public Version open(String model, long version) {
            return none;
        }
    };
}
