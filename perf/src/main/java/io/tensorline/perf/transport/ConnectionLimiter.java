package io.tensorline.perf.transport;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;

/**
 * Keeps at most {@code limit} HTTP/1.1 requests in flight, and so at most that many connections open: a request
 * over the limit waits in a queue (never blocking its sender) and is started when one in flight finishes.
 */
final class ConnectionLimiter {

    private final Semaphore permits;
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    ConnectionLimiter(int limit) {
        this.permits = new Semaphore(limit);
    }

    /** Runs {@code start} now if a connection is free, else when one is released. */
    void submit(Runnable start) {
        waiting.add(start);
        drain();
    }

    /** Called once by every started request when it has finished. */
    void release() {
        permits.release();
        drain();
    }

    // re-checked after every add and every release, so no waiting request is left behind by a race
    private void drain() {
        while (!waiting.isEmpty() && permits.tryAcquire()) {
            Runnable next = waiting.poll();
            if (next == null) {
                permits.release();
                return;
            }
            next.run();
        }
    }
}
