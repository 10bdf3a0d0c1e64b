package io.tensorline.server.stats;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The statistics of every loaded model version, for the transports' statistics APIs and metrics. A version's
 * statistics live from its scheduler's creation to its unload; a reload starts them afresh, as Triton's do.
 * Thread-safe.
 */
public final class ModelStatsRegistry {

    private record Key(String name, long version) {
    }

    private final ConcurrentHashMap<Key, ModelStats> byVersion = new ConcurrentHashMap<>();

    /** Creates and registers fresh statistics for a version, replacing any left from an earlier load. */
    public ModelStats register(String name, long version) {
        ModelStats stats = new ModelStats(name, version);
        byVersion.put(new Key(name, version), stats);
        return stats;
    }

    /** Removes a version's statistics, unless a later load has already replaced them. */
    public void unregister(ModelStats stats) {
        Objects.requireNonNull(stats, "stats");
        byVersion.remove(new Key(stats.name(), stats.version()), stats);
    }

    /** The statistics of one version, or {@code null} when that version is not loaded. */
    public ModelStats get(String name, long version) {
        return byVersion.get(new Key(name, version));
    }

    /** Snapshots of every loaded version of {@code name}, or of every model when {@code name} is empty. */
    public List<ModelStatsSnapshot> snapshots(String name) {
        List<ModelStatsSnapshot> out = new ArrayList<>();
        for (ModelStats s : byVersion.values()) {
            if (name.isEmpty() || s.name().equals(name)) {
                out.add(s.snapshot());
            }
        }
        out.sort(Comparator.comparing(ModelStatsSnapshot::name).thenComparingLong(ModelStatsSnapshot::version));
        return out;
    }
}
