package io.tensorline.server.metrics;

import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Summary;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.tensorline.server.stats.LatencySummaries;

import java.util.List;

/**
 * Triton's latency summaries ({@code --metrics-config summary_latencies=true}): quantiles over a sliding window of
 * 60 s in 5 age buckets (what Triton's Prometheus library uses), plus {@code _count} and {@code _sum}, in
 * microseconds, labelled {@code model} and {@code version}. The request summary counts successes only, so its
 * {@code _count} matches {@code nv_inference_request_success}, as Triton documents, and is left out for models
 * behind the response cache, as in Triton; the compute summaries charge
 * each request of a batch the batch's durations, as the counters do.
 *
 * <p>Observations come from instance, batcher and transport threads; the Prometheus summaries are thread-safe.
 */
public final class LatencySummaryMetrics implements LatencySummaries, MultiCollector {

    private static final long MAX_AGE_SECONDS = 60;
    private static final int AGE_BUCKETS = 5;

    private final Summary request;
    private final Summary queue;
    private final Summary computeInput;
    private final Summary computeInfer;
    private final Summary computeOutput;
    private final Summary cacheHit;
    private final Summary cacheMiss;

    public LatencySummaryMetrics(List<MetricsConfig.Quantile> quantiles) {
        request = summary("nv_inference_request_summary_us",
                "Summary of inference request duration in microseconds (includes cached requests)", quantiles);
        queue = summary("nv_inference_queue_summary_us",
                "Summary of inference queuing duration in microseconds (includes cached requests)", quantiles);
        computeInput = summary("nv_inference_compute_input_summary_us",
                "Summary of compute input duration in microseconds (does not include cached requests)", quantiles);
        computeInfer = summary("nv_inference_compute_infer_summary_us",
                "Summary of compute inference duration in microseconds (does not include cached requests)", quantiles);
        computeOutput = summary("nv_inference_compute_output_summary_us",
                "Summary of inference compute output duration in microseconds (does not include cached requests)",
                quantiles);
        cacheHit = summary("nv_cache_hit_summary_per_model", "Summary of cache hit duration per model, in microseconds",
                quantiles);
        cacheMiss = summary("nv_cache_miss_summary_per_model",
                "Summary of cache miss (insert + lookup) duration per model, in microseconds", quantiles);
    }

    private static Summary summary(String name, String help, List<MetricsConfig.Quantile> quantiles) {
        Summary.Builder b = Summary.builder().name(name).help(help).labelNames("model", "version")
                .maxAgeSeconds(MAX_AGE_SECONDS).numberOfAgeBuckets(AGE_BUCKETS);
        for (MetricsConfig.Quantile q : quantiles) {
            b.quantile(q.quantile(), q.error());
        }
        b.withoutExemplars();
        return b.build();
    }

    @Override
    public LatencySummaries.Version open(String model, long version) {
        return new VersionSummaries(model, Long.toString(version));
    }

    @Override
    public MetricSnapshots collect() {
        MetricSnapshots.Builder out = MetricSnapshots.builder();
        for (Summary s : List.of(request, queue, computeInput, computeInfer, computeOutput, cacheHit, cacheMiss)) {
            // a family with no series (no model, or no cached model) is left out rather than written empty
            io.prometheus.metrics.model.snapshots.SummarySnapshot snapshot = s.collect();
            if (!snapshot.getDataPoints().isEmpty()) {
                out.metricSnapshot(snapshot);
            }
        }
        return out.build();
    }

    private static double micros(long nanos) {
        return nanos / 1_000.0;
    }

    /** One version's series, looked up once; the cache series appear at the first cache lookup. */
    private final class VersionSummaries implements LatencySummaries.Version {
        private final String model;
        private final String version;
        /** Made at the first success, so a cached model (which records none here) has no request series. */
        private volatile DistributionDataPoint requestPoint;
        private final DistributionDataPoint queuePoint;
        private final DistributionDataPoint inputPoint;
        private final DistributionDataPoint inferPoint;
        private final DistributionDataPoint outputPoint;

        VersionSummaries(String model, String version) {
            this.model = model;
            this.version = version;
            queuePoint = queue.labelValues(model, version);
            inputPoint = computeInput.labelValues(model, version);
            inferPoint = computeInfer.labelValues(model, version);
            outputPoint = computeOutput.labelValues(model, version);
        }

        @Override
        public void request(long nanos) {
            DistributionDataPoint p = requestPoint;
            if (p == null) {
                p = request.labelValues(model, version); // the same point for every caller: a race is harmless
                requestPoint = p;
            }
            p.observe(micros(nanos));
        }

        @Override
        public void queue(long nanos) {
            queuePoint.observe(micros(nanos));
        }

        @Override
        public void compute(int requests, long inputNanos, long inferNanos, long outputNanos) {
            for (int i = 0; i < requests; i++) {
                inputPoint.observe(micros(inputNanos));
                inferPoint.observe(micros(inferNanos));
                outputPoint.observe(micros(outputNanos));
            }
        }

        @Override
        public void cacheHit(long nanos) {
            cacheHit.labelValues(model, version).observe(micros(nanos));
        }

        @Override
        public void cacheMiss(long nanos) {
            cacheMiss.labelValues(model, version).observe(micros(nanos));
        }

        @Override
        public void close() {
            for (Summary s : List.of(request, queue, computeInput, computeInfer, computeOutput, cacheHit, cacheMiss)) {
                s.remove(model, version);
            }
        }
    }
}
