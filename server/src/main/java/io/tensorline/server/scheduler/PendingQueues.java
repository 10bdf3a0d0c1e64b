package io.tensorline.server.scheduler;

import io.tensorline.server.scheduler.PendingRequest.State;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.function.Consumer;

/**
 * The waiting requests of one batcher, in the order batches take them: level 1 first; within a level the main
 * queue in arrival order, then the requests whose timeout expired with DELAY, in expiry order. Owned by the batcher
 * thread; no locks.
 *
 * <p>Removal is lazy: a request leaves a deque when it reaches the head after its state changed (dispatched,
 * answered, or moved to the delayed queue), so taking a batch or expiring a request costs no deque search.
 * {@link #waiting()} and the per-level counts are exact at all times.
 */
final class PendingQueues {

    private final List<ArrayDeque<PendingRequest>> main = new ArrayList<>();
    private final List<ArrayDeque<PendingRequest>> delayed = new ArrayList<>();
    private final int[] waitingPerLevel;
    private final PriorityQueue<PendingRequest> byTimeout =
            new PriorityQueue<>((a, b) -> Long.compare(a.timeoutDeadline, b.timeoutDeadline));
    private int waiting;

    PendingQueues(int levels) {
        waitingPerLevel = new int[levels];
        for (int i = 0; i < levels; i++) {
            main.add(new ArrayDeque<>());
            delayed.add(new ArrayDeque<>());
        }
    }

    int waiting() {
        return waiting;
    }

    int waiting(int level) {
        return waitingPerLevel[level - 1];
    }

    void add(PendingRequest r) {
        r.state = State.QUEUED;
        main.get(r.level - 1).addLast(r);
        waitingPerLevel[r.level - 1]++;
        waiting++;
        if (r.hasTimeout()) {
            byTimeout.add(r);
        }
    }

    /** Marks a waiting request as gone (taken by a batch or answered) and updates the counts. */
    void remove(PendingRequest r, State newState) {
        if (r.state != State.QUEUED && r.state != State.DELAYED) {
            throw new IllegalStateException(r + " is not waiting");
        }
        r.state = newState;
        waitingPerLevel[r.level - 1]--;
        waiting--;
    }

    /** Requests the timeout heap still references, gone ones included (for tests). */
    int trackedTimeouts() {
        return byTimeout.size();
    }

    /** The earliest timeout deadline of a request still in the main queues, or {@link Long#MAX_VALUE}. */
    long nextTimeout() {
        PendingRequest head;
        while ((head = byTimeout.peek()) != null && head.state != State.QUEUED) {
            byTimeout.poll();
        }
        return head == null ? Long.MAX_VALUE : head.timeoutDeadline;
    }

    /**
     * Takes the requests whose timeout is at or before {@code now}, in deadline order. Those with DELAY move to the
     * back of their level's delayed queue and stay waiting; those with REJECT are handed to {@code rejected} still
     * counted as waiting, for the caller to {@link #remove} and answer.
     */
    void expire(long now, Consumer<PendingRequest> rejected) {
        while (nextTimeout() <= now) {
            PendingRequest r = byTimeout.poll();
            switch (r.timeoutAction) {
                case DELAY -> {
                    r.state = State.DELAYED;
                    delayed.get(r.level - 1).addLast(r);
                }
                case REJECT -> rejected.accept(r);
            }
        }
    }

    /**
     * Drops requests that are no longer waiting from the deque heads, and from the timeout heap once it holds more
     * gone requests than waiting ones, so that answered requests (and their tensors) are not kept alive.
     */
    void compact() {
        if (byTimeout.size() > 2 * waiting + 64) {
            byTimeout.removeIf(r -> r.state != State.QUEUED);
        }
        for (int i = 0; i < main.size(); i++) {
            PendingRequest r;
            while ((r = main.get(i).peekFirst()) != null && r.state != State.QUEUED) {
                main.get(i).pollFirst();
            }
            while ((r = delayed.get(i).peekFirst()) != null && r.state != State.DELAYED) {
                delayed.get(i).pollFirst();
            }
        }
    }

    /** The waiting requests in batch order; the iterator does not support removal, use {@link #remove}. */
    Iterator<PendingRequest> inOrder() {
        return new InOrder();
    }

    private final class InOrder implements Iterator<PendingRequest> {
        /** Index into the deques: level * 2 for main, level * 2 + 1 for delayed. */
        private int deque = -1;
        private Iterator<PendingRequest> current = Collections.emptyIterator();
        private PendingRequest next;

        @Override
        public boolean hasNext() {
            while (next == null) {
                while (!current.hasNext()) {
                    deque++;
                    if (deque >= main.size() * 2) {
                        return false;
                    }
                    current = (deque % 2 == 0 ? main : delayed).get(deque / 2).iterator();
                }
                PendingRequest r = current.next();
                State live = deque % 2 == 0 ? State.QUEUED : State.DELAYED;
                if (r.state == live) {
                    next = r;
                }
            }
            return true;
        }

        @Override
        public PendingRequest next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            PendingRequest r = next;
            next = null;
            return r;
        }
    }
}
