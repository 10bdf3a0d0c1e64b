package io.tensorline.server.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.tensorline.server.stats.ModelStats;
import io.tensorline.server.stats.ModelStatsRegistry;

import java.util.Map;
import java.util.Objects;

/**
 * Model loads: Triton's {@code nv_model_load_duration_secs} gauge (seconds the last load of each loaded version
 * took; gone once the version unloads, unchanged by a load that finds nothing changed, as in Triton), and
 * Tensorline's {@code tensorline_model_load_failures_total} counter per model (Triton has no such metric): every
 * failed load of a model, its config or one of its versions, at start-up, by the load API or by a poll, kept after
 * the model goes.
 */
final class ModelLoadMetrics implements MultiCollector {

    private final ModelStatsRegistry stats;

    ModelLoadMetrics(ModelStatsRegistry stats) {
        this.stats = Objects.requireNonNull(stats, "stats");
    }

    @Override
    public MetricSnapshots collect() {
        GaugeSnapshot.Builder duration = GaugeSnapshot.builder().name("nv_model_load_duration_secs")
                .help("Model load time in seconds");
        for (ModelStats s : stats.loaded()) {
            long nanos = s.loadNanos();
            if (nanos >= 0) {
                duration.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                        .labels(Labels.of("model", s.name(), "version", Long.toString(s.version())))
                        .value(nanos / 1e9).build());
            }
        }
        // the client writes a counter named x as x_total
        CounterSnapshot.Builder failures = CounterSnapshot.builder().name("tensorline_model_load_failures")
                .help("Failed model loads (the config or a version) since start, per model");
        for (Map.Entry<String, Long> e : stats.loadFailures().entrySet()) {
            failures.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(Labels.of("model", e.getKey())).value(e.getValue()).build());
        }
        return MetricSnapshots.of(duration.build(), failures.build());
    }
}
