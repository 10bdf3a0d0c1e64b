package io.tensorline.server.scheduler;

import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceRequest;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Runs validated requests of one model version on its instances. Implementations decide how requests are grouped
 * (one at a time, or dynamically batched) and which instance runs them.
 */
public interface Scheduler {

    /**
     * Queues a request whose inputs are already validated and shaped for the engine. Never blocks: when the
     * request cannot be queued the returned future is already failed (UNAVAILABLE, naming the limit). The future
     * completes exactly once, with every model output for this request in the engine's order.
     *
     * @param batchSize the request's rows (its first dimension), or 1 for a model that does not batch
     */
    CompletableFuture<List<Tensor>> submit(InferenceRequest request, int batchSize);

    /** Stops taking requests, fails those still waiting with UNAVAILABLE, and stops the instance threads. */
    void shutdown();
}
