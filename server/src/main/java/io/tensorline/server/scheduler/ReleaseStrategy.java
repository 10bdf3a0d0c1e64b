package io.tensorline.server.scheduler;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * When a request whose outcome is decided gets its answer: at once ({@link #immediate()}), or once every request
 * accepted before it has one ({@link #inArrivalOrder()}, Triton's {@code preserve_ordering}). Used by the
 * scheduler's own thread only (the batcher thread), so the in-order state needs no locks.
 */
interface ReleaseStrategy {

    /** Whether the instance pool answers a batch's requests itself as soon as they ran. */
    boolean answersOnInstance();

    /** A request was accepted into the scheduler's queue. */
    void accepted(PendingRequest r);

    /**
     * The outcomes of {@code decided} are recorded in them: hands {@code answer} the requests that may now be
     * answered, in the order they must be, as one list (possibly empty).
     */
    void decided(List<PendingRequest> decided, Consumer<List<PendingRequest>> answer);

    /** Whether no request is held back waiting for an earlier one. */
    boolean holdsNone();

    static ReleaseStrategy of(boolean preserveOrdering) {
        return preserveOrdering ? inArrivalOrder() : immediate();
    }

    static ReleaseStrategy immediate() {
        return Immediate.INSTANCE;
    }

    static ReleaseStrategy inArrivalOrder() {
        return new InArrivalOrder();
    }

    /** Answers every request as soon as its outcome is known; batches are answered on their instance. */
    enum Immediate implements ReleaseStrategy {
        INSTANCE;

        @Override
        public boolean answersOnInstance() {
            return true;
        }

        @Override
        public void accepted(PendingRequest r) {
        }

        @Override
        public void decided(List<PendingRequest> decided, Consumer<List<PendingRequest>> answer) {
            answer.accept(decided);
        }

        @Override
        public boolean holdsNone() {
            return true;
        }
    }

    /** Holds each answer back until every request accepted before it has been answered. */
    final class InArrivalOrder implements ReleaseStrategy {

        private final ArrayDeque<PendingRequest> arrivals = new ArrayDeque<>();

        @Override
        public boolean answersOnInstance() {
            return false;
        }

        @Override
        public void accepted(PendingRequest r) {
            arrivals.addLast(r);
        }

        @Override
        public void decided(List<PendingRequest> decided, Consumer<List<PendingRequest>> answer) {
            for (PendingRequest r : decided) {
                r.outcomeReady = true;
            }
            List<PendingRequest> ready = new ArrayList<>();
            PendingRequest head;
            while ((head = arrivals.peekFirst()) != null && head.outcomeReady) {
                ready.add(arrivals.pollFirst());
            }
            answer.accept(ready);
        }

        @Override
        public boolean holdsNone() {
            return arrivals.isEmpty();
        }
    }
}
