package io.tensorline.server.cache;

import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.scheduler.NanoClock;
import io.tensorline.server.scheduler.Scheduler;
import io.tensorline.server.stats.ModelStats;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The response cache in front of any scheduler: a hit is answered on the caller's thread without reaching the
 * scheduler; a miss goes on, and its successful outputs are stored when it completes. As in Triton a hit counts
 * in success and queue (its lookup time) and in {@code cache_hit}, never in compute or execution counts; a miss
 * records lookup plus insertion time in {@code cache_miss}. Shutting down drops the version's entries.
 */
public final class CachingScheduler implements Scheduler {

    private final Scheduler delegate;
    private final ResponseCache cache;
    private final String model;
    private final long version;
    private final ModelStats stats;
    private final NanoClock clock;

    public CachingScheduler(Scheduler delegate, ResponseCache cache, String model, long version, ModelStats stats,
                            NanoClock clock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.model = model;
        this.version = version;
        this.stats = stats;
        this.clock = clock;
        stats.enableCacheStatistics();
    }

    @Override
    public CompletableFuture<List<Tensor>> submit(InferenceRequest request, int batchSize) {
        long start = clock.nanoTime();
        CacheKey key = CacheKey.of(model, version, request.inputs());
        List<Tensor> hit = cache.lookup(key);
        long looked = clock.nanoTime() - start;
        if (hit != null) {
            stats.recordCacheHit(looked);
            stats.recordQueue(looked);
            stats.recordSuccess(looked);
            return CompletableFuture.completedFuture(hit);
        }
        CompletableFuture<List<Tensor>> reply = delegate.submit(request, batchSize);
        // the caller's answer completes only after the miss is stored and counted, so statistics read after an
        // answer include it
        CompletableFuture<List<Tensor>> answer = new CompletableFuture<>();
        reply.whenComplete((outputs, error) -> {
            if (error != null) {
                stats.recordCacheMiss(looked); // only successes are stored
                answer.completeExceptionally(error);
                return;
            }
            long insertStart = clock.nanoTime();
            cache.insert(key, outputs);
            stats.recordCacheMiss(looked + clock.nanoTime() - insertStart);
            answer.complete(outputs);
        });
        answer.whenComplete((outputs, error) -> {
            if (answer.isCancelled()) {
                reply.cancel(false); // the client gave up: let the scheduler drop the request
            }
        });
        return answer;
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
        cache.invalidate(model, version);
    }

    @Override
    public void shutdownNow() {
        delegate.shutdownNow();
        cache.invalidate(model, version);
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return delegate.awaitTermination(timeout, unit);
    }

    @Override
    public io.tensorline.server.scheduler.InPlaceChanges inPlace() {
        return delegate.inPlace();
    }
}
