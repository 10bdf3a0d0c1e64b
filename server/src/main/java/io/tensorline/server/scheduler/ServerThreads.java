package io.tensorline.server.scheduler;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one thread factory of a server (issue 10.5): every thread of the schedulers ({@code batcher-}, {@code
 * instance-}, {@code completer-}, {@code sequence-}), of model loading and retiring ({@code model-load-<n>},
 * {@code model-retire}) and of the repository poller ({@code model-poll}) is made here, with its name kept, as a
 * daemon (a server stops by closing what it owns, never by waiting for stray threads), in this owner's thread
 * group. {@code ServerResources} (package {@code net}) creates one per server; {@link #DEFAULT} serves code built without a server
 * (tests, the embedded API). Threads start where they are needed: this only makes them, so an owner knows and
 * names everything running on its behalf ({@link #owns}), and the thread counts are those of the components that
 * ask (one per instance, one batcher per batching model, one completer per model).
 */
public final class ServerThreads {

    /** For components built outside a server. */
    public static final ServerThreads DEFAULT = new ServerThreads("tensorline");

    private final ThreadGroup group;
    private final AtomicInteger made = new AtomicInteger();

    /** @param owner the name of the thread group every thread made here belongs to */
    public ServerThreads(String owner) {
        this.group = new ThreadGroup(Objects.requireNonNull(owner, "owner"));
    }

    /** A daemon thread of this owner called {@code name}, not started. */
    public Thread newThread(String name, Runnable task) {
        Thread t = new Thread(group, task, name);
        t.setDaemon(true);
        made.incrementAndGet();
        return t;
    }

    /** Makes threads called exactly {@code name} (for single-thread executors). */
    public ThreadFactory named(String name) {
        return r -> newThread(name, r);
    }

    /** Makes threads called {@code prefix0}, {@code prefix1}, and so on. */
    public ThreadFactory numbered(String prefix) {
        AtomicInteger next = new AtomicInteger();
        return r -> newThread(prefix + next.getAndIncrement(), r);
    }

    /** Whether this owner made {@code t}. */
    public boolean owns(Thread t) {
        return t.getThreadGroup() == group;
    }

    /** The owner's name. */
    public String owner() {
        return group.getName();
    }

    /** How many threads this owner has made so far. */
    public int made() {
        return made.get();
    }
}
