package io.tensorline.server.repository;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The registry's one piece of mutable state: an immutable map of name to {@link ModelEntry}, replaced as a whole
 * (copy-on-write). Readers (every request) take {@link #current()}, a volatile read, and never lock; writers are the
 * lifecycle operations, which serialise on this object's monitor only for the copy.
 */
final class ModelSnapshot {

    private volatile Map<String, ModelEntry> current = Map.of();

    /** Sorted by name. */
    Map<String, ModelEntry> current() {
        return current;
    }

    ModelEntry get(String name) {
        return current.get(name);
    }

    synchronized void put(ModelEntry entry) {
        Map<String, ModelEntry> next = new TreeMap<>(current);
        next.put(entry.name(), entry);
        current = Collections.unmodifiableMap(next);
    }

    synchronized void remove(String name) {
        if (current.containsKey(name)) {
            Map<String, ModelEntry> next = new TreeMap<>(current);
            next.remove(name);
            current = Collections.unmodifiableMap(next);
        }
    }

    /** Replaces an entry by a function of it, if present; the function runs under the writers' lock. */
    synchronized void update(String name, UnaryOperator<ModelEntry> change) {
        ModelEntry entry = current.get(name);
        if (entry != null) {
            ModelEntry changed = change.apply(entry);
            if (changed != entry) {
                put(changed);
            }
        }
    }
}
