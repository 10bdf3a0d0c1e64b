package io.tensorline.server.scheduler;

import io.tensorline.engine.LoadedModel;
import io.tensorline.server.config.ModelSpec;

import java.util.List;

/** Builds the scheduler of one model version once its instances are loaded. */
public interface SchedulerFactory {

    /**
     * @param instances the loaded instances, one per configured instance; the scheduler owns and closes them
     */
    Scheduler create(ModelSpec spec, long version, List<LoadedModel> instances);
}
