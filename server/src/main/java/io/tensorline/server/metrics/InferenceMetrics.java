package io.tensorline.server.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import io.tensorline.server.stats.BatchStatsSnapshot;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStatsRegistry;
import io.tensorline.server.stats.ModelStatsSnapshot;
import io.tensorline.server.stats.StatisticDuration;

import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Triton's per-model metrics, read from the statistics at scrape time (nothing on the request path), labelled
 * {@code model} and {@code version}.
 *
 * <p>The cumulative metrics keep Triton's exact names. The Prometheus client writes every {@code counter} with a
 * {@code _total} suffix, which would break dashboards written for Triton, so they are exposed untyped (Prometheus
 * treats untyped like gauge; {@code rate()} works on them as on counters).
 */
final class InferenceMetrics implements MultiCollector {

    /** Batch-size histogram bounds (rows). */
    private static final double[] BATCH_BOUNDS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

    private final ModelStatsRegistry stats;
    private final boolean counterLatencies;

    InferenceMetrics(ModelStatsRegistry stats) {
        this(stats, true);
    }

    /** @param counterLatencies {@code --metrics-config counter_latencies}: false leaves the duration counters out */
    InferenceMetrics(ModelStatsRegistry stats, boolean counterLatencies) {
        this.stats = Objects.requireNonNull(stats, "stats");
        this.counterLatencies = counterLatencies;
    }

    @Override
    public MetricSnapshots collect() {
        List<ModelStatsSnapshot> all = stats.snapshots("");
        MetricSnapshots.Builder out = MetricSnapshots.builder();
        out.metricSnapshot(cumulative("nv_inference_request_success",
                "Number of successful inference requests, all batch sizes", all, s -> s.success().count()));
        out.metricSnapshot(failures(all));
        out.metricSnapshot(cumulative("nv_inference_count",
                "Number of inferences performed (batch elements; excludes cache hits)", all, s -> s.inferenceCount()));
        out.metricSnapshot(cumulative("nv_inference_exec_count",
                "Number of model executions performed (excludes cache hits)", all, s -> s.executionCount()));
        if (counterLatencies) { // Triton's cache counters go with the latency counters too
            out.metricSnapshot(cumulative("nv_inference_request_duration_us",
                    "Cumulative inference request duration in microseconds", all,
                    s -> micros(s.success()) + micros(s.failure())));
            out.metricSnapshot(cumulative("nv_inference_queue_duration_us",
                    "Cumulative inference queuing duration in microseconds", all, s -> micros(s.queue())));
            out.metricSnapshot(cumulative("nv_inference_compute_input_duration_us",
                    "Cumulative compute input duration in microseconds", all, s -> micros(s.computeInput())));
            out.metricSnapshot(cumulative("nv_inference_compute_infer_duration_us",
                    "Cumulative compute inference duration in microseconds", all, s -> micros(s.computeInfer())));
            out.metricSnapshot(cumulative("nv_inference_compute_output_duration_us",
                    "Cumulative compute output duration in microseconds", all, s -> micros(s.computeOutput())));
            List<ModelStatsSnapshot> cached = all.stream().filter(ModelStatsSnapshot::cacheEnabled).toList();
            out.metricSnapshot(cumulative("nv_cache_num_hits_per_model", "Number of cache hits per model", cached,
                    s -> s.cacheHit().count()));
            out.metricSnapshot(cumulative("nv_cache_num_misses_per_model", "Number of cache misses per model", cached,
                    s -> s.cacheMiss().count()));
            out.metricSnapshot(cumulative("nv_cache_hit_duration_per_model",
                    "Total cache hit duration per model, in microseconds", cached, s -> micros(s.cacheHit())));
            out.metricSnapshot(cumulative("nv_cache_miss_duration_per_model",
                    "Total cache miss (insert + lookup) duration per model, in microseconds", cached,
                    s -> micros(s.cacheMiss())));
        }
        out.metricSnapshot(pending(all));
        // Tensorline's own: failed batches retried in halves so that only the requests that fail alone fail
        out.metricSnapshot(cumulative("tensorline_inference_batch_retry_count",
                "Failed executions of several requests that were retried in parts", all,
                s -> s.batchRetries().batches()));
        out.metricSnapshot(cumulative("tensorline_inference_batch_retry_exec_count",
                "Extra model executions spent retrying failed batches in parts", all,
                s -> s.batchRetries().executions()));
        out.metricSnapshot(cumulative("tensorline_inference_batch_retry_rescued",
                "Requests answered with outputs although the batch they first ran in failed", all,
                s -> s.batchRetries().rescued()));
        out.metricSnapshot(cumulative("tensorline_inference_batch_retry_isolated",
                "Requests that failed again on their own after their batch failed", all,
                s -> s.batchRetries().isolated()));
        out.metricSnapshot(latencyHistogram(all));
        out.metricSnapshot(batchSizeHistogram(all));
        return out.build();
    }

    private static Labels labels(ModelStatsSnapshot s) {
        return Labels.of("model", s.name(), "version", Long.toString(s.version()));
    }

    private static double micros(StatisticDuration d) {
        return d.nanos() / 1_000.0;
    }

    private static UnknownSnapshot cumulative(String name, String help, List<ModelStatsSnapshot> all,
                                              ToDoubleFunction<ModelStatsSnapshot> value) {
        UnknownSnapshot.Builder b = UnknownSnapshot.builder().name(name).help(help);
        for (ModelStatsSnapshot s : all) {
            b.dataPoint(UnknownSnapshot.UnknownDataPointSnapshot.builder()
                    .labels(labels(s)).value(value.applyAsDouble(s)).build());
        }
        return b.build();
    }

    private static UnknownSnapshot failures(List<ModelStatsSnapshot> all) {
        UnknownSnapshot.Builder b = UnknownSnapshot.builder().name("nv_inference_request_failure")
                .help("Number of failed inference requests, all batch sizes");
        for (ModelStatsSnapshot s : all) {
            for (FailureReason reason : FailureReason.values()) {
                StatisticDuration d = s.failuresByReason().getOrDefault(reason, StatisticDuration.ZERO);
                b.dataPoint(UnknownSnapshot.UnknownDataPointSnapshot.builder()
                        .labels(labels(s).add("reason", reason.name())).value(d.count()).build());
            }
        }
        return b.build();
    }

    private static GaugeSnapshot pending(List<ModelStatsSnapshot> all) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name("nv_inference_pending_request_count")
                .help("Instantaneous number of pending requests awaiting execution per-model");
        for (ModelStatsSnapshot s : all) {
            b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels(s)).value(s.pendingRequests()).build());
        }
        return b.build();
    }

    private static HistogramSnapshot latencyHistogram(List<ModelStatsSnapshot> all) {
        HistogramSnapshot.Builder b = HistogramSnapshot.builder().name("tensorline_inference_request_duration_us")
                .help("Inference request latency from arrival to answer, in microseconds");
        for (ModelStatsSnapshot s : all) {
            io.tensorline.server.stats.HistogramSnapshot h = s.requestLatency();
            b.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels(s))
                    .classicHistogramBuckets(buckets(h.upperBounds(), h.counts())).sum(h.sum()).build());
        }
        return b.build();
    }

    private static HistogramSnapshot batchSizeHistogram(List<ModelStatsSnapshot> all) {
        HistogramSnapshot.Builder b = HistogramSnapshot.builder().name("tensorline_inference_batch_size")
                .help("Rows per model execution");
        for (ModelStatsSnapshot s : all) {
            long[] counts = new long[BATCH_BOUNDS.length + 1];
            double sum = 0;
            for (BatchStatsSnapshot batch : s.batchStats()) {
                long executions = batch.computeInfer().count();
                int i = 0;
                while (i < BATCH_BOUNDS.length && batch.batchSize() > BATCH_BOUNDS[i]) {
                    i++;
                }
                counts[i] += executions;
                sum += (double) executions * batch.batchSize();
            }
            b.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels(s))
                    .classicHistogramBuckets(buckets(BATCH_BOUNDS, counts)).sum(sum).build());
        }
        return b.build();
    }

    /** Per-bucket counts with the bounds, plus the +Inf bucket. */
    private static ClassicHistogramBuckets buckets(double[] bounds, long[] counts) {
        ClassicHistogramBuckets.Builder b = ClassicHistogramBuckets.builder();
        for (int i = 0; i < bounds.length; i++) {
            b.bucket(bounds[i], counts[i]);
        }
        b.bucket(Double.POSITIVE_INFINITY, counts[bounds.length]);
        return b.build();
    }
}
