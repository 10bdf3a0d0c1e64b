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
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The metrics endpoint serves the host gauges beside the per-model ones. */
class HostMetricsScrapeTest {

    @Test
    void metricsEndpointServesHostMemory() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/meminfo")), "no /proc/meminfo (not Linux)");
        try (MetricsFrontend metrics = MetricsFrontend.start(new ModelStatsRegistry(), "127.0.0.1", 0)) {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + metrics.port() + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("# TYPE nv_cpu_memory_total_bytes gauge"), r.body());
            assertTrue(r.body().lines().anyMatch(l -> l.startsWith("nv_cpu_memory_used_bytes ")), r.body());
        }
    }
}
