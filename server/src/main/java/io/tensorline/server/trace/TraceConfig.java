package io.tensorline.server.trace;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code --trace-config} set at start-up: the global trace setting and the OpenTelemetry exporter's
 * configuration. Immutable.
 *
 * @param levels        the global levels; empty is OFF (the default)
 * @param rate          1 in {@code rate} requests is traced; 0 traces only requests with a propagated context
 * @param count         how many requests are traced before tracing stops; -1 is unlimited
 * @param url           where the OTLP/HTTP exporter posts spans
 * @param resource      resource attributes of every span ({@code service.name} included)
 * @param bspMaxQueueSize        the batch span processor's queue
 * @param bspScheduleDelayMillis how long it waits before exporting what it holds
 * @param bspMaxExportBatchSize  the most spans it exports at once
 */
public record TraceConfig(Set<TraceLevel> levels, int rate, int count, String url, Map<String, String> resource,
                          int bspMaxQueueSize, long bspScheduleDelayMillis, int bspMaxExportBatchSize) {

    /** The default OTLP/HTTP endpoint of Triton's documentation (an OpenTelemetry collector on this host). */
    public static final String DEFAULT_URL = "http://localhost:4318/v1/traces";
    public static final String DEFAULT_SERVICE_NAME = "tensorline";

    public TraceConfig {
        levels = levels.isEmpty() ? Collections.unmodifiableSet(EnumSet.noneOf(TraceLevel.class))
                : Collections.unmodifiableSet(EnumSet.copyOf(levels));
        resource = Collections.unmodifiableMap(new LinkedHashMap<>(resource));
    }

    /** Tracing off, Triton's rate and count, the default exporter settings. */
    public static TraceConfig defaults() {
        return new TraceConfig(Set.of(), 1000, -1, DEFAULT_URL, Map.of("service.name", DEFAULT_SERVICE_NAME),
                2048, 5000, 512);
    }

    /** The global setting these flags start the server with. */
    TraceSetting setting() {
        return new TraceSetting(levels, rate, count);
    }

    /** The OpenTelemetry keys as the trace API echoes them (strings, as Triton does in this mode). */
    Map<String, List<String>> describeExporter() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        out.put("url", List.of(url));
        out.put("resource", resource.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        out.put("bsp_max_queue_size", List.of(Integer.toString(bspMaxQueueSize)));
        out.put("bsp_schedule_delay", List.of(Long.toString(bspScheduleDelayMillis)));
        out.put("bsp_max_export_batch_size", List.of(Integer.toString(bspMaxExportBatchSize)));
        return out;
    }
}
