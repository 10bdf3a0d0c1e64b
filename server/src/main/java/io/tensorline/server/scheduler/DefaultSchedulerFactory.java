package io.tensorline.server.scheduler;

import io.tensorline.engine.LoadedModel;
import io.tensorline.engine.Tensor;
import io.tensorline.server.cache.CachingScheduler;
import io.tensorline.server.cache.ResponseCache;
import io.tensorline.server.config.ModelSpec;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.scheduler.ensemble.ComposingModels;
import io.tensorline.server.scheduler.ensemble.EnsembleScheduler;
import io.tensorline.server.scheduler.sequence.SequenceBatcher;
import io.tensorline.server.stats.ModelStats;
import io.tensorline.server.stats.ModelStatsRegistry;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Picks the scheduler a config asks for: a {@link SequenceBatcher} for {@code sequence_batching}, a
 * {@link DynamicBatcher} when the model batches ({@code max_batch_size > 0})
 * and has {@code dynamic_batching}, else a {@link DirectScheduler} (Triton's default scheduler, one request at a
 * time per instance); ensembles get an {@link EnsembleScheduler} from {@link #createEnsemble}. The response cache
 * goes in front when the model asks for it and the server has one. Every
 * scheduler records into statistics registered in {@link #stats()} for as long as it
 * runs. Thread-safe.
 */
public final class DefaultSchedulerFactory implements SchedulerFactory {

    /**
     * Requests that may wait per model version before new ones are rejected: the direct scheduler's queue, and the
     * dynamic batcher's ring size (which also caps the requests waiting in all its priority levels).
     */
    public static final int DEFAULT_QUEUE_CAPACITY = 4096;

    private final ModelStatsRegistry stats;
    private final NanoClock clock;
    private final int queueCapacity;
    private final ResponseCache cache;
    private final ServerThreads threads;

    public DefaultSchedulerFactory() {
        this(new ModelStatsRegistry());
    }

    public DefaultSchedulerFactory(ModelStatsRegistry stats) {
        this(stats, NanoClock.SYSTEM, DEFAULT_QUEUE_CAPACITY);
    }

    /** @param cache the response cache ({@code --cache-config}), or null when the server has none */
    public DefaultSchedulerFactory(ModelStatsRegistry stats, ResponseCache cache) {
        this(stats, NanoClock.SYSTEM, DEFAULT_QUEUE_CAPACITY, cache);
    }

    /** @param queueCapacity a power of two, for the batcher's ring */
    public DefaultSchedulerFactory(ModelStatsRegistry stats, NanoClock clock, int queueCapacity) {
        this(stats, clock, queueCapacity, null);
    }

    /**
     * @param queueCapacity a power of two, for the batcher's ring
     * @param cache         put in front of the scheduler of every model with {@code response_cache}; may be null
     */
    public DefaultSchedulerFactory(ModelStatsRegistry stats, NanoClock clock, int queueCapacity,
                                   ResponseCache cache) {
        this(stats, clock, queueCapacity, cache, ServerThreads.DEFAULT);
    }

    /** @param threads makes every scheduler thread (the server's one thread factory, from its resources) */
    public DefaultSchedulerFactory(ModelStatsRegistry stats, NanoClock clock, int queueCapacity,
                                   ResponseCache cache, ServerThreads threads) {
        this.threads = Objects.requireNonNull(threads, "threads");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (queueCapacity < 1 || Integer.bitCount(queueCapacity) != 1) {
            throw new IllegalArgumentException("queueCapacity: " + queueCapacity + " (expected: a power of two)");
        }
        this.queueCapacity = queueCapacity;
        this.cache = cache;
    }

    @Override
    public ServerThreads threads() {
        return threads;
    }

    /** The statistics of every model version whose scheduler this factory created and that is not shut down. */
    public ModelStatsRegistry stats() {
        return stats;
    }

    @Override
    public Scheduler create(ModelSpec spec, long version, List<LoadedModel> instances) {
        ModelStats modelStats = stats.register(spec.name(), version);
        Scheduler scheduler;
        try {
            if (spec.sequenceBatching() != null) {
                scheduler = SequenceBatcher.start(spec, version, instances, modelStats, clock, queueCapacity,
                        threads);
            } else if (spec.dynamicBatching() != null && spec.batches()) {
                BatchingPolicy policy = BatchingPolicy.of(spec.maxBatchSize(), spec.dynamicBatching(),
                        queueCapacity);
                scheduler = DynamicBatcher.start(spec.name(), version, policy,
                        p -> LatencyTargetDelay.of("'" + spec.name() + "' version " + version, spec.parameters(),
                                p.maxQueueDelayNanos()), instances, modelStats,
                        clock, queueCapacity, SpinPolicy.DEFAULT, threads);
            } else {
                scheduler = new DirectScheduler(spec.name() + "-" + version, "'" + spec.name() + "' version " + version,
                        instances, queueCapacity, modelStats, clock, SpinPolicy.DEFAULT, threads);
            }
            if (cache != null && spec.responseCache()) {
                scheduler = new CachingScheduler(scheduler, cache, spec.name(), version, modelStats, clock);
            }
        } catch (RuntimeException e) {
            stats.unregister(modelStats);
            throw e;
        }
        return new Registered(scheduler, modelStats);
    }

    @Override
    public Scheduler createEnsemble(ModelSpec spec, long version, ComposingModels composing) {
        ModelStats modelStats = stats.register(spec.name(), version);
        Scheduler scheduler = new EnsembleScheduler(spec, composing, modelStats, clock);
        if (cache != null && spec.responseCache()) {
            scheduler = new CachingScheduler(scheduler, cache, spec.name(), version, modelStats, clock);
        }
        return new Registered(scheduler, modelStats);
    }

    @Override
    public void versionLoaded(String model, long version, long nanos) {
        ModelStats s = stats.get(model, version);
        if (s != null) {
            s.recordLoadDuration(nanos);
        }
    }

    @Override
    public void loadFailed(String model) {
        stats.recordLoadFailure(model);
    }

    /** Unregisters the statistics when the scheduler shuts down (they vanish as the model unloads). */
    private final class Registered implements Scheduler {

        private final Scheduler delegate;
        private final ModelStats modelStats;

        Registered(Scheduler delegate, ModelStats modelStats) {
            this.delegate = delegate;
            this.modelStats = modelStats;
        }

        @Override
        public CompletableFuture<List<Tensor>> submit(InferenceRequest request, int batchSize) {
            return delegate.submit(request, batchSize);
        }

        @Override
        public CompletableFuture<List<List<Tensor>>> submitBulk(List<InferenceRequest> requests, int[] batchSizes) {
            return delegate.submitBulk(requests, batchSizes);
        }

        @Override
        public CompletableFuture<List<Tensor>> submitSplit(InferenceRequest request, int rows, int partRows) {
            return delegate.submitSplit(request, rows, partRows);
        }

        @Override
        public void shutdown() {
            delegate.shutdown();
            stats.unregister(modelStats);
        }

        @Override
        public void shutdownNow() {
            delegate.shutdownNow();
            stats.unregister(modelStats);
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            return delegate.awaitTermination(timeout, unit);
        }

        @Override
        public InPlaceChanges inPlace() {
            return delegate.inPlace();
        }
    }
}
