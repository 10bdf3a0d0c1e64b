package io.tensorline.server.cli;

import io.tensorline.server.metrics.MetricsConfig;

/**
 * Triton's {@code --allow-gpu-metrics} and {@code --metrics-config} (the port, interval and CPU flags are in
 * {@link ServeOptions}).
 *
 * @param gpuMetrics {@code --allow-gpu-metrics}: the {@code nv_gpu_*} gauges from NVML where a GPU is present
 */
public record MetricsOptions(boolean gpuMetrics, MetricsConfig config) {

    /** Triton's defaults: GPU metrics on, counters on, no summaries. */
    public static MetricsOptions defaults() {
        return new MetricsOptions(true, MetricsConfig.defaults());
    }

    static Flags declare(Flags f) {
        return f.declareBool("allow-gpu-metrics", true,
                        "export nv_gpu_* from NVML where a GPU and its driver are present (with --allow-metrics)")
                .declareRepeatable("metrics-config", "SETTING=VALUE", "counter_latencies=true|false, "
                        + "summary_latencies=true|false (nv_inference_*_summary_us), summary_quantiles="
                        + "Q:ERR,Q:ERR,... (default 0.5:0.05,0.9:0.01,0.95:0.001,0.99:0.001,0.999:0.001), "
                        + "histogram_latencies=true|false");
    }

    static MetricsOptions from(Flags f) throws Flags.UsageException {
        try {
            return new MetricsOptions(f.getBool("allow-gpu-metrics"), MetricsConfig.parse(f.getAll("metrics-config")));
        } catch (IllegalArgumentException e) {
            throw new Flags.UsageException(e.getMessage());
        }
    }
}
