package io.tensorline.perf.measure;

import java.util.List;
import java.util.OptionalInt;

/**
 * perf_analyzer's stability rule: the last three windows are stable when none had zero throughput and, for both
 * throughput and the stabilizing latency, max / min &lt;= 1 + threshold.
 */
public final class Stability {

    /** How many of the latest windows must agree. */
    public static final int WINDOWS = 3;

    public enum Verdict {
        /** The last windows agree: report them. */
        STABLE,
        /** Not yet stable and trials remain: measure another window. */
        CONTINUE,
        /** Not stable after the last allowed trial. */
        MAX_TRIALS
    }

    private Stability() {
    }

    /** Decides after each window; {@code thresholdPercent} is {@code --stability-percentage}. */
    public static Verdict judge(List<Measurement> windows, double thresholdPercent, OptionalInt percentile,
                                int maxTrials) {
        double[] throughput = new double[windows.size()];
        double[] latency = new double[windows.size()];
        for (int i = 0; i < windows.size(); i++) {
            throughput[i] = windows.get(i).inferPerSec();
            latency[i] = windows.get(i).stabilizingLatencyNs(percentile);
        }
        if (isStable(throughput, latency, thresholdPercent)) {
            return Verdict.STABLE;
        }
        return windows.size() >= maxTrials ? Verdict.MAX_TRIALS : Verdict.CONTINUE;
    }

    /** The rule itself, over per-window throughputs and latencies in the order measured. */
    public static boolean isStable(double[] throughput, double[] latency, double thresholdPercent) {
        int n = throughput.length;
        if (n < WINDOWS || latency.length != n) {
            return false;
        }
        double limit = 1 + thresholdPercent / 100.0;
        return withinLimit(throughput, n, limit, true) && withinLimit(latency, n, limit, false);
    }

    private static boolean withinLimit(double[] values, int n, double limit, boolean rejectZero) {
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (int i = n - WINDOWS; i < n; i++) {
            if (rejectZero && values[i] == 0) {
                return false;
            }
            min = Math.min(min, values[i]);
            max = Math.max(max, values[i]);
        }
        return min > 0 && max / min <= limit;
    }
}
