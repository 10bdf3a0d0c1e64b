package io.tensorline.perf.measure;

import io.tensorline.perf.model.ServerStats;

import java.util.Arrays;

/** Builds measurement windows for tests. */
final class Windows {

    private Windows() {
    }

    /** A one-second window of {@code requests} requests, each {@code latencyUs} long. */
    static Measurement of(int requests, long latencyUs) {
        long[] latencies = new long[requests];
        Arrays.fill(latencies, latencyUs * 1000);
        return new Measurement(1_000_000_000L, 1, latencies, 0, 0, 0, null, 0, null);
    }

    static Measurement withLatencies(long durationNs, int batch, long[] latenciesNs, long sendTotal, long recvTotal,
                                     ServerStats server) {
        return new Measurement(durationNs, batch, latenciesNs, sendTotal, recvTotal, 0, null, 0, server);
    }
}
