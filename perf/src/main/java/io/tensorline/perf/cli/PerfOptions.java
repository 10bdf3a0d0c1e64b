package io.tensorline.perf.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The parsed command line, immutable. Units as the flags give them: milliseconds for the measurement interval,
 * percent for the stability threshold.
 *
 * @param shapes       {@code --shape} per input name: dimensions without the batch dimension
 * @param measurementRequestCount with {@code --measurement-mode count_windows}, the requests a window must
 *                     complete; 0 for time windows of {@code measurementIntervalMs}
 * @param warmupRequestCount requests sent and discarded before the first level is measured
 * @param percentile   {@code --percentile}: when present, that latency percentile decides stability
 * @param httpMaxConnections connections the HTTP transport may hold in request-rate mode (concurrency mode opens
 *                     one per outstanding request)
 */
public record PerfOptions(
        String model,
        String version,
        String host,
        int port,
        Protocol protocol,
        int batchSize,
        List<LoadLevel> levels,
        Distribution distribution,
        long measurementIntervalMs,
        int measurementRequestCount,
        double stabilityPercentage,
        int maxTrials,
        int warmupRequestCount,
        OptionalInt percentile,
        InputDataSpec inputData,
        Map<String, long[]> shapes,
        int stringLength,
        Optional<Path> csvFile,
        Optional<Path> reportFile,
        boolean async,
        boolean httpBinary,
        int httpMaxConnections) {

    public PerfOptions {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(protocol, "protocol");
        levels = List.copyOf(levels);
        Objects.requireNonNull(distribution, "distribution");
        Objects.requireNonNull(percentile, "percentile");
        Objects.requireNonNull(inputData, "inputData");
        shapes = Map.copyOf(shapes);
        Objects.requireNonNull(csvFile, "csvFile");
        Objects.requireNonNull(reportFile, "reportFile");
        if (levels.isEmpty()) {
            throw new IllegalArgumentException("levels is empty (expected: at least one load level)");
        }
    }

    public LoadMode mode() {
        return levels.get(0).mode();
    }

    /** The most requests that may be outstanding at once in concurrency mode (the range's END). */
    public int maxConcurrency() {
        return levels.stream().mapToInt(LoadLevel::concurrency).max().orElse(1);
    }

    public String target() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
