package io.tensorline.server.repository;

import io.tensorline.engine.EngineProvider;
import io.tensorline.server.config.ConfigException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.TreeSet;

/** The engines on the class path, by backend and platform. Immutable. */
public final class EngineRegistry {

    /** The module that provides each backend Tensorline has an engine for, to name in "engine missing" errors. */
    private static final Map<String, String> MODULES = Map.of(
            "onnxruntime", "tensorline-engine-onnxruntime",
            "pytorch", "tensorline-engine-pytorch",
            "tensorflow", "tensorline-engine-tensorflow");

    private final Map<String, EngineProvider> byBackend;

    /**
     * @throws IllegalArgumentException when two providers claim the same backend
     */
    public EngineRegistry(List<EngineProvider> providers) {
        Map<String, EngineProvider> map = new TreeMap<>();
        for (EngineProvider p : providers) {
            EngineProvider previous = map.putIfAbsent(p.backend(), p);
            if (previous != null) {
                throw new IllegalArgumentException("backend '" + p.backend() + "': served by both "
                        + previous.getClass().getName() + " and " + p.getClass().getName() + " (expected: one engine "
                        + "per backend on the class path)");
            }
        }
        this.byBackend = Collections.unmodifiableMap(map); // sorted: lookups and messages are deterministic
    }

    /** The engines found by {@link ServiceLoader} with the context class loader. */
    public static EngineRegistry fromClassPath() {
        return fromClassPath(Thread.currentThread().getContextClassLoader());
    }

    public static EngineRegistry fromClassPath(ClassLoader loader) {
        List<EngineProvider> providers = new ArrayList<>();
        ServiceLoader.load(EngineProvider.class, loader).forEach(providers::add);
        return new EngineRegistry(providers);
    }

    /** Every engine, sorted by backend name. */
    public List<EngineProvider> providers() {
        return List.copyOf(byBackend.values());
    }

    public Optional<EngineProvider> byBackend(String backend) {
        return Optional.ofNullable(byBackend.get(backend));
    }

    public Optional<EngineProvider> byPlatform(String platform) {
        return byBackend.values().stream().filter(p -> p.platforms().contains(platform)).findFirst();
    }

    /**
     * The engine for a model whose platform and backend are completed.
     *
     * @throws ConfigException when neither is set, no engine serves them, or they disagree; the message names
     *         the engines available, or the module to add when Tensorline has an engine that is not installed
     */
    public EngineProvider providerFor(String model, String platform, String backend) throws ConfigException {
        if (backend.isEmpty() && platform.isEmpty()) {
            throw ConfigException.of(model, "platform and backend: none given and none detected (expected: a "
                    + "platform in %s, a backend in %s, or a version folder holding one of %s)", platforms(),
                    List.copyOf(byBackend.keySet()), defaultFiles());
        }
        if (backend.isEmpty()) {
            throw ConfigException.of(model, "platform: '%s' (expected one of: %s)", platform, platforms());
        }
        EngineProvider provider = byBackend.get(backend);
        if (provider == null) {
            String module = MODULES.get(backend);
            if (module != null) {
                throw ConfigException.of(model, "no engine for backend '%s' on the class path (add the %s module)",
                        backend, module);
            }
            throw ConfigException.of(model, "backend: '%s' (expected one of the engines on the class path: %s)",
                    backend, List.copyOf(byBackend.keySet()));
        }
        if (!platform.isEmpty() && !provider.platforms().contains(platform)) {
            throw ConfigException.of(model, "platform: '%s' (expected one of %s for backend '%s')", platform,
                    new TreeSet<>(provider.platforms()), backend);
        }
        return provider;
    }

    private List<String> platforms() {
        TreeSet<String> all = new TreeSet<>();
        byBackend.values().forEach(p -> all.addAll(p.platforms()));
        return List.copyOf(all);
    }

    private List<String> defaultFiles() {
        return byBackend.values().stream().map(EngineProvider::defaultModelFileName).toList();
    }
}
