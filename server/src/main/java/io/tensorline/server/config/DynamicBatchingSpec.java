package io.tensorline.server.config;

import java.util.List;
import java.util.Map;

/**
 * {@code dynamic_batching} after normalisation (preferred sizes filled in, priorities checked).
 *
 * @param priorityLevels       0 means a single level
 * @param defaultPriorityLevel in [1, priorityLevels] when levels are used, else 0
 * @param priorityQueuePolicy  per-level policies; levels not listed use {@code defaultQueuePolicy}
 */
public record DynamicBatchingSpec(List<Integer> preferredBatchSizes, long maxQueueDelayMicros,
                                  boolean preserveOrdering, int priorityLevels, int defaultPriorityLevel,
                                  QueuePolicySpec defaultQueuePolicy, Map<Integer, QueuePolicySpec> priorityQueuePolicy) {

    public DynamicBatchingSpec {
        preferredBatchSizes = List.copyOf(preferredBatchSizes);
        priorityQueuePolicy = Map.copyOf(priorityQueuePolicy);
    }

    public QueuePolicySpec queuePolicy(int level) {
        return priorityQueuePolicy.getOrDefault(level, defaultQueuePolicy);
    }
}
