package io.tensorline.server.scheduler;

import io.tensorline.engine.LoadedModel;
import io.tensorline.server.config.ModelSpec;

import java.util.List;

/** Picks the scheduler a config asks for: one request at a time per instance unless dynamic batching is on. */
public final class DefaultSchedulerFactory implements SchedulerFactory {

    /** Requests that may wait for a free instance before new ones are rejected, per model version. */
    public static final int DEFAULT_QUEUE_CAPACITY = 4096;

    @Override
    public Scheduler create(ModelSpec spec, long version, List<LoadedModel> instances) {
        return new DirectScheduler(spec.name() + "-" + version, instances, DEFAULT_QUEUE_CAPACITY);
    }
}
