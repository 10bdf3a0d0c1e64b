package io.tensorline.server.stats;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The statistics of every loaded model version, for the transports' statistics APIs and metrics. A version's
 * statistics live from its scheduler's creation to its unload. A reload of a version that is serving keeps counting
 * into the same statistics (the old and the new scheduler overlap while the old one drains), so the counts are
 * what the clients saw across the reload; Triton starts them afresh. Thread-safe.
 */
public final class ModelStatsRegistry {

    private record Key(String name, long version) {
    }

    private final ConcurrentHashMap<Key, ModelStats> byVersion = new ConcurrentHashMap<>();
    /** How many schedulers record into each version's statistics; guarded by this. */
    private final java.util.Map<ModelStats, Integer> users = new java.util.IdentityHashMap<>();
    private final LatencySummaries summaries;
    /** Failed loads per model name, kept after the model goes (a counter never goes back). */
    private final ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> loadFailures =
            new ConcurrentHashMap<>();

    public ModelStatsRegistry() {
        this(LatencySummaries.NONE);
    }

    /** @param summaries also observes each version's latencies (Triton's summaries) */
    public ModelStatsRegistry(LatencySummaries summaries) {
        this.summaries = Objects.requireNonNull(summaries, "summaries");
    }

    /**
     * The statistics a new scheduler of a version records into: those of the version's scheduler still running
     * (a reload), else fresh ones.
     */
    public synchronized ModelStats register(String name, long version) {
        ModelStats stats = byVersion.computeIfAbsent(new Key(name, version), 
                k -> new ModelStats(name, version, System::currentTimeMillis, summaries.open(name, version)));
        users.merge(stats, 1, Integer::sum);
        return stats;
    }

    /** Releases a scheduler's use; the last one out removes the version's statistics. */
    public synchronized void unregister(ModelStats stats) {
        Objects.requireNonNull(stats, "stats");
        Integer n = users.get(stats);
        if (n != null && n > 1) {
            users.put(stats, n - 1);
            return;
        }
        users.remove(stats);
        if (byVersion.remove(new Key(stats.name(), stats.version()), stats)) {
            stats.close();
        }
    }

    /** A load of {@code model} (its config, or one of its versions) failed. */
    public void recordLoadFailure(String model) {
        loadFailures.computeIfAbsent(model, m -> new java.util.concurrent.atomic.LongAdder()).increment();
    }

    /** Failed loads per model since start, by model name. */
    public java.util.SortedMap<String, Long> loadFailures() {
        java.util.SortedMap<String, Long> out = new java.util.TreeMap<>();
        loadFailures.forEach((model, n) -> out.put(model, n.sum()));
        return out;
    }

    /** The statistics of one version, or {@code null} when that version is not loaded. */
    public ModelStats get(String name, long version) {
        return byVersion.get(new Key(name, version));
    }

    /** The statistics of every loaded version, by model name and version. */
    public List<ModelStats> loaded() {
        List<ModelStats> out = new ArrayList<>(byVersion.values());
        out.sort(Comparator.comparing(ModelStats::name).thenComparingLong(ModelStats::version));
        return out;
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
