package io.tensorline.server.stats;

/** {@code InferBatchStatistics}: executions of one batch size (in rows) and their compute durations. */
public record BatchStatsSnapshot(int batchSize, StatisticDuration computeInput, StatisticDuration computeInfer,
                                 StatisticDuration computeOutput) {
}
