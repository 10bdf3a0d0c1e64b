package io.tensorline.server.repository;

import io.tensorline.server.config.ConfigException;
import io.tensorline.server.config.ParsedModelConfig;
import io.tensorline.server.core.InferenceException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * The lifecycle operations (load, reload, unload) on the registry's {@link ModelSnapshot}. Explicit, poll and none
 * modes are three drivers of these same operations.
 *
 * <p>Operations on one model run one after another, in the order they were asked for (each model has a queue of
 * futures); operations on different models run in parallel on the load pool. A reload builds the new versions
 * beside the serving ones, publishes them in one snapshot swap, then retires the old ones: they take no new
 * request, answer the ones they accepted, and only then shut their schedulers down (on the retire thread). A failed
 * reload never replaces a serving version.
 */
final class ModelLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(ModelLifecycle.class);

    static final String DUPLICATE = "model appears in two or more repositories";

    private final List<Path> roots;
    private final ModelLoader loader;
    private final ModelSnapshot snapshot;
    private final ExecutorService loadPool;
    private final ExecutorService retirePool;
    /** Versions retired and not yet shut down. */
    private final java.util.Set<ModelVersion> retiring = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The last operation queued per model; guarded by itself. */
    private final Map<String, CompletableFuture<Void>> tails = new HashMap<>();

    /** Remote repositories mirrored into some of the roots. */
    private final RepositorySync remote;
    /** Explicit mode: a model's mirror is brought up to date before each load of it. */
    private final boolean syncBeforeLoad;

    ModelLifecycle(List<Path> roots, ModelLoader loader, ModelSnapshot snapshot, ExecutorService loadPool,
                   ExecutorService retirePool) {
        this(roots, loader, snapshot, loadPool, retirePool, RepositorySync.NONE, false);
    }

    ModelLifecycle(List<Path> roots, ModelLoader loader, ModelSnapshot snapshot, ExecutorService loadPool,
                   ExecutorService retirePool, RepositorySync remote, boolean syncBeforeLoad) {
        this.remote = remote;
        this.syncBeforeLoad = syncBeforeLoad;
        this.roots = List.copyOf(roots);
        this.loader = loader;
        this.snapshot = snapshot;
        this.loadPool = loadPool;
        this.retirePool = retirePool;
    }

    /** Loads or reloads; completes when every selected version is READY, or fails with the reason. */
    CompletableFuture<Void> load(String name, LoadParameters parameters) {
        return enqueue(name, () -> loadNow(name, parameters));
    }

    /** Unloads; completes once the versions answered what they accepted and closed their instances. */
    CompletableFuture<Void> unload(String name) {
        return enqueue(name, () -> unloadNow(name));
    }

    /** Whether an operation on the model is queued or running. */
    boolean busy(String name) {
        synchronized (tails) {
            return tails.containsKey(name);
        }
    }

    /** Poll mode, before a scan: brings the mirrors of remote repositories up to date, except busy models. */
    void syncRemote() {
        remote.syncAll(this::busy);
    }

    /** The model folders of every root, by model name (several when a name is in several roots). */
    Map<String, List<Path>> scan() {
        Map<String, List<Path>> found = new TreeMap<>();
        for (Path root : roots) {
            for (Path dir : ModelRepositoryScanner.modelDirectories(root)) {
                found.computeIfAbsent(dir.getFileName().toString(), n -> new ArrayList<>()).add(dir);
            }
        }
        return found;
    }

    private CompletableFuture<Void> enqueue(String name, Runnable operation) {
        synchronized (tails) {
            CompletableFuture<Void> previous = tails.getOrDefault(name, CompletableFuture.completedFuture(null));
            CompletableFuture<Void> next = previous.handle((r, e) -> null)
                    .thenRunAsync(operation, loadPool);
            tails.put(name, next);
            next.whenComplete((r, e) -> {
                synchronized (tails) {
                    tails.remove(name, next);
                }
            });
            return next;
        }
    }

    /** The folders named {@code name} in the roots (several when the name is in several). */
    List<Path> locate(String name) {
        List<Path> dirs = new ArrayList<>();
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals(".") || name.equals("..")) {
            return dirs;
        }
        for (Path root : roots) {
            Path dir = root.resolve(name);
            if (Files.isDirectory(dir)) {
                dirs.add(dir);
            }
        }
        return dirs;
    }

    private static InferenceException pollFailed(String name, String detail) {
        return InferenceException.internal("failed to load '%s', failed to poll from model repository%s", name,
                detail == null ? "" : ": " + detail);
    }

    private void loadNow(String name, LoadParameters parameters) {
        boolean fileOverride = !parameters.files().isEmpty();
        if (fileOverride && parameters.config() == null) {
            throw pollFailed(name, "file: parameters need a 'config' parameter");
        }
        if (syncBeforeLoad && !fileOverride) {
            try {
                remote.syncModel(name);
            } catch (RuntimeException e) {
                throw pollFailed(name, e.getMessage());
            }
        }
        List<Path> dirs = locate(name);
        if (!fileOverride && dirs.isEmpty()) {
            throw pollFailed(name, null);
        }
        ModelEntry current = snapshot.get(name);
        if (!fileOverride && dirs.size() > 1) {
            if (current == null || !current.serving()) {
                snapshot.put(ModelEntry.failed(name, DUPLICATE));
            }
            throw InferenceException.invalid("load failed for model '%s': %s", name, DUPLICATE);
        }
        String diskFingerprint = fileOverride ? "" : ModelFolders.fingerprint(dirs.get(0));
        if (!fileOverride && unchanged(current, diskFingerprint, parameters.config())) {
            return;
        }
        Path dir = fileOverride ? ModelFolders.writeOverride(name, parameters.files()) : dirs.get(0);
        try {
            build(name, current, dir, new ModelSource(dir, diskFingerprint, "", parameters.config(), fileOverride));
        } finally {
            if (fileOverride) {
                ModelFolders.deleteQuietly(dir.getParent());
            }
        }
    }

    /**
     * A plain load of a serving model whose files did not change is a no-op (an earlier config override stays).
     * Not for an ensemble: its check against the composing models runs again (its unchanged versions are kept).
     */
    private static boolean unchanged(ModelEntry current, String diskFingerprint, String configOverride) {
        if (current == null || !current.serving() || current.source() == null || current.source().fileOverride()
                || current.handles().stream().anyMatch(mv -> mv.spec().ensemble() != null)) {
            return false;
        }
        ModelSource s = current.source();
        return s.fingerprint().equals(diskFingerprint)
                && (configOverride == null || configOverride.equals(s.configOverride()));
    }

    private void build(String name, ModelEntry current, Path dir, ModelSource given) {
        boolean serving = current != null && current.serving();
        if (current == null || !current.known() || (!serving && current.versions().isEmpty())) {
            snapshot.put(ModelEntry.loading(name));
        }
        ModelLoader.Prepared prepared;
        try {
            ParsedModelConfig parsed;
            try {
                parsed = loader.parse(name, dir, given.configOverride());
            } catch (ConfigException e) {
                keepOrFail(name, current, serving, e.getMessage());
                throw pollFailed(name, e.getMessage()); // Triton's words for a config it cannot read
            }
            prepared = ModelLoader.ensembleDependencies(parsed) != null
                    ? loader.prepareEnsemble(name, dir, parsed, this::latestReadySpec)
                    : loader.prepare(name, dir, parsed);
        } catch (ConfigException e) {
            keepOrFail(name, current, serving, e.getMessage());
            throw loadFailed(name, "", e.getMessage());
        }
        ModelSource source = new ModelSource(given.dir(), given.fingerprint(), prepared.identity(),
                given.configOverride(), given.fileOverride());
        boolean sameConfig = current != null && current.source() != null
                && current.source().configIdentity().equals(prepared.identity()) && !given.fileOverride();
        SortedMap<Long, ModelEntry.VersionEntry> next = new TreeMap<>();
        List<Long> toLoad = new ArrayList<>();
        List<ModelEntry.VersionEntry> toChange = new ArrayList<>();
        for (Map.Entry<Long, Path> v : prepared.selected().entrySet()) {
            ModelEntry.VersionEntry old = current == null ? null : current.versions().get(v.getKey());
            boolean sameFiles = old != null && old.ready()
                    && old.fingerprint().equals(ModelFolders.fingerprint(v.getValue()));
            if (sameConfig && sameFiles) {
                next.put(v.getKey(), old); // unchanged: keeps serving, nothing rebuilt
            } else if (sameFiles && !given.fileOverride() && loader.changesInPlace(old.model(), prepared)) {
                toChange.add(old); // only instance counts or batching settings: the running version takes them
            } else {
                toLoad.add(v.getKey());
            }
        }
        if (serving && !toLoad.isEmpty()) {
            showLoading(current, toLoad);
        }
        for (long v : toLoad) {
            next.put(v, loader.loadVersion(prepared, v));
        }
        if (next.values().stream().allMatch(ModelEntry.VersionEntry::ready)) {
            // after the loads, so that a failed load leaves the running versions untouched
            for (ModelEntry.VersionEntry old : toChange) {
                next.put(old.version(), loader.changeInPlace(old.model(), prepared, old.fingerprint()));
            }
        } else {
            toChange.forEach(old -> next.put(old.version(), old));
        }
        List<ModelEntry.VersionEntry> failed = next.values().stream().filter(v -> !v.ready()).toList();
        if (!failed.isEmpty() && serving) {
            for (long v : toLoad) {
                ModelVersion built = next.get(v).model();
                if (built != null) {
                    built.scheduler().shutdown(); // never published: it accepted nothing
                }
            }
            snapshot.put(current);
            throw loadFailed(name, failed);
        }
        ModelEntry entry = ModelEntry.of(name, next, source);
        snapshot.put(entry);
        if (current != null) {
            for (ModelVersion old : current.handles()) {
                if (!entry.handles().contains(old)) {
                    retire(name, old);
                }
            }
        }
        LOG.info("model '{}' versions {} ready{}{}", name, entry.readyVersions(),
                toLoad.isEmpty() ? "" : " (loaded " + toLoad + ")",
                toChange.isEmpty() ? "" : " (changed in place " + toChange.stream()
                        .map(ModelEntry.VersionEntry::version).toList() + ")");
        if (!failed.isEmpty()) {
            throw loadFailed(name, failed);
        }
    }

    /** Whether the folder's config is an ensemble's (poll mode loads those after the models of the same scan). */
    boolean isEnsemble(Path modelDir) {
        return loader.ensembleDependencies(modelDir) != null;
    }

    /** What an ensemble is checked against: the spec of a model's latest ready version, null when none. */
    private io.tensorline.server.config.ModelSpec latestReadySpec(String model) {
        ModelEntry e = snapshot.get(model);
        ModelVersion v = e == null ? null : e.latestReady();
        return v == null ? null : v.spec();
    }

    /**
     * The ensembles whose serving versions run a step on {@code model}, for {@code unload_dependents}; an ensemble
     * of ensembles counts too (its dependents are found when its own ensemble unloads).
     */
    List<String> dependents(String model) {
        List<String> out = new ArrayList<>();
        for (ModelEntry e : snapshot.current().values()) {
            for (ModelVersion mv : e.handles()) {
                if (mv.spec().ensemble() != null && mv.spec().ensemble().steps().stream()
                        .anyMatch(s -> s.modelName().equals(model))) {
                    out.add(e.name());
                    break;
                }
            }
        }
        return out;
    }

    /** After a failure before any version was tried: a serving model stays as it was, else it is UNAVAILABLE. */
    private void keepOrFail(String name, ModelEntry current, boolean serving, String reason) {
        snapshot.put(serving ? current : ModelEntry.failed(name, reason));
    }

    /** The serving entry plus LOADING rows for the versions being built beside it (Triton shows both). */
    private void showLoading(ModelEntry current, List<Long> toLoad) {
        SortedMap<Long, ModelEntry.VersionEntry> shown = new TreeMap<>(current.versions());
        for (long v : toLoad) {
            ModelEntry.VersionEntry old = shown.get(v);
            if (old == null || !old.ready()) {
                shown.put(v, new ModelEntry.VersionEntry(v, null, ModelState.LOADING, "", ""));
            }
        }
        snapshot.put(current.withVersions(shown));
    }

    private static InferenceException loadFailed(String name, List<ModelEntry.VersionEntry> failed) {
        StringBuilder sb = new StringBuilder();
        for (ModelEntry.VersionEntry v : failed) {
            sb.append("version ").append(v.version()).append(" is at UNAVAILABLE state: ").append(v.reason())
                    .append(';');
        }
        return loadFailed(name, sb.toString(), null);
    }

    /** Triton's words: {@code load failed for model 'm': version 1 is at UNAVAILABLE state: <reason>;} */
    private static InferenceException loadFailed(String name, String versions, String modelReason) {
        String detail = modelReason != null ? modelReason + ";" : versions;
        return InferenceException.invalid("load failed for model '%s': %s\n", name, detail);
    }

    private void unloadNow(String name) {
        ModelEntry current = snapshot.get(name);
        if (current == null || !current.known()) {
            return; // Triton: unloading an unknown model succeeds
        }
        SortedMap<Long, ModelEntry.VersionEntry> unloading = new TreeMap<>();
        for (ModelEntry.VersionEntry v : current.versions().values()) {
            unloading.put(v.version(), v.model() != null
                    ? new ModelEntry.VersionEntry(v.version(), v.model(), ModelState.UNLOADING, "", v.fingerprint())
                    : ModelEntry.VersionEntry.failed(v.version(), ModelEntry.UNLOADED));
        }
        if (current.state() != ModelState.READY) {
            snapshot.put(ModelEntry.failed(name, ModelEntry.UNLOADED));
        } else {
            snapshot.put(new ModelEntry(name, ModelState.READY, null, unloading, null));
        }
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (ModelVersion mv : current.handles()) {
            closing.add(retire(name, mv));
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            LOG.warn("model '{}': closing an unloaded version failed", name, e.getCause());
        }
        LOG.info("model '{}' unloaded", name);
    }

    /**
     * Stops a version taking requests; once it has answered those it accepted, its scheduler shuts down on the
     * retire thread and its row (if the snapshot still shows it UNLOADING) turns UNAVAILABLE "unloaded".
     */
    CompletableFuture<Void> retire(String name, ModelVersion mv) {
        if (mv.retired()) {
            return mv.drained(); // already retiring: its shutdown is scheduled once
        }
        retiring.add(mv);
        return mv.retire().thenRunAsync(() -> {
            try {
                mv.scheduler().shutdown();
                // every accepted request is answered already; wait for the instances to close
                awaitClosed(mv);
            } finally {
                retiring.remove(mv);
                snapshot.update(name, e -> markUnloaded(e, mv));
            }
        }, retirePool);
    }

    private static void awaitClosed(ModelVersion mv) {
        try {
            if (!mv.scheduler().awaitTermination(RepositoryModelRegistry.CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                mv.scheduler().shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            mv.scheduler().shutdownNow();
        }
    }

    /** Shuts down, at once, every version still draining (the server is closing). */
    void shutdownRetiring() {
        for (ModelVersion mv : List.copyOf(retiring)) {
            mv.scheduler().shutdown();
            awaitClosed(mv);
            retiring.remove(mv);
        }
    }

    private static ModelEntry markUnloaded(ModelEntry e, ModelVersion mv) {
        ModelEntry.VersionEntry v = e.versions().get(mv.version());
        if (v == null || v.model() != mv) {
            return e;
        }
        SortedMap<Long, ModelEntry.VersionEntry> changed = new TreeMap<>(e.versions());
        changed.put(mv.version(), ModelEntry.VersionEntry.failed(mv.version(), ModelEntry.UNLOADED));
        return e.withVersions(changed);
    }

    /** Waits for an operation; an InferenceException comes out as it is. */
    static void await(Supplier<CompletableFuture<Void>> op) {
        try {
            op.get().join();
        } catch (CompletionException e) {
            throw InferenceException.from(e);
        }
    }
}
