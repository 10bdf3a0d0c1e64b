package io.tensorline.server.repository;

import io.tensorline.server.core.InferenceException;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The registry the endpoints see while the start-up models load: the endpoints bind at the start of start-up (so a
 * Kubernetes probe gets an answer instead of a refused connection), and until {@link #open} hands over the loaded
 * registry every model request is answered as Triton's core answers before it is ready: UNAVAILABLE
 * {@code Server not ready} for inference, model readiness, metadata, config, statistics of a model, the repository
 * index and load / unload; the server is not ready ({@link #allReady} false). From {@link #open} on, every call goes
 * to the loaded registry.
 *
 * <p>Thread-safety: the loaded registry is published once through a volatile field by the start-up thread; the
 * transports read it on every call.
 */
public final class StartingRegistry implements ModelRegistry {

    /** Triton's words for any model call before the server is ready. */
    public static final String NOT_READY = "Server not ready";

    private volatile ModelRegistry loaded;

    /** Hands over the registry with the start-up models loaded: from now on every call goes to it. */
    public void open(ModelRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (loaded != null) {
            throw new IllegalStateException("already open");
        }
        loaded = registry;
    }

    /** True once {@link #open} has run. */
    public boolean isOpen() {
        return loaded != null;
    }

    private ModelRegistry loaded() {
        ModelRegistry r = loaded;
        if (r == null) {
            throw InferenceException.unavailable(NOT_READY);
        }
        return r;
    }

    @Override
    public CompletableFuture<Void> loadModel(String name, LoadParameters parameters) {
        ModelRegistry r = loaded;
        return r == null ? CompletableFuture.failedFuture(InferenceException.unavailable(NOT_READY))
                : r.loadModel(name, parameters);
    }

    @Override
    public CompletableFuture<Void> unloadModel(String name, boolean unloadDependents) {
        ModelRegistry r = loaded;
        return r == null ? CompletableFuture.failedFuture(InferenceException.unavailable(NOT_READY))
                : r.unloadModel(name, unloadDependents);
    }

    @Override
    public ModelVersion resolve(String name, String version) {
        return loaded().resolve(name, version);
    }

    @Override
    public boolean isReady(String name, String version) {
        ModelRegistry r = loaded;
        return r != null && r.isReady(name, version);
    }

    /**
     * @throws InferenceException UNAVAILABLE {@code Server not ready} before {@link #open}: whether a model exists
     *         is not known until the repository is read, and every caller asks it on the way to a model's answer
     */
    @Override
    public boolean contains(String name) {
        return loaded().contains(name);
    }

    @Override
    public List<Long> readyVersions(String name) {
        ModelRegistry r = loaded;
        return r == null ? List.of() : r.readyVersions(name);
    }

    /** @throws InferenceException UNAVAILABLE {@code Server not ready} before {@link #open}, as Triton's index */
    @Override
    public List<ModelIndexEntry> index() {
        return loaded().index();
    }

    @Override
    public boolean allReady() {
        ModelRegistry r = loaded;
        return r != null && r.allReady();
    }

    /** Closes the loaded registry, if one was handed over. */
    @Override
    public void close() {
        ModelRegistry r = loaded;
        if (r != null) {
            r.close();
        }
    }
}
