package io.tensorline.server.repository;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the registry holds for one model: its state as a whole, and one entry per version it serves or tried to.
 * Immutable; the registry replaces whole entries (copy-on-write) when a lifecycle operation changes anything.
 *
 * @param state    {@link ModelState#UNKNOWN}: in the repository but never loaded (explicit mode);
 *                 {@link ModelState#LOADING}: a first load under way, versions not known yet;
 *                 {@link ModelState#UNAVAILABLE}: failed before any version could be tried ({@code failure} says
 *                 why); {@link ModelState#READY}: the states are per version
 * @param versions by number; empty unless {@code state} is READY
 * @param source   where the served versions came from, to tell whether a later load changes anything; null when
 *                 nothing was loaded
 */
record ModelEntry(String name, ModelState state, String failure, SortedMap<Long, VersionEntry> versions,
                  ModelSource source) {

    /** Triton's reason for a model whose versions were unloaded. */
    static final String UNLOADED = "unloaded";

    /**
     * One version: {@code model} is set while READY (serving) or UNLOADING (draining what it accepted).
     *
     * @param fingerprint the version folder's files when it was loaded, to reuse an unchanged version on reload
     */
    record VersionEntry(long version, ModelVersion model, ModelState state, String reason, String fingerprint) {

        static VersionEntry ready(ModelVersion model, String fingerprint) {
            return new VersionEntry(model.version(), model, ModelState.READY, "", fingerprint);
        }

        static VersionEntry failed(long version, String reason) {
            return new VersionEntry(version, null, ModelState.UNAVAILABLE, reason, "");
        }

        boolean ready() {
            return state == ModelState.READY;
        }
    }

    ModelEntry {
        versions = Collections.unmodifiableSortedMap(new TreeMap<>(versions));
    }

    static ModelEntry failed(String name, String failure) {
        return new ModelEntry(name, ModelState.UNAVAILABLE, failure, new TreeMap<>(), null);
    }

    static ModelEntry unknown(String name) {
        return new ModelEntry(name, ModelState.UNKNOWN, null, new TreeMap<>(), null);
    }

    static ModelEntry loading(String name) {
        return new ModelEntry(name, ModelState.LOADING, null, new TreeMap<>(), null);
    }

    static ModelEntry of(String name, SortedMap<Long, VersionEntry> versions, ModelSource source) {
        return new ModelEntry(name, ModelState.READY, null, versions, source);
    }

    ModelEntry withVersions(SortedMap<Long, VersionEntry> replaced) {
        return new ModelEntry(name, state, failure, replaced, source);
    }

    /** Whether a request could reach it at all: loaded or loading once, not only seen on disk. */
    boolean known() {
        return state != ModelState.UNKNOWN;
    }

    /** Every version is unloaded or unloading: the model was taken out of service on purpose. */
    boolean unloaded() {
        return state == ModelState.READY && !versions.isEmpty() && versions.values().stream().allMatch(
                v -> v.state() == ModelState.UNLOADING || UNLOADED.equals(v.reason()));
    }

    List<Long> readyVersions() {
        return versions.values().stream().filter(VersionEntry::ready).map(VersionEntry::version).toList();
    }

    boolean serving() {
        return versions.values().stream().anyMatch(VersionEntry::ready);
    }

    /** The handles that serve or drain, for retiring them. */
    List<ModelVersion> handles() {
        List<ModelVersion> out = new ArrayList<>();
        versions.values().forEach(v -> {
            if (v.model() != null) {
                out.add(v.model());
            }
        });
        return out;
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
        if (state == ModelState.LOADING) {
            return "model '" + name + "' is loading";
        }
        List<VersionEntry> failed = versions.values().stream().filter(v -> !v.ready()).toList();
        if (failed.size() == 1) {
            return describe(failed.get(0));
        }
        return "model '" + name + "' has no ready version: " + String.join("; ",
                failed.stream().map(this::describe).toList());
    }

    String describe(VersionEntry v) {
        return switch (v.state()) {
            case UNLOADING -> "model '" + name + "' version " + v.version() + " is unloading";
            case LOADING -> "model '" + name + "' version " + v.version() + " is loading";
            default -> UNLOADED.equals(v.reason())
                    ? "model '" + name + "' version " + v.version() + " is unloaded" : v.reason();
        };
    }
}
