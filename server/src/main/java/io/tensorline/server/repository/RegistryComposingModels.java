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
        String requested = version < 0 ? "" : Long.toString(version);
        ModelVersion mv = registry.resolve(model, requested);
        return new Composing(mv.spec(), mv.versionString(), new Guarded(registry, requested, mv));
    }

    /**
     * Submits through the version's retire guard; never shuts the composing model down (its owner does). A version
     * retired between the step's resolve and its submit refuses the request: a reload has published its successor
     * by then, so the step resolves the model again and submits there (an unload leaves nothing to resolve, and the
     * registry's own error says so).
     */
    private record Guarded(ModelRegistry registry, String requested, ModelVersion version) implements Scheduler {

        @Override
        public CompletableFuture<List<Tensor>> submit(InferenceRequest request, int batchSize) {
            ModelVersion target = version;
            for (int attempt = 0; attempt < 3; attempt++) {
                CompletableFuture<List<Tensor>> result = target.trySubmit(request, batchSize);
                if (result != null) {
                    return result;
                }
                ModelVersion next = registry.resolve(version.name(), requested);
                if (next == target) {
                    break;
                }
                target = next;
            }
            throw InferenceException.unavailable("model '%s' version %s is being reloaded or unloaded; retry "
                    + "the request", target.name(), target.versionString());
        }

        @Override
        public void shutdown() {
        }
    }
}
