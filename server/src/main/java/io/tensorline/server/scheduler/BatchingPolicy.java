package io.tensorline.server.scheduler;

import io.tensorline.server.config.DynamicBatchingSpec;
import io.tensorline.server.config.QueuePolicySpec;
import io.tensorline.server.core.InferenceRequest;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The dynamic batcher's rules for one model version, checked once at load: sizes, delay, priority levels and
 * queue policies. Immutable.
 *
 * @param maxBatchSize        the most rows one execution may hold
 * @param preferredBatchSizes ascending, each in [1, maxBatchSize]; {@code [maxBatchSize]} when none are configured
 * @param maxQueueDelayNanos  how long the oldest request may wait for a larger batch; 0 means never wait
 * @param levels              priority levels, at least 1 (a config without levels has one)
 * @param defaultLevel        the level of requests without a valid {@code priority}, in [1, levels]
 * @param queuePolicies       the queue policy of each level, index 0 for level 1
 * @param capacity            the most requests that may wait in all levels together (the ring's size)
 */
record BatchingPolicy(int maxBatchSize, int[] preferredBatchSizes, long maxQueueDelayNanos, boolean preserveOrdering,
                      int levels, int defaultLevel, List<QueuePolicySpec> queuePolicies, int capacity) {

    static final String PRIORITY_PARAMETER = "priority";
    static final String TIMEOUT_PARAMETER = "timeout";

    BatchingPolicy {
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("max_batch_size: " + maxBatchSize
                    + " (expected: >= 1 for dynamic batching)");
        }
        preferredBatchSizes = preferredBatchSizes.clone();
        for (int size : preferredBatchSizes) {
            if (size < 1 || size > maxBatchSize) {
                throw new IllegalArgumentException("preferred_batch_size: " + size + " (expected: 1 to max_batch_size "
                        + maxBatchSize + ")");
            }
        }
        if (maxQueueDelayNanos < 0) {
            throw new IllegalArgumentException("max_queue_delay_microseconds: negative (expected: >= 0)");
        }
        if (levels < 1 || defaultLevel < 1 || defaultLevel > levels) {
            throw new IllegalArgumentException("default_priority_level: " + defaultLevel + " (expected: 1 to "
                    + levels + ")");
        }
        queuePolicies = List.copyOf(queuePolicies);
        if (queuePolicies.size() != levels) {
            throw new IllegalArgumentException("queue policies: " + queuePolicies.size() + " (expected: " + levels
                    + ", one per level)");
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
    }

    /** The policy of a model's {@code dynamic_batching} block. */
    static BatchingPolicy of(int maxBatchSize, DynamicBatchingSpec spec, int capacity) {
        Objects.requireNonNull(spec, "spec");
        TreeSet<Integer> preferred = new TreeSet<>(spec.preferredBatchSizes());
        if (preferred.isEmpty()) {
            preferred.add(maxBatchSize);
        }
        int[] sizes = preferred.stream().mapToInt(Integer::intValue).toArray();
        int levels = Math.max(1, spec.priorityLevels());
        int defaultLevel = spec.priorityLevels() == 0 ? 1 : spec.defaultPriorityLevel();
        QueuePolicySpec fallback = spec.defaultQueuePolicy() == null ? QueuePolicySpec.DEFAULT
                : spec.defaultQueuePolicy();
        QueuePolicySpec[] policies = new QueuePolicySpec[levels];
        for (int level = 1; level <= levels; level++) {
            QueuePolicySpec p = spec.priorityLevels() == 0 ? null : spec.priorityQueuePolicy().get(level);
            policies[level - 1] = p == null ? fallback : p;
        }
        long delayNanos = microsToNanos(spec.maxQueueDelayMicros());
        return new BatchingPolicy(maxBatchSize, sizes, delayNanos, spec.preserveOrdering(), levels, defaultLevel,
                List.of(policies), capacity);
    }

    /** A policy with one level, the default queue policy and no preferred sizes: for tests and benchmarks. */
    static BatchingPolicy simple(int maxBatchSize, long maxQueueDelayNanos, int capacity) {
        return new BatchingPolicy(maxBatchSize, new int[] {maxBatchSize}, maxQueueDelayNanos, false, 1, 1,
                List.of(QueuePolicySpec.DEFAULT), capacity);
    }

    @Override
    public int[] preferredBatchSizes() {
        return preferredBatchSizes.clone();
    }

    int largestPreferred() {
        return preferredBatchSizes[preferredBatchSizes.length - 1];
    }

    boolean isPreferred(int rows) {
        return Arrays.binarySearch(preferredBatchSizes, rows) >= 0;
    }

    QueuePolicySpec queuePolicy(int level) {
        return queuePolicies.get(level - 1);
    }

    /** The request's {@code priority} parameter when it names a level, else the default level. */
    int levelOf(InferenceRequest request) {
        long p = request.longParameter(PRIORITY_PARAMETER, 0);
        return p >= 1 && p <= levels ? (int) p : defaultLevel;
    }

    /**
     * How long a request may wait in the queue, in nanoseconds, or 0 for no limit. As in Triton, a request's own
     * {@code timeout} (µs) counts only where the level allows overrides and only when it is shorter than the
     * level's non-zero default.
     */
    long timeoutNanos(InferenceRequest request, int level) {
        QueuePolicySpec policy = queuePolicy(level);
        long micros = policy.defaultTimeoutMicros();
        if (policy.allowTimeoutOverride() && micros > 0) {
            long asked = request.longParameter(TIMEOUT_PARAMETER, 0);
            if (asked > 0 && asked < micros) {
                micros = asked;
            }
        }
        return micros <= 0 ? 0 : microsToNanos(micros);
    }

    /** Microseconds to nanoseconds, saturating: beyond ~292 years any duration means "never". */
    static long microsToNanos(long micros) {
        return micros >= Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : micros * 1000;
    }

    /** {@code a + b} for a nanoTime and a non-negative duration, saturating at {@link Long#MAX_VALUE} ("never"). */
    static long deadline(long start, long duration) {
        long sum = start + duration;
        return duration > 0 && sum < start ? Long.MAX_VALUE : sum;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BatchingPolicy p && maxBatchSize == p.maxBatchSize
                && Arrays.equals(preferredBatchSizes, p.preferredBatchSizes)
                && maxQueueDelayNanos == p.maxQueueDelayNanos && preserveOrdering == p.preserveOrdering
                && levels == p.levels && defaultLevel == p.defaultLevel && queuePolicies.equals(p.queuePolicies)
                && capacity == p.capacity;
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxBatchSize, Arrays.hashCode(preferredBatchSizes), maxQueueDelayNanos,
                preserveOrdering, levels, defaultLevel, queuePolicies, capacity);
    }

    @Override
    public String toString() {
        return "BatchingPolicy[maxBatchSize=" + maxBatchSize + ", preferred=" + Arrays.toString(preferredBatchSizes)
                + ", maxQueueDelayNanos=" + maxQueueDelayNanos + ", preserveOrdering=" + preserveOrdering
                + ", levels=" + levels + ", defaultLevel=" + defaultLevel + ", capacity=" + capacity + "]";
    }
}
