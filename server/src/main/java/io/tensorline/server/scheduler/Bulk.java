package io.tensorline.server.scheduler;

import io.tensorline.engine.Tensor;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.stats.FailureReason;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Requests submitted together ({@link Scheduler#submitBulk}) that one instance runs back to back, each as its own
 * execution, and answers with one future. Each part is an ordinary {@link PendingRequest}: it is executed by the
 * instance's {@link BatchExecutor} (which records it and words its errors as for any request) and released by the
 * {@link Completer} (which counts its success or failure), so statistics read as if the parts had been sent one by
 * one; only the thread hops and the future per part are saved.
 *
 * <p>The parts' reply futures are internal: nobody but the bulk depends on them. Cancelling the bulk's reply
 * cancels every part not yet run.
 */
final class Bulk implements BulkWork {

    final List<PendingRequest> parts;
    final int rows;
    final CompletableFuture<List<List<Tensor>>> reply = new CompletableFuture<>();

    /** @param batchSizes each request's rows (its first dimension), or 1 for a model that does not batch */
    Bulk(List<InferenceRequest> requests, int[] batchSizes) {
        checkSizes(requests, batchSizes);
        List<PendingRequest> list = new ArrayList<>(requests.size());
        int total = 0;
        for (int i = 0; i < batchSizes.length; i++) {
            InferenceRequest r = requests.get(i);
            list.add(new PendingRequest(r, batchSizes[i], new CompletableFuture<>(), r.arrivalNanos()));
            total += batchSizes[i];
        }
        this.parts = List.copyOf(list);
        this.rows = total;
        reply.whenComplete((r, e) -> {
            if (reply.isCancelled()) {
                parts.forEach(p -> p.reply.cancel(false));
            }
        });
    }

    @Override
    public List<PendingRequest> parts() {
        return parts;
    }

    @Override
    public int rows() {
        return rows;
    }

    /** Fails every part before it ran (rejected, unloading), counting each, then the bulk. */
    @Override
    public void failAll(Completer completer, InferenceException error, FailureReason reason) {
        for (PendingRequest p : parts) {
            completer.fail(p, error, reason);
        }
        finish();
    }

    /** Once every part is answered: completes the reply with their outputs, or the first part's error. */
    void finish() {
        List<CompletableFuture<List<Tensor>>> futures = new ArrayList<>(parts.size());
        for (PendingRequest p : parts) {
            futures.add(p.reply);
        }
        completeFrom(futures, reply);
    }

    /**
     * Completes {@code target} from parts that are all done: the list of their results in order, or the error of
     * the first part that failed.
     */
    static <T> void completeFrom(List<CompletableFuture<T>> done, CompletableFuture<List<T>> target) {
        List<T> results = new ArrayList<>(done.size());
        for (CompletableFuture<T> f : done) {
            try {
                results.add(f.join());
            } catch (CompletionException e) {
                target.completeExceptionally(e.getCause() == null ? e : e.getCause());
                return;
            } catch (CancellationException e) {
                target.completeExceptionally(new InferenceException(
                        ErrorCode.CANCELLED, "request cancelled by the client"));
                return;
            }
        }
        target.complete(results);
    }

    /** The bulk path for schedulers without one of their own: each request submitted alone, one future for all. */
    static CompletableFuture<List<List<Tensor>>> oneByOne(Scheduler scheduler, List<InferenceRequest> requests,
                                                          int[] batchSizes) {
        checkSizes(requests, batchSizes);
        List<CompletableFuture<List<Tensor>>> parts = new ArrayList<>(requests.size());
        for (int i = 0; i < batchSizes.length; i++) {
            parts.add(scheduler.submit(requests.get(i), batchSizes[i]));
        }
        CompletableFuture<List<List<Tensor>>> all = new CompletableFuture<>();
        CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> completeFrom(parts, all));
        all.whenComplete((r, e) -> {
            if (all.isCancelled()) {
                parts.forEach(p -> p.cancel(false));
            }
        });
        return all;
    }

    private static void checkSizes(List<InferenceRequest> requests, int[] batchSizes) {
        if (requests.size() != batchSizes.length) {
            throw new IllegalArgumentException("batchSizes: " + batchSizes.length + " for " + requests.size()
                    + " requests (expected: one per request)");
        }
    }

    @Override
    public String toString() {
        return "bulk of " + parts.size() + " requests (" + rows + " rows)";
    }
}
