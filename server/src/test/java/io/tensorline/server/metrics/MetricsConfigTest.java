package io.tensorline.server.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --metrics-config}: Triton's settings, defaults and error texts. */
class MetricsConfigTest {

    @Test
    void defaultsAreTritons() {
        MetricsConfig c = MetricsConfig.parse(List.of());
        assertTrue(c.counterLatencies());
        assertFalse(c.summaryLatencies());
        assertFalse(c.histogramLatencies());
        assertEquals(MetricsConfig.DEFAULT_QUANTILES, c.quantiles());
        assertEquals(List.of(0.5, 0.9, 0.95, 0.99, 0.999),
                c.quantiles().stream().map(MetricsConfig.Quantile::quantile).toList());
    }

    @Test
    void turnsSummariesOnAndCountersOff() {
        MetricsConfig c = MetricsConfig.parse(List.of("summary_latencies=true", "counter_latencies=false",
                "histogram_latencies=true"));
        assertTrue(c.summaryLatencies());
        assertFalse(c.counterLatencies());
        assertTrue(c.histogramLatencies());
    }

    @Test
    void readsQuantilesQuotedOrNot() {
        List<MetricsConfig.Quantile> expected = List.of(new MetricsConfig.Quantile(0.5, 0.05),
                new MetricsConfig.Quantile(0.99, 0.001));
        assertEquals(expected, MetricsConfig.parse(List.of("summary_quantiles=0.5:0.05,0.99:0.001")).quantiles());
        assertEquals(expected, MetricsConfig.parse(List.of("summary_quantiles=\"0.5:0.05,0.99:0.001\"")).quantiles());
    }

    @Test
    void aLaterSettingWins() {
        assertFalse(MetricsConfig.parse(List.of("summary_latencies=true", "summary_latencies=false"))
                .summaryLatencies());
    }

    private static String error(String setting) {
        return assertThrows(IllegalArgumentException.class, () -> MetricsConfig.parse(List.of(setting))).getMessage();
    }

    @Test
    void malformedSettingsGetTritonsText() {
        assertEquals("--metrics-config option format is <setting>=<value>. Got summary_latencies",
                error("summary_latencies"));
        assertEquals("--metrics-config option format is <setting>=<value>. Got model,summary_latencies=true",
                error("model,summary_latencies=true"));
        assertEquals("--metrics-config option format is <setting>=<value>. Got summary_latencies=",
                error("summary_latencies="));
        assertEquals("--metrics-config option format is <setting>=<value>. Got =true", error("=true"));
    }

    @Test
    void badQuantilesGetTritonsText() {
        assertEquals("Invalid option: [0.5]. No ':' delimiter found. Expected format is <quantile>:<error>",
                error("summary_quantiles=0.5"));
        assertEquals("Invalid option: [0.5:x]. Error: not a number (expected format is <quantile>:<error>)",
                error("summary_quantiles=0.9:0.01,0.5:x"));
        assertEquals("Invalid option: [1.5:0.01]. Error: out of range (expected: quantile and error between 0 and 1)",
                error("summary_quantiles=1.5:0.01"));
    }

    @Test
    void unknownSettingsAndValuesSayWhatIsExpected() {
        assertEquals("--metrics-config summary_latencies=yes (expected: true or false)",
                error("summary_latencies=yes"));
        assertEquals("--metrics-config foo=1: unknown setting 'foo' (expected one of counter_latencies, "
                + "summary_latencies, histogram_latencies, summary_quantiles)", error("foo=1"));
    }
}
