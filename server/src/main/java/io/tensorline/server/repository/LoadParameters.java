package io.tensorline.server.repository;

import java.util.Map;
import java.util.TreeMap;

/**
 * The parameters of a model load, decoded by the transports.
 *
 * @param config a ModelConfig as JSON that replaces the model's config files, or null
 * @param files  model files by {@code <version>/<path>} (the key without its {@code file:} prefix); they form the
 *               whole model folder and need {@code config}
 */
public record LoadParameters(String config, Map<String, byte[]> files) {

    public static final LoadParameters NONE = new LoadParameters(null, Map.of());

    public LoadParameters {
        files = java.util.Collections.unmodifiableMap(new TreeMap<>(files));
    }

    public boolean plain() {
        return config == null && files.isEmpty();
    }
}
