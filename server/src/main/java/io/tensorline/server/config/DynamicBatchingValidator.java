package io.tensorline.server.config;

import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelDynamicBatching;
import io.tensorline.proto.ModelQueuePolicy;

import java.util.Map;
import java.util.TreeSet;

/** Checks {@code dynamic_batching} once max_batch_size is final. */
final class DynamicBatchingValidator {

    private DynamicBatchingValidator() {
    }

    static void validate(ModelConfig config) throws ConfigException {
        if (!config.hasDynamicBatching()) {
            return;
        }
        String model = config.getName();
        int mbs = config.getMaxBatchSize();
        ModelDynamicBatching db = config.getDynamicBatching();
        if (mbs == 0) {
            throw ConfigException.of(model, "dynamic_batching: set while max_batch_size is 0 (expected: "
                    + "max_batch_size >= 1 for a model that batches, or no dynamic_batching)");
        }
        for (int size : db.getPreferredBatchSizeList()) {
            if (size < 1 || size > mbs) {
                throw ConfigException.of(model, "dynamic_batching.preferred_batch_size: %d (expected: 1 to "
                        + "max_batch_size %d)", size, mbs);
            }
        }
        if (db.getMaxQueueDelayMicroseconds() < 0) {
            throw ConfigException.of(model, "dynamic_batching.max_queue_delay_microseconds: %s (expected: <= %d)",
                    Long.toUnsignedString(db.getMaxQueueDelayMicroseconds()), Long.MAX_VALUE);
        }
        checkPriorities(model, db);
        checkQueuePolicy(model, "dynamic_batching.default_queue_policy", db.getDefaultQueuePolicy());
        for (Map.Entry<Long, ModelQueuePolicy> e : db.getPriorityQueuePolicyMap().entrySet()) {
            checkQueuePolicy(model, "dynamic_batching.priority_queue_policy[" + e.getKey() + "]", e.getValue());
        }
    }

    private static void checkPriorities(String model, ModelDynamicBatching db) throws ConfigException {
        long levels = db.getPriorityLevels();
        long defaultLevel = db.getDefaultPriorityLevel();
        TreeSet<Long> keys = new TreeSet<>(db.getPriorityQueuePolicyMap().keySet());
        if (levels < 0 || levels > Integer.MAX_VALUE) {
            throw ConfigException.of(model, "dynamic_batching.priority_levels: %s (expected: <= %d)",
                    Long.toUnsignedString(levels), Integer.MAX_VALUE);
        }
        if (levels == 0) {
            if (defaultLevel != 0) {
                throw ConfigException.of(model, "dynamic_batching.default_priority_level: %s (expected: 0 when "
                        + "priority_levels is 0)", Long.toUnsignedString(defaultLevel));
            }
            if (!keys.isEmpty()) {
                throw ConfigException.of(model, "dynamic_batching.priority_queue_policy: levels %s (expected: none "
                        + "when priority_levels is 0)", keys);
            }
            return;
        }
        if (defaultLevel < 1 || defaultLevel > levels) {
            throw ConfigException.of(model, "dynamic_batching.default_priority_level: %s (expected: 1 to "
                    + "priority_levels %d)", Long.toUnsignedString(defaultLevel), levels);
        }
        for (long key : keys) {
            if (key < 1 || key > levels) {
                throw ConfigException.of(model, "dynamic_batching.priority_queue_policy: level %s (expected: 1 to "
                        + "priority_levels %d)", Long.toUnsignedString(key), levels);
            }
        }
    }

    private static void checkQueuePolicy(String model, String field, ModelQueuePolicy p) throws ConfigException {
        if (p.getTimeoutAction() == ModelQueuePolicy.TimeoutAction.UNRECOGNIZED) {
            throw ConfigException.of(model, "%s.timeout_action: %d (expected: REJECT or DELAY)", field,
                    p.getTimeoutActionValue());
        }
        if (p.getDefaultTimeoutMicroseconds() < 0) {
            throw ConfigException.of(model, "%s.default_timeout_microseconds: %s (expected: <= %d)", field,
                    Long.toUnsignedString(p.getDefaultTimeoutMicroseconds()), Long.MAX_VALUE);
        }
        if (p.getMaxQueueSize() < 0) {
            throw ConfigException.of(model, "%s.max_queue_size: %s (expected: <= %d)", field,
                    Integer.toUnsignedString(p.getMaxQueueSize()), Integer.MAX_VALUE);
        }
    }
}
