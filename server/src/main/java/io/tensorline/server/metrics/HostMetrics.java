package io.tensorline.server.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The host's CPU and memory with Triton's names: {@code nv_cpu_utilization} (busy share of all cores, 0 to 1, over
 * the last interval), {@code nv_cpu_memory_total_bytes} and {@code nv_cpu_memory_used_bytes} (total less
 * available), read from Linux's {@code /proc/stat} and {@code /proc/meminfo}.
 *
 * <p>Sampled at scrape time, at most once per interval (Triton's {@code --metrics-interval-ms}, 2000 ms by default),
 * so utilization covers at least one interval however often Prometheus scrapes and no thread is needed. Where
 * {@code /proc} cannot be read (not Linux) the metrics are absent, never zero; utilization appears from the second
 * sample on. Scrapes may come from several exporter threads: {@link #lock} guards the samples.
 */
final class HostMetrics implements MultiCollector {

    private static final long DEFAULT_INTERVAL_NANOS = 2_000_000_000L;

    private final Path proc;
    private final LongSupplier nanoClock;
    private final long intervalNanos;
    private final Object lock = new Object();

    /** The last two CPU samples (jiffies) and when the newer was taken; guarded by {@link #lock}. */
    private long[] previousCpu;
    private long[] lastCpu;
    private long lastSampleNanos;
    private double utilization = Double.NaN;

    HostMetrics(Path proc, LongSupplier nanoClock, long intervalNanos) {
        this.proc = Objects.requireNonNull(proc, "proc");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        if (intervalNanos <= 0) {
            throw new IllegalArgumentException("intervalNanos: " + intervalNanos + " (expected: > 0)");
        }
        this.intervalNanos = intervalNanos;
        synchronized (lock) {
            lastCpu = readCpu();
            lastSampleNanos = nanoClock.getAsLong();
        }
    }

    /** This machine's /proc, Triton's default interval. */
    static HostMetrics system() {
        return new HostMetrics(Path.of("/proc"), System::nanoTime, DEFAULT_INTERVAL_NANOS);
    }

    @Override
    public MetricSnapshots collect() {
        MetricSnapshots.Builder out = MetricSnapshots.builder();
        double cpu = sampleUtilization();
        if (!Double.isNaN(cpu)) {
            out.metricSnapshot(gauge("nv_cpu_utilization", "CPU utilization rate [0.0 - 1.0]", cpu));
        }
        long[] memory = readMemory();
        if (memory != null) {
            out.metricSnapshot(gauge("nv_cpu_memory_total_bytes", "CPU total memory (RAM), in bytes", memory[0]));
            out.metricSnapshot(gauge("nv_cpu_memory_used_bytes", "CPU used memory (RAM), in bytes", memory[0] - memory[1]));
        }
        return out.build();
    }

    private double sampleUtilization() {
        synchronized (lock) {
            long now = nanoClock.getAsLong();
            if (now - lastSampleNanos >= intervalNanos) {
                long[] sample = readCpu();
                if (sample != null && lastCpu != null) {
                    long busy = (sample[0] - sample[1]) - (lastCpu[0] - lastCpu[1]);
                    long total = sample[0] - lastCpu[0];
                    if (total > 0) {
                        utilization = Math.max(0.0, Math.min(1.0, (double) busy / total));
                    }
                }
                previousCpu = lastCpu;
                lastCpu = sample;
                lastSampleNanos = now;
            }
            return previousCpu == null ? Double.NaN : utilization;
        }
    }

    /** {total, idle} jiffies over all cores from the first line of /proc/stat (idle counts iowait), or null. */
    private long[] readCpu() {
        try {
            List<String> lines = Files.readAllLines(proc.resolve("stat"));
            String[] f = lines.isEmpty() ? new String[0] : lines.get(0).trim().split("\\s+");
            if (f.length < 5 || !f[0].equals("cpu")) {
                return null;
            }
            long total = 0;
            // user nice system idle iowait irq softirq steal; guest and guest_nice are already inside user and nice
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
            return new long[] {total, idle};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** {MemTotal, MemAvailable} in bytes from /proc/meminfo, or null. */
    private long[] readMemory() {
        try {
            long total = -1;
            long available = -1;
            for (String line : Files.readAllLines(proc.resolve("meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    total = kibibytes(line);
                } else if (line.startsWith("MemAvailable:")) {
                    available = kibibytes(line);
                }
            }
            return total < 0 || available < 0 ? null : new long[] {total, available};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long kibibytes(String line) {
        String[] f = line.trim().split("\\s+");
        return Long.parseLong(f[1]) * 1024;
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.EMPTY).value(value).build())
                .build();
    }
}
