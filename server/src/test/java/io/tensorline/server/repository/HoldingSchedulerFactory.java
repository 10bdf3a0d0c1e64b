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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Schedulers whose requests wait until the test answers them, so a test decides when a version has drained; each
 * records its shutdowns and closes its instances then.
 */
final class HoldingSchedulerFactory implements SchedulerFactory {

    static final class Held implements Scheduler {
        final ModelSpec spec;
        final long version;
        final List<LoadedModel> instances;
        final List<CompletableFuture<List<Tensor>>> waiting = new CopyOnWriteArrayList<>();
        final AtomicInteger shutdowns = new AtomicInteger();

        Held(ModelSpec spec, long version, List<LoadedModel> instances) {
            this.spec = spec;
            this.version = version;
            this.instances = List.copyOf(instances);
        }

        @Override
        public CompletableFuture<List<Tensor>> submit(InferenceRequest request, int batchSize) {
            CompletableFuture<List<Tensor>> f = new CompletableFuture<>();
            if (shutdowns.get() > 0) {
                f.completeExceptionally(new IllegalStateException("submitted after shutdown"));
            }
            waiting.add(f);
            return f;
        }

        /** Answers every waiting request. */
        void answerAll() {
            waiting.forEach(f -> f.complete(List.of()));
        }

        @Override
        public void shutdown() {
            if (shutdowns.incrementAndGet() == 1) {
                instances.forEach(LoadedModel::close);
            }
        }
    }

    final List<Held> created = new CopyOnWriteArrayList<>();

    @Override
    public Scheduler create(ModelSpec spec, long version, List<LoadedModel> instances) {
        Held h = new Held(spec, version, instances);
        created.add(h);
        return h;
    }

    /** Schedulers created and not shut down. */
    long running() {
        return created.stream().filter(h -> h.shutdowns.get() == 0).count();
    }
}
