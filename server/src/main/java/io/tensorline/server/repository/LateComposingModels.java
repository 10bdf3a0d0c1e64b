package io.tensorline.server.repository;

import io.tensorline.server.core.InferenceException;
import io.tensorline.server.scheduler.ensemble.ComposingModels;

/**
 * The ensembles' view of the registry, bound once the registry exists (ensembles load before it is built, but
 * resolve their steps only when requests arrive).
 */
final class LateComposingModels implements ComposingModels {

    private volatile ModelRegistry registry;

    void bind(ModelRegistry value) {
        registry = value;
    }

    @Override
    public Composing resolve(String model, long version) {
        ModelRegistry r = registry;
        if (r == null) {
            throw InferenceException.unavailable("model '%s': the repository is still loading", model);
        }
        ModelVersion mv = r.resolve(model, version < 0 ? "" : Long.toString(version));
        return new Composing(mv.spec(), mv.versionString(), mv.scheduler());
    }
}
