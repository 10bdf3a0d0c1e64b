package io.tensorline.server.repository;

import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.scheduler.Scheduler;
import io.tensorline.server.scheduler.SchedulerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records the schedulers it creates; they run nothing, and shutting one down closes its instances. */
public final class FakeSchedulerFactory implements SchedulerFactory {

    private final List<FakeScheduler> created = new CopyOnWriteArrayList<>();

    @Override
    public Scheduler create(ModelSpec spec, long version, List<LoadedModel> instances) {
        FakeScheduler s = new FakeScheduler(spec, version, instances);
        created.add(s);
        return s;
    }

    public List<FakeScheduler> created() {
        return List.copyOf(created);
    }

    public static final class FakeScheduler implements Scheduler {
        private final ModelSpec spec;
        private final long version;
        private final List<LoadedModel> instances;
        private volatile int shutdowns;

        FakeScheduler(ModelSpec spec, long version, List<LoadedModel> instances) {
            this.spec = spec;
            this.version = version;
            this.instances = List.copyOf(instances);
        }

        public ModelSpec spec() {
            return spec;
        }

        public long version() {
            return version;
        }

        public List<LoadedModel> instances() {
            return instances;
        }

        public int shutdowns() {
            return shutdowns;
        }

        @Override
        public CompletableFuture<List<Tensor>> submit(InferenceRequest request, int batchSize) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("fake scheduler runs nothing"));
        }

        @Override
        public synchronized void shutdown() {
            shutdowns++;
            instances.forEach(LoadedModel::close);
        }
    }
}
