package io.tensorline.perf.cli;

/** How request-rate mode spaces its sends, as perf_analyzer's {@code --request-distribution}. */
public enum Distribution {
    CONSTANT,
    POISSON;

    static Distribution parse(String value) throws UsageException {
        return switch (value) {
            case "constant" -> CONSTANT;
            case "poisson" -> POISSON;
            default -> throw new UsageException("--request-distribution " + value + " (expected: constant or poisson)");
        };
    }
}
