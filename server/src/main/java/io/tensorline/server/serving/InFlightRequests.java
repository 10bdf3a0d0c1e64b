package io.tensorline.server.serving;

import io.tensorline.server.core.InferenceException;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The inferences the server has accepted and not yet answered, across both transports: bounds how many there may be
 * at once (beyond it a request is refused at once with UNAVAILABLE), and lets a shutdown wait for them and, when its
 * time is up, answer the rest with UNAVAILABLE. Thread-safe; admission is one atomic increment.
 */
public final class InFlightRequests {

    /** No limit. */
    public static final int UNBOUNDED = Integer.MAX_VALUE;

    private final int limit;
    private final AtomicInteger count = new AtomicInteger();
    private final Set<CompletableFuture<?>> open = ConcurrentHashMap.newKeySet();
    private final Object idle = new Object();
    /** Set once {@link #awaitIdle} is called (a shutdown), so that until then requests never take the monitor. */
    private volatile boolean awaiting;

    /** @param limit most requests in flight at once (Tensorline's {@code --max-inflight-requests}) */
    public InFlightRequests(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= 1)");
        }
        this.limit = limit;
    }

    /** Takes a slot, or returns false when every slot is taken. A true must be followed by {@link #track}. */
    boolean tryAdmit() {
        if (count.incrementAndGet() > limit) {
            release();
            return false;
        }
        return true;
    }

    /** Follows an admitted request's answer; the slot is freed when it completes. */
    void track(CompletableFuture<?> response) {
        open.add(response);
        response.whenComplete((r, e) -> {
            open.remove(response);
            release();
        });
    }

    /** Frees a slot that {@link #tryAdmit} took for a request that failed before it had a future. */
    void release() {
        // both volatile: either this sees the waiter's flag and notifies, or the waiter then sees the count at 0
        if (count.decrementAndGet() == 0 && awaiting) {
            synchronized (idle) {
                idle.notifyAll();
            }
        }
    }

    public int limit() {
        return limit;
    }

    /** Requests accepted and not yet answered. */
    public int count() {
        return Math.max(0, count.get());
    }

    /** Waits until nothing is in flight or the deadline ({@link System#nanoTime} based) passes; true when idle. */
    public boolean awaitIdle(long deadlineNanos) throws InterruptedException {
        awaiting = true;
        synchronized (idle) {
            while (count.get() > 0) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(idle, left);
            }
            return true;
        }
    }

    /** Answers every request still in flight with this error (each answer goes out through its transport). */
    public int failAll(InferenceException error) {
        int failed = 0;
        for (CompletableFuture<?> f : open) {
            if (f.completeExceptionally(error)) {
                failed++;
            }
        }
        return failed;
    }
}
