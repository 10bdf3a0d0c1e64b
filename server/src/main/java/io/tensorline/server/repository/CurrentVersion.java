package io.tensorline.server.repository;

import io.tensorline.server.core.InferenceException;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Submits to the version a model resolves to now, for every request path (single requests, bulks, requests in
 * parts, ensemble steps). A version retired between the resolve and the submit refuses the request (its
 * {@code trySubmit...} returns null): a reload has published its successor by then, so resolving again finds it,
 * and once the model is unloaded the registry's own error says so. Bounded: a model reloaded faster than a request
 * can be submitted to it is answered UNAVAILABLE after {@link #MAX_ATTEMPTS} refusals, in one wording for all paths.
 */
public final class CurrentVersion {

    /** Refusals before a request gives up; each one means a reload completed meanwhile. */
    static final int MAX_ATTEMPTS = 8;

    private CurrentVersion() {
    }

    /** The version that accepted a submission, and what it answers. */
    public record Accepted<T>(ModelVersion version, CompletableFuture<T> result) {
    }

    /**
     * Resolves {@code name} / {@code version} (empty: the highest ready one) and applies {@code attempt} to it, again
     * while the version it found refuses.
     *
     * @param attempt validates the request against the version it is given and submits it with one of that version's
     *                {@code trySubmit...} methods, returning their result (null: refused, retired meanwhile); its
     *                exceptions (validation, a full queue) pass through unchanged
     * @throws InferenceException what the registry throws when the model is not ready, or UNAVAILABLE after
     *                            {@link #MAX_ATTEMPTS} refusals
     */
    public static <T> Accepted<T> submit(ModelRegistry registry, String name, String version,
                                         Function<ModelVersion, CompletableFuture<T>> attempt) {
        return submit(registry, null, name, version, attempt);
    }

    /** As {@link #submit(ModelRegistry, String, String, Function)}, trying {@code first} before resolving. */
    public static <T> Accepted<T> submit(ModelRegistry registry, ModelVersion first, String name, String version,
                                         Function<ModelVersion, CompletableFuture<T>> attempt) {
        Objects.requireNonNull(attempt, "attempt");
        ModelVersion mv = first;
        for (int attempts = 0; attempts < MAX_ATTEMPTS; attempts++) {
            if (mv == null) {
                mv = registry.resolve(name, version);
            }
            CompletableFuture<T> result = attempt.apply(mv);
            if (result != null) {
                return new Accepted<>(mv, result);
            }
            mv = null;
        }
        throw InferenceException.unavailable("model '%s' is being reloaded; retry the request", name);
    }
}
