package io.tensorline.server.stats;

import java.util.List;
import java.util.Map;

/**
 * A read-only copy of one model version's statistics, shaped after Triton's {@code ModelStatistics}.
 *
 * @param lastInferenceMillis when the last successful execution ended, in ms since the epoch (0 when none)
 * @param inferenceCount      batch elements (rows) executed successfully
 * @param executionCount      successful engine executions
 * @param success             requests answered with outputs, and their time from arrival to answer
 * @param failure             failed requests, all reasons together, and their time from arrival to answer
 * @param failuresByReason    the failed requests split by reason (the Prometheus {@code reason} label)
 * @param queue               requests that reached an instance, and their time waiting in the scheduler
 * @param computeInput        per request: time spent assembling the batch its rows ran in
 * @param computeInfer        per request: time the engine spent on the batch its rows ran in
 * @param computeOutput       per request: time spent splitting the batch's outputs
 * @param batchStats          per executed batch size, ascending
 * @param pendingRequests     requests queued and not yet executing, at the time of the snapshot
 * @param requestLatency      every answered request's time from arrival to answer, in µs buckets
 * @param batchRetries        failed batches retried in parts, and what came of it
 * @param cacheEnabled        whether the version answers through the response cache
 * @param cacheHit            requests the response cache answered, and the lookups' time
 * @param cacheMiss           requests the cache did not hold, and their lookup plus insertion time
 */
public record ModelStatsSnapshot(String name, long version, long lastInferenceMillis, long inferenceCount,
                                 long executionCount, StatisticDuration success, StatisticDuration failure,
                                 Map<FailureReason, StatisticDuration> failuresByReason, StatisticDuration queue,
                                 StatisticDuration computeInput, StatisticDuration computeInfer,
                                 StatisticDuration computeOutput, List<BatchStatsSnapshot> batchStats,
                                 long pendingRequests, HistogramSnapshot requestLatency,
                                 BatchRetrySnapshot batchRetries, boolean cacheEnabled,
                                 StatisticDuration cacheHit, StatisticDuration cacheMiss) {

    public ModelStatsSnapshot {
        failuresByReason = Map.copyOf(failuresByReason);
        batchStats = List.copyOf(batchStats);
    }
}
