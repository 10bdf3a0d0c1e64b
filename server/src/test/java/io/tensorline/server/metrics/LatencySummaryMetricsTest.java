package io.tensorline.server.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.tensorline.server.stats.ModelStats;
import io.tensorline.server.stats.ModelStatsRegistry;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The summaries as the statistics feed them, read back in the text format. */
class LatencySummaryMetricsTest {

    private static final List<MetricsConfig.Quantile> MEDIAN = List.of(new MetricsConfig.Quantile(0.5, 0.01));

    private static String text(LatencySummaryMetrics summaries) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PrometheusTextFormatWriter(false).write(out, summaries.collect());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void eachRequestOfABatchIsChargedTheBatchsDurationsInMicroseconds() throws Exception {
        LatencySummaryMetrics summaries = new LatencySummaryMetrics(MEDIAN);
        ModelStats stats = new ModelStatsRegistry(summaries).register("m", 3);
        stats.recordExecution(8, 4, 10_000, 200_000, 3_000); // 4 requests, 8 rows
        stats.recordQueue(50_000);
        stats.recordSuccess(400_000);
        String t = text(summaries);
        String labels = "{model=\"m\",version=\"3\"}";
        assertTrue(t.contains("nv_inference_compute_infer_summary_us_count" + labels + " 4\n"), t);
        assertTrue(t.contains("nv_inference_compute_infer_summary_us_sum" + labels + " 800.0\n"), t);
        assertTrue(t.contains("nv_inference_compute_input_summary_us_sum" + labels + " 40.0\n"), t);
        assertTrue(t.contains("nv_inference_compute_output_summary_us_sum" + labels + " 12.0\n"), t);
        assertTrue(t.contains("nv_inference_queue_summary_us{model=\"m\",version=\"3\",quantile=\"0.5\"} 50.0\n"), t);
        assertTrue(t.contains("nv_inference_request_summary_us{model=\"m\",version=\"3\",quantile=\"0.5\"} 400.0\n"), t);
    }

    @Test
    void failuresAreNotInTheRequestSummary() throws Exception {
        LatencySummaryMetrics summaries = new LatencySummaryMetrics(MEDIAN);
        ModelStats stats = new ModelStatsRegistry(summaries).register("m", 1);
        stats.recordFailure(io.tensorline.server.stats.FailureReason.BACKEND, 1_000);
        assertFalse(text(summaries).contains("nv_inference_request_summary_us"));
    }

    @Test
    void aCachedModelHasCacheSummariesAndNoRequestSummary() throws Exception {
        LatencySummaryMetrics summaries = new LatencySummaryMetrics(MEDIAN);
        ModelStats stats = new ModelStatsRegistry(summaries).register("c", 1);
        stats.enableCacheStatistics();
        stats.recordCacheHit(2_000);
        stats.recordSuccess(5_000);
        String t = text(summaries);
        assertTrue(t.contains("nv_cache_hit_summary_per_model_count{model=\"c\",version=\"1\"} 1\n"), t);
        assertFalse(t.contains("nv_inference_request_summary_us"), t);
        assertFalse(t.contains("nv_cache_miss_summary_per_model"), t);
    }

    @Test
    void theSeriesGoWhenTheVersionUnloads() throws Exception {
        LatencySummaryMetrics summaries = new LatencySummaryMetrics(MEDIAN);
        ModelStatsRegistry registry = new ModelStatsRegistry(summaries);
        ModelStats stats = registry.register("m", 1);
        stats.recordQueue(1_000);
        assertTrue(text(summaries).contains("model=\"m\""));
        registry.unregister(stats);
        assertEquals("", text(summaries));
    }
}
