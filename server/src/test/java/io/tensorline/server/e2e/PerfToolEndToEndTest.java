package io.tensorline.server.e2e;

import io.tensorline.perf.PerfMain;
import io.tensorline.server.cli.TensorlineServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tensorline perf} against the real server: a few hundred requests per protocol, the CSV written with
 * perf_analyzer's columns, and the server-side columns filled from the statistics extension. No timing assertions.
 */
class PerfToolEndToEndTest {

    @TempDir
    static Path dir;

    private static TensorlineServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServers.start(Path.of("../model-repository"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @ParameterizedTest
    @CsvSource({"grpc, true", "http, true", "http, false"})
    void drivesTheServerAndWritesTheCsv(String protocol, String binary) throws Exception {
        Path csv = dir.resolve("simple-" + protocol + "-" + binary + ".csv");
        int port = protocol.equals("grpc") ? server.grpcPort() : server.httpPort();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = PerfMain.run(new String[] {"-m", "simple", "-u", "127.0.0.1:" + port, "-i", protocol,
            "--http-binary", binary, "--concurrency-range", "1:4:3", "--measurement-mode", "count_windows",
            "--measurement-request-count", "50", "--max-trials", "4", "-f", csv.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String log = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, log);
        List<String> lines = Files.readAllLines(csv);
        assertEquals(3, lines.size(), "header and one row per concurrency (1, 4):\n" + lines);
        for (String column : List.of("Concurrency", "Inferences/Second", "Client Send", "Network+Server Send/Recv",
                "Server Queue", "Server Compute Input", "Server Compute Infer", "Server Compute Output",
                "Client Recv", "p50 latency", "p90 latency", "p95 latency", "p99 latency")) {
            assertTrue(lines.get(0).contains(column), column + " missing in " + lines.get(0));
        }
        assertTrue(lines.get(1).startsWith("1,") || lines.get(2).startsWith("1,"), lines.toString());
    }
}
