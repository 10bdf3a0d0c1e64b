package io.tensorline.perf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real tool against tiny in-test servers. Count windows ({@code --measurement-mode count_windows}) make the
 * request counts certain without any timing assumption: every window completes at least 100 requests.
 */
@Timeout(120)
class PerfEndToEndTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int perf(String... args) {
        return PerfMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static String column(List<String> csv, int row, String name) {
        List<String> header = Arrays.asList(csv.get(0).split(","));
        int i = header.indexOf(name);
        assertTrue(i >= 0, "no column " + name + " in " + header);
        return csv.get(row).split(",", -1)[i];
    }

    private static List<String> levels(List<String> csv) {
        List<String> l = new ArrayList<>();
        for (int r = 1; r < csv.size(); r++) {
            l.add(csv.get(r).split(",")[0]);
        }
        l.sort(null);
        return l;
    }

    @Test
    void grpcConcurrencySweepWritesCsvAndReport() throws Exception {
        Path csv = dir.resolve("out.csv");
        Path html = dir.resolve("report.html");
        try (TestGrpcServer server = new TestGrpcServer(false)) {
            int status = perf("-m", "echo", "-u", "localhost:" + server.port(), "--concurrency-range", "1:4:3",
                    "--warmup-request-count", "200", "--measurement-mode", "count_windows", "--measurement-request-count", "100", "--max-trials", "4",
                    "-f", csv.toString(), "--report", html.toString());
            assertEquals(0, status, stderr());
            // 200 warm-up requests, then two levels, each at least three windows of at least 100 requests
            assertTrue(server.inferences.get() >= 800, "requests served: " + server.inferences.get());
            assertEquals(List.of(1L, 16L), server.shapesSeen.get(0));
        }
        List<String> lines = Files.readAllLines(csv);
        assertEquals("Concurrency,Inferences/Second,Client Send,Client Recv,p50 latency,p90 latency,p95 latency,"
                + "p99 latency,Stable", lines.get(0));
        assertEquals(3, lines.size());
        assertEquals(List.of("1", "4"), levels(lines));
        for (int r = 1; r < lines.size(); r++) {
            assertTrue(Double.parseDouble(column(lines, r, "Inferences/Second")) > 0);
            assertTrue(Long.parseLong(column(lines, r, "p99 latency")) >= Long.parseLong(column(lines, r, "p50 latency")));
        }
        assertTrue(stdout().contains("Server-side statistics are not available"), stdout());
        assertTrue(stdout().contains("Pass [1/4]"), stdout());
        assertTrue(stdout().contains("Warming up: 200 requests at concurrency 1 (not measured)"), stdout());
        assertTrue(stdout().contains("Results (times in usec):"), stdout());
        String page = Files.readString(html);
        assertTrue(page.contains("<svg") && page.contains("<table>") && page.contains("not available"));
    }

    @Test
    void grpcServerStatisticsFillTheBreakdown() throws Exception {
        Path csv = dir.resolve("stats.csv");
        try (TestGrpcServer server = new TestGrpcServer(true)) {
            int status = perf("-m", "echo", "-u", "localhost:" + server.port(), "--sync", "-b", "4",
                    "--concurrency-range", "2", "--measurement-mode", "count_windows",
                    "--measurement-request-count", "100", "--max-trials", "3", "-f", csv.toString());
            assertEquals(0, status, stderr());
            assertTrue(server.inferences.get() >= 300);
            assertEquals(List.of(4L, 16L), server.shapesSeen.get(0));
        }
        List<String> lines = Files.readAllLines(csv);
        assertTrue(lines.get(0).contains("Network+Server Send/Recv,Server Queue,Server Compute Input,"
                + "Server Compute Infer,Server Compute Output"), lines.get(0));
        assertEquals("10", column(lines, 1, "Server Queue"));
        assertEquals("5", column(lines, 1, "Server Compute Input"));
        assertEquals("20", column(lines, 1, "Server Compute Infer"));
        assertEquals("5", column(lines, 1, "Server Compute Output"));
        assertTrue(stdout().contains("Avg request latency: 50 usec (overhead 10 + queue 10 + compute input 5"), stdout());
    }

    @Test
    void grpcRequestRateMode() throws Exception {
        Path csv = dir.resolve("rate.csv");
        try (TestGrpcServer server = new TestGrpcServer(false)) {
            int status = perf("-m", "echo", "-u", "localhost:" + server.port(), "--request-rate-range", "400:800:400",
                    "--request-distribution", "poisson", "--measurement-mode", "count_windows",
                    "--measurement-request-count", "50", "--max-trials", "3", "-f", csv.toString());
            assertEquals(0, status, stderr());
            assertTrue(server.inferences.get() >= 300);
        }
        List<String> lines = Files.readAllLines(csv);
        assertTrue(lines.get(0).startsWith("Request Rate,Inferences/Second,"), lines.get(0));
        assertTrue(lines.get(0).endsWith(",Stable,Delayed Requests"), lines.get(0));
        assertEquals(List.of("400", "800"), levels(lines));
    }

    @Test
    void httpBinaryWithStatistics() throws Exception {
        Path csv = dir.resolve("http.csv");
        try (TestHttpServer server = new TestHttpServer()) {
            int status = perf("-m", "echo", "-i", "http", "-u", "localhost:" + server.port(), "-b", "2",
                    "--concurrency-range", "3", "--measurement-mode", "count_windows",
                    "--measurement-request-count", "100", "--max-trials", "3", "-f", csv.toString());
            assertEquals(0, status, stderr());
            assertTrue(server.binaryRequests.get() >= 300);
            assertEquals(0, server.jsonRequests.get());
        }
        List<String> lines = Files.readAllLines(csv);
        assertEquals("10", column(lines, 1, "Server Queue"));
        assertEquals("3", column(lines, 1, "Concurrency"));
    }

    @Test
    void httpJsonData() throws Exception {
        Path csv = dir.resolve("json.csv");
        Path data = dir.resolve("input.json");
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            values.append(i == 0 ? "" : ",").append(i);
        }
        Files.writeString(data, "{\"data\":[{\"INPUT0\":[" + values + "]}]}");
        try (TestHttpServer server = new TestHttpServer()) {
            int status = perf("-m", "echo", "-i", "http", "-u", "localhost:" + server.port(), "--http-binary", "false",
                    "--input-data", data.toString(), "--measurement-mode", "count_windows",
                    "--measurement-request-count", "100", "--max-trials", "3", "-f", csv.toString());
            assertEquals(0, status, stderr());
            assertTrue(server.jsonRequests.get() >= 300);
            assertEquals(0, server.binaryRequests.get());
        }
        assertEquals(2, Files.readAllLines(csv).size());
    }

    @Test
    void unknownModelFailsWithTheServersMessage() throws Exception {
        try (TestGrpcServer server = new TestGrpcServer(false)) {
            int status = perf("-m", "nope", "-u", "localhost:" + server.port(), "--measurement-interval", "100");
            assertEquals(PerfMain.FAILED, status);
            assertTrue(stderr().contains("ModelMetadata for model 'nope'") && stderr().contains("NOT_FOUND"), stderr());
        }
    }

    @Test
    void badFlagsExitWithUsageStatus() {
        assertEquals(PerfMain.USAGE, perf("-m", "echo", "--concurrency-range", "8:1"));
        assertTrue(stderr().contains("(expected: END >= START)"), stderr());
        assertEquals(0, perf("--help"));
        assertTrue(stdout().contains("Usage: tensorline perf"));
    }
}
