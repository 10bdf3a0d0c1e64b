package io.tensorline.server.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Triton's {@code --metrics-config <setting>=<value>} settings, parsed once.
 *
 * @param counterLatencies   {@code counter_latencies} (default true): the cumulative {@code *_duration_us} counters
 * @param summaryLatencies   {@code summary_latencies} (default false): the {@code *_summary_us} summaries
 * @param histogramLatencies {@code histogram_latencies} (default false): Triton's first-response histogram, which
 *                           only decoupled models have; accepted so Triton command lines start, exports nothing here
 * @param quantiles          {@code summary_quantiles}: the summaries' quantiles with their allowed errors
 */
public record MetricsConfig(boolean counterLatencies, boolean summaryLatencies, boolean histogramLatencies,
                            List<Quantile> quantiles) {

    /** One quantile a summary tracks, within {@code error} (both between 0 and 1). */
    public record Quantile(double quantile, double error) {
    }

    /** Triton's default quantiles. */
    public static final List<Quantile> DEFAULT_QUANTILES = List.of(new Quantile(0.5, 0.05), new Quantile(0.9, 0.01),
            new Quantile(0.95, 0.001), new Quantile(0.99, 0.001), new Quantile(0.999, 0.001));

    private static final List<String> SETTINGS = List.of("counter_latencies", "summary_latencies",
            "histogram_latencies", "summary_quantiles");

    public MetricsConfig {
        quantiles = List.copyOf(Objects.requireNonNull(quantiles, "quantiles"));
    }

    /** Triton's defaults: counters on, summaries and histograms off. */
    public static MetricsConfig defaults() {
        return new MetricsConfig(true, false, false, DEFAULT_QUANTILES);
    }

    /**
     * Applies each {@code <setting>=<value>} in order (a later one wins).
     *
     * @throws IllegalArgumentException in Triton's words for a malformed setting; naming what is expected for an
     *                                  unknown setting or value
     */
    public static MetricsConfig parse(List<String> settings) {
        MetricsConfig c = defaults();
        for (String arg : settings) {
            int eq = arg.indexOf('=');
            // Triton: no name prefix yet (a comma before the '='), and neither side empty
            if (eq <= 0 || eq == arg.length() - 1 || arg.substring(0, eq).contains(",")) {
                throw new IllegalArgumentException("--metrics-config option format is <setting>=<value>. Got " + arg);
            }
            String setting = arg.substring(0, eq);
            String value = arg.substring(eq + 1);
            c = switch (setting) {
                case "counter_latencies" -> new MetricsConfig(bool(arg, value), c.summaryLatencies,
                        c.histogramLatencies, c.quantiles);
                case "summary_latencies" -> new MetricsConfig(c.counterLatencies, bool(arg, value),
                        c.histogramLatencies, c.quantiles);
                case "histogram_latencies" -> new MetricsConfig(c.counterLatencies, c.summaryLatencies,
                        bool(arg, value), c.quantiles);
                case "summary_quantiles" -> new MetricsConfig(c.counterLatencies, c.summaryLatencies,
                        c.histogramLatencies, quantiles(value));
                default -> throw new IllegalArgumentException("--metrics-config " + arg + ": unknown setting '"
                        + setting + "' (expected one of " + String.join(", ", SETTINGS) + ")");
            };
        }
        return c;
    }

    private static boolean bool(String arg, String value) {
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("--metrics-config " + arg + " (expected: true or false)");
        };
    }

    /** {@code 0.5:0.05,0.9:0.01}; Triton's messages for a pair it cannot read, which fail the start here. */
    static List<Quantile> quantiles(String value) {
        String unquoted = value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                ? value.substring(1, value.length() - 1) : value;
        List<Quantile> out = new ArrayList<>();
        for (String pair : unquoted.split(",")) {
            int colon = pair.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("Invalid option: [" + pair
                        + "]. No ':' delimiter found. Expected format is <quantile>:<error>");
            }
            double q;
            double e;
            try {
                q = Double.parseDouble(pair.substring(0, colon).trim());
                e = Double.parseDouble(pair.substring(colon + 1).trim());
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("Invalid option: [" + pair + "]. Error: not a number "
                        + "(expected format is <quantile>:<error>)");
            }
            if (!(q >= 0 && q <= 1) || !(e >= 0 && e <= 1)) {
                throw new IllegalArgumentException("Invalid option: [" + pair + "]. Error: out of range "
                        + "(expected: quantile and error between 0 and 1)");
            }
            out.add(new Quantile(q, e));
        }
        return out;
    }
}
