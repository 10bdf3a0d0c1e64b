package io.tensorline.server.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tensorline.server.stats.ModelStatsRegistry;

import java.io.IOException;

/** {@code GET /metrics} in the Prometheus text format, on its own port (Triton's 8002). */
public final class MetricsFrontend implements AutoCloseable {

    private final HTTPServer server;

    private MetricsFrontend(HTTPServer server) {
        this.server = server;
    }

    public static MetricsFrontend start(ModelStatsRegistry stats, String host, int port) throws IOException {
        return start(stats, host, port, 2000, true);
    }

    /**
     * @param intervalMs  Triton's {@code --metrics-interval-ms}: how often the host gauges are sampled
     * @param cpuMetrics  Triton's {@code --allow-cpu-metrics}: whether to export {@code nv_cpu_*} at all
     */
    public static MetricsFrontend start(ModelStatsRegistry stats, String host, int port, int intervalMs,
                                        boolean cpuMetrics) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new InferenceMetrics(stats));
        if (cpuMetrics) {
            registry.register(HostMetrics.system(intervalMs));
        }
        return new MetricsFrontend(HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart());
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
