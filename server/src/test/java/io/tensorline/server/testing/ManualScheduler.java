package io.tensorline.server.testing;

import io.tensorline.engine.Tensor;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.scheduler.Scheduler;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Scheduler} that runs nothing by itself: each submitted request waits until the test completes it, so a
 * test controls exactly when (and on which thread) a response arrives.
 */
public final class ManualScheduler implements Scheduler {

    /** A request as submitted, with the future the test completes. */
    public record Submitted(InferenceRequest request, CompletableFuture<List<Tensor>> reply) {

        /** Completes with the inputs renamed {@code INPUT<n>} to {@code OUTPUT<n>}, as an identity model would. */
        public void echo() {
            reply.complete(request.inputs().stream().map(t -> t.rename(t.name().replace("INPUT", "OUTPUT"))).toList());
        }
    }

    private final LinkedBlockingQueue<Submitted> submitted = new LinkedBlockingQueue<>();

    @Override
    public CompletableFuture<List<Tensor>> submit(InferenceRequest request, int batchSize) {
        CompletableFuture<List<Tensor>> reply = new CompletableFuture<>();
        submitted.add(new Submitted(request, reply));
        return reply;
    }

    /** The next submitted request, waiting up to 10 s for one. */
    public Submitted next() {
        try {
            Submitted s = submitted.poll(10, TimeUnit.SECONDS);
            if (s == null) {
                throw new AssertionError("no request was submitted within 10 s");
            }
            return s;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** True when nothing was submitted that {@link #next} has not returned yet. */
    public boolean idle() {
        return submitted.isEmpty();
    }

    @Override
    public void shutdown() {
    }
}
