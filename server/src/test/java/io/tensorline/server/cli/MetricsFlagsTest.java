package io.tensorline.server.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Triton's --metrics-interval-ms, --allow-cpu-metrics, --allow-gpu-metrics and --metrics-config. */
class MetricsFlagsTest {

    private static ServeOptions parse(String... args) throws Flags.UsageException {
        return ServeOptions.from(ServeOptions.flags(Path.of(".")).parse(args));
    }

    @Test
    void defaultsFollowTriton() throws Exception {
        ServeOptions o = parse();
        assertEquals(2000, o.metricsIntervalMs());
        assertTrue(o.cpuMetrics());
    }

    @Test
    void takesAnIntervalAndTurnsCpuMetricsOff() throws Exception {
        ServeOptions o = parse("--metrics-interval-ms=500", "--allow-cpu-metrics=false");
        assertEquals(500, o.metricsIntervalMs());
        assertFalse(o.cpuMetrics());
    }

    @Test
    void rejectsANonPositiveInterval() {
        Flags.UsageException e = assertThrows(Flags.UsageException.class, () -> parse("--metrics-interval-ms=0"));
        assertEquals("--metrics-interval-ms=0 (expected: an integer from 1 to 2147483647)", e.getMessage());
    }

    private static MetricsOptions parseMetrics(String... args) throws Flags.UsageException {
        return MetricsOptions.from(Main.serveFlags(Path.of(".")).parse(args));
    }

    @Test
    void gpuMetricsAndMetricsConfigDefaultAsInTriton() throws Exception {
        MetricsOptions m = parseMetrics();
        assertTrue(m.gpuMetrics());
        assertTrue(m.config().counterLatencies());
        assertFalse(m.config().summaryLatencies());
    }

    @Test
    void takesRepeatedMetricsConfigAndGpuMetricsOff() throws Exception {
        MetricsOptions m = parseMetrics("--allow-gpu-metrics=false", "--metrics-config", "summary_latencies=true",
                "--metrics-config=summary_quantiles=0.5:0.05");
        assertFalse(m.gpuMetrics());
        assertTrue(m.config().summaryLatencies());
        assertEquals(1, m.config().quantiles().size());
    }

    @Test
    void aBadMetricsConfigIsAUsageError() {
        Flags.UsageException e = assertThrows(Flags.UsageException.class, () -> parseMetrics("--metrics-config=oops"));
        assertEquals("--metrics-config option format is <setting>=<value>. Got oops", e.getMessage());
    }
}
