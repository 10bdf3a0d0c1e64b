package io.tensorline.perf.measure;

import io.tensorline.perf.model.ServerStats;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * What one measurement window saw (or several merged): the latencies of the requests that completed in it, the
 * client's send and receive time, and the server's statistics over the same time when it has the extension.
 *
 * @param sortedLatenciesNs ascending latencies of the successful requests
 * @param server            the server statistics delta, or null when the server has no statistics extension
 */
public record Measurement(long durationNs, int batchSize, long[] sortedLatenciesNs, long sendNsTotal,
                          long recvNsTotal, long errors, String firstError, long delayed, ServerStats server) {

    public Measurement {
        sortedLatenciesNs = sortedLatenciesNs.clone();
        Arrays.sort(sortedLatenciesNs);
    }

    @Override
    public long[] sortedLatenciesNs() {
        return sortedLatenciesNs.clone();
    }

    public long requests() {
        return sortedLatenciesNs.length;
    }

    /** Inferences per second: requests times batch size over the window. */
    public double inferPerSec() {
        return durationNs <= 0 ? 0 : requests() * (double) batchSize * 1e9 / durationNs;
    }

    public long avgLatencyNs() {
        if (sortedLatenciesNs.length == 0) {
            return 0;
        }
        long sum = 0;
        for (long l : sortedLatenciesNs) {
            sum += l;
        }
        return sum / sortedLatenciesNs.length;
    }

    public long percentileNs(int p) {
        return Percentiles.of(sortedLatenciesNs, p);
    }

    public long avgSendNs() {
        return requests() == 0 ? 0 : sendNsTotal / requests();
    }

    public long avgRecvNs() {
        return requests() == 0 ? 0 : recvNsTotal / requests();
    }

    /** The latency that must be stable: the average, or the {@code --percentile} one. */
    public long stabilizingLatencyNs(OptionalInt percentile) {
        return percentile.isPresent() ? percentileNs(percentile.getAsInt()) : avgLatencyNs();
    }

    /**
     * Time not accounted for by the client's send and receive nor by the server's queue and compute: the network
     * plus the server's own overhead, as perf_analyzer's "Network+Server Send/Recv" column (never below 0).
     * Without server statistics it is the whole wait for the response.
     */
    public long networkAndServerNs() {
        long wait = avgLatencyNs() - avgSendNs() - avgRecvNs();
        if (server != null) {
            wait -= server.avgQueueNs() + server.avgComputeNs();
        }
        return Math.max(0, wait);
    }

    /** The windows as one: latencies pooled, durations, counts and server deltas added. */
    public static Measurement merge(List<Measurement> windows) {
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("no windows to merge");
        }
        long duration = 0;
        long send = 0;
        long recv = 0;
        long errors = 0;
        long delayed = 0;
        String firstError = null;
        ServerStats server = windows.get(0).server() == null ? null : ServerStats.ZERO;
        int total = 0;
        for (Measurement m : windows) {
            total += m.sortedLatenciesNs.length;
        }
        long[] latencies = new long[total];
        int at = 0;
        for (Measurement m : windows) {
            duration += m.durationNs;
            send += m.sendNsTotal;
            recv += m.recvNsTotal;
            errors += m.errors;
            delayed += m.delayed;
            if (firstError == null) {
                firstError = m.firstError;
            }
            if (server != null && m.server != null) {
                server = server.plus(m.server);
            }
            System.arraycopy(m.sortedLatenciesNs, 0, latencies, at, m.sortedLatenciesNs.length);
            at += m.sortedLatenciesNs.length;
        }
        return new Measurement(duration, windows.get(0).batchSize(), latencies, send, recv, errors, firstError,
                delayed, server);
    }
}
