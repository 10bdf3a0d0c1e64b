package io.tensorline.perf.report;

import io.tensorline.perf.cli.LoadLevel;
import io.tensorline.perf.measure.LevelResult;
import io.tensorline.perf.measure.Measurement;
import io.tensorline.perf.measure.Profiler;
import io.tensorline.perf.measure.Stability;
import io.tensorline.perf.model.ServerStats;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/** The terminal output: a line per window while measuring, a summary per level, the table at the end. */
public final class ConsoleReport implements Profiler.Listener {

    private final PrintStream out;
    private final OptionalInt percentile;
    private final int maxTrials;

    public ConsoleReport(PrintStream out, OptionalInt percentile, int maxTrials) {
        this.out = out;
        this.percentile = percentile;
        this.maxTrials = maxTrials;
    }

    public void line(String text) {
        out.println(text);
        out.flush();
    }

    public void levelStart(LoadLevel level) {
        line("");
        line(level.mode().label() + ": " + level.display() + (level.mode() == io.tensorline.perf.cli.LoadMode.REQUEST_RATE
                ? " requests/s" : " requests outstanding"));
    }

    @Override
    public void window(LoadLevel level, int trial, Measurement w, Stability.Verdict verdict) {
        String latency = percentile.isPresent()
                ? "p" + percentile.getAsInt() + " latency: " + Numbers.usec(w.percentileNs(percentile.getAsInt()))
                : "Avg latency: " + Numbers.usec(w.avgLatencyNs());
        String delayed = w.delayed() > 0 ? ", " + w.delayed() + " delayed sends" : "";
        String mark = switch (verdict) {
            case STABLE -> "  (stable)";
            case MAX_TRIALS -> "  (not stable)";
            case CONTINUE -> "";
        };
        line(String.format(Locale.ROOT, "  Pass [%d/%d] throughput: %s infer/sec. %s usec, p99 %s usec, %d requests%s%s",
                trial, maxTrials, Numbers.oneDecimal(w.inferPerSec()), latency, Numbers.usec(w.percentileNs(99)),
                w.requests(), delayed, mark));
    }

    public void levelDone(LevelResult r) {
        Measurement m = r.summary();
        if (!r.stable()) {
            line("  WARNING: failed to obtain a stable measurement within " + r.trials() + " measurement windows for "
                    + r.level().mode().label().toLowerCase(Locale.ROOT) + " " + r.level().display()
                    + " (try a longer --measurement-interval or a larger --stability-percentage); the figures below"
                    + " merge the last windows and are marked unstable in the CSV and report.");
        }
        line("  Client:");
        line("    Request count: " + m.requests() + " over " + String.format(Locale.ROOT, "%.2f", m.durationNs() / 1e9) + " s");
        line("    Throughput: " + Numbers.oneDecimal(m.inferPerSec()) + " infer/sec");
        line("    Avg latency: " + Numbers.usec(m.avgLatencyNs()) + " usec (send " + Numbers.usec(m.avgSendNs())
                + " + response wait " + Numbers.usec(Math.max(0, m.avgLatencyNs() - m.avgSendNs() - m.avgRecvNs()))
                + " + receive " + Numbers.usec(m.avgRecvNs()) + ")");
        line("    p50 " + Numbers.usec(m.percentileNs(50)) + " / p90 " + Numbers.usec(m.percentileNs(90)) + " / p95 "
                + Numbers.usec(m.percentileNs(95)) + " / p99 " + Numbers.usec(m.percentileNs(99)) + " usec");
        if (m.delayed() > 0) {
            line("    Delayed sends: " + m.delayed() + " (the client could not keep the schedule)");
        }
        ServerStats s = m.server();
        if (s != null) {
            line("  Server:");
            line("    Inference count: " + s.inferenceCount() + ", execution count: " + s.executionCount()
                    + ", successful requests: " + s.successCount());
            line("    Avg request latency: " + Numbers.usec(s.avgRequestNs()) + " usec (overhead "
                    + Numbers.usec(s.avgOverheadNs()) + " + queue " + Numbers.usec(s.avgQueueNs())
                    + " + compute input " + Numbers.usec(s.avgComputeInputNs()) + " + compute infer "
                    + Numbers.usec(s.avgComputeInferNs()) + " + compute output " + Numbers.usec(s.avgComputeOutputNs()) + ")");
        }
    }

    /** The results as an aligned text table (times in usec). */
    public void table(List<Column> columns, List<LevelResult> results) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(columns.stream().map(Column::name).toList());
        for (LevelResult r : results) {
            rows.add(columns.stream().map(c -> c.cell().apply(r)).toList());
        }
        int[] width = new int[columns.size()];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        line("");
        line("Results (times in usec):");
        for (List<String> row : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                sb.append(i == 0 ? "" : "  ").append(" ".repeat(width[i] - cell.length())).append(cell);
            }
            line(sb.toString());
        }
    }
}
