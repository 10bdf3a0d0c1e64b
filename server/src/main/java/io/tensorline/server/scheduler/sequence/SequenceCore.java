package io.tensorline.server.scheduler.sequence;

import io.tensorline.engine.Tensor;
import io.tensorline.server.config.SequenceBatchingSpec;
import io.tensorline.server.core.InferenceException;
import io.tensorline.server.stats.FailureReason;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The sequence batcher's state machine: which sequences hold slots, which wait in the backlog, what each has
 * queued, and which instances are busy. Single-threaded (the batcher's thread owns it), driven by three events
 * ({@link #submit}, {@link #batchDone}, {@link #shutdown}) plus {@link #step} with the time, so it is tested with a
 * fake clock and a fake dispatcher.
 *
 * <p>A sequence has at most one request running, so its requests run in arrival order. With the direct strategy a
 * sequence's slot belongs to one instance ({@code max(1, max_batch_size)} slots each) and only that instance runs
 * it; with oldest the {@code max_candidate_sequences} slots per instance form one pool and any idle instance
 * batches the sequences whose next request is oldest.
 */
final class SequenceCore {

    /** Hands a batch to an idle instance; called on the core's thread and must not block. */
    interface Dispatcher {
        void dispatch(int instance, List<SequenceRequest> batch);
    }

    /** Answers requests the core itself ends (errors, cancellations, shutdown). */
    interface Outcomes {
        void fail(SequenceRequest r, InferenceException error, FailureReason reason);

        /** The client gave up before the request ran; its future is already done. */
        void abandoned(SequenceRequest r);
    }

    static final class Sequence {
        final CorrelationId id;
        final ArrayDeque<SequenceRequest> queue = new ArrayDeque<>();
        List<Tensor> state;
        int instance = -1;
        boolean slotted;
        boolean running;
        /** Its END request was accepted: the id may start a new sequence, this one only drains. */
        boolean closed;
        long lastActiveNanos;

        Sequence(CorrelationId id, long now) {
            this.id = id;
            this.lastActiveNanos = now;
        }
    }

    private final String model;
    private final boolean direct;
    private final int instances;
    private final int maxBatch;
    private final long maxIdleNanos;
    private final long delayNanos;
    private final int minimumReady;
    private final List<Integer> preferred;
    private final Dispatcher dispatcher;
    private final Outcomes outcomes;

    private final Map<CorrelationId, Sequence> active = new HashMap<>();
    private final List<Sequence> slotted = new ArrayList<>();
    private final ArrayDeque<Sequence> backlog = new ArrayDeque<>();
    private final int[] freeSlots;
    private final boolean[] busy;

    /**
     * @param maxBatchSize the model's max_batch_size (0 when it does not batch)
     */
    SequenceCore(String model, SequenceBatchingSpec spec, int maxBatchSize, int instances, Dispatcher dispatcher,
                 Outcomes outcomes) {
        if (instances < 1) {
            throw new IllegalArgumentException("instances: " + instances + " (expected: >= 1)");
        }
        this.model = model;
        this.direct = spec.strategy() == SequenceBatchingSpec.Strategy.DIRECT;
        this.instances = instances;
        this.maxBatch = Math.max(1, maxBatchSize);
        this.maxIdleNanos = TimeUnit.MICROSECONDS.toNanos(spec.maxIdleMicros());
        this.delayNanos = TimeUnit.MICROSECONDS.toNanos(spec.maxQueueDelayMicros());
        this.minimumReady = (int) Math.ceil(spec.minimumSlotUtilization() * maxBatch);
        this.preferred = spec.preferredBatchSizes();
        this.dispatcher = dispatcher;
        this.outcomes = outcomes;
        this.busy = new boolean[instances];
        if (direct) {
            this.freeSlots = new int[instances];
            java.util.Arrays.fill(freeSlots, maxBatch);
        } else {
            this.freeSlots = new int[] {instances * spec.maxCandidateSequences()};
        }
    }

    /** Queues a request on its sequence, or answers it with Triton's error when it may not start one. */
    void submit(SequenceRequest r, long now) {
        Sequence seq = active.get(r.id);
        if (seq == null) {
            if (!r.start) {
                outcomes.fail(r, InferenceException.invalid("inference request for sequence %s to model '%s' must "
                        + "specify the START flag on the first request of the sequence", r.id, model),
                        FailureReason.REJECTED);
                return;
            }
            seq = new Sequence(r.id, now);
            active.put(r.id, seq);
            if (!takeSlot(seq)) {
                backlog.add(seq);
            }
        }
        // a START on a running id ends the old sequence: its queued requests run, then the START resets the state
        r.sequence = seq;
        seq.queue.add(r);
        seq.lastActiveNanos = now;
        if (r.end) {
            seq.closed = true;
            active.remove(r.id);
        }
    }

    /** An instance finished a batch; each request's {@code stateOut} is already set (or null when it failed). */
    void batchDone(int instance, List<SequenceRequest> batch, long now) {
        busy[instance] = false;
        for (SequenceRequest r : batch) {
            Sequence seq = r.sequence;
            seq.running = false;
            seq.lastActiveNanos = now;
            if (r.stateOut != null) {
                seq.state = r.stateOut;
            }
            if (seq.closed && seq.queue.isEmpty()) {
                releaseSlot(seq);
            }
        }
    }

    /**
     * Drops abandoned requests, releases ended and idle sequences' slots, and dispatches to idle instances.
     *
     * @return when to call again at the latest (a reaping or queue-delay deadline), or {@code Long.MAX_VALUE}
     */
    long step(long now) {
        long next = Long.MAX_VALUE;
        for (Sequence s : new ArrayList<>(slotted)) {
            if (s.running) {
                continue;
            }
            dropAbandoned(s, now);
            if (!s.queue.isEmpty()) {
                continue;
            }
            if (s.closed || now - s.lastActiveNanos >= maxIdleNanos) {
                releaseSlot(s);
            } else {
                next = Math.min(next, s.lastActiveNanos + maxIdleNanos);
            }
        }
        next = Math.min(next, expireBacklog(now));
        for (int i = 0; i < instances; i++) {
            if (!busy[i]) {
                next = Math.min(next, tryDispatch(i, now));
            }
        }
        return next;
    }

    /**
     * A backlogged sequence whose waiting request's {@code timeout} (µs, the schedule_policy parameter) expired is
     * dropped with all its queued requests, in Triton's words; a sequence that holds a slot never times out.
     */
    private long expireBacklog(long now) {
        long next = Long.MAX_VALUE;
        for (var it = backlog.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            long deadline = Long.MAX_VALUE;
            for (SequenceRequest r : s.queue) {
                long micros = r.request.longParameter("timeout", 0);
                if (micros > 0) {
                    deadline = Math.min(deadline, r.arrivalNanos + TimeUnit.MICROSECONDS.toNanos(micros));
                }
            }
            if (deadline > now) {
                next = Math.min(next, deadline);
                continue;
            }
            it.remove();
            if (active.get(s.id) == s) {
                active.remove(s.id);
            }
            InferenceException error = InferenceException.unavailable("timeout of the corresponding sequence has "
                    + "been expired");
            SequenceRequest r;
            while ((r = s.queue.poll()) != null) {
                outcomes.fail(r, error, FailureReason.REJECTED);
            }
        }
        return next;
    }

    /** Fails every queued request with UNAVAILABLE and forgets all sequences. */
    void shutdown() {
        InferenceException error = InferenceException.unavailable("model '%s' is unloading", model);
        List<Sequence> all = new ArrayList<>(slotted);
        all.addAll(backlog);
        for (Sequence s : all) {
            SequenceRequest r;
            while ((r = s.queue.poll()) != null) {
                outcomes.fail(r, error, FailureReason.OTHER);
            }
        }
        slotted.clear();
        backlog.clear();
        active.clear();
    }

    int activeSequences() {
        return active.size();
    }

    int slottedSequences() {
        return slotted.size();
    }

    int backlogSequences() {
        return backlog.size();
    }

    private long tryDispatch(int instance, long now) {
        List<Sequence> ready = new ArrayList<>();
        for (Sequence s : slotted) {
            if ((!direct || s.instance == instance) && !s.running && !s.queue.isEmpty()) {
                ready.add(s);
            }
        }
        if (ready.isEmpty()) {
            return Long.MAX_VALUE;
        }
        ready.sort(Comparator.comparingLong(s -> s.queue.peek().arrivalNanos));
        String shape = ready.get(0).queue.peek().shapeKey;
        ready.removeIf(s -> !s.queue.peek().shapeKey.equals(shape));
        int count = Math.min(ready.size(), maxBatch);
        long oldest = ready.get(0).queue.peek().arrivalNanos;
        if (delayNanos > 0 && now - oldest < delayNanos && shouldWait(count)) {
            return oldest + delayNanos;
        }
        List<SequenceRequest> batch = new ArrayList<>(count);
        for (Sequence s : ready.subList(0, count)) {
            SequenceRequest r = s.queue.poll();
            s.running = true;
            if (r.start) {
                s.state = null;
            }
            r.stateIn = s.state;
            batch.add(r);
        }
        busy[instance] = true;
        dispatcher.dispatch(instance, batch);
        return Long.MAX_VALUE;
    }

    private boolean shouldWait(int count) {
        if (direct) {
            return minimumReady > 0 && count < minimumReady;
        }
        return count < maxBatch && !preferred.contains(count);
    }

    private void dropAbandoned(Sequence s, long now) {
        while (!s.queue.isEmpty() && s.queue.peek().reply.isDone()) {
            outcomes.abandoned(s.queue.poll());
            s.lastActiveNanos = now;
        }
    }

    private boolean takeSlot(Sequence seq) {
        int pool = 0;
        if (direct) {
            for (int i = 1; i < instances; i++) {
                if (freeSlots[i] > freeSlots[pool]) {
                    pool = i;
                }
            }
        }
        if (freeSlots[pool] == 0) {
            return false;
        }
        freeSlots[pool]--;
        seq.instance = direct ? pool : -1;
        seq.slotted = true;
        slotted.add(seq);
        return true;
    }

    private void releaseSlot(Sequence seq) {
        if (!seq.slotted) {
            return;
        }
        seq.slotted = false;
        slotted.remove(seq);
        freeSlots[direct ? seq.instance : 0]++;
        if (active.get(seq.id) == seq) {
            active.remove(seq.id);
        }
        while (!backlog.isEmpty() && takeSlot(backlog.peek())) {
            backlog.poll();
        }
    }
}
