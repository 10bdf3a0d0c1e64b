package io.tensorline.server.scheduler;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The dynamic batcher's direct hand-off: idle instances that the batcher thread lends out while nothing waits, so
 * that a submitting thread (a transport event loop) can give a lone request straight to one of them (one thread
 * hop instead of two). The batcher thread stays the owner: it lends only when its queues are empty and the policy
 * would send a lone request at once anyway (queue delay 0, answers not held for preserve_ordering, not draining),
 * and calls every lent instance back before it batches anything.
 *
 * <p>Each instance id is in one of four states:
 * <ul>
 * <li>{@code HELD}: the batcher's (idle in its core, running a batch the core sent, or not lent at all);</li>
 * <li>{@code FREE}: lent and idle; a submitter may {@linkplain #claim claim} it;</li>
 * <li>{@code BUSY}: claimed, running a direct batch; when done the instance makes it {@code FREE} again itself
 *     ({@link #finished}), so a run of direct requests never wakes the batcher thread;</li>
 * <li>{@code CALLED}: the batcher wants it back while it is busy; when done the instance makes it {@code HELD}
 *     and reports the batch on the ring like any other.</li>
 * </ul>
 * Every change is a compare-and-set, so a claim and a call-back never both win: an instance is either handed a
 * direct batch (and the batcher learns of it through {@code CALLED}) or given back idle.
 */
final class InstanceLeases {

    static final int HELD = 0;
    static final int FREE = 1;
    static final int BUSY = 2;
    static final int CALLED = 3;

    /**
     * One state per instance id. Sized once, with room for instances added in place; ids are never reused, so an
     * id beyond it (after many in-place changes) is simply never lent and its instance takes every batch from
     * the batcher thread.
     */
    private final AtomicIntegerArray states;
    /** One more than the highest id ever lent: how far {@link #claim} looks. Written by the batcher thread. */
    private volatile int span;
    /** How many requests went the direct way; for tests and statistics. */
    private final LongAdder direct = new LongAdder();

    InstanceLeases(int instances) {
        this.states = new AtomicIntegerArray(Math.max(64, 4 * instances));
    }

    /** Lends an idle instance; the batcher thread only. @return false when this id cannot be lent */
    boolean lend(int id) {
        if (id >= states.length()) {
            return false;
        }
        states.set(id, FREE);
        if (id >= span) {
            span = id + 1;
        }
        return true;
    }

    /**
     * Takes a lent instance back; the batcher thread only.
     *
     * @return true when it was idle (it is the batcher's again), false when it runs a direct batch (it is
     *         {@code CALLED}: its batch-done event will come)
     */
    boolean reclaim(int id) {
        AtomicIntegerArray s = states;
        while (true) {
            if (s.compareAndSet(id, FREE, HELD)) {
                return true;
            }
            if (s.compareAndSet(id, BUSY, CALLED)) {
                return false;
            }
            // a direct batch finished between the two: the instance is FREE again, try once more. Only a lent id
            // (FREE or BUSY) may be reclaimed; nobody but this thread leaves those states for HELD or CALLED, so
            // any other state is a bug in the caller, and would spin here for ever
            int now = s.get(id);
            if (now != FREE && now != BUSY) {
                throw new IllegalStateException("instance " + id + " is not lent (state " + now + ")");
            }
        }
    }

    /** Claims an idle lent instance for a direct batch; any thread. @return its id, or -1 when none is lent */
    int claim() {
        AtomicIntegerArray s = states;
        for (int i = 0, n = span; i < n; i++) {
            if (s.get(i) == FREE && s.compareAndSet(i, FREE, BUSY)) {
                direct.increment();
                return i;
            }
        }
        return -1;
    }

    /**
     * The instance finished a batch; its thread only.
     *
     * @return true when it was a direct batch and the instance is lent out again (nobody needs to hear of it);
     *         false when the batcher must get the batch-done event
     */
    boolean finished(int id) {
        AtomicIntegerArray s = states;
        if (id >= s.length()) {
            return false;
        }
        if (s.compareAndSet(id, BUSY, FREE)) {
            return true;
        }
        // CALLED (the batcher took it back while it ran) or HELD (the batcher sent the batch)
        s.compareAndSet(id, CALLED, HELD);
        return false;
    }

    /** How many instances are lent and idle right now; any thread (for tests). */
    int freeNow() {
        int n = 0;
        for (int i = 0, end = span; i < end; i++) {
            if (states.get(i) == FREE) {
                n++;
            }
        }
        return n;
    }

    /** Requests handed straight to an instance so far. */
    long directCount() {
        return direct.sum();
    }
}
