package io.tensorline.server.scheduler;

import io.tensorline.engine.Tensor;
import io.tensorline.server.config.QueuePolicySpec.TimeoutAction;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.core.InferenceRequest;
import io.tensorline.server.stats.FailureReason;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One request on its way through the batcher.
 *
 * <p>Ownership moves with the request, and every move is a happens-before edge (ring publish, instance hand-off
 * queue, ring publish back): the final fields are set by the submitting thread; the queueing fields are owned by
 * the batcher thread; the outcome fields are written by the instance thread that ran it and read by the batcher
 * thread after the batch-done event, or by nobody when that instance answered the request itself.
 */
final class PendingRequest {

    enum State {
        /** Waiting in its level's main queue. */
        QUEUED,
        /** Timed out with timeout_action DELAY: waiting in its level's delayed queue. */
        DELAYED,
        /** Handed to an instance. */
        DISPATCHED,
        /** Answered or dropped before it ran (rejected, timed out, cancelled, shut down). */
        DONE
    }

    final InferenceRequest request;
    final int rows;
    final CompletableFuture<List<Tensor>> reply;
    final long arrivalNanos;
    final ShapeKey shapeKey;

    // owned by the batcher thread
    State state;
    int level;
    long timeoutDeadline = Long.MAX_VALUE;
    TimeoutAction timeoutAction;
    /** Set when this request's answer may be released in arrival order (preserve_ordering). */
    boolean outcomeReady;

    // written by whoever decides the outcome before the request is released
    List<Tensor> outputs;
    InferenceException error;
    FailureReason failureReason;

    PendingRequest(InferenceRequest request, int rows, CompletableFuture<List<Tensor>> reply, long arrivalNanos) {
        this.request = request;
        this.rows = rows;
        this.reply = reply;
        this.arrivalNanos = arrivalNanos;
        this.shapeKey = ShapeKey.of(request.inputs());
    }

    boolean hasTimeout() {
        return timeoutDeadline != Long.MAX_VALUE;
    }

    void succeed(List<Tensor> result) {
        outputs = result;
        error = null;
        failureReason = null;
    }

    void fail(InferenceException e, FailureReason reason) {
        outputs = null;
        error = e;
        failureReason = reason;
    }

    /** True when the client (or anyone else) already completed the reply, e.g. by cancelling. */
    boolean abandoned() {
        return reply.isDone();
    }

    @Override
    public String toString() {
        return "request '" + request.id() + "' (" + rows + " rows, " + state + ")";
    }
}
