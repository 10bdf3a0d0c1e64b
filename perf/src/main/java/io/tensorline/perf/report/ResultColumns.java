package io.tensorline.perf.report;

import io.tensorline.perf.cli.LoadMode;
import io.tensorline.perf.measure.LevelResult;
import io.tensorline.perf.model.ServerStats;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.ToLongFunction;

/**
 * The columns of the results, in perf_analyzer's CSV order and names: the load value, {@code Inferences/Second},
 * {@code Client Send}, the server breakdown (only with server statistics, as perf_analyzer), {@code Client Recv},
 * then the latency percentiles. Times are microseconds.
 */
public final class ResultColumns {

    private final LoadMode mode;
    private final boolean serverStats;
    private final SortedSet<Integer> percentiles;

    public ResultColumns(LoadMode mode, boolean serverStats, OptionalInt extraPercentile) {
        this.mode = mode;
        this.serverStats = serverStats;
        TreeSet<Integer> p = new TreeSet<>(List.of(50, 90, 95, 99));
        extraPercentile.ifPresent(p::add);
        this.percentiles = p;
    }

    public boolean serverStats() {
        return serverStats;
    }

    /** perf_analyzer's columns, then ours: {@code Stable}, and {@code Delayed Requests} in request-rate mode. */
    public List<Column> csv() {
        return build(false);
    }

    /** The CSV columns plus the average latency and the server's own overhead, for the HTML report. */
    public List<Column> full() {
        return build(true);
    }

    /** The names of the server-side columns, which are left out when the server has no statistics. */
    public static List<String> serverColumnNames() {
        return List.of("Network+Server Send/Recv", "Server Queue", "Server Compute Input", "Server Compute Infer",
                "Server Compute Output");
    }

    private List<Column> build(boolean full) {
        List<Column> cols = new ArrayList<>();
        cols.add(new Column(mode.label(), r -> r.level().display()));
        cols.add(new Column("Inferences/Second", r -> Numbers.sig6(r.summary().inferPerSec())));
        if (full) {
            cols.add(time("Avg latency", r -> r.summary().avgLatencyNs()));
        }
        cols.add(time("Client Send", r -> r.summary().avgSendNs()));
        if (serverStats) {
            cols.add(time("Network+Server Send/Recv", r -> r.summary().networkAndServerNs()));
            cols.add(server("Server Queue", ServerStats::avgQueueNs));
            cols.add(server("Server Compute Input", ServerStats::avgComputeInputNs));
            cols.add(server("Server Compute Infer", ServerStats::avgComputeInferNs));
            cols.add(server("Server Compute Output", ServerStats::avgComputeOutputNs));
            if (full) {
                cols.add(server("Server Overhead", ServerStats::avgOverheadNs));
            }
        }
        cols.add(time("Client Recv", r -> r.summary().avgRecvNs()));
        for (int p : percentiles) {
            cols.add(time("p" + p + " latency", r -> r.summary().percentileNs(p)));
        }
        cols.add(new Column("Stable", r -> r.stable() ? "yes" : "no"));
        if (mode == LoadMode.REQUEST_RATE) {
            cols.add(new Column("Delayed Requests", r -> Long.toString(r.summary().delayed())));
        }
        return cols;
    }

    private static Column time(String name, ToLongFunction<LevelResult> ns) {
        return new Column(name, r -> Numbers.usec(ns.applyAsLong(r)));
    }

    private static Column server(String name, ToLongFunction<ServerStats> ns) {
        return new Column(name, r -> r.summary().server() == null ? "" : Numbers.usec(ns.applyAsLong(r.summary().server())));
    }
}
