package io.tensorline.server.stats;

/**
 * A cumulative duration as the statistics APIs report it (Triton's {@code StatisticDuration}): how many times it
 * was recorded and the total nanoseconds.
 */
public record StatisticDuration(long count, long nanos) {

    public static final StatisticDuration ZERO = new StatisticDuration(0, 0);
}
