package io.tensorline.server.repository;

/** The states a model version can be in, as RepositoryIndex reports them. */
public enum ModelState { UNKNOWN, READY, UNAVAILABLE, LOADING, UNLOADING }
