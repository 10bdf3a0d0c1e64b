package io.tensorline.server.repository;

import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the repository holds for one model after loading: either a failure before any version could be tried
 * (parse, engine, version folders), or one entry per served version, each ready or failed. Immutable.
 *
 * @param failure  why the whole model is unavailable, or null
 * @param versions the versions the policy selected, by number; empty when {@code failure} is set
 */
record ModelEntry(String name, String failure, SortedMap<Long, VersionEntry> versions) {

    /** One served version: {@code model} when ready, else {@code failure}. */
    record VersionEntry(long version, ModelVersion model, String failure) {
        boolean ready() {
            return model != null;
        }
    }

    ModelEntry {
        versions = Collections.unmodifiableSortedMap(new TreeMap<>(versions));
    }

    static ModelEntry failed(String name, String failure) {
        return new ModelEntry(name, failure, new TreeMap<>());
    }

    List<Long> readyVersions() {
        return versions.values().stream().filter(VersionEntry::ready).map(VersionEntry::version).toList();
    }

    /** The highest ready version, or null. */
    ModelVersion latestReady() {
        ModelVersion latest = null;
        for (VersionEntry v : versions.values()) {
            if (v.ready()) {
                latest = v.model();
            }
        }
        return latest;
    }

    /** Why no version is ready: the model's failure, or each failed version's (each names its version). */
    String unavailableReason() {
        if (failure != null) {
            return failure;
        }
        List<VersionEntry> failed = versions.values().stream().filter(v -> !v.ready()).toList();
        if (failed.size() == 1) {
            return failed.get(0).failure();
        }
        return "model '" + name + "' has no ready version: " + String.join("; ",
                failed.stream().map(VersionEntry::failure).toList());
    }
}
