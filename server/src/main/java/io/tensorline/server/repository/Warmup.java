package io.tensorline.server.repository;

import io.tensorline.engine.EngineException;
import io.tensorline.engine.LoadedModel;
import io.tensorline.server.config.ConfigException;
import io.tensorline.server.config.WarmupSample;

import java.util.List;

/**
 * {@code model_warmup}: every sample runs {@code count} times on every instance before the instance serves; a
 * failing sample fails the load with Triton's message. The samples are built when the config is completed.
 */
final class Warmup {

    private Warmup() {
    }

    static void run(List<WarmupSample> samples, List<LoadedModel> instances) throws ConfigException {
        for (WarmupSample sample : samples) {
            for (LoadedModel instance : instances) {
                for (int i = 0; i < sample.count(); i++) {
                    try {
                        instance.execute(sample.inputs());
                    } catch (EngineException | RuntimeException e) {
                        throw WarmupSample.failed(sample.name(), String.valueOf(e.getMessage()));
                    }
                }
            }
        }
    }
}
