package io.tensorline.server.repository;

/**
 * One row of the repository index.
 *
 * @param version the version number as a string, or empty for a model that failed before any version loaded
 * @param reason  why the model is not ready; empty when it is
 */
public record ModelIndexEntry(String name, String version, ModelState state, String reason) {
}
