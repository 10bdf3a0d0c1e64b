package io.tensorline.server.simulated;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * The simulated device's wait: parks until shortly before the deadline, then spins the rest, so that an execution
 * lasts its nominal time rather than the nominal time plus a wake-up. {@code parkNanos} returns late by the
 * kernel's timer slack (50 µs by default) plus however long the woken thread then waits for a cpu, which on a core
 * shared with the server's event loops is a few hundred µs; parking for the whole wait would add that to every
 * execution. The margin before the deadline adapts to the wake-ups seen: it rises at once to cover a late one
 * (plus a quarter) and decays by a sixteenth per wait towards the lateness seen, between {@link #MIN_MARGIN} and
 * {@link #MAX_MARGIN}. So the spin costs about the wake-up latency per execution (e.g. 100–300 µs per 3 ms on 2
 * shared cores), not a core. One instance per model instance: used by one thread at a time.
 */
final class ParkThenSpin implements SimulatedModel.Pause {

    static final long MIN_MARGIN = 20_000;
    static final long MAX_MARGIN = 1_000_000;
    static final long INITIAL_MARGIN = 100_000;

    private final LongSupplier clock;
    private final LongConsumer parkNanos;
    private long margin = INITIAL_MARGIN;

    /** The real one: {@code System.nanoTime} and {@code LockSupport.parkNanos}. */
    ParkThenSpin() {
        this(System::nanoTime, LockSupport::parkNanos);
    }

    ParkThenSpin(LongSupplier clock, LongConsumer parkNanos) {
        this.clock = clock;
        this.parkNanos = parkNanos;
    }

    @Override
    public void until(long deadlineNanos) {
        long now = clock.getAsLong();
        if (deadlineNanos - now > margin) {
            long wakeAt = deadlineNanos - margin;
            do { // parks again only after an early (spurious) return
                parkNanos.accept(wakeAt - now);
                now = clock.getAsLong();
            } while (wakeAt - now > 0);
            adapt(now - wakeAt);
        }
        while (deadlineNanos - now > 0) {
            Thread.onSpinWait();
            now = clock.getAsLong();
        }
    }

    /** @param late how long after the moment asked for the park returned (negative: it returned early) */
    private void adapt(long late) {
        if (late > margin) {
            margin = Math.min(MAX_MARGIN, late + late / 4);
        } else {
            margin = Math.max(MIN_MARGIN, margin - (margin - Math.max(late, 0)) / 16);
        }
    }

    /** The current margin before a deadline at which the wait stops parking and spins, for tests and logs. */
    long marginNanos() {
        return margin;
    }
}
