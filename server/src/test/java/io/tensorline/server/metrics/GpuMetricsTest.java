package io.tensorline.server.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The GPU gauges over a fake set of devices and a fake clock. */
class GpuMetricsTest {

    private static final long INTERVAL = 1_000_000_000L;

    /** Hands out the queued readings, one list per read. */
    private static final class FakeDevices implements GpuDevices {
        final List<List<Reading>> queued = new ArrayList<>();
        int reads;
        boolean closed;

        @Override
        public List<Reading> read() {
            reads++;
            return queued.size() > 1 ? queued.remove(0) : queued.get(0);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static GpuDevices.Reading reading(String uuid, double energy) {
        return new GpuDevices.Reading(uuid, 0.37, 80e9, 12e9, 250.5, 700, energy);
    }

    private static String text(MetricSnapshots snapshots) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PrometheusTextFormatWriter(false).write(out, snapshots);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void exportsTritonsGaugesPerGpu() throws Exception {
        FakeDevices fake = new FakeDevices();
        fake.queued.add(List.of(reading("GPU-a", 1000), reading("GPU-b", 50)));
        GpuMetrics gpu = new GpuMetrics(() -> Optional.of(fake), new AtomicLong()::get, INTERVAL);
        String t = text(gpu.collect());
        assertTrue(t.contains("# TYPE nv_gpu_utilization gauge"), t);
        assertTrue(t.contains("nv_gpu_utilization{gpu_uuid=\"GPU-a\"} 0.37\n"), t);
        assertTrue(t.contains("nv_gpu_utilization{gpu_uuid=\"GPU-b\"} 0.37\n"), t);
        assertTrue(t.contains("nv_gpu_memory_total_bytes{gpu_uuid=\"GPU-a\"} 8.0E10\n"), t);
        assertTrue(t.contains("nv_gpu_memory_used_bytes{gpu_uuid=\"GPU-a\"} 1.2E10\n"), t);
        assertTrue(t.contains("nv_gpu_power_usage{gpu_uuid=\"GPU-a\"} 250.5\n"), t);
        assertTrue(t.contains("nv_gpu_power_limit{gpu_uuid=\"GPU-a\"} 700.0\n"), t);
        // energy counts from the server's start: the first reading is the zero
        assertTrue(t.contains("nv_energy_consumption{gpu_uuid=\"GPU-a\"} 0.0\n"), t);
    }

    @Test
    void energyIsSinceTheFirstReadingAndReadsComeOncePerInterval() throws Exception {
        FakeDevices fake = new FakeDevices();
        fake.queued.add(List.of(reading("GPU-a", 1000)));
        fake.queued.add(List.of(reading("GPU-a", 1600)));
        AtomicLong clock = new AtomicLong();
        GpuMetrics gpu = new GpuMetrics(() -> Optional.of(fake), clock::get, INTERVAL);
        gpu.collect();
        clock.addAndGet(INTERVAL / 2);
        assertTrue(text(gpu.collect()).contains("nv_energy_consumption{gpu_uuid=\"GPU-a\"} 0.0\n"));
        assertEquals(1, fake.reads, "a scrape within the interval reuses the last reading");
        clock.addAndGet(INTERVAL);
        String t = text(gpu.collect());
        assertEquals(2, fake.reads);
        assertTrue(t.contains("nv_energy_consumption{gpu_uuid=\"GPU-a\"} 600.0\n"), t);
    }

    @Test
    void withoutDevicesEveryGpuMetricIsAbsentAndTheOpenerRunsOnce() throws Exception {
        AtomicInteger opens = new AtomicInteger();
        GpuMetrics gpu = new GpuMetrics(() -> {
            opens.incrementAndGet();
            return Optional.empty();
        }, new AtomicLong()::get, INTERVAL);
        assertEquals("", text(gpu.collect()));
        assertEquals("", text(gpu.collect()));
        assertEquals(1, opens.get());
    }

    @Test
    void aValueTheDeviceCannotGiveIsLeftOut() throws Exception {
        FakeDevices fake = new FakeDevices();
        fake.queued.add(List.of(new GpuDevices.Reading("GPU-a", 0.5, 1, 1, Double.NaN, Double.NaN, Double.NaN)));
        String t = text(new GpuMetrics(() -> Optional.of(fake), new AtomicLong()::get, INTERVAL).collect());
        assertTrue(t.contains("nv_gpu_utilization{gpu_uuid=\"GPU-a\"} 0.5\n"), t);
        assertFalse(t.contains("nv_gpu_power_usage"), t);
        assertFalse(t.contains("nv_energy_consumption"), t);
    }

    @Test
    void closeClosesTheDevices() {
        FakeDevices fake = new FakeDevices();
        fake.queued.add(List.of(reading("GPU-a", 0)));
        GpuMetrics gpu = new GpuMetrics(() -> Optional.of(fake), new AtomicLong()::get, INTERVAL);
        gpu.collect();
        gpu.close();
        assertTrue(fake.closed);
    }
}
