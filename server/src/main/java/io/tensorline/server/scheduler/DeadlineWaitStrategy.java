package io.tensorline.server.scheduler;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;

import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * A blocking wait strategy for one consumer whose timeout moves: the consumer parks until an event is published
 * or until the deadline its handler asks for (the next queue timeout or batching delay), whichever comes first.
 * Reaching the deadline throws {@link TimeoutException}, which the {@code BatchEventProcessor} turns into the
 * handler's {@code onTimeout}. With no deadline it parks indefinitely, so an idle batcher costs no CPU. Before it
 * parks it spins for a bounded time (real time, not the injected clock), so that a request arriving right after
 * the last event is taken in well under a microsecond instead of after a wake-up.
 *
 * <p>The disruptor's own {@code TimeoutBlockingWaitStrategy} has a fixed timeout, which would either wake the
 * batcher needlessly or miss short delays. Producers pay one volatile read per publish, plus an {@code unpark}
 * only when the consumer is parked (like {@code LiteBlockingWaitStrategy}, without a lock).
 */
final class DeadlineWaitStrategy implements WaitStrategy {

    private final NanoClock clock;
    private final long spinNanos;
    /** Read on the consumer thread only, when it is about to park. */
    private LongSupplier deadlines = () -> Long.MAX_VALUE;
    /** The consumer while it is parked or about to park; null otherwise. */
    private volatile Thread parked;

    DeadlineWaitStrategy(NanoClock clock) {
        this(clock, 0);
    }

    /** @param spinNanos how long to spin for the next event before parking; 0 parks at once */
    DeadlineWaitStrategy(NanoClock clock, long spinNanos) {
        if (spinNanos < 0) {
            throw new IllegalArgumentException("spinNanos: " + spinNanos + " (expected: >= 0)");
        }
        this.clock = clock;
        this.spinNanos = spinNanos;
    }

    /** Set before the consumer starts: where to ask for the next deadline (a nanoTime, or Long.MAX_VALUE). */
    void deadlines(LongSupplier source) {
        this.deadlines = source;
    }

    @Override
    public long waitFor(long sequence, Sequence cursor, Sequence dependentSequence, SequenceBarrier barrier)
            throws AlertException, TimeoutException {
        long available = dependentSequence.get();
        if (available >= sequence) {
            return available;
        }
        long deadline = deadlines.getAsLong();
        if (spinNanos > 0) {
            long end = System.nanoTime() + spinNanos;
            do {
                Thread.onSpinWait();
                if ((available = dependentSequence.get()) >= sequence) {
                    return available;
                }
                barrier.checkAlert();
                if (deadline != Long.MAX_VALUE && deadline - clock.nanoTime() <= 0) {
                    throw TimeoutException.INSTANCE;
                }
            } while (System.nanoTime() - end < 0);
        }
        parked = Thread.currentThread();
        // Dekker with the producer: it advances the cursor, then reads `parked`; we publish `parked`, then read
        // the cursor. The fence keeps the read after the write, so one of us sees the other and no wake-up is lost.
        VarHandle.fullFence();
        try {
            while ((available = dependentSequence.get()) < sequence) {
                barrier.checkAlert();
                if (deadline == Long.MAX_VALUE) {
                    LockSupport.park(this);
                } else {
                    long remaining = deadline - clock.nanoTime();
                    if (remaining <= 0) {
                        throw TimeoutException.INSTANCE;
                    }
                    LockSupport.parkNanos(this, remaining);
                }
                // the processor treats InterruptedException as an event failure; halting goes through alert()
                Thread.interrupted();
            }
        } finally {
            parked = null;
        }
        return available;
    }

    @Override
    public void signalAllWhenBlocking() {
        Thread t = parked;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
