package io.tensorline.server.repository;

import io.tensorline.server.core.ErrorTexts;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.scheduler.SchedulerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The models of one or more Triton-layout repositories, and the one owner of their lifecycle. A model that fails
 * to load stays in the registry as UNAVAILABLE with its reason, and does not stop the others.
 *
 * <p>Threads: the request path reads an immutable {@link ModelSnapshot} without locks. Loads and unloads run on the
 * {@code model-load-N} pool (one operation at a time per model, see {@link ModelLifecycle}); retired versions shut
 * down on {@code model-retire}; poll mode rescans on {@code model-poll}. This class creates those threads in
 * {@link #load} and stops them in {@link #close}.
 */
public final class RepositoryModelRegistry implements ModelRegistry {

    /**
     * @param autoComplete    false for {@code --strict-model-config} / {@code --disable-auto-complete-config}
     * @param gpuCount        GPUs on this machine, for instance groups
     * @param loadThreads     how many models load at the same time ({@code --model-load-thread-count})
     * @param configName      {@code --model-config-name}: read {@code <model>/configs/<name>.pbtxt}; empty for
     *                        config.pbtxt
     * @param mode            {@code --model-control-mode}
     * @param startupModels   {@code --load-model} (explicit mode); {@code *} loads every model
     * @param pollSecs        {@code --repository-poll-secs} (poll mode; 0: no rescans)
     * @param strictReadiness {@code --strict-readiness}: server readiness needs every model ready
     */
    public record Options(boolean autoComplete, int gpuCount, int loadThreads, String configName,
                          ModelControlMode mode, List<String> startupModels, int pollSecs,
                          boolean strictReadiness) {

        public Options {
            if (gpuCount < 0) {
                throw new IllegalArgumentException("gpuCount: " + gpuCount + " (expected: >= 0)");
            }
            if (loadThreads < 1) {
                throw new IllegalArgumentException("loadThreads: " + loadThreads + " (expected: >= 1)");
            }
            if (pollSecs < 0) {
                throw new IllegalArgumentException("pollSecs: " + pollSecs + " (expected: >= 0)");
            }
            Objects.requireNonNull(configName, "configName");
            Objects.requireNonNull(mode, "mode");
            startupModels = List.copyOf(startupModels);
        }

        /** Auto-complete on, no GPU, two models loading at a time, mode none, strict readiness. */
        public static Options defaults() {
            return new Options(true, 0, 2, "", ModelControlMode.NONE, List.of(), 0, true);
        }

        public Options withAutoComplete(boolean value) {
            return new Options(value, gpuCount, loadThreads, configName, mode, startupModels, pollSecs,
                    strictReadiness);
        }

        public Options withGpuCount(int value) {
            return new Options(autoComplete, value, loadThreads, configName, mode, startupModels, pollSecs,
                    strictReadiness);
        }

        public Options withLoadThreads(int value) {
            return new Options(autoComplete, gpuCount, value, configName, mode, startupModels, pollSecs,
                    strictReadiness);
        }

        public Options withConfigName(String value) {
            return new Options(autoComplete, gpuCount, loadThreads, value, mode, startupModels, pollSecs,
                    strictReadiness);
        }

        /** The mode, with its start-up models (explicit) or its rescan period in seconds (poll). */
        public Options withModelControl(ModelControlMode value, List<String> models, int secs) {
            return new Options(autoComplete, gpuCount, loadThreads, configName, value, models, secs,
                    strictReadiness);
        }

        public Options withStrictReadiness(boolean value) {
            return new Options(autoComplete, gpuCount, loadThreads, configName, mode, startupModels, pollSecs,
                    value);
        }
    }

    private final Options options;
    private final ModelSnapshot snapshot = new ModelSnapshot();
    private final ExecutorService loadPool;
    private final ExecutorService retirePool;
    private final ModelLifecycle lifecycle;
    private final ModelLoader loader;
    private final EnsembleDependencies dependencies;
    private RepositoryPoller poller;
    /** The server's thread factory (from the scheduler factory): load, retire and poll threads. */
    private final io.tensorline.server.scheduler.ServerThreads threads;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final RepositorySync remote;

    private RepositoryModelRegistry(List<Path> roots, Options options, EngineRegistry engines,
                                    SchedulerFactory schedulers, RepositorySync remote) {
        this.remote = remote;
        this.options = options;
        ModelLoader loader = new ModelLoader(engines, schedulers, options.autoComplete(), options.gpuCount(),
                options.configName(), new RegistryComposingModels(this));
        this.threads = schedulers.threads();
        this.loadPool = Executors.newFixedThreadPool(options.loadThreads(), threads.numbered("model-load-"));
        this.retirePool = Executors.newSingleThreadExecutor(threads.named("model-retire"));
        this.lifecycle = new ModelLifecycle(roots, loader, snapshot, loadPool, retirePool, remote,
                options.mode() == ModelControlMode.EXPLICIT);
        this.loader = loader;
        this.dependencies = new EnsembleDependencies(lifecycle, snapshot, loader::ensembleDependencies);
    }

    /** {@link #load(List, Options, EngineRegistry, SchedulerFactory)} with one repository root. */
    public static RepositoryModelRegistry load(Path repository, Options options, EngineRegistry engines,
                                               SchedulerFactory schedulers) {
        return load(List.of(repository), options, engines, schedulers);
    }

    /**
     * Loads the start-up models of the mode (every model in none and poll modes, {@code --load-model} in explicit
     * mode) and, in poll mode, starts rescanning. Never fails because of one model; see {@link #loadFailures()}.
     *
     * @throws IllegalArgumentException when a root is not a directory
     * @throws IllegalStateException    when interrupted while models load (the registry is then closed)
     */
    public static RepositoryModelRegistry load(List<Path> roots, Options options, EngineRegistry engines,
                                               SchedulerFactory schedulers) {
        return load(roots, options, engines, schedulers, RepositorySync.NONE);
    }

    /**
     * {@link #load(List, Options, EngineRegistry, SchedulerFactory)} over roots some of which are local mirrors of
     * remote repositories, already synced once: {@code remote} brings them up to date before each poll scan (poll
     * mode) or each load (explicit mode). The registry closes it.
     */
    public static RepositoryModelRegistry load(List<Path> roots, Options options, EngineRegistry engines,
                                               SchedulerFactory schedulers, RepositorySync remote) {
        Objects.requireNonNull(options, "options");
        RepositoryModelRegistry registry = new RepositoryModelRegistry(roots, options,
                Objects.requireNonNull(engines, "engines"), Objects.requireNonNull(schedulers, "schedulers"),
                Objects.requireNonNull(remote, "remote"));
        try {
            registry.startUp();
        } catch (RuntimeException | Error e) {
            registry.close();
            throw e;
        }
        return registry;
    }

    private void startUp() {
        Map<String, List<Path>> found = lifecycle.scan();
        List<String> toLoad = new ArrayList<>();
        boolean all = options.mode() != ModelControlMode.EXPLICIT || options.startupModels().contains("*");
        for (Map.Entry<String, List<Path>> m : found.entrySet()) {
            if (m.getValue().size() > 1) {
                snapshot.put(ModelEntry.failed(m.getKey(), ModelLifecycle.DUPLICATE));
            } else if (all) {
                toLoad.add(m.getKey());
            } else {
                snapshot.put(ModelEntry.unknown(m.getKey()));
            }
        }
        if (options.mode() == ModelControlMode.EXPLICIT) {
            // --load-model names are explicitly loaded; an ensemble among them brings the models it names
            toLoad = new ArrayList<>(dependencies.startUp(all ? toLoad : options.startupModels()));
        }
        // ensembles load after the models they name, in rounds (an ensemble may name an ensemble); those still
        // waiting when a round makes no progress (they name each other) load last and fail with the check's reason
        Map<String, List<String>> ensembles = new LinkedHashMap<>();
        List<String> models = new ArrayList<>();
        for (String name : toLoad) {
            List<Path> dirs = found.get(name);
            List<String> needs = dirs == null || dirs.size() != 1 ? null : loader.ensembleDependencies(dirs.get(0));
            if (needs != null) {
                ensembles.put(name, needs);
            } else {
                models.add(name);
            }
        }
        loadAll(models);
        while (!ensembles.isEmpty()) {
            List<String> round = ensembles.entrySet().stream()
                    .filter(e -> e.getValue().stream().noneMatch(ensembles::containsKey)).map(Map.Entry::getKey)
                    .toList();
            if (round.isEmpty()) {
                round = List.copyOf(ensembles.keySet());
            }
            round.forEach(ensembles::remove);
            loadAll(round);
        }
        if (options.mode() == ModelControlMode.POLL) {
            poller = RepositoryPoller.start(lifecycle, snapshot, options.pollSecs(), threads);
        }
    }

    private void loadAll(List<String> names) {
        List<CompletableFuture<Void>> loads = new ArrayList<>();
        for (String name : names) {
            loads.add(lifecycle.load(name, LoadParameters.NONE).exceptionally(e -> {
                if (snapshot.get(name) == null) { // not in any root: keep the failure for --exit-on-error
                    snapshot.put(ModelEntry.failed(name, InferenceException.from(e).getMessage()));
                }
                return null;
            }));
        }
        try {
            CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading the models", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("loading the models failed", e.getCause());
        }
    }

    /** Poll mode: rescans now and waits for the changes it applies (for tests, and with a poll period of 0). */
    public void pollNow() {
        if (poller == null) {
            throw new IllegalStateException("pollNow: the model control mode is " + options.mode()
                    + " (expected: poll)");
        }
        poller.scanNow();
    }

    /** The models and versions that failed to load (UNAVAILABLE, with reasons), for {@code --exit-on-error}. */
    public List<ModelIndexEntry> loadFailures() {
        return index().stream().filter(e -> e.state() == ModelState.UNAVAILABLE).toList();
    }

    @Override
    public CompletableFuture<Void> loadModel(String name, LoadParameters parameters) {
        if (options.mode() != ModelControlMode.EXPLICIT) {
            return CompletableFuture.failedFuture(InferenceException.unavailable(NOT_EXPLICIT));
        }
        return dependencies.load(name, parameters).exceptionallyCompose(e -> CompletableFuture.failedFuture(
                InferenceException.from(e instanceof CompletionException c && c.getCause() != null
                        ? c.getCause() : e)));
    }

    @Override
    public CompletableFuture<Void> unloadModel(String name, boolean unloadDependents) {
        if (options.mode() != ModelControlMode.EXPLICIT) {
            return CompletableFuture.failedFuture(InferenceException.unavailable(NOT_EXPLICIT));
        }
        return dependencies.unload(name, unloadDependents).exceptionallyCompose(e -> CompletableFuture.failedFuture(
                InferenceException.from(e instanceof CompletionException c && c.getCause() != null
                        ? c.getCause() : e)));
    }

    @Override
    public ModelVersion resolve(String name, String version) {
        ModelEntry model = snapshot.get(name);
        if (model == null || !model.known()) {
            throw ErrorTexts.unknownModel(name);
        }
        if (version.isEmpty()) {
            ModelVersion latest = model.latestReady();
            if (latest == null) {
                throw ErrorTexts.noAvailableVersion(name, model.unavailableReason());
            }
            return latest;
        }
        long number = ErrorTexts.parseVersion(version);
        if (model.failure() != null) {
            throw ErrorTexts.versionNotReady(name, number, model.failure());
        }
        ModelEntry.VersionEntry v = model.versions().get(number);
        if (v == null) {
            throw ErrorTexts.unknownVersion(name, number, model.readyVersions());
        }
        if (!v.ready()) {
            throw ErrorTexts.versionNotReady(name, number, model.describe(v));
        }
        return v.model();
    }

    @Override
    public boolean isReady(String name, String version) {
        ModelEntry model = snapshot.get(name);
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
        return snapshot.get(name) != null; // never-loaded models too: their readiness is false, not unknown
    }

    @Override
    public List<Long> readyVersions(String name) {
        ModelEntry model = snapshot.get(name);
        return model == null ? List.of() : model.readyVersions();
    }

    @Override
    public List<ModelIndexEntry> index() {
        List<ModelIndexEntry> out = new ArrayList<>();
        for (ModelEntry m : snapshot.current().values()) { // sorted by name, versions ascending
            if (m.state() != ModelState.READY) {
                out.add(new ModelIndexEntry(m.name(), "", m.state(), m.failure() == null ? "" : m.failure()));
                continue;
            }
            for (ModelEntry.VersionEntry v : m.versions().values()) {
                out.add(new ModelIndexEntry(m.name(), Long.toString(v.version()), v.state(), v.reason()));
            }
        }
        return out;
    }

    /**
     * Strict readiness: every model that was loaded (or tried to) and not unloaded has a ready version. Without it,
     * always true: the server serves what it can.
     */
    @Override
    public boolean allReady() {
        if (!options.strictReadiness()) {
            return true;
        }
        return snapshot.current().values().stream().allMatch(m -> !m.known() || m.unloaded()
                || ModelEntry.UNLOADED.equals(m.failure()) || m.latestReady() != null);
    }

    /**
     * Stops polling and loading, then shuts down every scheduler (answering what waits) and closes the instances.
     * Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (poller != null) {
            poller.close();
        }
        loadPool.shutdown();
        awaitQuietly(loadPool);
        for (ModelEntry m : snapshot.current().values()) {
            for (ModelVersion mv : m.handles()) {
                mv.retire();
                mv.scheduler().shutdown();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
        for (ModelEntry m : snapshot.current().values()) {
            for (ModelVersion mv : m.handles()) {
                awaitOrStop(mv.scheduler(), deadline);
            }
        }
        lifecycle.shutdownRetiring();
        retirePool.shutdown();
        awaitQuietly(retirePool);
        remote.close();
    }

    /** How long {@link #close} lets accepted requests finish before failing what still waits. */
    static final long CLOSE_WAIT_SECONDS = 30;

    private static void awaitOrStop(io.tensorline.server.scheduler.Scheduler s, long deadline) {
        try {
            if (!s.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                s.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s.shutdownNow();
        }
    }

    private static void awaitQuietly(ExecutorService pool) {
        try {
            if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
