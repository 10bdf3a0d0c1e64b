package io.tensorline.server.metrics;

import io.tensorline.server.stats.ModelStatsRegistry;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The metrics endpoint serves the host gauges beside the per-model ones. */
class HostMetricsScrapeTest {

    private static String scrape(MetricsFrontend metrics) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + metrics.port() + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    @Test
    void metricsEndpointServesHostMemory() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/meminfo")), "no /proc/meminfo (not Linux)");
        try (MetricsFrontend metrics = MetricsFrontend.start(new ModelStatsRegistry(), "127.0.0.1", 0)) {
            String body = scrape(metrics);
            assertTrue(body.contains("# TYPE nv_cpu_memory_total_bytes gauge"), body);
            assertTrue(body.lines().anyMatch(l -> l.startsWith("nv_cpu_memory_used_bytes ")), body);
        }
    }

    @Test
    void cpuMetricsOffLeavesThemOut() throws Exception {
        try (MetricsFrontend metrics = MetricsFrontend.start(new ModelStatsRegistry(), "127.0.0.1", 0, 2000, false)) {
            String body = scrape(metrics);
            assertFalse(body.contains("nv_cpu_"), body);
        }
    }
}
