package io.tensorline.server.metrics;

import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HostMetrics over a fake /proc and a fake clock: the arithmetic, the interval, and absence without /proc. */
class HostMetricsTest {

    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path proc;

    private final AtomicLong now = new AtomicLong();

    private void stat(long user, long system, long idle, long iowait) throws IOException {
        Files.writeString(proc.resolve("stat"), "cpu  " + user + " 0 " + system + " " + idle + " " + iowait + " 0 0 0 0 0\n"
                + "cpu0 1 2 3 4 5 6 7 8 0 0\nintr 12345\n");
    }

    private void meminfo(long totalKb, long availableKb) throws IOException {
        Files.writeString(proc.resolve("meminfo"), "MemTotal:       " + totalKb + " kB\nMemFree:         100 kB\n"
                + "MemAvailable:   " + availableKb + " kB\nBuffers:           0 kB\n");
    }

    private static Map<String, Double> values(MetricSnapshots snapshots) {
        Map<String, Double> out = new HashMap<>();
        for (MetricSnapshot s : snapshots) {
            out.put(s.getMetadata().getName(), ((GaugeSnapshot) s).getDataPoints().get(0).getValue());
        }
        return out;
    }

    @Test
    void memoryIsTotalAndTotalLessAvailable() throws IOException {
        stat(0, 0, 0, 0);
        meminfo(16_000_000, 10_000_000);
        Map<String, Double> v = values(new HostMetrics(proc, now::get, 2 * SECOND).collect());
        assertEquals(16_000_000.0 * 1024, v.get("nv_cpu_memory_total_bytes"));
        assertEquals(6_000_000.0 * 1024, v.get("nv_cpu_memory_used_bytes"));
    }

    @Test
    void utilizationIsTheBusyShareOfTheLastInterval() throws IOException {
        stat(100, 100, 700, 100);
        meminfo(1000, 500);
        HostMetrics metrics = new HostMetrics(proc, now::get, 2 * SECOND);
        assertFalse(values(metrics.collect()).containsKey("nv_cpu_utilization"), "one sample has no interval yet");
        // 400 jiffies later: 300 busy (user + system), 100 idle or waiting
        stat(250, 250, 750, 150);
        now.addAndGet(2 * SECOND);
        assertEquals(0.75, values(metrics.collect()).get("nv_cpu_utilization"), 1e-9);
    }

    @Test
    void aScrapeWithinTheIntervalKeepsTheLastValue() throws IOException {
        stat(0, 0, 0, 0);
        meminfo(1000, 500);
        HostMetrics metrics = new HostMetrics(proc, now::get, 2 * SECOND);
        stat(50, 50, 100, 0);
        now.addAndGet(2 * SECOND);
        assertEquals(0.5, values(metrics.collect()).get("nv_cpu_utilization"), 1e-9);
        stat(50, 50, 200, 0);   // all idle since, but only half an interval has passed
        now.addAndGet(SECOND);
        assertEquals(0.5, values(metrics.collect()).get("nv_cpu_utilization"), 1e-9);
        now.addAndGet(SECOND);
        assertEquals(0.0, values(metrics.collect()).get("nv_cpu_utilization"), 1e-9);
    }

    @Test
    void withoutProcTheMetricsAreAbsent() {
        HostMetrics metrics = new HostMetrics(proc.resolve("missing"), now::get, 2 * SECOND);
        now.addAndGet(4 * SECOND);
        assertTrue(values(metrics.collect()).isEmpty());
        now.addAndGet(4 * SECOND);
        assertTrue(values(metrics.collect()).isEmpty());
    }

    @Test
    void theRealProcGivesSaneValues() {
        HostMetrics metrics = HostMetrics.system();
        Map<String, Double> v = values(metrics.collect());
        if (Files.isReadable(Path.of("/proc/meminfo"))) {
            assertTrue(v.get("nv_cpu_memory_total_bytes") > 0);
            assertTrue(v.get("nv_cpu_memory_used_bytes") > 0);
            assertTrue(v.get("nv_cpu_memory_used_bytes") <= v.get("nv_cpu_memory_total_bytes"));
        } else {
            assertTrue(v.isEmpty());
        }
    }
}
