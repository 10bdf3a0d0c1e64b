package io.tensorline.perf.load;

import io.tensorline.perf.PerfException;

import java.time.Duration;

/** Keeps one load level going (a concurrency or a request rate) and records every outcome in a window recorder. */
public interface LoadGenerator {

    /** Starts sending; returns at once. */
    void start();

    /**
     * Stops sending and waits up to {@code timeout} for the requests in flight to finish.
     *
     * @throws PerfException when requests are still outstanding after the timeout
     */
    void stop(Duration timeout) throws PerfException, InterruptedException;
}
