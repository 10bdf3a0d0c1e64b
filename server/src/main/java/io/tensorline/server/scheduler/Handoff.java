package io.tensorline.server.scheduler;

import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A mailbox with many producers and one consumer thread, which spins for a bounded time before it parks: a batch
 * assigned right after the previous one finished (the common case under load) is picked up in well under a
 * microsecond, and an idle consumer costs no CPU after the spin. Spins that keep finding nothing are paused
 * ({@link AdaptiveSpin}). Producers pay a lock-free offer plus an {@code unpark} only while the consumer is parked.
 */
final class Handoff<T> {

    private final ConcurrentLinkedQueue<T> items = new ConcurrentLinkedQueue<>();
    private final long spinNanos;
    /** The consumer's own. */
    private final AdaptiveSpin spin = new AdaptiveSpin();
    /** The consumer while it is parked or about to park; null otherwise. */
    private volatile Thread parked;

    /** @param spinNanos how long {@link #take} spins before it parks; 0 parks at once */
    Handoff(long spinNanos) {
        if (spinNanos < 0) {
            throw new IllegalArgumentException("spinNanos: " + spinNanos + " (expected: >= 0)");
        }
        this.spinNanos = spinNanos;
    }

    /** Any thread; never blocks. */
    void put(T item) {
        items.offer(item);
        Thread t = parked;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Whether an item is waiting; the consumer thread only. */
    boolean hasNext() {
        return !items.isEmpty();
    }

    /** The next item, waiting for it as long as it takes; the consumer thread only. Ignores interrupts. */
    T take() {
        T item = items.poll();
        if (item != null) {
            return item;
        }
        if (spinNanos > 0 && spin.shouldSpin()) {
            // real time, not the injected clock: a spin is CPU behaviour, and a fake clock
            // standing still would never end it
            long end = System.nanoTime() + spinNanos;
            do {
                Thread.onSpinWait();
                if ((item = items.poll()) != null) {
                    spin.spun(true);
                    return item;
                }
            } while (System.nanoTime() - end < 0);
            spin.spun(false);
        }
        parked = Thread.currentThread();
        // Dekker with put(): it offers, then reads `parked`; we write `parked`, then poll. The fence keeps our poll
        // after our write, so either we see the item or the producer sees us parked and unparks us.
        VarHandle.fullFence();
        try {
            while ((item = items.poll()) == null) {
                LockSupport.park(this);
                Thread.interrupted(); // an interrupt must not turn the park into a busy loop
            }
        } finally {
            parked = null;
        }
        return item;
    }
}
