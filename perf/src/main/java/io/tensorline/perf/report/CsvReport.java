package io.tensorline.perf.report;

import io.tensorline.perf.measure.LevelResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/** The {@code -f FILE.csv} writer: perf_analyzer's header and rows, sorted by throughput as perf_analyzer does. */
public final class CsvReport {

    private CsvReport() {
    }

    public static String render(List<Column> columns, List<LevelResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(columns.stream().map(Column::name).collect(Collectors.joining(","))).append('\n');
        results.stream()
                .sorted(Comparator.comparingDouble(r -> r.summary().inferPerSec()))
                .forEach(r -> sb.append(row(columns, r)).append('\n'));
        return sb.toString();
    }

    public static String row(List<Column> columns, LevelResult result) {
        return columns.stream().map(c -> c.cell().apply(result)).collect(Collectors.joining(","));
    }

    public static void write(Path file, List<Column> columns, List<LevelResult> results) throws IOException {
        Files.writeString(file, render(columns, results));
    }
}
