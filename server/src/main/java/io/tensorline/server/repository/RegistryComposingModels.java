package io.tensorline.server.repository;

import io.tensorline.engine.Tensor;
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
     * retired between the step's resolve and its submit refuses the request: the step then resolves the model again
     * and submits to its successor, as every other request path does ({@link CurrentVersion}).
     */
    private record Guarded(ModelRegistry registry, String requested, ModelVersion version) implements Scheduler {

        @Override
        public CompletableFuture<List<Tensor>> submit(InferenceRequest request, int batchSize) {
            return CurrentVersion.submit(registry, version, version.name(), requested,
                    mv -> mv.trySubmit(request, batchSize)).result();
        }

        @Override
        public void shutdown() {
        }
    }
}
