package io.tensorline.server.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Triton's GPU gauges, labelled {@code gpu_uuid}: {@code nv_gpu_utilization} (0 to 1), {@code nv_gpu_memory_total_bytes},
 * {@code nv_gpu_memory_used_bytes}, {@code nv_gpu_power_usage} and {@code nv_gpu_power_limit} (watts) and
 * {@code nv_energy_consumption} (joules since the server started).
 *
 * <p>The devices open at the first scrape, not at start-up (no native library is touched before READY); without
 * them (no driver, no GPU) every one of these metrics is absent, never zero. Readings are taken at scrape time, at
 * most once per interval, like {@link HostMetrics}. Scrapes may come from several exporter threads: {@link #lock}
 * guards the state.
 */
final class GpuMetrics implements MultiCollector, AutoCloseable {

    private final Supplier<Optional<GpuDevices>> opener;
    private final LongSupplier nanoClock;
    private final long intervalNanos;
    private final Object lock = new Object();

    /** Guarded by {@link #lock}. */
    private Optional<GpuDevices> devices;
    private List<GpuDevices.Reading> last = List.of();
    private long lastNanos;
    private final Map<String, Double> energyAtStart = new HashMap<>();

    GpuMetrics(Supplier<Optional<GpuDevices>> opener, LongSupplier nanoClock, long intervalNanos) {
        this.opener = Objects.requireNonNull(opener, "opener");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        if (intervalNanos <= 0) {
            throw new IllegalArgumentException("intervalNanos: " + intervalNanos + " (expected: > 0)");
        }
        this.intervalNanos = intervalNanos;
    }

    /** NVML's GPUs, read at most once per {@code intervalMs}. */
    static GpuMetrics nvml(long intervalMs) {
        return new GpuMetrics(NvmlGpuDevices::open, System::nanoTime, intervalMs * 1_000_000L);
    }

    @Override
    public MetricSnapshots collect() {
        List<GpuDevices.Reading> readings = sample();
        MetricSnapshots.Builder out = MetricSnapshots.builder();
        if (readings.isEmpty()) {
            return out.build();
        }
        add(out, readings, "nv_gpu_utilization", "GPU utilization rate [0.0 - 1.0)", GpuDevices.Reading::utilization);
        add(out, readings, "nv_gpu_memory_total_bytes", "GPU total memory, in bytes",
                GpuDevices.Reading::memoryTotalBytes);
        add(out, readings, "nv_gpu_memory_used_bytes", "GPU used memory, in bytes", GpuDevices.Reading::memoryUsedBytes);
        add(out, readings, "nv_gpu_power_usage", "GPU power usage in watts", GpuDevices.Reading::powerWatts);
        add(out, readings, "nv_gpu_power_limit", "GPU power management limit in watts",
                GpuDevices.Reading::powerLimitWatts);
        add(out, readings, "nv_energy_consumption", "GPU energy consumption in joules since the Triton Server started",
                GpuDevices.Reading::energyJoules);
        return out.build();
    }

    private List<GpuDevices.Reading> sample() {
        synchronized (lock) {
            long now = nanoClock.getAsLong();
            if (devices == null) {
                devices = opener.get();
            } else if (now - lastNanos < intervalNanos) {
                return last;
            }
            if (devices.isEmpty()) {
                return List.of();
            }
            List<GpuDevices.Reading> raw = devices.get().read();
            last = raw.stream().map(this::sinceStart).toList();
            lastNanos = now;
            return last;
        }
    }

    /** The same reading with the energy counted from the first reading of that GPU. */
    private GpuDevices.Reading sinceStart(GpuDevices.Reading r) {
        if (Double.isNaN(r.energyJoules())) {
            return r;
        }
        double base = energyAtStart.computeIfAbsent(r.uuid(), u -> r.energyJoules());
        return new GpuDevices.Reading(r.uuid(), r.utilization(), r.memoryTotalBytes(), r.memoryUsedBytes(),
                r.powerWatts(), r.powerLimitWatts(), r.energyJoules() - base);
    }

    private static void add(MetricSnapshots.Builder out, List<GpuDevices.Reading> readings, String name, String help,
                            ToDoubleFunction<GpuDevices.Reading> value) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        boolean any = false;
        for (GpuDevices.Reading r : readings) {
            double v = value.applyAsDouble(r);
            if (!Double.isNaN(v)) {
                b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.of("gpu_uuid", r.uuid()))
                        .value(v).build());
                any = true;
            }
        }
        if (any) {
            out.metricSnapshot(b.build());
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (devices != null) {
                devices.ifPresent(GpuDevices::close);
            }
            devices = Optional.empty();
        }
    }
}
