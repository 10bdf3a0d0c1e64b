package io.tensorline.server.scheduler;

import io.tensorline.engine.LoadedModel;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.scheduler.ensemble.ComposingModels;

import java.util.List;

/** Builds the scheduler of one model version once its instances are loaded. */
public interface SchedulerFactory {

    /**
     * @param instances the loaded instances, one per configured instance; the scheduler owns and closes them
     */
    Scheduler create(ModelSpec spec, long version, List<LoadedModel> instances);

    /**
     * Builds the scheduler of an ensemble version ({@code spec.ensemble()} set), which runs no instance of its own.
     *
     * @param composing finds each step's model when the step runs
     */
    default Scheduler createEnsemble(ModelSpec spec, long version, ComposingModels composing) {
        throw new UnsupportedOperationException("this scheduler factory does not run ensembles");
    }

    /**
     * The repository finished loading one version, ready, {@code nanos} after it started (its scheduler came from
     * this factory): for whoever keeps the statistics. Called on the loading thread.
     */
    default void versionLoaded(String model, long version, long nanos) {
    }

    /**
     * Makes the threads of the schedulers this factory builds and of the repository that uses it (model loading,
     * retiring, polling): the server's one thread factory.
     */
    default ServerThreads threads() {
        return ServerThreads.DEFAULT;
    }

    /** A load of {@code model} failed: its config, or one of its versions. Called on the loading thread. */
    default void loadFailed(String model) {
    }
}
