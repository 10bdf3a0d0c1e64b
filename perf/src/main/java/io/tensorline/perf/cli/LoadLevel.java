package io.tensorline.perf.cli;

/** One point of the sweep: a concurrency (whole number) or a request rate (requests per second). */
public record LoadLevel(LoadMode mode, double value) {

    public int concurrency() {
        return (int) value;
    }

    /** The value as perf_analyzer prints it: an integer concurrency, or the rate without trailing zeros. */
    public String display() {
        if (mode == LoadMode.CONCURRENCY || value == Math.rint(value)) {
            return Long.toString((long) value);
        }
        return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
