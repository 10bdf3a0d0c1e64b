package io.tensorline.server.scheduler;

import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceRequest;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs validated requests of one model version on its instances. Implementations decide how requests are grouped
 * (one at a time, or dynamically batched) and which instance runs them.
 *
 * <p>Lifecycle, as grpc-java's {@code Server}: {@link #shutdown} stops accepting and lets every accepted request
 * run and be answered, then closes the instances; {@link #shutdownNow} also fails the requests still waiting;
 * {@link #awaitTermination} waits until the instances are closed. A model that is replaced drains with
 * {@code shutdown()} + {@code awaitTermination(...)}, falling back to {@code shutdownNow()} when the wait runs out.
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

    /**
     * Queues requests that are already formed into batches (each at most the model's {@code max_batch_size}),
     * answered together: the future completes once every one has run, with each request's outputs in order, or
     * fails with the error of the first request that failed (the others still ran and are counted). Each request
     * still runs as an execution of its own and counts as a request, as if submitted alone. A scheduler may run
     * them back to back on one instance without a hand-off per request; the default submits them one by one.
     *
     * @param batchSizes each request's rows, as {@link #submit}'s {@code batchSize}
     */
    default CompletableFuture<List<List<Tensor>>> submitBulk(List<InferenceRequest> requests, int[] batchSizes) {
        return Bulk.oneByOne(this, requests, batchSizes);
    }

    /**
     * Queues one request of {@code rows} rows (inputs validated and shaped for the engine, fixed-size datatypes)
     * to be run in parts of at most {@code partRows} rows, each an execution of its own and counted as a request,
     * as {@link #submitBulk} would run the parts; the future completes once all have run, with each output's
     * rows of all parts end to end (engine order), or fails with the error of the first part that failed. A
     * scheduler may run the parts on views of the request's buffers without a request object per part; the
     * default hands them to {@link #submitBulk} and joins the outputs after.
     */
    default CompletableFuture<List<Tensor>> submitSplit(InferenceRequest request, int rows, int partRows) {
        return SplitBulk.viaBulk(this, request, rows, partRows);
    }

    /**
     * Stops taking requests (new ones fail with UNAVAILABLE); those accepted still run and are answered, then the
     * instances close. Idempotent; does not wait.
     */
    void shutdown();

    /**
     * As {@link #shutdown}, and fails the requests still waiting with UNAVAILABLE; running executions finish.
     * The default suits a scheduler that holds no queue.
     */
    default void shutdownNow() {
        shutdown();
    }

    /**
     * Waits until, after a shutdown, every accepted request is answered and the instances are closed.
     * The default suits a scheduler whose {@link #shutdown} finishes all of that before it returns.
     *
     * @return whether it terminated within the timeout
     */
    default boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return true;
    }

    /**
     * What this scheduler can change while it runs, or null when a change of its instances or batching settings
     * needs a reload.
     */
    default InPlaceChanges inPlace() {
        return null;
    }
}
