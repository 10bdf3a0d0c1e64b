package io.tensorline.server.repository;

import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.scheduler.ensemble.ComposingModels;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads the ensembles after the models they name, in rounds, so an ensemble of ensembles works; those still
 * waiting when no round makes progress (they name a missing model, or each other) load last and fail with the
 * reason the ensemble check gives.
 */
final class EnsembleLoading {

    private EnsembleLoading() {
    }

    static void loadAll(ModelLoader loader, Map<Path, List<String>> ensembles, Map<String, ModelEntry> loaded,
                        ComposingModels composing) {
        Map<Path, List<String>> waiting = new LinkedHashMap<>(ensembles);
        boolean progress = true;
        while (!waiting.isEmpty()) {
            boolean force = !progress;
            progress = false;
            for (var it = waiting.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (force || loaded.keySet().containsAll(e.getValue())) {
                    ModelEntry entry = loader.loadEnsemble(e.getKey(), name -> latestSpec(loaded, name), composing);
                    loaded.put(entry.name(), entry);
                    it.remove();
                    progress = true;
                }
            }
        }
    }

    private static ModelSpec latestSpec(Map<String, ModelEntry> loaded, String name) {
        ModelEntry m = loaded.get(name);
        ModelVersion v = m == null ? null : m.latestReady();
        return v == null ? null : v.spec();
    }
}
