package io.tensorline.server.repository;

import io.tensorline.server.core.InferenceException;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The models the server knows, by name and version. Safe to call from any thread. */
public interface ModelRegistry extends AutoCloseable {

    /** Triton's answer to load and unload outside explicit mode (the same text in none mode). */
    String NOT_EXPLICIT = "explicit model load / unload is not allowed if polling is enabled";

    /**
     * Loads or reloads a model (explicit mode). The future completes when every version the policy selects is
     * READY, or fails with an {@link io.tensorline.server.core.InferenceException} giving the reason. Never blocks.
     */
    default CompletableFuture<Void> loadModel(String name, LoadParameters parameters) {
        return CompletableFuture.failedFuture(InferenceException.unavailable(NOT_EXPLICIT));
    }

    /** Unloads a model (explicit mode); completes once its accepted requests are answered and it is closed. */
    default CompletableFuture<Void> unloadModel(String name, boolean unloadDependents) {
        return CompletableFuture.failedFuture(InferenceException.unavailable(NOT_EXPLICIT));
    }

    /**
     * Finds a ready version. An empty {@code version} means the highest ready one.
     *
     * @throws io.tensorline.server.core.InferenceException NOT_FOUND for an unknown model or version,
     *         INVALID_ARGUMENT for a version that is not an integer, UNAVAILABLE for a known model or version
     *         that is not ready (the message carries the load failure's reason)
     */
    ModelVersion resolve(String name, String version);

    /** Whether {@link #resolve} would succeed, without building an exception. */
    boolean isReady(String name, String version);

    /** True when a model of that name exists in the repository, whatever its state. */
    boolean contains(String name);

    /** The ready version numbers of a model, ascending (empty when none is ready). */
    List<Long> readyVersions(String name);

    /** Every model and version with its state, sorted by name then version. */
    List<ModelIndexEntry> index();

    /** True when every model in the repository has at least one ready version. */
    boolean allReady();

    /** Unloads every model: schedulers shut down (answering what waits), instances closed. */
    @Override
    void close();
}
