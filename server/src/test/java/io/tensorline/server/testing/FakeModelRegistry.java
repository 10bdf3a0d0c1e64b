package io.tensorline.server.testing;

import io.tensorline.server.core.ErrorTexts;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.repository.ModelIndexEntry;
import io.tensorline.server.repository.ModelRegistry;
import io.tensorline.server.repository.ModelState;
import io.tensorline.server.repository.ModelVersion;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * An in-memory {@link ModelRegistry} for transport tests: ready versions added by hand, plus models marked
 * unavailable with a reason (as a failed load would leave them). Follows the interface's error contract. Add models
 * before serving; lookups are safe from any thread.
 */
public final class FakeModelRegistry implements ModelRegistry {

    private final Map<String, NavigableMap<Long, ModelVersion>> ready = new ConcurrentHashMap<>();
    private final Map<String, String> unavailable = new ConcurrentHashMap<>();

    /** Adds a ready version; returns this for chaining. */
    public FakeModelRegistry add(ModelVersion version) {
        ready.computeIfAbsent(version.name(), n -> new ConcurrentSkipListMap<>()).put(version.version(), version);
        return this;
    }

    /** Adds a model that exists but has no ready version, e.g. because it failed to load. */
    public FakeModelRegistry addUnavailable(String name, String reason) {
        unavailable.put(name, reason);
        return this;
    }

    @Override
    public ModelVersion resolve(String name, String version) {
        if (unavailable.containsKey(name)) {
            throw InferenceException.unavailable("model '%s' is not ready: %s", name, unavailable.get(name));
        }
        NavigableMap<Long, ModelVersion> versions = ready.get(name);
        if (versions == null) {
            throw ErrorTexts.unknownModel(name);
        }
        if (version == null || version.isEmpty()) {
            return versions.lastEntry().getValue();
        }
        long v = ErrorTexts.parseVersion(version);
        ModelVersion mv = versions.get(v);
        if (mv == null) {
            throw ErrorTexts.unknownVersion(name, v, versions.keySet());
        }
        return mv;
    }

    @Override
    public boolean isReady(String name, String version) {
        try {
            resolve(name, version);
            return true;
        } catch (InferenceException e) {
            return false;
        }
    }

    @Override
    public boolean contains(String name) {
        return ready.containsKey(name) || unavailable.containsKey(name);
    }

    @Override
    public List<Long> readyVersions(String name) {
        NavigableMap<Long, ModelVersion> versions = ready.get(name);
        return versions == null ? List.of() : List.copyOf(versions.keySet());
    }

    @Override
    public List<ModelIndexEntry> index() {
        List<ModelIndexEntry> out = new ArrayList<>();
        for (String name : new TreeSet<>(allNames())) {
            if (unavailable.containsKey(name)) {
                out.add(new ModelIndexEntry(name, "", ModelState.UNAVAILABLE, unavailable.get(name)));
                continue;
            }
            for (Long v : ready.get(name).keySet()) {
                out.add(new ModelIndexEntry(name, Long.toString(v), ModelState.READY, ""));
            }
        }
        return out;
    }

    private List<String> allNames() {
        List<String> names = new ArrayList<>(ready.keySet());
        names.addAll(unavailable.keySet());
        return names;
    }

    @Override
    public boolean allReady() {
        return unavailable.isEmpty();
    }

    @Override
    public void close() {
        ready.values().forEach(vs -> vs.values().forEach(v -> v.scheduler().shutdown()));
    }
}
