package io.tensorline.server.scheduler;

import io.tensorline.server.config.QueuePolicySpec;
import io.tensorline.server.core.ErrorCode;
import io.tensorline.server.core.ErrorTexts;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.scheduler.PendingRequest.State;
import io.tensorline.server.stats.FailureReason;
import io.tensorline.server.stats.ModelStats;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The dynamic batcher as a state machine over two events, a request arriving and an instance finishing, plus the
 * passing of time ({@link #step}). It owns every piece of batching state (waiting requests by level, timeouts,
 * idle instances, the arrival order for preserve_ordering) and is confined to one thread, the ring's consumer, so
 * it needs no locks; tests drive it directly with a fake clock and fake instances.
 *
 * <p>The policy (written out in docs/architecture.md, "Dynamic batching"): whenever an instance is idle, walk the
 * waiting requests in batch order (level, then arrival) and take them while the rows fit {@code max_batch_size} and
 * the non-batch shapes match the first one's, stopping at the first that does not (never skipping it). Then
 * <ol>
 * <li>if a prefix reaches a preferred size and the delay has not expired, send the largest such prefix;</li>
 * <li>else send everything taken when the delay is 0, has expired (counted from the oldest request taken), the
 *     walk was stopped by a request that cannot join, or the rows reach the largest preferred size;</li>
 * <li>else wait until the oldest request taken has waited {@code max_queue_delay_microseconds}.</li>
 * </ol>
 */
final class BatcherCore {

    private final BatchingPolicy policy;
    private final String model;
    private final BatchRunner runner;
    private final Completer completer;
    private final ModelStats stats;

    private final PendingQueues queues;
    private final ArrayDeque<Integer> idle = new ArrayDeque<>();
    private final Batch[] running;
    /** preserve_ordering: accepted requests not yet answered, in arrival order. */
    private final ArrayDeque<PendingRequest> arrivals = new ArrayDeque<>();
    private final List<PendingRequest> taken = new ArrayList<>();
    private long delayDeadline = Long.MAX_VALUE;
    private boolean closed;

    /**
     * @param model     the model's name and version as messages show them, e.g. {@code "'simple' version 1"}
     * @param instances how many instances there are; all start idle
     */
    BatcherCore(BatchingPolicy policy, String model, int instances, BatchRunner runner, Completer completer,
                ModelStats stats) {
        this.policy = policy;
        this.model = model;
        this.runner = runner;
        this.completer = completer;
        this.stats = stats;
        this.queues = new PendingQueues(policy.levels());
        this.running = new Batch[instances];
        for (int i = 0; i < instances; i++) {
            idle.addLast(i);
        }
    }

    /** A request arrived: queue it, or reject it at once when its queue is full or the batcher is closed. */
    void onRequest(PendingRequest r) {
        if (closed) {
            completer.fail(r, unloading(), FailureReason.OTHER);
            return;
        }
        if (r.abandoned()) {
            completer.abandoned(r);
            return;
        }
        if (r.rows < 1 || r.rows > policy.maxBatchSize()) {
            completer.fail(r, InferenceException.invalid("request for model %s has batch size %d (expected: 1 to "
                    + "max_batch_size %d)", model, r.rows, policy.maxBatchSize()), FailureReason.REJECTED);
            return;
        }
        int level = policy.levelOf(r.request);
        QueuePolicySpec queuePolicy = policy.queuePolicy(level);
        if (queues.waiting() >= policy.capacity()) {
            completer.fail(r, ErrorTexts.queueFull(r.request.id(), String.format("model %s has %d requests "
                    + "waiting (the batcher's capacity)", model, queues.waiting())), FailureReason.REJECTED);
            return;
        }
        if (queuePolicy.maxQueueSize() > 0 && queues.waiting(level) >= queuePolicy.maxQueueSize()) {
            completer.fail(r, ErrorTexts.queueFull(r.request.id(), String.format("model %s has %d requests "
                    + "waiting at priority level %d (max_queue_size %d)", model, queues.waiting(level), level,
                    queuePolicy.maxQueueSize())), FailureReason.REJECTED);
            return;
        }
        r.level = level;
        long timeout = policy.timeoutNanos(r.request, level);
        if (timeout > 0) {
            r.timeoutDeadline = BatchingPolicy.deadline(r.arrivalNanos, timeout);
            r.timeoutAction = queuePolicy.timeoutAction();
        }
        queues.add(r);
        if (policy.preserveOrdering()) {
            arrivals.addLast(r);
        }
    }

    /** An instance finished a batch (whose requests hold their outcomes) and is idle again. */
    void onBatchDone(Batch batch) {
        running[batch.instance()] = null;
        if (policy.preserveOrdering()) {
            for (PendingRequest r : batch.requests()) {
                r.outcomeReady = true;
            }
            releaseInOrder();
        }
        if (!closed) {
            idle.addLast(batch.instance());
        }
    }

    /** Expires queue timeouts due at {@code now}, then sends batches while an instance is idle and policy allows. */
    void step(long now) {
        queues.expire(now, r -> {
            queues.remove(r, State.DONE);
            answer(r, ErrorTexts.queueTimeout(String.format("the request waited %d µs for model "
                    + "%s (timeout: %d µs)", (now - r.arrivalNanos) / 1000, model,
                    (r.timeoutDeadline - r.arrivalNanos) / 1000)), FailureReason.REJECTED);
        });
        delayDeadline = Long.MAX_VALUE;
        while (!idle.isEmpty() && queues.waiting() > 0 && sendOne(now)) {
            // each pass sends one batch to one idle instance
        }
        queues.compact();
        stats.setPending(queues.waiting());
    }

    /**
     * When {@link #step} must next run even if no event arrives: the earliest queue timeout, or the moment the
     * oldest request of a batch that is waiting for more rows reaches the delay. {@link Long#MAX_VALUE} for never.
     */
    long nextDeadline() {
        return Math.min(delayDeadline, queues.nextTimeout());
    }

    /** Requests waiting to be batched, all levels together. */
    int waiting() {
        return queues.waiting();
    }

    /** Idle instances, for tests. */
    int idleInstances() {
        return idle.size();
    }

    /**
     * Closes the batcher: waiting requests fail with UNAVAILABLE, later arrivals too, and no batch is sent any more.
     * Batches already running still complete through {@link #onBatchDone}.
     */
    void shutdown() {
        if (closed) {
            return;
        }
        closed = true;
        List<PendingRequest> left = new ArrayList<>(queues.waiting());
        queues.inOrder().forEachRemaining(left::add);
        for (PendingRequest r : left) {
            queues.remove(r, State.DONE);
            answer(r, unloading(), FailureReason.OTHER);
        }
        queues.compact();
        idle.clear();
        delayDeadline = Long.MAX_VALUE;
        stats.setPending(0);
    }

    /** After {@link #shutdown}: fails the requests of batches whose instance never reported back. */
    void failUnfinished() {
        for (int i = 0; i < running.length; i++) {
            Batch b = running[i];
            if (b == null) {
                continue;
            }
            running[i] = null;
            for (PendingRequest r : b.requests()) {
                r.fail(unloading(), FailureReason.OTHER);
                r.outcomeReady = true;
                if (!policy.preserveOrdering()) {
                    completer.release(r);
                }
            }
        }
        releaseInOrder();
    }

    private boolean sendOne(long now) {
        taken.clear();
        int rows = 0;
        int preferredPrefix = 0;
        boolean blocked = false;
        long oldest = Long.MAX_VALUE;
        ShapeKey shape = null;
        for (Iterator<PendingRequest> it = queues.inOrder(); it.hasNext(); ) {
            PendingRequest r = it.next();
            if (r.abandoned()) {
                queues.remove(r, State.DONE);
                abandon(r);
                continue;
            }
            if (shape == null) {
                shape = r.shapeKey;
            } else if (!shape.equals(r.shapeKey) || rows + r.rows > policy.maxBatchSize()) {
                blocked = true;
                break;
            }
            taken.add(r);
            rows += r.rows;
            oldest = Math.min(oldest, r.arrivalNanos);
            if (policy.isPreferred(rows)) {
                preferredPrefix = taken.size();
            }
            if (rows == policy.maxBatchSize()) {
                break;
            }
        }
        if (taken.isEmpty()) {
            return false;
        }
        long delay = policy.maxQueueDelayNanos();
        boolean delayExpired = delay > 0 && now - oldest >= delay;
        int count;
        if (preferredPrefix > 0 && !delayExpired) {
            count = preferredPrefix;
        } else if (delay == 0 || delayExpired || blocked || rows >= policy.largestPreferred()) {
            count = taken.size();
        } else {
            delayDeadline = BatchingPolicy.deadline(oldest, delay);
            return false;
        }
        send(count);
        return true;
    }

    private void send(int count) {
        List<PendingRequest> requests = new ArrayList<>(taken.subList(0, count));
        int rows = 0;
        for (PendingRequest r : requests) {
            queues.remove(r, State.DISPATCHED);
            rows += r.rows;
        }
        Batch batch = new Batch(idle.pollFirst(), requests, rows);
        running[batch.instance()] = batch;
        runner.run(batch);
    }

    private void answer(PendingRequest r, InferenceException error, FailureReason reason) {
        if (policy.preserveOrdering()) {
            r.fail(error, reason);
            r.outcomeReady = true;
            releaseInOrder();
        } else {
            completer.fail(r, error, reason);
        }
    }

    private void abandon(PendingRequest r) {
        if (policy.preserveOrdering()) {
            r.fail(new InferenceException(ErrorCode.CANCELLED, "request cancelled by the client"),
                    FailureReason.CANCELED);
            r.outcomeReady = true;
            releaseInOrder();
        } else {
            completer.abandoned(r);
        }
    }

    private void releaseInOrder() {
        PendingRequest head;
        while ((head = arrivals.peekFirst()) != null && head.outcomeReady) {
            arrivals.pollFirst();
            completer.release(head);
        }
    }

    private InferenceException unloading() {
        return InferenceException.unavailable("model %s is unloading", model);
    }
}
