package io.tensorline.perf.report;

import io.tensorline.perf.cli.LoadLevel;
import io.tensorline.perf.cli.LoadMode;
import io.tensorline.perf.measure.LevelResult;
import io.tensorline.perf.measure.Measurement;
import io.tensorline.perf.model.ServerStats;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CsvReportTest {

    private static LevelResult level(LoadMode mode, double value, int requests, long latencyNs, ServerStats server,
                                     boolean stable) {
        long[] latencies = new long[requests];
        java.util.Arrays.fill(latencies, latencyNs);
        // one second, 1.5 us send and 0.5 us receive per request
        Measurement m = new Measurement(1_000_000_000L, 1, latencies, 1500L * requests, 500L * requests, 0, null, 7,
                server);
        return new LevelResult(new LoadLevel(mode, value), m, stable, 3);
    }

    private static String header(List<Column> columns) {
        return CsvReport.render(columns, List.of()).trim();
    }

    @Test
    void concurrencyHeaderWithoutServerStatsLeavesTheServerColumnsOut() {
        assertEquals("Concurrency,Inferences/Second,Client Send,Client Recv,p50 latency,p90 latency,p95 latency,"
                + "p99 latency,Stable", header(new ResultColumns(LoadMode.CONCURRENCY, false, OptionalInt.empty()).csv()));
    }

    @Test
    void headerWithServerStatsHasPerfAnalyzersColumnsInOrder() {
        assertEquals("Concurrency,Inferences/Second,Client Send,Network+Server Send/Recv,Server Queue,"
                + "Server Compute Input,Server Compute Infer,Server Compute Output,Client Recv,p50 latency,p90 latency,"
                + "p95 latency,p99 latency,Stable",
                header(new ResultColumns(LoadMode.CONCURRENCY, true, OptionalInt.empty()).csv()));
    }

    @Test
    void requestRateHeaderNamesTheRateAndCountsDelayedSends() {
        String h = header(new ResultColumns(LoadMode.REQUEST_RATE, false, OptionalInt.empty()).csv());
        assertTrue(h.startsWith("Request Rate,Inferences/Second,"), h);
        assertTrue(h.endsWith(",Stable,Delayed Requests"), h);
    }

    @Test
    void extraPercentileSortsAmongTheOthers() {
        String h = header(new ResultColumns(LoadMode.CONCURRENCY, false, OptionalInt.of(75)).csv());
        assertTrue(h.contains("p50 latency,p75 latency,p90 latency"), h);
    }

    @Test
    void rowsAreInMicrosecondsAndSortedByThroughput() {
        ServerStats s = new ServerStats(10, 10, 10, 20_000_000, 10, 2_000_000, 10, 1_000_000, 10, 5_000_000, 10, 1_000_000);
        List<Column> cols = new ResultColumns(LoadMode.CONCURRENCY, true, OptionalInt.empty()).csv();
        String csv = CsvReport.render(cols, List.of(
                level(LoadMode.CONCURRENCY, 8, 3000, 4_000_999, s, false),
                level(LoadMode.CONCURRENCY, 1, 1234, 1_000_000, s, true)));
        String[] lines = csv.split("\n");
        assertEquals(3, lines.length);
        // 1 ms latency - 1.5 us send - 0.5 us recv - 200 us queue - (100 + 500 + 100) us compute = 98 us
        assertEquals("1,1234,1,98,200,100,500,100,0,1000,1000,1000,1000,yes", lines[1]);
        assertEquals("8,3000,1,3098,200,100,500,100,0,4000,4000,4000,4000,no", lines[2]);
    }

    @Test
    void throughputKeepsSixSignificantDigits() {
        assertEquals("3405.67", Numbers.sig6(3405.6666));
        assertEquals("1234570", Numbers.sig6(1234567.8));
        assertEquals("12.5", Numbers.sig6(12.5));
        assertEquals("0", Numbers.sig6(0));
    }

    @Test
    void fullColumnsAddAverageLatencyAndServerOverhead() {
        List<String> names = new ResultColumns(LoadMode.CONCURRENCY, true, OptionalInt.empty()).full().stream()
                .map(Column::name).toList();
        assertTrue(names.contains("Avg latency"));
        assertTrue(names.contains("Server Overhead"));
    }

    @Test
    void writesTheFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("out.csv");
        List<Column> cols = new ResultColumns(LoadMode.REQUEST_RATE, false, OptionalInt.empty()).csv();
        CsvReport.write(file, cols, List.of(level(LoadMode.REQUEST_RATE, 100, 100, 2_000_000, null, true)));
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        assertEquals("100,100,1,0,2000,2000,2000,2000,yes,7", lines.get(1));
    }

    @Test
    void htmlReportIsSelfContained() {
        List<Column> cols = new ResultColumns(LoadMode.CONCURRENCY, false, OptionalInt.empty()).full();
        String html = HtmlReport.render("model <m>", List.of("Batch size: 1"), List.of("note & more"), cols,
                List.of(level(LoadMode.CONCURRENCY, 1, 100, 1_000_000, null, true),
                        level(LoadMode.CONCURRENCY, 2, 150, 1_500_000, null, false)));
        assertTrue(html.contains("<svg"));
        assertTrue(html.contains("<polyline"));
        assertTrue(html.contains("model &lt;m&gt;"));
        assertTrue(html.contains("note &amp; more"));
        assertTrue(html.contains("<tr class=\"unstable\">"));
        assertTrue(!html.contains("<script") && !html.contains("src=\"http"));
    }

    @Test
    void plotStepsAreRound() {
        assertEquals(2000.0, LatencyPlot.niceStep(9000));
        assertEquals(0.5, LatencyPlot.niceStep(2.2));
        assertEquals(1.0, LatencyPlot.niceStep(0));
    }
}
