package io.tensorline.perf.report;

import java.math.BigDecimal;
import java.math.MathContext;

/** Number formatting shared by the writers. */
final class Numbers {

    private Numbers() {
    }

    /** Six significant digits without exponent, as perf_analyzer's CSV prints throughput (e.g. 3405.67). */
    static String sig6(double value) {
        if (value == 0 || Double.isNaN(value) || Double.isInfinite(value)) {
            return "0";
        }
        return new BigDecimal(value).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }

    /** Nanoseconds as whole microseconds, truncated like perf_analyzer's {@code ns / 1000}. */
    static String usec(long ns) {
        return Long.toString(ns / 1000);
    }

    /** One decimal place, for throughput on the terminal. */
    static String oneDecimal(double value) {
        return String.format(java.util.Locale.ROOT, "%.1f", value);
    }
}
