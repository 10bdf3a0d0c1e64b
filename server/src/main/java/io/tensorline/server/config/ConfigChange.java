package io.tensorline.server.config;

import io.tensorline.proto.ModelConfig;
import io.tensorline.proto.ModelDynamicBatching;
import io.tensorline.proto.ModelInstanceGroup;

/**
 * How a new config of a running model differs from the one it runs, both as prepared for loading (identity and
 * defaults completed, so an absent {@code instance_group} compares as the default one): whether only what a
 * running version can take in place changed.
 *
 * <p>In place (Tensorline's own; Triton reloads for anything but instance counts): the {@code count} of
 * instance groups that are otherwise the same (names, kinds, GPUs, everything else), and these
 * {@code dynamic_batching} settings: {@code max_queue_delay_microseconds}, {@code preferred_batch_size},
 * {@code default_queue_policy}, {@code priority_queue_policy} and {@code default_priority_level}. Anything else
 * reloads, {@code priority_levels} and {@code preserve_ordering} included (they shape the batcher's queues and
 * the way answers are released), as does adding or removing the {@code dynamic_batching} block or a group.
 *
 * @param instanceCounts some group's count changed
 * @param batching       some in-place dynamic batching setting changed
 * @param other          something else changed: the model must reload
 */
public record ConfigChange(boolean instanceCounts, boolean batching, boolean other) {

    public static final ConfigChange NONE = new ConfigChange(false, false, false);

    /** Nothing changed. */
    public boolean none() {
        return !instanceCounts && !batching && !other;
    }

    /** Something changed, and all of it can be applied to the running version. */
    public boolean inPlace() {
        return !other && (instanceCounts || batching);
    }

    public static ConfigChange between(ModelDocument running, ModelDocument next) {
        ModelConfig a = running.config();
        ModelConfig b = next.config();
        if (a.equals(b)) {
            return NONE;
        }
        boolean other = !withoutRunTimeSettings(a).equals(withoutRunTimeSettings(b));
        boolean counts = !a.getInstanceGroupList().equals(b.getInstanceGroupList());
        boolean batching = !a.getDynamicBatching().equals(b.getDynamicBatching());
        return new ConfigChange(counts, batching, other);
    }

    /** The config with what may change in place cleared: two configs equal here differ only in that. */
    private static ModelConfig withoutRunTimeSettings(ModelConfig c) {
        ModelConfig.Builder b = c.toBuilder().clearInstanceGroup();
        for (ModelInstanceGroup g : c.getInstanceGroupList()) {
            b.addInstanceGroup(g.toBuilder().clearCount());
        }
        if (c.hasDynamicBatching()) {
            ModelDynamicBatching.Builder db = c.getDynamicBatching().toBuilder().clearMaxQueueDelayMicroseconds()
                    .clearPreferredBatchSize().clearDefaultQueuePolicy().clearPriorityQueuePolicy()
                    .clearDefaultPriorityLevel();
            b.setDynamicBatching(db);
        }
        return b.build();
    }
}
