package io.tensorline.server.scheduler.ensemble;

import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.scheduler.Scheduler;

/** Finds the model version a step runs on, at the time the step runs (so a reloaded model is picked up). */
@FunctionalInterface
public interface ComposingModels {

    /** A ready composing model version: its spec and the scheduler that runs its requests. */
    record Composing(ModelSpec spec, String version, Scheduler scheduler) {
    }

    /**
     * @param version -1 for the latest ready version
     * @throws io.tensorline.server.core.InferenceException when the model or version is not ready
     */
    Composing resolve(String model, long version);
}
