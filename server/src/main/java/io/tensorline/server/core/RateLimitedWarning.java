package io.tensorline.server.core;

import org.slf4j.Logger;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A warning that a client can trigger at will (a failing request, a broken connection): at most one line per
 * interval at WARN, with the failure's one-line summary and how many like it were not logged; stack traces only at
 * DEBUG. Thread-safe; lock-free.
 */
public final class RateLimitedWarning {

    private final Logger log;
    private final String what;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final AtomicLong nextAllowed;
    private final AtomicLong suppressed = new AtomicLong();

    /** One line every 10 seconds at most, on the system's nanosecond clock. */
    public RateLimitedWarning(Logger log, String what) {
        this(log, what, TimeUnit.SECONDS.toNanos(10), System::nanoTime);
    }

    public RateLimitedWarning(Logger log, String what, long intervalNanos, LongSupplier nanoClock) {
        this.log = Objects.requireNonNull(log, "log");
        this.what = Objects.requireNonNull(what, "what");
        this.intervalNanos = intervalNanos;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.nextAllowed = new AtomicLong(nanoClock.getAsLong());
    }

    /** Logs {@code failure} (about {@code subject}, e.g. a remote address) unless a line was logged too recently. */
    public void warn(Object subject, Throwable failure) {
        if (log.isDebugEnabled()) {
            log.debug("{} ({})", what, subject, failure);
        }
        long now = nanoClock.getAsLong();
        long next = nextAllowed.get();
        if (now - next < 0 || !nextAllowed.compareAndSet(next, now + intervalNanos)) {
            suppressed.incrementAndGet();
            return;
        }
        long skipped = suppressed.getAndSet(0);
        log.warn("{} ({}): {}{}", what, subject, summary(failure),
                skipped == 0 ? "" : " [" + skipped + " more since the last such line]");
    }

    /** The failure and its causes on one line, without stack frames. */
    static String summary(Throwable failure) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = failure; t != null && b.length() < 500; t = t.getCause() == t ? null : t.getCause()) {
            if (b.length() > 0) {
                b.append(" <- ");
            }
            b.append(t.getClass().getSimpleName());
            if (t.getMessage() != null) {
                b.append(": ").append(t.getMessage().replace('\n', ' '));
            }
        }
        return b.toString();
    }
}
