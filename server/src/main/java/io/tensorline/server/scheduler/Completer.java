package io.tensorline.server.scheduler;

import io.tensorline.server.core.InferenceException;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;

/**
 * Answers requests and records the outcome in the model's statistics. The reply future completes at most once;
 * when the client got there first (a cancellation) the request counts as a CANCELED failure instead. Stateless
 * apart from its final fields, so any thread may use it.
 */
final class Completer {

    private final ModelStats stats;
    private final NanoClock clock;

    Completer(ModelStats stats, NanoClock clock) {
        this.stats = stats;
        this.clock = clock;
    }

    /** Completes the request with the outcome recorded in it by {@link PendingRequest#succeed}/{@code fail}. */
    void release(PendingRequest r) {
        if (r.error == null) {
            succeed(r);
        } else {
            fail(r, r.error, r.failureReason);
        }
    }

    void succeed(PendingRequest r) {
        long elapsed = clock.nanoTime() - r.arrivalNanos;
        if (r.reply.complete(r.outputs)) {
            stats.recordSuccess(elapsed);
        } else {
            stats.recordFailure(FailureReason.CANCELED, elapsed);
        }
        r.outputs = null;
    }

    void fail(PendingRequest r, InferenceException error, FailureReason reason) {
        long elapsed = clock.nanoTime() - r.arrivalNanos;
        stats.recordFailure(r.reply.completeExceptionally(error) ? reason : FailureReason.CANCELED, elapsed);
        r.error = null;
    }

    /** Counts {@code count} requests that arrived at {@code arrivalNanos} and got outputs (a split bulk's parts). */
    void countSuccesses(int count, long arrivalNanos) {
        stats.recordSuccesses(count, clock.nanoTime() - arrivalNanos);
    }

    /** Counts {@code count} requests that arrived at {@code arrivalNanos} and failed (a split bulk's parts). */
    void countFailures(int count, long arrivalNanos, FailureReason reason) {
        long elapsed = clock.nanoTime() - arrivalNanos;
        for (int i = 0; i < count; i++) {
            stats.recordFailure(reason, elapsed);
        }
    }

    /** Counts a request the client abandoned before it ran; its future is already complete. */
    void abandoned(PendingRequest r) {
        stats.recordFailure(FailureReason.CANCELED, clock.nanoTime() - r.arrivalNanos);
    }
}
