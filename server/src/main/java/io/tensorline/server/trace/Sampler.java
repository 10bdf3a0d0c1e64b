package io.tensorline.server.trace;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decides which requests of one scope are traced: 1 in {@code rate}, until {@code count} traces were taken. A
 * request with a propagated context is always traced while the level is not OFF, and does not use up the count.
 * Any thread.
 */
final class Sampler {

    private final TraceSetting setting;
    private final AtomicLong seen = new AtomicLong();
    private final AtomicInteger remaining;

    Sampler(TraceSetting setting) {
        this.setting = setting;
        this.remaining = new AtomicInteger(setting.count());
    }

    TraceSetting setting() {
        return setting;
    }

    boolean sample(boolean propagated) {
        if (setting.off()) {
            return false;
        }
        if (propagated) {
            return true;
        }
        int rate = setting.rate();
        if (rate == 0 || seen.getAndIncrement() % rate != 0) {
            return false;
        }
        while (true) {
            int left = remaining.get();
            if (left == -1) {
                return true;
            }
            if (left == 0) {
                return false;
            }
            if (remaining.compareAndSet(left, left - 1)) {
                return true;
            }
        }
    }
}
