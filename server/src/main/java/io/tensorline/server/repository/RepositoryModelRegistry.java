package io.tensorline.server.repository;

import io.tensorline.server.core.InferenceException;
import io.tensorline.server.scheduler.SchedulerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The models of a Triton-layout repository, all loaded at start-up. A model that fails to load stays in the
 * registry as UNAVAILABLE with its reason, and does not stop the others.
 *
 * <p>Threads: {@link #load} runs on the caller's thread and a pool it creates and shuts down; afterwards the
 * registry is an immutable snapshot in a final field, read from any thread.
 */
public final class RepositoryModelRegistry implements ModelRegistry {

    /**
     * @param autoComplete false for {@code --strict-model-config} / {@code --disable-auto-complete-config}
     * @param gpuCount     GPUs on this machine, for instance groups
     * @param loadThreads  how many models load at the same time
     */
    public record Options(boolean autoComplete, int gpuCount, int loadThreads) {

        public Options {
            if (gpuCount < 0) {
                throw new IllegalArgumentException("gpuCount: " + gpuCount + " (expected: >= 0)");
            }
            if (loadThreads < 1) {
                throw new IllegalArgumentException("loadThreads: " + loadThreads + " (expected: >= 1)");
            }
        }

        /** Auto-complete on, no GPU, two models loading at a time. */
        public static Options defaults() {
            return new Options(true, 0, 2);
        }

        public Options withAutoComplete(boolean value) {
            return new Options(value, gpuCount, loadThreads);
        }

        public Options withGpuCount(int value) {
            return new Options(autoComplete, value, loadThreads);
        }

        public Options withLoadThreads(int value) {
            return new Options(autoComplete, gpuCount, value);
        }
    }

    /** Sorted by name. Written once: models load only at start-up (model control will swap whole snapshots). */
    private final Map<String, ModelEntry> models;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RepositoryModelRegistry(Map<String, ModelEntry> models) {
        this.models = Collections.unmodifiableMap(new TreeMap<>(models));
    }

    /**
     * Loads every model of {@code repository}. Never fails because of one model; see {@link #loadFailures()}.
     *
     * @throws IllegalArgumentException when {@code repository} is not a directory
     * @throws IllegalStateException    when interrupted while models load (those already loaded are closed)
     */
    public static RepositoryModelRegistry load(Path repository, Options options, EngineRegistry engines,
                                               SchedulerFactory schedulers) {
        Objects.requireNonNull(options, "options");
        ModelLoader loader = new ModelLoader(Objects.requireNonNull(engines, "engines"),
                Objects.requireNonNull(schedulers, "schedulers"), options.autoComplete(), options.gpuCount());
        List<Path> dirs = ModelRepositoryScanner.modelDirectories(repository);
        AtomicInteger threadIndex = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(options.loadThreads(), Math.max(1, dirs.size())),
                r -> new Thread(r, "model-load-" + threadIndex.getAndIncrement()));
        List<Future<ModelEntry>> futures = new ArrayList<>(dirs.size());
        Map<Path, List<String>> ensembles = new java.util.LinkedHashMap<>();
        for (Path dir : dirs) {
            List<String> needs = loader.ensembleDependencies(dir);
            if (needs != null) {
                ensembles.put(dir, needs);
            }
        }
        try {
            for (Path dir : dirs) {
                if (!ensembles.containsKey(dir)) {
                    futures.add(pool.submit(() -> loader.load(dir)));
                }
            }
            Map<String, ModelEntry> loaded = new TreeMap<>();
            for (Future<ModelEntry> f : futures) {
                ModelEntry e = f.get();
                loaded.put(e.name(), e);
            }
            LateComposingModels composing = new LateComposingModels();
            EnsembleLoading.loadAll(loader, ensembles, loaded, composing);
            RepositoryModelRegistry registry = new RepositoryModelRegistry(loaded);
            composing.bind(registry);
            return registry;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
            futures.forEach(RepositoryModelRegistry::closeIfDone);
            throw new IllegalStateException("interrupted while loading the models of " + repository, e);
        } catch (ExecutionException e) {
            // ModelLoader turns every failure into an entry; this is an Error escaping a load
            futures.forEach(RepositoryModelRegistry::closeIfDone);
            throw new IllegalStateException("loading the models of " + repository + " failed", e.getCause());
        } finally {
            pool.shutdown();
        }
    }

    /** The models and versions that failed to load (UNAVAILABLE, with reasons), for {@code --exit-on-error}. */
    public List<ModelIndexEntry> loadFailures() {
        return index().stream().filter(e -> e.state() != ModelState.READY).toList();
    }

    @Override
    public ModelVersion resolve(String name, String version) {
        ModelEntry model = models.get(name);
        if (model == null) {
            throw InferenceException.notFound("unknown model: '%s'", name);
        }
        if (version.isEmpty()) {
            ModelVersion latest = model.latestReady();
            if (latest == null) {
                throw InferenceException.unavailable("%s", model.unavailableReason());
            }
            return latest;
        }
        long number;
        try {
            number = Long.parseLong(version);
        } catch (NumberFormatException e) {
            throw InferenceException.invalid("model '%s': version '%s' is not an integer", name, version);
        }
        if (model.failure() != null) {
            throw InferenceException.unavailable("%s", model.failure());
        }
        ModelEntry.VersionEntry v = model.versions().get(number);
        if (v == null) {
            throw InferenceException.notFound("unknown version %d of model '%s' (available: %s)", number, name,
                    model.readyVersions());
        }
        if (!v.ready()) {
            throw InferenceException.unavailable("%s", v.failure());
        }
        return v.model();
    }

    @Override
    public boolean isReady(String name, String version) {
        ModelEntry model = models.get(name);
        if (model == null) {
            return false;
        }
        if (version.isEmpty()) {
            return model.latestReady() != null;
        }
        try {
            ModelEntry.VersionEntry v = model.versions().get(Long.parseLong(version));
            return v != null && v.ready();
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Override
    public boolean contains(String name) {
        return models.containsKey(name);
    }

    @Override
    public List<Long> readyVersions(String name) {
        ModelEntry model = models.get(name);
        return model == null ? List.of() : model.readyVersions();
    }

    @Override
    public List<ModelIndexEntry> index() {
        List<ModelIndexEntry> out = new ArrayList<>();
        for (ModelEntry m : models.values()) { // sorted by name, versions ascending
            if (m.failure() != null) {
                out.add(new ModelIndexEntry(m.name(), "", ModelState.UNAVAILABLE, m.failure()));
                continue;
            }
            for (ModelEntry.VersionEntry v : m.versions().values()) {
                out.add(v.ready()
                        ? new ModelIndexEntry(m.name(), Long.toString(v.version()), ModelState.READY, "")
                        : new ModelIndexEntry(m.name(), Long.toString(v.version()), ModelState.UNAVAILABLE,
                        v.failure()));
            }
        }
        return out;
    }

    @Override
    public boolean allReady() {
        return models.values().stream().allMatch(m -> m.latestReady() != null);
    }

    /** Shuts down every scheduler (which closes its instances). Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        models.values().forEach(RepositoryModelRegistry::shutdown);
    }

    private static void shutdown(ModelEntry m) {
        for (ModelEntry.VersionEntry v : m.versions().values()) {
            if (v.ready()) {
                v.model().scheduler().shutdown();
            }
        }
    }

    private static void closeIfDone(Future<ModelEntry> f) {
        if (f.isDone() && !f.isCancelled()) {
            try {
                shutdown(f.get());
            } catch (InterruptedException | ExecutionException ignored) {
                // nothing was loaded by that task
            }
        }
    }
}
