package io.tensorline.perf.cli;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * perf_analyzer's {@code START:END:STEP} ranges. END and STEP are optional (END defaults to START, STEP to 1), and
 * the values count up from START by STEP while they do not pass END: {@code 1:8:2} is 1, 3, 5, 7.
 */
public final class Ranges {

    private static final int MAX_LEVELS = 10_000;

    private Ranges() {
    }

    public static List<LoadLevel> concurrency(String flag, String text) throws UsageException {
        String[] parts = split(flag, text);
        long start = parseLong(flag, text, parts[0], "START");
        long end = parts.length > 1 ? parseLong(flag, text, parts[1], "END") : start;
        long step = parts.length > 2 ? parseLong(flag, text, parts[2], "STEP") : 1;
        if (start < 1) {
            throw new UsageException(flag + " " + text + ": START is " + start + " (expected: >= 1)");
        }
        checkOrder(flag, text, start, end, step);
        List<LoadLevel> levels = new ArrayList<>();
        for (long v = start; v <= end; v += step) {
            levels.add(new LoadLevel(LoadMode.CONCURRENCY, v));
            checkCount(flag, text, levels.size());
        }
        return List.copyOf(levels);
    }

    public static List<LoadLevel> requestRate(String flag, String text) throws UsageException {
        String[] parts = split(flag, text);
        double start = parseDouble(flag, text, parts[0], "START");
        double end = parts.length > 1 ? parseDouble(flag, text, parts[1], "END") : start;
        double step = parts.length > 2 ? parseDouble(flag, text, parts[2], "STEP") : 1;
        if (!(start > 0)) {
            throw new UsageException(flag + " " + text + ": START is " + parts[0] + " (expected: > 0 requests/s)");
        }
        if (end < start) {
            throw new UsageException(flag + " " + text + ": END " + parts[1] + " is below START " + parts[0]
                    + " (expected: END >= START)");
        }
        if (!(step > 0)) {
            throw new UsageException(flag + " " + text + ": STEP is " + parts[2] + " (expected: > 0)");
        }
        // decimal arithmetic, so 0.1 steps land on 0.3 rather than 0.30000000000000004
        BigDecimal first = BigDecimal.valueOf(start);
        BigDecimal by = BigDecimal.valueOf(step);
        BigDecimal last = BigDecimal.valueOf(end);
        List<LoadLevel> levels = new ArrayList<>();
        for (BigDecimal v = first; v.compareTo(last) <= 0; v = v.add(by)) {
            levels.add(new LoadLevel(LoadMode.REQUEST_RATE, v.doubleValue()));
            checkCount(flag, text, levels.size());
        }
        return List.copyOf(levels);
    }

    private static String[] split(String flag, String text) throws UsageException {
        String[] parts = text.split(":", -1);
        if (text.isBlank() || parts.length > 3) {
            throw new UsageException(flag + " " + text + " (expected: START[:END[:STEP]], e.g. 1:8:2)");
        }
        return parts;
    }

    private static void checkOrder(String flag, String text, long start, long end, long step) throws UsageException {
        if (end < start) {
            throw new UsageException(flag + " " + text + ": END " + end + " is below START " + start
                    + " (expected: END >= START)");
        }
        if (step < 1) {
            throw new UsageException(flag + " " + text + ": STEP is " + step + " (expected: >= 1)");
        }
    }

    private static void checkCount(String flag, String text, int count) throws UsageException {
        if (count > MAX_LEVELS) {
            throw new UsageException(flag + " " + text + " gives more than " + MAX_LEVELS
                    + " load levels (expected: a larger STEP)");
        }
    }

    private static long parseLong(String flag, String text, String part, String what) throws UsageException {
        try {
            return Long.parseLong(part.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " " + text + ": " + what + " '" + part + "' is not a whole number"
                    + " (expected: START[:END[:STEP]], e.g. 1:8:2)");
        }
    }

    private static double parseDouble(String flag, String text, String part, String what) throws UsageException {
        try {
            double v = Double.parseDouble(part.trim());
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " " + text + ": " + what + " '" + part + "' is not a number"
                    + " (expected: START[:END[:STEP]] in requests/s, e.g. 100:400:100)");
        }
    }
}
