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
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

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
 * While draining ({@link #drain}) every delay counts as expired, so what is accepted runs as soon as it can.
 */
final class BatcherCore {

    private BatchingPolicy policy;
    private final String model;
    private final BatchRunner runner;
    private final Completer completer;
    private final ModelStats stats;
    private final ReleaseStrategy release;
    private final Consumer<List<PendingRequest>> answer;
    private QueueDelay queueDelay;

    private final PendingQueues queues;
    private final ArrayDeque<Integer> idle = new ArrayDeque<>();
    private Batch[] running;
    private int runningCount;
    /** Instances taken out while running a batch: what to do once that batch is done. */
    private final Map<Integer, Runnable> leaving = new HashMap<>();
    private final List<PendingRequest> taken = new ArrayList<>();
    private long delayDeadline = Long.MAX_VALUE;
    /** Where idle instances are lent for the direct hand-off while nothing waits; null: never lent. */
    private InstanceLeases leases;
    /** The ids lent out ({@link InstanceLeases}): neither idle here nor running a batch this core sent. */
    private final ArrayDeque<Integer> lent = new ArrayDeque<>();
    /** No new requests; those accepted still run. */
    private boolean draining;
    /** No new requests, and nothing is sent any more. */
    private boolean closed;

    /**
     * @param model     the model's name and version as messages show them, e.g. {@code "'simple' version 1"}
     * @param instances how many instances there are; all start idle
     */
    BatcherCore(BatchingPolicy policy, String model, int instances, BatchRunner runner, Completer completer,
                ModelStats stats) {
        this(policy, ReleaseStrategy.of(policy.preserveOrdering()), QueueDelay.fixed(policy.maxQueueDelayNanos()),
                model, instances, runner, completer, rs -> rs.forEach(completer::release), stats);
    }

    /**
     * @param release how answers are released; when it does not answer on the instance, the core releases each
     *                batch's requests when the batch is done
     * @param delay   the queue delay to use instead of the policy's fixed one
     * @param answer  answers requests whose outcome is decided, in list order (on this thread or handed off)
     */
    BatcherCore(BatchingPolicy policy, ReleaseStrategy release, QueueDelay delay, String model, int instances,
                BatchRunner runner, Completer completer, Consumer<List<PendingRequest>> answer, ModelStats stats) {
        this.policy = policy;
        this.queueDelay = delay;
        this.release = release;
        this.answer = answer;
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

    /**
     * Lets submitters hand lone requests straight to idle instances through {@code leases} whenever this core would
     * send a lone request at once anyway: nothing waits, the queue delay is 0 (a tuned one too, whose direct batches
     * come back through {@link #onDirectDone}), answers are not held for preserve_ordering, and the core is neither
     * draining nor closed. Before it batches anything (a request arrived, the policy changed, a drain or shutdown) the
     * core calls every lent instance back; one that is running a direct batch counts as running until its batch-done
     * event. Set before the first event.
     */
    void lendTo(InstanceLeases leases) {
        this.leases = leases;
    }

    /** A request arrived: queue it, or reject it at once when its queue is full or the batcher is closed. */
    void onRequest(PendingRequest r) {
        if (closed || draining) {
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
        release.accepted(r);
    }

    /** Whether the queue delay is tuned from what batches take, which then needs the direct batches too. */
    boolean delayAdapts() {
        return queueDelay.adapts();
    }

    /**
     * A request that a submitter handed straight to a lent instance, stamped at {@code arrivalNanos}, was done at
     * {@code doneNanos} (a batch of one): a tuned delay counts it like the batches it sent, or its windows at delay
     * 0 would hold only the requests that queued.
     */
    void onDirectDone(long arrivalNanos, long doneNanos) {
        if (queueDelay.adapts()) {
            queueDelay.observe(arrivalNanos, doneNanos, true);
        }
    }

    /** An instance finished a batch (whose requests hold their outcomes) at {@code now} and is idle again. */
    void onBatchDone(Batch batch, long now) {
        running[batch.instance()] = null;
        Runnable left = leaving.remove(batch.instance());
        List<PendingRequest> done = batch.requests();
        for (int i = 0, n = done.size(); i < n; i++) {
            queueDelay.observe(done.get(i).arrivalNanos, now, i == n - 1);
        }
        runningCount--;
        if (!release.answersOnInstance()) {
            release.decided(batch.requests(), answer);
        }
        if (left != null) {
            left.run();
        } else if (!closed) {
            idle.addLast(batch.instance());
        }
    }

    /**
     * A change applied in place, between two events: instances {@code added} become idle; each of
     * {@code removed} gets no batch any more, and {@code retire} runs for it at once when it is idle, else when its
     * batch is done; a non-null {@code nextPolicy} (with the same levels) and {@code nextDelay} replace the
     * batching settings for every later decision (requests already waiting keep their timeouts).
     */
    void change(List<Integer> added, List<Integer> removed, IntConsumer retire, BatchingPolicy nextPolicy,
                QueueDelay nextDelay) {
        callBack();
        if (nextPolicy != null) {
            policy = nextPolicy;
            queueDelay = nextDelay;
        }
        for (int id : added) {
            if (id >= running.length) {
                running = Arrays.copyOf(running, id + 1);
            }
            if (!closed) {
                idle.addLast(id);
            }
        }
        for (int id : removed) {
            if (running[id] != null) {
                leaving.put(id, () -> retire.accept(id));
            } else {
                idle.remove(id);
                retire.accept(id);
            }
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
        boolean mayLend = mayLend();
        if (!lent.isEmpty() && (queues.waiting() > 0 || !mayLend)) {
            callBack();
        }
        while (!idle.isEmpty() && queues.waiting() > 0 && sendOne(now)) {
            // each pass sends one batch to one idle instance
        }
        queues.compact();
        stats.setPending(queues.waiting());
        if (mayLend && queues.waiting() == 0) {
            lendIdle();
        }
    }

    private boolean mayLend() {
        return leases != null && !draining && !closed && release.answersOnInstance() && queueDelay.nanos() == 0;
    }

    /** Lends every idle instance; only while nothing waits. */
    private void lendIdle() {
        for (int n = idle.size(); n > 0; n--) {
            int id = idle.pollFirst();
            if (leases.lend(id)) {
                lent.addLast(id);
            } else {
                idle.addLast(id);
            }
        }
    }

    /**
     * Takes every lent instance back: an idle one is idle here again, one running a direct batch counts as
     * running (its requests are the instance's to answer) until its batch-done event.
     */
    private void callBack() {
        Integer id;
        while ((id = lent.pollFirst()) != null) {
            if (leases.reclaim(id)) {
                idle.addLast(id);
            } else {
                running[id] = new Batch(id, List.of(), 0);
                runningCount++;
            }
        }
    }

    /** Instances lent for the direct hand-off, for tests. */
    int lentInstances() {
        return lent.size();
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

    /** Whether the core was drained or shut down and holds nothing any more: no request waits, runs or is held. */
    boolean finished() {
        return (draining || closed) && queues.waiting() == 0 && runningCount == 0 && release.holdsNone();
    }

    /**
     * Stops accepting requests (later arrivals fail with UNAVAILABLE); those accepted still run, without waiting
     * for the queue delay, until {@link #finished}.
     */
    void drain() {
        draining = true;
        callBack();
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
        callBack();
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
            runningCount--;
            for (PendingRequest r : b.requests()) {
                r.fail(unloading(), FailureReason.OTHER);
            }
            release.decided(b.requests(), answer);
        }
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
        long delay = queueDelay.nanos();
        boolean delayExpired = draining || delay > 0 && now - oldest >= delay;
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
        runningCount++;
        runner.run(batch);
    }

    private void answer(PendingRequest r, InferenceException error, FailureReason reason) {
        r.fail(error, reason);
        release.decided(List.of(r), answer);
    }

    /** The client's cancellation already completed the reply; releasing it records the CANCELED failure. */
    private void abandon(PendingRequest r) {
        answer(r, new InferenceException(ErrorCode.CANCELLED, "request cancelled by the client"),
                FailureReason.CANCELED);
    }

    private InferenceException unloading() {
        return InferenceException.unavailable("model %s is unloading", model);
    }
}
