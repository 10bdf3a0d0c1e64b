package io.tensorline.perf.load;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts requests in flight and lets one thread wait, with a timeout, until there are none. */
final class InFlight {

    private final AtomicInteger count = new AtomicInteger();
    private final Object lock = new Object();

    void add(int n) {
        count.addAndGet(n);
    }

    void done() {
        if (count.decrementAndGet() == 0) {
            synchronized (lock) {
                lock.notifyAll();
            }
        }
    }

    int get() {
        return count.get();
    }

    /** True when none are left; false when some still are after {@code timeout}. */
    boolean awaitZero(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (count.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }
}
