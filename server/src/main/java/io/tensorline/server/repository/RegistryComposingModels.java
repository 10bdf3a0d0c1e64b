package io.tensorline.server.repository;

import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.scheduler.Scheduler;
import io.tensorline.server.scheduler.ensemble.ComposingModels;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The ensembles' view of the registry: a step resolves its model when it runs (so a reloaded composing model is
 * picked up), and submits through the version's {@link ModelVersion#trySubmit}, so a composing version that is
 * being retired counts the step's request before it drains, or refuses it.
 */
final class RegistryComposingModels implements ComposingModels {

    private final ModelRegistry registry;

    RegistryComposingModels(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Composing resolve(String model, long version) {
        ModelVersion mv = registry.resolve(model, version < 0 ? "" : Long.toString(version));
        return new Composing(mv.spec(), mv.versionString(), new Guarded(mv));
    }

    /** Submits through the version's retire guard; never shuts the composing model down (its owner does). */
    private record Guarded(ModelVersion version) implements Scheduler {

        @Override
        public CompletableFuture<List<Tensor>> submit(InferenceRequest request, int batchSize) {
            CompletableFuture<List<Tensor>> result = version.trySubmit(request, batchSize);
            if (result == null) {
                throw InferenceException.unavailable("model '%s' version %s is being reloaded or unloaded; retry "
                        + "the request", version.name(), version.versionString());
            }
            return result;
        }

        @Override
        public void shutdown() {
        }
    }
}
